// Engine: the one interface every benchmarked store sits behind (NoKV here;
// RocksDB and LevelDB in cmd/nokv-bench, which may include their headers).
// EngineConfig carries the knobs that are set alike on every engine so the
// comparison is fair.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace nokv::bench {

// The memory budget is the same for every engine: `memtables` write buffers
// of `memtable_size` bytes each (the active one plus frozen ones waiting for
// flush; writers stall when all are full), so memtables * memtable_size of
// write-buffer memory, and one block cache of block_cache_size. Mapping:
// NoKV memtable_size / max_immutable_memtables = memtables - 1; RocksDB
// write_buffer_size / max_write_buffer_number = memtables; LevelDB
// write_buffer_size, with its memtable count fixed at 2 (one active, one
// being flushed), which is why 2 is the default.
struct EngineConfig {
  size_t memtable_size = 16ull << 20;     // one write buffer, before it is frozen
  int memtables = 2;                      // write buffers in memory at most
  size_t block_cache_size = 64ull << 20;  // LRU cache of data blocks
  std::string compression = "none";       // none | lz4 | zstd | snappy
  int bloom_bits_per_key = 10;
  int max_open_files = 1000;
  bool sync = false;            // fsync every write
  // Tables (and NoKV's value log) read through memory mappings: NoKV and
  // RocksDB allow_mmap_reads. LevelDB's default Env always maps up to 1000
  // tables on 64-bit systems.
  bool mmap_reads = false;
  // NoKV: values of at least this many bytes go to the value log; 0 turns
  // separation off, -1 keeps NoKV's default.
  int64_t value_threshold = -1;
  // NoKV: memtable index, "skiplist" (default) or "art".
  std::string memtable_engine = "skiplist";
};

// Counters an engine reports after a run; negative = not reported.
struct EngineStats {
  // Every byte the engine wrote to its files since open: WAL, flushes,
  // compactions and (NoKV) value-log appends including GC rewrites.
  double bytes_written = -1;
  double wal_bytes_written = -1;  // the WAL's share of it
  // Where bytes_written came from, e.g. "wal 30.1M + flush 28.0M + ...".
  std::string bytes_written_sources;
};

// Receives each record of a scan; the views live until the next call.
using ScanVisitor = std::function<void(std::string_view key, std::string_view value)>;

class Engine {
 public:
  virtual ~Engine() = default;

  // Returns NotFound for a missing key.
  virtual Status Read(std::string_view key, std::string* value) = 0;
  // Inserts or overwrites.
  virtual Status Write(std::string_view key, std::string_view value) = 0;
  // Reads up to `count` records starting at the first key >= start, handing
  // each to `visit` in key order.
  virtual Status Scan(std::string_view start, uint64_t count, const ScanVisitor& visit) = 0;
  virtual EngineStats Stats() { return {}; }
  // Flushes nothing extra; releases the store. Further calls are errors.
  virtual Status Close() = 0;

  // How the engine was configured (one line for the report), including
  // anything in EngineConfig it could not apply.
  virtual std::string Settings() const = 0;
};

// Opens engine `name` in an empty directory `dir`.
using EngineOpener = std::function<Status(const std::string& name, const EngineConfig& config,
                                          const std::string& dir, std::unique_ptr<Engine>* engine)>;

struct EngineRegistry {
  std::vector<std::string> names;  // engines compiled in, in report order
  EngineOpener open;
};

// The NoKV adapter. `name` is "nokv" (memtable index from
// config.memtable_engine) or "nokv-art" (always the adaptive radix tree), so
// one run can compare both memtable engines.
Status OpenNoKvEngine(const std::string& name, const EngineConfig& config, const std::string& dir,
                      std::unique_ptr<Engine>* engine);
// A registry holding NoKV only (the peers live in cmd/nokv-bench).
EngineRegistry NoKvOnlyRegistry();

}  // namespace nokv::bench
