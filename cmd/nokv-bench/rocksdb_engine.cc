// The RocksDB adapter (Debian's librocksdb). Configured like the others:
// same write buffer, block cache, bloom filter, compression, sync and
// max_open_files; everything else is RocksDB's default. Reads, writes and
// scans are leveldb_style_engine.h's.
#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>

#include <cstdlib>
#include <map>

#include "leveldb_style_engine.h"

namespace nokv::bench {
namespace {

struct RocksDbApi {
  using DB = rocksdb::DB;
  using Slice = rocksdb::Slice;
  using Status = rocksdb::Status;
  using Iterator = rocksdb::Iterator;
  using ReadOptions = rocksdb::ReadOptions;
  using WriteOptions = rocksdb::WriteOptions;
  static constexpr const char* kName = "rocksdb";
};

class RocksDbEngine final : public LevelDbStyleEngine<RocksDbApi> {
 public:
  Status Open(const EngineConfig& config, const std::string& dir) {
    rocksdb::Options o;
    o.write_buffer_size = config.memtable_size;
    o.max_open_files = config.max_open_files;
    const std::string& compression = config.compression;
    if (compression == "lz4") {
      o.compression = rocksdb::kLZ4Compression;
    } else if (compression == "zstd") {
      o.compression = rocksdb::kZSTD;
    } else if (compression == "snappy") {
      o.compression = rocksdb::kSnappyCompression;
    } else {
      o.compression = rocksdb::kNoCompression;
    }
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = rocksdb::NewLRUCache(config.block_cache_size);
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(config.bloom_bits_per_key));
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    write_options_.sync = config.sync;
    settings_ = fmt::format(
        "rocksdb {}.{}.{}: write_buffer={}MiB block_cache={}MiB(LRU) compression={} "
        "bloom={}bits/key max_open_files={} sync={} max_background_jobs={} l0_trigger={} "
        "level_base={}MiB target_file={}MiB (others default)",
        ROCKSDB_MAJOR, ROCKSDB_MINOR, ROCKSDB_PATCH, config.memtable_size >> 20,
        config.block_cache_size >> 20, compression, config.bloom_bits_per_key, o.max_open_files,
        config.sync ? "on" : "off", o.max_background_jobs, o.level0_file_num_compaction_trigger,
        o.max_bytes_for_level_base >> 20, o.target_file_size_base >> 20);
    return OpenDb(o, dir);
  }

  EngineStats Stats() override {
    // "compaction.Sum.WriteGB" covers flushes (L0 writes) and compactions.
    EngineStats out;
    std::map<std::string, std::string> props;
    if (db_->GetMapProperty(rocksdb::DB::Properties::kCFStats, &props)) {
      auto it = props.find("compaction.Sum.WriteGB");
      if (it != props.end()) {
        out.table_bytes_written = std::strtod(it->second.c_str(), nullptr) * (1ull << 30);
      }
    }
    return out;
  }
  Status Close() override {
    Status s = ToStatus(db_->Close());
    db_.reset();
    return s;
  }
};

}  // namespace

Status OpenRocksDbEngine(const EngineConfig& config, const std::string& dir,
                         std::unique_ptr<Engine>* engine) {
  return OpenPeerEngine<RocksDbEngine>(config, dir, engine);
}

}  // namespace nokv::bench
