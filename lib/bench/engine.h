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

struct EngineConfig {
  size_t memtable_size = 64ull << 20;     // write buffer before a flush
  size_t block_cache_size = 64ull << 20;  // LRU cache of data blocks
  std::string compression = "none";       // none | lz4 | zstd | snappy
  int bloom_bits_per_key = 10;
  int max_open_files = 1000;
  bool sync = false;            // fsync every write
  // NoKV: values of at least this many bytes go to the value log; 0 turns
  // separation off, -1 keeps NoKV's default.
  int64_t value_threshold = -1;
  // NoKV: memtable index, "skiplist" (default) or "art".
  std::string memtable_engine = "skiplist";
};

// Counters an engine reports after a run; negative = not reported.
struct EngineStats {
  // Bytes written to table files by flushes and compactions since open.
  double table_bytes_written = -1;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Returns NotFound for a missing key.
  virtual Status Read(std::string_view key, std::string* value) = 0;
  // Inserts or overwrites.
  virtual Status Write(std::string_view key, std::string_view value) = 0;
  // Reads up to `count` records starting at the first key >= start;
  // *found receives the number read.
  virtual Status Scan(std::string_view start, uint64_t count, uint64_t* found) = 0;
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
