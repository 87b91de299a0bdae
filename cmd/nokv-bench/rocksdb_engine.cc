// The RocksDB adapter (Debian's librocksdb). Configured like the others:
// same write buffer, block cache, bloom filter, compression, sync and
// max_open_files; everything else is RocksDB's default.
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

#include "peer_engines.h"

namespace nokv::bench {
namespace {

Status ToStatus(const rocksdb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound();
  return Status::IOError("rocksdb: " + s.ToString());
}

class RocksDbEngine final : public Engine {
 public:
  Status Open(const EngineConfig& config, const std::string& dir) {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.write_buffer_size = config.memtable_size;
    o.max_open_files = config.max_open_files;
    std::string compression = config.compression;
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
    rocksdb::DB* db = nullptr;
    Status s = ToStatus(rocksdb::DB::Open(o, dir, &db));
    db_.reset(db);
    return s;
  }

  Status Read(std::string_view key, std::string* value) override {
    return ToStatus(db_->Get(read_options_, rocksdb::Slice(key.data(), key.size()), value));
  }
  Status Write(std::string_view key, std::string_view value) override {
    return ToStatus(db_->Put(write_options_, rocksdb::Slice(key.data(), key.size()),
                             rocksdb::Slice(value.data(), value.size())));
  }
  Status Scan(std::string_view start, uint64_t count, uint64_t* found) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options_));
    uint64_t n = 0;
    for (it->Seek(rocksdb::Slice(start.data(), start.size())); n < count && it->Valid();
         it->Next()) {
      ++n;
      bytes_seen_ += it->value().size();
    }
    *found = n;
    return ToStatus(it->status());
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
  std::string Settings() const override { return settings_; }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ReadOptions read_options_;
  rocksdb::WriteOptions write_options_;
  std::string settings_;
  uint64_t bytes_seen_ = 0;
};

}  // namespace

Status OpenRocksDbEngine(const EngineConfig& config, const std::string& dir,
                         std::unique_ptr<Engine>* engine) {
  auto e = std::make_unique<RocksDbEngine>();
  Status s = e->Open(config, dir);
  if (s.ok()) *engine = std::move(e);
  return s;
}

}  // namespace nokv::bench
