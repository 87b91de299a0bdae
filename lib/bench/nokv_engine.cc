// The NoKV adapter for the benchmark harness.
#include <fmt/format.h>

#include "bench/engine.h"
#include "nokv/db.h"

namespace nokv::bench {
namespace {

std::string Mib(size_t bytes) { return fmt::format("{}MiB", bytes >> 20); }

std::string Megs(uint64_t bytes) {
  return fmt::format("{:.1f}M", static_cast<double>(bytes) / (1 << 20));
}

class NoKvEngine final : public Engine {
 public:
  Status Open(const EngineConfig& config, const std::string& dir) {
    Options o;
    o.sync_writes = config.sync;
    o.memtable_size = config.memtable_size;
    o.max_immutable_memtables = config.memtables > 1 ? config.memtables - 1 : 1;
    o.block_cache_size = config.block_cache_size;
    o.max_open_files = config.max_open_files;
    o.allow_mmap_reads = config.mmap_reads;
    o.table.bloom_bits_per_key = config.bloom_bits_per_key;
    std::string compression = config.compression;
    if (compression == "lz4") {
      o.table.compression = CompressionType::kLz4;
    } else if (compression == "zstd") {
      o.table.compression = CompressionType::kZstd;
    } else {
      if (compression != "none") compression += "(unsupported: none)";
      o.table.compression = CompressionType::kNone;
    }
    if (config.value_threshold >= 0) o.value_threshold = static_cast<size_t>(config.value_threshold);
    o.memtable_engine =
        config.memtable_engine == "art" ? MemTableEngine::kArt : MemTableEngine::kSkipList;
    const std::string threshold = fmt::format("{}B{}", o.value_threshold,
                                              config.value_threshold >= 0 ? "" : " (default)");
    const int memtables = o.max_immutable_memtables + 1;
    settings_ = fmt::format(
        "memtables={}x{}={} (memtable_size, max_immutable_memtables={}) block_cache={} "
        "l0_compaction/slowdown/stop={}/{}/{} compression={} bloom={}bits/key "
        "max_open_files={} sync={} verify_checksums=on level_base={} target_file={} "
        "value_threshold={} memtable_engine={} mmap_reads={}",
        memtables, Mib(o.memtable_size), Mib(o.memtable_size * static_cast<size_t>(memtables)),
        o.max_immutable_memtables, Mib(o.block_cache_size), o.l0_compaction_trigger,
        o.l0_slowdown_trigger, o.l0_stop_trigger, compression, o.table.bloom_bits_per_key,
        o.max_open_files, o.sync_writes ? "on" : "off", Mib(o.max_bytes_for_level_base),
        Mib(o.target_file_size), threshold, config.memtable_engine,
        o.allow_mmap_reads ? "on" : "off");
    write_options_.sync = config.sync;
    return DB::Open(o, dir, &db_);
  }

  Status Read(std::string_view key, std::string* value) override {
    return db_->Get(read_options_, key, value);
  }
  Status Write(std::string_view key, std::string_view value) override {
    return db_->Put(write_options_, key, value);
  }
  Status Scan(std::string_view start, uint64_t count, const ScanVisitor& visit) override {
    std::unique_ptr<Iterator> it = db_->NewIterator(read_options_);
    uint64_t n = 0;
    for (it->Seek(start); n < count && it->Valid(); it->Next()) {
      ++n;
      visit(it->key(), it->value());
    }
    return it->status();
  }
  // Everything written: WAL appends, flushed and compacted tables, and
  // value-log appends (GC rewrites go through the write path, so they are
  // in nokv.vlog.bytes-written too).
  EngineStats Stats() override {
    uint64_t wal = 0, flushed = 0, compacted = 0, vlog = 0;
    EngineStats out;
    if (!db_->GetIntProperty("nokv.wal.bytes-written", &wal) ||
        !db_->GetIntProperty("nokv.flush.bytes-written", &flushed) ||
        !db_->GetIntProperty("nokv.compaction.bytes-written", &compacted) ||
        !db_->GetIntProperty("nokv.vlog.bytes-written", &vlog)) {
      return out;
    }
    out.bytes_written = static_cast<double>(wal + flushed + compacted + vlog);
    out.wal_bytes_written = static_cast<double>(wal);
    out.bytes_written_sources = fmt::format("wal {} + flush {} + compaction {} + vlog {}",
                                            Megs(wal), Megs(flushed), Megs(compacted), Megs(vlog));
    return out;
  }
  Status Close() override { return db_->Close(); }
  std::string Settings() const override { return settings_; }

 private:
  std::unique_ptr<DB> db_;
  ReadOptions read_options_;
  WriteOptions write_options_;
  std::string settings_;
};

}  // namespace

Status OpenNoKvEngine(const std::string& name, const EngineConfig& config, const std::string& dir,
                      std::unique_ptr<Engine>* engine) {
  EngineConfig c = config;
  if (name == "nokv-art") c.memtable_engine = "art";
  auto e = std::make_unique<NoKvEngine>();
  Status s = e->Open(c, dir);
  if (s.ok()) *engine = std::move(e);
  return s;
}

EngineRegistry NoKvOnlyRegistry() {
  EngineRegistry r;
  r.names = {"nokv", "nokv-art"};
  r.open = [](const std::string& name, const EngineConfig& config, const std::string& dir,
              std::unique_ptr<Engine>* engine) -> Status {
    if (name != "nokv" && name != "nokv-art") {
      return Status::NotSupported("engine not compiled in: " + name);
    }
    return OpenNoKvEngine(name, config, dir, engine);
  };
  return r;
}

}  // namespace nokv::bench
