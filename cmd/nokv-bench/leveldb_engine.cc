// The LevelDB adapter (Debian's libleveldb 1.23). Configured like the
// others: same write buffer, block cache, bloom filter, compression (LevelDB
// only has snappy), sync and max_open_files; everything else is default.
// Reads, writes and scans are leveldb_style_engine.h's.
#include <fmt/format.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>

#include <sstream>

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

class LevelDbEngine final : public LevelDbStyleEngine<LevelDbApi> {
 public:
  ~LevelDbEngine() override { Release(); }

  Status Open(const EngineConfig& config, const std::string& dir) {
    cache_.reset(leveldb::NewLRUCache(config.block_cache_size));
    filter_.reset(leveldb::NewBloomFilterPolicy(config.bloom_bits_per_key));
    leveldb::Options o;
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
    settings_ = fmt::format(
        "leveldb {}.{}: write_buffer={}MiB block_cache={}MiB(LRU) compression={} "
        "bloom={}bits/key max_open_files={} sync={} max_file_size={}MiB (others default; one "
        "background thread)",
        leveldb::kMajorVersion, leveldb::kMinorVersion, config.memtable_size >> 20,
        config.block_cache_size >> 20, compression, config.bloom_bits_per_key, o.max_open_files,
        config.sync ? "on" : "off", o.max_file_size >> 20);
    return OpenDb(o, dir);
  }

  EngineStats Stats() override {
    // "leveldb.stats" has a per-level table whose last column is Write(MB),
    // flushes included (memtable output is counted at its level).
    EngineStats out;
    std::string text;
    if (!db_->GetProperty("leveldb.stats", &text)) return out;
    std::istringstream in(text);
    std::string line;
    double mb = 0;
    bool rows = false;
    while (std::getline(in, line)) {
      if (line.rfind("------", 0) == 0) {
        rows = true;
        continue;
      }
      if (!rows) continue;
      std::istringstream fields(line);
      double level, files, size, secs, read, write;
      if (fields >> level >> files >> size >> secs >> read >> write) mb += write;
    }
    if (rows) out.table_bytes_written = mb * (1 << 20);
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

  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
};

}  // namespace

Status OpenLevelDbEngine(const EngineConfig& config, const std::string& dir,
                         std::unique_ptr<Engine>* engine) {
  return OpenPeerEngine<LevelDbEngine>(config, dir, engine);
}

}  // namespace nokv::bench
