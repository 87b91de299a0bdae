// The RocksDB adapter (Debian's librocksdb). Configured like the others:
// same write buffers (write_buffer_size x max_write_buffer_number), block
// cache, bloom filter, compression, sync and max_open_files; everything else
// (L0 triggers included) is RocksDB's default, stated in the settings line.
// Bytes written come from RocksDB's statistics tickers (WAL, flush,
// compaction), kept at kExceptHistogramOrTimers so they cost a few relaxed
// per-core counter adds. Reads, writes and scans are leveldb_style_engine.h's.
#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>


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
    o.max_write_buffer_number = config.memtables;
    o.statistics = rocksdb::CreateDBStatistics();
    o.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
    statistics_ = o.statistics;
    o.max_open_files = config.max_open_files;
    o.allow_mmap_reads = config.mmap_reads;
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
    read_options_.verify_checksums = true;  // the default, stated
    settings_ = fmt::format(
        "rocksdb {}.{}.{}: memtables={}x{}MiB={}MiB (write_buffer_size, "
        "max_write_buffer_number) block_cache={}MiB(LRU) l0_compaction/slowdown/stop={}/{}/{} "
        "compression={} bloom={}bits/key max_open_files={} sync={} verify_checksums=on "
        "max_background_jobs={} "
        "level_base={}MiB target_file={}MiB mmap_reads={} (others default)",
        ROCKSDB_MAJOR, ROCKSDB_MINOR, ROCKSDB_PATCH, o.max_write_buffer_number,
        config.memtable_size >> 20,
        (config.memtable_size * static_cast<size_t>(o.max_write_buffer_number)) >> 20,
        config.block_cache_size >> 20, o.level0_file_num_compaction_trigger,
        o.level0_slowdown_writes_trigger, o.level0_stop_writes_trigger, compression,
        config.bloom_bits_per_key, o.max_open_files, config.sync ? "on" : "off",
        o.max_background_jobs, o.max_bytes_for_level_base >> 20, o.target_file_size_base >> 20,
        o.allow_mmap_reads ? "on" : "off");
    return OpenDb(o, dir);
  }

  // WAL appends, flush output and compaction output, from the tickers.
  EngineStats Stats() override {
    const uint64_t wal = statistics_->getTickerCount(rocksdb::WAL_FILE_BYTES);
    const uint64_t flush = statistics_->getTickerCount(rocksdb::FLUSH_WRITE_BYTES);
    const uint64_t compaction = statistics_->getTickerCount(rocksdb::COMPACT_WRITE_BYTES);
    EngineStats out;
    out.bytes_written = static_cast<double>(wal + flush + compaction);
    out.wal_bytes_written = static_cast<double>(wal);
    out.bytes_written_sources =
        fmt::format("wal {:.1f}M + flush {:.1f}M + compaction {:.1f}M (statistics tickers)",
                    static_cast<double>(wal) / (1 << 20), static_cast<double>(flush) / (1 << 20),
                    static_cast<double>(compaction) / (1 << 20));
    return out;
  }
  Status Close() override {
    Status s = ToStatus(db_->Close());
    db_.reset();
    return s;
  }

 private:
  std::shared_ptr<rocksdb::Statistics> statistics_;
};

}  // namespace

Status OpenRocksDbEngine(const EngineConfig& config, const std::string& dir,
                         std::unique_ptr<Engine>* engine) {
  return OpenPeerEngine<RocksDbEngine>(config, dir, engine);
}

}  // namespace nokv::bench
