// End-to-end tests of the driver on NoKV with tiny sizes: every standard
// workload completes, finds and checks every key it reads, and reports sane
// numbers; an engine that loses or garbles values fails the run; repeats run
// workload-major with engines interleaved; write amplification counts every
// byte written; the raw fdatasync probe measures.
#include "bench/runner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "bench/sync_probe.h"
#include "bench/values.h"
#include "testutil/test_util.h"

namespace nokv::bench {
namespace {

BenchConfig SmallConfig(const std::string& workdir) {
  BenchConfig c;
  c.engines = "nokv";
  c.records = 2000;
  c.ops = 3000;
  c.value_size = 64;
  c.threads = 2;
  c.repeat = 1;
  c.sync_ops = 64;
  c.progress = false;
  c.fork = false;
  c.workdir = workdir;
  c.engine.memtable_size = 64 << 10;  // force flushes and compactions
  return c;
}

TEST(RunnerTest, EveryStandardWorkloadRuns) {
  testutil::TempDir dir;
  const BenchConfig c = SmallConfig(dir.path());
  for (const std::string& name : StandardWorkloadNames()) {
    const WorkloadSpec spec = *StandardWorkload(name);
    const BenchResult r = RunOne(c, NoKvOnlyRegistry(), "nokv", spec, dir.File(name));
    ASSERT_EQ(r.error, "") << name;
    EXPECT_EQ(r.ops, spec.sync ? c.sync_ops : c.ops) << name;
    EXPECT_EQ(r.not_found, 0u) << name;
    EXPECT_EQ(r.wrong, 0u) << name;
    EXPECT_TRUE(r.ok()) << name;
    const bool reads = spec.read + spec.scan + spec.read_modify_write > 0;
    if (reads) {
      EXPECT_GT(r.checked, r.ops / 2) << name << ": reads are checked";
    }
    EXPECT_GT(r.ops_per_sec, 0) << name;
    EXPECT_LE(r.p50_us, r.p99_us) << name;
    EXPECT_LE(r.p99_us, r.p999_us) << name;
    EXPECT_GT(r.disk_bytes, 0u) << name;
    EXPECT_GT(r.space_amp, 0) << name;
    // The WAL alone holds every byte written once.
    EXPECT_GE(r.write_amp, 1.0) << name << " " << r.bytes_written_sources;
    EXPECT_EQ(r.records, spec.load ? c.records : 0) << name;
    EXPECT_EQ(r.threads, spec.threads > 0 ? spec.threads : c.threads) << name;
    EXPECT_FALSE(std::filesystem::exists(dir.File(name))) << "run directory not removed";
    uint64_t total = 0;
    for (const OpResult& o : r.op_mix) total += o.count;
    EXPECT_EQ(total, r.ops) << name;
    if (name == "e") {
      EXPECT_GT(r.scanned, r.ops * 10) << "scans of 1..100 records return ~50 each";
      EXPECT_GE(r.checked, r.scanned) << "every scanned entry is checked";
    }
    if (spec.sync) {
      EXPECT_NE(r.settings.find("sync=on"), std::string::npos) << r.settings;
    }
  }
}

// Wraps NoKV: drops every 50th write of a load, or garbles values read
// back, as a broken engine would.
class BrokenEngine final : public Engine {
 public:
  BrokenEngine(std::unique_ptr<Engine> base, bool drop) : base_(std::move(base)), drop_(drop) {}
  Status Read(std::string_view key, std::string* value) override {
    Status s = base_->Read(key, value);
    if (s.ok() && !drop_ && !value->empty()) (*value)[value->size() - 1] ^= 1;
    return s;
  }
  Status Write(std::string_view key, std::string_view value) override {
    if (drop_ && ++writes_ % 50 == 0) return Status::OK();
    return base_->Write(key, value);
  }
  Status Scan(std::string_view start, uint64_t count, const ScanVisitor& visit) override {
    return base_->Scan(start, count, [&](std::string_view k, std::string_view v) {
      std::string copy(v);
      if (!drop_ && !copy.empty()) copy[0] ^= 1;  // the version byte: the stream no longer matches
      visit(k, copy);
    });
  }
  EngineStats Stats() override { return base_->Stats(); }
  Status Close() override { return base_->Close(); }
  std::string Settings() const override { return base_->Settings(); }

