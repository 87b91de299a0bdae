// Tests for LatencyHistogram: bucket arithmetic and percentiles.
#include "bench/histogram.h"

#include <gtest/gtest.h>

#include <initializer_list>

#include "base/random.h"

namespace nokv::bench {
namespace {

TEST(HistogramTest, BucketsCoverValuesContiguously) {
  for (uint64_t v : std::initializer_list<uint64_t>{0, 1, 127, 128, 129, 255, 256, 1000, 123456789,
                                                  (uint64_t{1} << 40) + 12345, UINT64_MAX}) {
    const size_t i = LatencyHistogram::BucketIndex(v);
    ASSERT_LT(i, LatencyHistogram::kBucketCount) << v;
    EXPECT_LE(LatencyHistogram::BucketLow(i), v) << v;
    EXPECT_GE(LatencyHistogram::BucketHigh(i), v) << v;
  }
  for (size_t i = 0; i + 1 < LatencyHistogram::kBucketCount; ++i) {
    ASSERT_EQ(LatencyHistogram::BucketHigh(i) + 1, LatencyHistogram::BucketLow(i + 1)) << i;
  }
}

TEST(HistogramTest, RelativeErrorIsBounded) {
  for (uint64_t v = 128; v < (1ull << 50); v = v * 3 + 7) {
    const size_t i = LatencyHistogram::BucketIndex(v);
    const double width =
        static_cast<double>(LatencyHistogram::BucketHigh(i) - LatencyHistogram::BucketLow(i));
    EXPECT_LE(width / static_cast<double>(v), 1.0 / 64) << v;
  }
}

TEST(HistogramTest, PercentilesOfUniformValues) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100000u);
  EXPECT_NEAR(h.Mean(), 50000.5, 1e-6);
  for (double p : {50.0, 90.0, 95.0, 99.0, 99.9}) {
    const double expected = p * 1000;
    EXPECT_NEAR(static_cast<double>(h.Percentile(p)), expected, expected * 0.016) << p;
  }
  EXPECT_EQ(h.Percentile(100), 100000u);
}

TEST(HistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int i = 0; i < 90; ++i) h.Record(10);
  for (int i = 0; i < 10; ++i) h.Record(100);
  EXPECT_EQ(h.Percentile(50), 10u);
  EXPECT_EQ(h.Percentile(90), 10u);
  EXPECT_EQ(h.Percentile(91), 100u);
  EXPECT_EQ(h.Percentile(99.9), 100u);
}

TEST(HistogramTest, MergeEqualsRecordingEverything) {
  Random rng(7);
  LatencyHistogram a, b, all;
  for (int i = 0; i < 10000; ++i) {
    const uint64_t v = rng.Uniform(1000000);
    (i % 2 ? a : b).Record(v);
    all.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double p : {1.0, 50.0, 99.0, 99.99}) EXPECT_EQ(a.Percentile(p), all.Percentile(p));
}

TEST(HistogramTest, EmptyHistogram) {
  LatencyHistogram h;
  EXPECT_EQ(h.Percentile(99), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.Mean(), 0.0);
}

}  // namespace
}  // namespace nokv::bench
