// Tests for the workload table and the operation/key choosers.
#include "bench/workload.h"

#include <gtest/gtest.h>

#include <array>

namespace nokv::bench {
namespace {

std::array<double, kOpTypeCount> Mix(const std::string& name, int draws) {
  const WorkloadSpec spec = *StandardWorkload(name);
  OpChooser chooser(spec, 11);
  std::array<double, kOpTypeCount> share{};
  for (int i = 0; i < draws; ++i) share[static_cast<int>(chooser.Next())] += 1.0 / draws;
  return share;
}

TEST(WorkloadTest, StandardOpMixProportions) {
  struct Expected {
    const char* name;
    double read, update, insert, scan, rmw;
  };
  const Expected table[] = {
      {"a", 0.5, 0.5, 0, 0, 0},    {"b", 0.95, 0.05, 0, 0, 0}, {"c", 1, 0, 0, 0, 0},
      {"d", 0.95, 0, 0.05, 0, 0},  {"e", 0, 0, 0.05, 0.95, 0}, {"f", 0.5, 0, 0, 0, 0.5},
      {"g", 0, 0, 1, 0, 0},
  };
  for (const Expected& e : table) {
    const auto share = Mix(e.name, 100000);
    const double want[kOpTypeCount] = {e.read, e.update, e.insert, e.scan, e.rmw};
    for (int i = 0; i < kOpTypeCount; ++i) {
      EXPECT_NEAR(share[i], want[i], 0.01) << e.name << " " << OpName(static_cast<OpType>(i));
      if (want[i] == 0) {
        EXPECT_EQ(share[i], 0.0) << e.name;
      }
    }
  }
}

TEST(WorkloadTest, Definitions) {
  EXPECT_EQ(StandardWorkload("D")->distribution, Distribution::kLatest);
  EXPECT_EQ(StandardWorkload("e")->max_scan_length, 100u);
  EXPECT_EQ(StandardWorkload("a")->distribution, Distribution::kZipfian);
  EXPECT_FALSE(StandardWorkload("fillseq")->load);
  EXPECT_TRUE(StandardWorkload("fillseq")->ordered_keys);
  EXPECT_FALSE(StandardWorkload("h").has_value());
  for (const std::string& n : StandardWorkloadNames()) EXPECT_TRUE(StandardWorkload(n)) << n;
  EXPECT_EQ(ParseDistribution("uniform"), Distribution::kUniform);
  EXPECT_FALSE(ParseDistribution("pareto").has_value());
}

TEST(WorkloadTest, ZipfianKeysSkipUnacknowledgedInserts) {
  WorkloadSpec spec = *StandardWorkload("e");
  AcknowledgedCounter inserts(1000);  // records 0..999 loaded
  KeyChooser keys(spec, 1000, 100000, &inserts, 3);
  for (int i = 0; i < 20000; ++i) ASSERT_LT(keys.Next(), 1000u);
  for (int i = 0; i < 100; ++i) inserts.Acknowledge(inserts.Next());
  bool saw_new = false;
  for (int i = 0; i < 200000 && !saw_new; ++i) {
    const uint64_t k = keys.Next();
    ASSERT_LT(k, 1100u);
    saw_new = k >= 1000;
  }
  EXPECT_TRUE(saw_new);
}

TEST(WorkloadTest, UniformKeysCoverTheRecords) {
  WorkloadSpec spec = *StandardWorkload("readrandom");
  AcknowledgedCounter inserts(100);
  KeyChooser keys(spec, 100, 1000, &inserts, 3);
  std::array<int, 100> seen{};
  for (int i = 0; i < 20000; ++i) {
    const uint64_t k = keys.Next();
    ASSERT_LT(k, 100u);
    ++seen[k];
  }
  for (int c : seen) EXPECT_GT(c, 100);
}

}  // namespace
}  // namespace nokv::bench
