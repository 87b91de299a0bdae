// The LevelDB adapter (Debian's libleveldb 1.23). Configured like the
// others: same write buffer, block cache, bloom filter, compression (LevelDB
// only has snappy), sync and max_open_files; everything else is default.
// LevelDB always has two memtables (one active, one being flushed) and its L0
// triggers are compile-time constants. It has no counter of bytes written,
// so the adapter opens it on an Env that counts every byte appended to every
// file (WAL .log, tables .ldb, MANIFEST): the sum is exact, not sampled.
// Reads, writes and scans are leveldb_style_engine.h's.
#include <fmt/format.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>

#include <atomic>

#include "leveldb_style_engine.h"

namespace nokv::bench {
namespace {

struct LevelDbApi {
  using DB = leveldb::DB;
  using Slice = leveldb::Slice;
  using Status = leveldb::Status;
  using Iterator = leveldb::Iterator;
  using ReadOptions = leveldb::ReadOptions;
  using WriteOptions = leveldb::WriteOptions;
  static constexpr const char* kName = "leveldb";
};

// LevelDB 1.23's db/dbformat.h (not installed): L0 files that start a
// compaction, that slow each write by 1 ms, that stop writes.
constexpr int kLevelDbL0Compaction = 4, kLevelDbL0Slowdown = 8, kLevelDbL0Stop = 12;

// Bytes appended to files, by kind (file name suffix).
struct WriteCounters {
  std::atomic<uint64_t> wal{0}, table{0}, other{0};
};

class CountingFile final : public leveldb::WritableFile {
 public:
  CountingFile(leveldb::WritableFile* base, std::atomic<uint64_t>* counter)
      : base_(base), counter_(counter) {}
  leveldb::Status Append(const leveldb::Slice& data) override {
    counter_->fetch_add(data.size(), std::memory_order_relaxed);
    return base_->Append(data);
  }
  leveldb::Status Close() override { return base_->Close(); }
  leveldb::Status Flush() override { return base_->Flush(); }
  leveldb::Status Sync() override { return base_->Sync(); }

 private:
  std::unique_ptr<leveldb::WritableFile> base_;
  std::atomic<uint64_t>* counter_;
};

class CountingEnv final : public leveldb::EnvWrapper {
 public:
  CountingEnv() : leveldb::EnvWrapper(leveldb::Env::Default()) {}
  leveldb::Status NewWritableFile(const std::string& f, leveldb::WritableFile** r) override {
    return Wrap(f, target()->NewWritableFile(f, r), r);
  }
  leveldb::Status NewAppendableFile(const std::string& f, leveldb::WritableFile** r) override {
    return Wrap(f, target()->NewAppendableFile(f, r), r);
  }
  const WriteCounters& counters() const { return counters_; }

 private:
  static bool EndsWith(const std::string& s, const char* suffix) {
    const size_t n = std::char_traits<char>::length(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
  }
  leveldb::Status Wrap(const std::string& name, leveldb::Status s, leveldb::WritableFile** r) {
    if (!s.ok()) return s;
    std::atomic<uint64_t>* counter = &counters_.other;
    if (EndsWith(name, ".log")) counter = &counters_.wal;  // LOG (info log) has no suffix
    if (EndsWith(name, ".ldb") || EndsWith(name, ".sst")) counter = &counters_.table;
    *r = new CountingFile(*r, counter);
    return s;
  }

  WriteCounters counters_;
};

std::string Megs(uint64_t bytes) {
  return fmt::format("{:.1f}M", static_cast<double>(bytes) / (1 << 20));
}

class LevelDbEngine final : public LevelDbStyleEngine<LevelDbApi> {
 public:
  ~LevelDbEngine() override { Release(); }

  Status Open(const EngineConfig& config, const std::string& dir) {
    env_ = std::make_unique<CountingEnv>();
    cache_.reset(leveldb::NewLRUCache(config.block_cache_size));
    filter_.reset(leveldb::NewBloomFilterPolicy(config.bloom_bits_per_key));
    leveldb::Options o;
    o.env = env_.get();
    o.write_buffer_size = config.memtable_size;
    o.max_open_files = config.max_open_files;
    o.block_cache = cache_.get();
    o.filter_policy = filter_.get();
    std::string compression = "none";
    if (config.compression == "none") {
      o.compression = leveldb::kNoCompression;
    } else {
      o.compression = leveldb::kSnappyCompression;  // the only codec LevelDB has
      compression = "snappy (asked: " + config.compression + ")";
    }
    write_options_.sync = config.sync;
    // Like the other engines (LevelDB's default is off): every block read
    // is checked against its checksum.
    read_options_.verify_checksums = true;
    settings_ = fmt::format(
        "leveldb {}.{}: memtables=2x{}MiB={}MiB (write_buffer_size; 2 is fixed{}) "
        "block_cache={}MiB(LRU) l0_compaction/slowdown/stop={}/{}/{} (fixed) compression={} "
        "bloom={}bits/key max_open_files={} sync={} verify_checksums=on max_file_size={}MiB "
        "mmap_reads=on (always; up to 1000 tables) (others default; one "
        "background thread)",
        leveldb::kMajorVersion, leveldb::kMinorVersion, config.memtable_size >> 20,
        (2 * config.memtable_size) >> 20,
        config.memtables == 2 ? "" : fmt::format(", asked: {}", config.memtables),
        config.block_cache_size >> 20, kLevelDbL0Compaction, kLevelDbL0Slowdown, kLevelDbL0Stop,
        compression, config.bloom_bits_per_key, o.max_open_files, config.sync ? "on" : "off",
        o.max_file_size >> 20);
    return OpenDb(o, dir);
  }

  // Bytes appended to every file the DB created: WAL, tables (flush and
  // compaction output), MANIFEST and CURRENT.
  EngineStats Stats() override {
    const WriteCounters& c = env_->counters();
    const uint64_t wal = c.wal.load(), table = c.table.load(), other = c.other.load();
    EngineStats out;
    out.bytes_written = static_cast<double>(wal + table + other);
    out.wal_bytes_written = static_cast<double>(wal);
    out.bytes_written_sources = fmt::format("wal {} + tables {} + manifest {} (file appends)",
                                            Megs(wal), Megs(table), Megs(other));
    return out;
  }
  Status Close() override {
    Release();
    return Status::OK();
  }

 private:
  // The DB must go before the cache and filter policy it points at.
  void Release() {
    db_.reset();
    cache_.reset();
    filter_.reset();
  }

  std::unique_ptr<CountingEnv> env_;  // Release() drops db_ before this goes
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
};

}  // namespace

Status OpenLevelDbEngine(const EngineConfig& config, const std::string& dir,
                         std::unique_ptr<Engine>* engine) {
  return OpenPeerEngine<LevelDbEngine>(config, dir, engine);
}

}  // namespace nokv::bench