 private:
  std::unique_ptr<Engine> base_;
  bool drop_;
  std::atomic<uint64_t> writes_{0};
};

EngineRegistry BrokenRegistry() {
  EngineRegistry r;
  r.names = {"nokv", "lossy", "garbling"};
  r.open = [](const std::string& name, const EngineConfig& config, const std::string& dir,
              std::unique_ptr<Engine>* engine) -> Status {
    std::unique_ptr<Engine> base;
    Status s = OpenNoKvEngine("nokv", config, dir, &base);
    if (!s.ok() || name == "nokv") {
      *engine = std::move(base);
      return s;
    }
    *engine = std::make_unique<BrokenEngine>(std::move(base), name == "lossy");
    return s;
  };
  return r;
}

TEST(RunnerTest, LostAndGarbledValuesAreCountedAndFailTheRun) {
  testutil::TempDir dir;
  const BenchConfig c = SmallConfig(dir.path());
  for (const char* workload : {"c", "e", "f"}) {
    const WorkloadSpec spec = *StandardWorkload(workload);
    const BenchResult lossy = RunOne(c, BrokenRegistry(), "lossy", spec, dir.File("l"));
    EXPECT_EQ(lossy.error, "");
    EXPECT_GT(lossy.not_found, 0u) << workload;
    EXPECT_EQ(lossy.wrong, 0u) << workload;
    EXPECT_FALSE(lossy.ok());
    const BenchResult garbling = RunOne(c, BrokenRegistry(), "garbling", spec, dir.File("g"));
    EXPECT_EQ(garbling.error, "");
    EXPECT_EQ(garbling.not_found, 0u) << workload;
    EXPECT_GE(garbling.wrong, garbling.checked) << workload << ": every value read is wrong";
    EXPECT_GT(garbling.wrong, 0u) << workload;
  }
  BenchConfig run = c;
  run.workloads = "c";
  run.engines = "nokv";
  EXPECT_EQ(RunBench(run, BrokenRegistry()), 0);
  run.engines = "nokv,garbling";
  EXPECT_EQ(RunBench(run, BrokenRegistry()), 1);
  run.engines = "lossy";
  EXPECT_EQ(RunBench(run, BrokenRegistry()), 1);
}

TEST(RunnerTest, RepeatsRunWorkloadMajorWithEnginesInterleaved) {
  testutil::TempDir dir;
  BenchConfig c = SmallConfig(dir.path());
  c.records = 200;
  c.ops = 200;
  c.repeat = 2;
  c.engines = "nokv,nokv-art";
  c.workloads = "c,g";
  auto opened = std::make_shared<std::vector<std::string>>();
  EngineRegistry registry = NoKvOnlyRegistry();
  const EngineOpener open = registry.open;
  registry.open = [opened, open](const std::string& name, const EngineConfig& config,
                                 const std::string& d, std::unique_ptr<Engine>* engine) {
    // The directory names the workload: <workdir>/<engine>-<workload>.
    opened->push_back(std::filesystem::path(d).filename().string());
    return open(name, config, d, engine);
  };
  c.json_path = dir.File("r.json");
  ASSERT_EQ(RunBench(c, registry), 0);
  const std::vector<std::string> want = {"nokv-c", "nokv-art-c", "nokv-c", "nokv-art-c",
                                         "nokv-g", "nokv-art-g", "nokv-g", "nokv-art-g"};
  EXPECT_EQ(*opened, want);
  std::ifstream in(c.json_path);
  std::stringstream json;
  json << in.rdbuf();
  EXPECT_NE(json.str().find("\"workload\": \"g\", \"repeat\": 1,"), std::string::npos);
  EXPECT_NE(json.str().find("\"median_ops_per_sec\""), std::string::npos);
}

TEST(RunnerTest, WriteAmplificationCountsWalTablesAndValueLog) {
  testutil::TempDir dir;
  BenchConfig c = SmallConfig(dir.path());
  c.value_size = 200;
  const WorkloadSpec g = *StandardWorkload("g");
  // Values in the value log: the WAL carries pointers only, so without the
  // value-log bytes the figure would stay well under 1.
  c.engine.value_threshold = 100;
  const BenchResult vlog = RunOne(c, NoKvOnlyRegistry(), "nokv", g, dir.File("v"));
  ASSERT_EQ(vlog.error, "");
  EXPECT_GE(vlog.write_amp, 1.0) << vlog.bytes_written_sources;
  EXPECT_NE(vlog.bytes_written_sources.find("vlog"), std::string::npos);
  EXPECT_EQ(vlog.bytes_written_sources.find("vlog 0.0M"), std::string::npos)
      << vlog.bytes_written_sources;
  // Values in the LSM: WAL once plus flushes of all but the last memtables.
  c.engine.value_threshold = 0;
  const BenchResult lsm = RunOne(c, NoKvOnlyRegistry(), "nokv", g, dir.File("l"));
  ASSERT_EQ(lsm.error, "");
  EXPECT_GE(lsm.write_amp, 1.6) << lsm.bytes_written_sources;
  EXPECT_DOUBLE_EQ(lsm.write_amp, lsm.bytes_written / static_cast<double>(lsm.user_bytes));
}

TEST(RunnerTest, SyncWorkloadRunsBothWriterCountsAndTheRawProbe) {
  testutil::TempDir dir;
  BenchConfig c = SmallConfig(dir.path());
  c.workloads = "sync";
  c.sync_ops = 32;
  c.json_path = dir.File("s.json");
  ASSERT_EQ(RunBench(c, NoKvOnlyRegistry()), 0);
  std::ifstream in(c.json_path);
  std::stringstream json;
  json << in.rdbuf();
  for (const char* want : {"\"engine\": \"fdatasync\", \"workload\": \"sync-raw\"",
                           "\"workload\": \"sync-1w\"", "\"workload\": \"sync-16w\"",
                           "\"ratio_16w_1w\": ", "\"threads\": 16"}) {
    EXPECT_NE(json.str().find(want), std::string::npos) << want;
  }
  EXPECT_EQ(json.str().find("\"ratio_1w_raw\": 0.000"), std::string::npos) << json.str();
}

TEST(RunnerTest, RawFdatasyncProbe) {
  testutil::TempDir dir;
  const BenchResult r = MeasureRawFdatasync(dir.path(), 20, 30);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.ops, 20u);
  EXPECT_GT(r.ops_per_sec, 0);
  EXPECT_GT(r.p50_us, 0);
  EXPECT_EQ(r.user_bytes, 20u * 4096);
  EXPECT_FALSE(std::filesystem::exists(dir.File("fdatasync-probe")));
  // The time limit stops it early.
  EXPECT_LT(MeasureRawFdatasync(dir.path(), 1u << 30, 0.2).ops, 1u << 30);
  EXPECT_NE(MeasureRawFdatasync("/proc/nonexistent/x", 5, 1).error, "");
}

// The default shape must flush and compact: the loaded data is several
// times all of the write buffers together.
TEST(RunnerTest, DefaultShapeGoesWellBeyondTheWriteBuffers) {
  const BenchConfig c;
  const double user = static_cast<double>(c.records) * static_cast<double>(c.value_size + 23);
  const double buffers = static_cast<double>(c.engine.memtable_size) * c.engine.memtables;
  EXPECT_GE(user, 4 * buffers);
  EXPECT_GE(c.repeat, 3);
}

TEST(RunnerTest, UnknownEngineFails) {
  testutil::TempDir dir;
  const BenchResult r =
      RunOne(SmallConfig(dir.path()), NoKvOnlyRegistry(), "nosuch", *StandardWorkload("a"),
             dir.File("x"));
  EXPECT_NE(r.error, "");
}

TEST(RunnerTest, RunBenchWritesJsonCsvAndSvg) {
  testutil::TempDir dir;
  BenchConfig c = SmallConfig(dir.path());
  c.workloads = "c,g";
  c.fork = true;  // the real path: one child per run
  c.json_path = dir.File("out/results.json");
  c.csv_path = dir.File("out/results.csv");
  ASSERT_EQ(RunBench(c, NoKvOnlyRegistry()), 0);
  EXPECT_TRUE(std::filesystem::exists(c.json_path));
  EXPECT_TRUE(std::filesystem::exists(c.csv_path));
  EXPECT_TRUE(std::filesystem::exists(dir.File("out/results.svg")));
  c.engines = "nokv,nosuch";
  EXPECT_EQ(RunBench(c, NoKvOnlyRegistry()), 2);
  c.engines = "nokv";
  c.workloads = "a,zz";
  EXPECT_EQ(RunBench(c, NoKvOnlyRegistry()), 2);
  c.workloads = "a";
  c.value_size = 4;
  EXPECT_EQ(RunBench(c, NoKvOnlyRegistry()), 2);
}

}  // namespace
}  // namespace nokv::bench
