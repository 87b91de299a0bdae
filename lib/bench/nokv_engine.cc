// The NoKV adapter for the benchmark harness.
#include <fmt/format.h>

#include "bench/engine.h"
#include "nokv/db.h"

namespace nokv::bench {
namespace {

std::string Mib(size_t bytes) { return fmt::format("{}MiB", bytes >> 20); }

class NoKvEngine final : public Engine {
 public:
  Status Open(const EngineConfig& config, const std::string& dir) {
    Options o;
    o.sync_writes = config.sync;
    o.memtable_size = config.memtable_size;
    o.block_cache_size = config.block_cache_size;
    o.max_open_files = config.max_open_files;
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
    settings_ = fmt::format(
        "memtable={} block_cache={} compression={} bloom={}bits/key max_open_files={} sync={} "
        "l0_trigger={} level_base={} target_file={} value_threshold={} memtable_engine={}",
        Mib(o.memtable_size), Mib(o.block_cache_size), compression, o.table.bloom_bits_per_key,
        o.max_open_files, o.sync_writes ? "on" : "off", o.l0_compaction_trigger,
        Mib(o.max_bytes_for_level_base), Mib(o.target_file_size), threshold, config.memtable_engine);
    write_options_.sync = config.sync;
    return DB::Open(o, dir, &db_);
  }

  Status Read(std::string_view key, std::string* value) override {
    return db_->Get(read_options_, key, value);
  }
  Status Write(std::string_view key, std::string_view value) override {
    return db_->Put(write_options_, key, value);
  }
  Status Scan(std::string_view start, uint64_t count, uint64_t* found) override {
    std::unique_ptr<Iterator> it = db_->NewIterator(read_options_);
    uint64_t n = 0;
    for (it->Seek(start); n < count && it->Valid(); it->Next()) {
      ++n;
      bytes_seen_ += it->value().size();
    }
    *found = n;
    return it->status();
  }
  EngineStats Stats() override {
    uint64_t flushed = 0, compacted = 0;
    (void)db_->GetIntProperty("nokv.flush.bytes-written", &flushed);
    (void)db_->GetIntProperty("nokv.compaction.bytes-written", &compacted);
    EngineStats out;
    out.table_bytes_written = static_cast<double>(flushed + compacted);
    return out;
  }
  Status Close() override { return db_->Close(); }
  std::string Settings() const override { return settings_; }

 private:
  std::unique_ptr<DB> db_;
  ReadOptions read_options_;
  WriteOptions write_options_;
  std::string settings_;
  uint64_t bytes_seen_ = 0;  // keeps scans from being optimised away
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
