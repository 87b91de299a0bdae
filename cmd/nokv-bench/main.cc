// nokv-bench: micro-benchmarks of the embedded engine in the shape of
// LevelDB's db_bench (fillseq, fillrandom, readrandom, readseq, overwrite),
// single-threaded or with N threads. YCSB workloads and peer engines come
// with `nokv bench`.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include "base/random.h"
#include "nokv/db.h"

namespace {

struct BenchConfig {
  std::string workdir = "/tmp/nokv-bench";
  std::string benchmarks = "fillrandom,readrandom";
  uint64_t num = 1000000;
  uint64_t reads = 0;  // 0 = num
  int key_size = 16;
  int value_size = 256;
  int threads = 1;
  bool sync = false;
  bool keep = false;
  size_t cache_mb = 64;
  size_t memtable_mb = 64;
  std::string compression = "none";
};

std::string MakeKey(uint64_t n, int key_size) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llu", static_cast<unsigned long long>(n));
  std::string k(buf);
  if (static_cast<int>(k.size()) < key_size) k.insert(0, key_size - k.size(), '0');
  return k.substr(k.size() - key_size);
}

class Bench {
 public:
  explicit Bench(const BenchConfig& c) : c_(c) {
    nokv::Random rng(301);
    value_pool_.resize(1 << 20);
    for (auto& ch : value_pool_) ch = static_cast<char>(' ' + rng.Uniform(95));
  }

  int Run() {
    if (!c_.keep) std::filesystem::remove_all(c_.workdir);
    nokv::Options o;
    o.block_cache_size = c_.cache_mb << 20;
    o.memtable_size = c_.memtable_mb << 20;
    if (c_.compression == "lz4") {
      o.table.compression = nokv::CompressionType::kLz4;
    } else if (c_.compression == "zstd") {
      o.table.compression = nokv::CompressionType::kZstd;
    } else {
      o.table.compression = nokv::CompressionType::kNone;
    }
    nokv::Status s = nokv::DB::Open(o, c_.workdir, &db_);
    if (!s.ok()) {
      std::fprintf(stderr, "nokv-bench: open %s: %s\n", c_.workdir.c_str(), s.ToString().c_str());
      return 1;
    }
    std::printf("nokv-bench: keys %d B, values %d B, entries %llu, threads %d, sync %s, "
                "compression %s\n",
                c_.key_size, c_.value_size, static_cast<unsigned long long>(c_.num), c_.threads,
                c_.sync ? "on" : "off", c_.compression.c_str());
    std::stringstream list(c_.benchmarks);
    std::string name;
    while (std::getline(list, name, ',')) {
      if (!RunOne(name)) return 2;
    }
    s = db_->Close();
    if (!s.ok()) {
      std::fprintf(stderr, "nokv-bench: close: %s\n", s.ToString().c_str());
      return 1;
    }
    return 0;
  }

 private:
  std::string_view Value(uint64_t i) const {
    size_t off = (i * 7919) % (value_pool_.size() - c_.value_size);
    return std::string_view(value_pool_.data() + off, c_.value_size);
  }

  bool RunOne(const std::string& name) {
    using Fn = void (Bench::*)(int, uint64_t, std::atomic<uint64_t>*);
    Fn fn = nullptr;
    uint64_t ops = c_.num;
    if (name == "fillseq") fn = &Bench::FillSeq;
    if (name == "fillrandom" || name == "overwrite") fn = &Bench::FillRandom;
    if (name == "readrandom") {
      fn = &Bench::ReadRandom;
      ops = c_.reads ? c_.reads : c_.num;
    }
    if (name == "readseq") fn = &Bench::ReadSeq;
    if (name == "compact") {
      auto start = std::chrono::steady_clock::now();
      nokv::Status s = db_->CompactAll();
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("%-12s : %.2f s %s\n", "compact", secs, s.ok() ? "" : s.ToString().c_str());
      return s.ok();
    }
    if (fn == nullptr) {
      std::fprintf(stderr, "nokv-bench: unknown benchmark '%s'\n", name.c_str());
      return false;
    }
    std::atomic<uint64_t> found{0};
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    const uint64_t per_thread = ops / static_cast<uint64_t>(c_.threads);
    for (int t = 0; t < c_.threads; ++t) {
      threads.emplace_back([this, fn, t, per_thread, &found] { (this->*fn)(t, per_thread, &found); });
    }
    for (auto& th : threads) th.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const uint64_t done = per_thread * static_cast<uint64_t>(c_.threads);
    double mb = static_cast<double>(done) * (c_.key_size + c_.value_size) / 1048576.0;
    std::printf("%-12s : %10.3f micros/op %10.0f ops/sec %8.1f MB/s", name.c_str(),
                secs * 1e6 / static_cast<double>(done), static_cast<double>(done) / secs, mb / secs);
    if (fn == &Bench::ReadRandom) {
      std::printf("  (%llu of %llu found)", static_cast<unsigned long long>(found.load()),
                  static_cast<unsigned long long>(done));
    }
    std::printf("\n");
    std::fflush(stdout);
    return true;
  }

