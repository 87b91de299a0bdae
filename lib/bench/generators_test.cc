// Tests for the YCSB generators: ranges, skew and key naming.
#include "bench/generators.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <vector>

namespace nokv::bench {
namespace {

TEST(GeneratorsTest, FnvHashMatchesYcsb) {
  // Values computed with YCSB's Utils.fnvhash64.
  EXPECT_EQ(FnvHash64(0), 6284781860667377211LL);  // YCSB's first key
  EXPECT_GE(FnvHash64(1), 0);
  EXPECT_NE(FnvHash64(1), FnvHash64(2));
  EXPECT_EQ(BuildKeyName(0), "user6284781860667377211");
  EXPECT_EQ(BuildKeyName(42, true), "user42");
  EXPECT_EQ(BuildKeyName(42, true, 6), "user000042");
}

TEST(GeneratorsTest, UniformStaysInRangeAndCoversIt) {
  UniformGenerator g(10, 19, 1);
  std::vector<int> seen(10);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t v = g.Next();
    ASSERT_GE(v, 10u);
    ASSERT_LE(v, 19u);
    ++seen[v - 10];
  }
  for (int c : seen) EXPECT_NEAR(c, 1000, 200);
}

TEST(GeneratorsTest, ZipfianIsSkewedTowardsTheFirstItems) {
  const uint64_t n = 1000;
  ZipfianGenerator g(0, n - 1, 3);
  std::vector<uint64_t> counts(n);
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) {
    const uint64_t v = g.Next();
    ASSERT_LT(v, n);
    ++counts[v];
  }
  // P(item 0) = 1 / zeta(n) for theta 0.99.
  const double p0 = 1.0 / ZipfianGenerator::Zeta(n, kZipfianConstant);
  EXPECT_NEAR(static_cast<double>(counts[0]) / draws, p0, p0 * 0.1);
  EXPECT_GT(counts[0], counts[1]);
  EXPECT_GT(counts[1], counts[10]);
  // The top 1 % of items take far more than 1 % of the requests.
  uint64_t top = 0;
  for (uint64_t i = 0; i < n / 100; ++i) top += counts[i];
  EXPECT_GT(static_cast<double>(top) / draws, 0.3);
}

TEST(GeneratorsTest, IncrementalZetaMatchesDirect) {
  const double direct = ZipfianGenerator::Zeta(5000, 0.99);
  const double part = ZipfianGenerator::Zeta(2000, 0.99);
  EXPECT_NEAR(ZipfianGenerator::ZetaFrom(2000, 5000, 0.99, part), direct, 1e-9);
}

TEST(GeneratorsTest, ScrambledZipfianStaysInRangeAndIsSkewed) {
  ScrambledZipfianGenerator g(100, 1099, 5);
  std::map<uint64_t, int> counts;
  const int draws = 100000;
  for (int i = 0; i < draws; ++i) {
    const uint64_t v = g.Next();
    ASSERT_GE(v, 100u);
    ASSERT_LE(v, 1099u);
    ++counts[v];
  }
  int hottest = 0;
  for (const auto& [v, c] : counts) hottest = std::max(hottest, c);
  // Uniform would give ~100 per item; the hottest item gets far more.
  EXPECT_GT(hottest, 2000);
  // Popularity is scattered: the hottest items are not all at the low end.
  uint64_t low_half = 0;
  for (const auto& [v, c] : counts) low_half += v < 600 ? static_cast<uint64_t>(c) : 0;
  EXPECT_GT(low_half, draws / 10);
  EXPECT_LT(low_half, draws * 9 / 10);
}

TEST(GeneratorsTest, AcknowledgedCounterTracksContiguousPrefix) {
  AcknowledgedCounter c(10);
  EXPECT_EQ(c.LastValue(), 9u);
  const uint64_t a = c.Next(), b = c.Next(), d = c.Next();
  EXPECT_EQ(a, 10u);
  c.Acknowledge(b);
  EXPECT_EQ(c.LastValue(), 9u);  // 10 is still in flight
  c.Acknowledge(a);
  EXPECT_EQ(c.LastValue(), 11u);
  c.Acknowledge(d);
  EXPECT_EQ(c.LastValue(), 12u);
}

TEST(GeneratorsTest, AcknowledgedCounterConcurrent) {
  AcknowledgedCounter c(1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 10000; ++i) c.Acknowledge(c.Next());
    });
  }
  for (auto& t : threads) t.join();
  c.Acknowledge(c.Next());  // a final, uncontended fold
  EXPECT_EQ(c.LastValue(), 40001u);
}

TEST(GeneratorsTest, LatestFavoursRecentKeys) {
  AcknowledgedCounter c(1000);
  SkewedLatestGenerator g(&c, 9);
  int recent = 0;
  const int draws = 50000;
  for (int i = 0; i < draws; ++i) {
    const uint64_t v = g.Next();
    ASSERT_LE(v, 999u);
    if (v >= 990) ++recent;
  }
  EXPECT_GT(recent, draws / 3);  // the newest 1 % get a third or more
  // New inserts become the favourites.
  for (int i = 0; i < 500; ++i) c.Acknowledge(c.Next());
  int newest = 0;
  for (int i = 0; i < draws; ++i) {
    const uint64_t v = g.Next();
    ASSERT_LE(v, 1499u);
    if (v >= 1490) ++newest;
  }
  EXPECT_GT(newest, draws / 3);
}

}  // namespace
}  // namespace nokv::bench
