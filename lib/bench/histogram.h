// LatencyHistogram: a log-linear histogram (HdrHistogram-like) of latencies
// in nanoseconds. Each power-of-two range is split into 64 linear
// sub-buckets, so a reported percentile is within ~1.6 % of the true value
// at any magnitude. One histogram per client thread, merged at the end.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace nokv::bench {

class LatencyHistogram {
 public:
  // Values below kLinearLimit get one bucket each; above, every power of two
  // is split into kSubBuckets buckets.
  static constexpr int kSubBits = 6;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBits;    // 64
  static constexpr uint64_t kLinearLimit = kSubBuckets * 2;            // 128
  static constexpr size_t kBucketCount =
      kLinearLimit + (64 - (kSubBits + 1)) * kSubBuckets;              // covers 2^64

  void Record(uint64_t nanos);
  void Merge(const LatencyHistogram& other);
  void Clear();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double Mean() const;
  // The value at percentile p (0 < p <= 100): the smallest recorded bucket
  // value v such that at least p % of the samples are <= v. 0 when empty.
  uint64_t Percentile(double p) const;

  // Bucket arithmetic, exposed for tests.
  static size_t BucketIndex(uint64_t value);
  static uint64_t BucketLow(size_t index);
  static uint64_t BucketHigh(size_t index);

 private:
  std::array<uint64_t, kBucketCount> buckets_{};
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace nokv::bench