  void FillSeq(int t, uint64_t n, std::atomic<uint64_t>*) {
    nokv::WriteOptions wo;
    wo.sync = c_.sync;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t k = static_cast<uint64_t>(t) * n + i;
      Check(db_->Put(wo, MakeKey(k, c_.key_size), Value(k)));
    }
  }

  void FillRandom(int t, uint64_t n, std::atomic<uint64_t>*) {
    nokv::WriteOptions wo;
    wo.sync = c_.sync;
    nokv::Random rng(1000 + t);
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t k = rng.Uniform(c_.num);
      Check(db_->Put(wo, MakeKey(k, c_.key_size), Value(k)));
    }
  }

  void ReadRandom(int t, uint64_t n, std::atomic<uint64_t>* found) {
    nokv::Random rng(2000 + t);
    std::string value;
    uint64_t hits = 0;
    for (uint64_t i = 0; i < n; ++i) {
      nokv::Status s = db_->Get(nokv::ReadOptions(), MakeKey(rng.Uniform(c_.num), c_.key_size), &value);
      if (s.ok()) ++hits;
      if (!s.ok() && !s.IsNotFound()) Check(s);
    }
    *found += hits;
  }

  void ReadSeq(int, uint64_t n, std::atomic<uint64_t>* found) {
    auto it = db_->NewIterator(nokv::ReadOptions());
    uint64_t i = 0;
    for (it->SeekToFirst(); it->Valid() && i < n; it->Next()) ++i;
    *found += i;
    Check(it->status());
  }

  static void Check(const nokv::Status& s) {
    if (!s.ok()) {
      std::fprintf(stderr, "nokv-bench: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }

  BenchConfig c_;
  std::unique_ptr<nokv::DB> db_;
  std::string value_pool_;
};

}  // namespace

int main(int argc, char** argv) {
  BenchConfig c;
  CLI::App app{"nokv-bench: db_bench-style micro-benchmarks of the NoKV engine"};
  app.add_option("--workdir", c.workdir, "database directory (wiped unless --keep)");
  app.add_option("--benchmarks", c.benchmarks,
                 "comma list: fillseq,fillrandom,overwrite,readrandom,readseq,compact");
  app.add_option("--num", c.num, "number of keys")->check(CLI::PositiveNumber);
  app.add_option("--reads", c.reads, "reads for readrandom (default --num)");
  app.add_option("--key-size", c.key_size, "key bytes")->check(CLI::Range(8, 1024));
  app.add_option("--value-size", c.value_size, "value bytes")->check(CLI::Range(0, 1 << 20));
  app.add_option("--threads", c.threads, "client threads")->check(CLI::Range(1, 256));
  app.add_flag("--sync", c.sync, "fsync every write");
  app.add_flag("--keep", c.keep, "do not wipe the workdir first");
  app.add_option("--cache-mb", c.cache_mb, "block cache MiB");
  app.add_option("--memtable-mb", c.memtable_mb, "memtable MiB");
  app.add_option("--compression", c.compression, "none | lz4 | zstd")
      ->check(CLI::IsMember({"none", "lz4", "zstd"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  spdlog::set_level(spdlog::level::warn);
  return Bench(c).Run();
}
