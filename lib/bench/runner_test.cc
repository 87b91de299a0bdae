// End-to-end tests of the driver on NoKV with tiny sizes: every standard
// workload completes, finds every key it reads, and reports sane numbers.
#include "bench/runner.h"

#include <gtest/gtest.h>

#include <filesystem>

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
    EXPECT_EQ(r.ops, c.ops) << name;
    EXPECT_EQ(r.not_found, 0u) << name;
    EXPECT_GT(r.ops_per_sec, 0) << name;
    EXPECT_LE(r.p50_us, r.p99_us) << name;
    EXPECT_LE(r.p99_us, r.p999_us) << name;
    EXPECT_GT(r.disk_bytes, 0u) << name;
    EXPECT_GT(r.space_amp, 0) << name;
    EXPECT_GE(r.write_amp, 0) << name;
    EXPECT_EQ(r.records, spec.load ? c.records : 0) << name;
    EXPECT_FALSE(std::filesystem::exists(dir.File(name))) << "run directory not removed";
    uint64_t total = 0;
    for (const OpResult& o : r.op_mix) total += o.count;
    EXPECT_EQ(total, r.ops) << name;
    if (name == "e") {
      EXPECT_GT(r.scanned, r.ops * 10) << "scans of 1..100 records return ~50 each";
    }
  }
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
}

}  // namespace
}  // namespace nokv::bench
