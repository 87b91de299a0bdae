// LatencyHistogram: bucket arithmetic and percentile walk.
#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace nokv::bench {

size_t LatencyHistogram::BucketIndex(uint64_t value) {
  if (value < kLinearLimit) return static_cast<size_t>(value);
  const int msb = 63 - std::countl_zero(value);  // >= kSubBits + 1
  const int shift = msb - kSubBits;
  const uint64_t top = value >> shift;           // in [kSubBuckets, 2 * kSubBuckets)
  return static_cast<size_t>(kLinearLimit + static_cast<uint64_t>(msb - (kSubBits + 1)) * kSubBuckets +
                             (top - kSubBuckets));
}

uint64_t LatencyHistogram::BucketLow(size_t index) {
  if (index < kLinearLimit) return index;
  const uint64_t rel = index - kLinearLimit;
  const int msb = static_cast<int>(rel / kSubBuckets) + kSubBits + 1;
  const uint64_t top = kSubBuckets + rel % kSubBuckets;
  return top << (msb - kSubBits);
}

uint64_t LatencyHistogram::BucketHigh(size_t index) {
  if (index < kLinearLimit) return index;
  const uint64_t rel = index - kLinearLimit;
  const int msb = static_cast<int>(rel / kSubBuckets) + kSubBits + 1;
  const int shift = msb - kSubBits;
  const uint64_t top = kSubBuckets + rel % kSubBuckets;
  return ((top + 1) << shift) - 1;  // wraps to UINT64_MAX for the last bucket
}

void LatencyHistogram::Record(uint64_t nanos) {
  ++buckets_[BucketIndex(nanos)];
  ++count_;
  min_ = std::min(min_, nanos);
  max_ = std::max(max_, nanos);
  sum_ += static_cast<long double>(nanos);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBucketCount; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void LatencyHistogram::Clear() { *this = LatencyHistogram(); }

double LatencyHistogram::Mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

uint64_t LatencyHistogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  if (rank == count_) return max_;  // p100 is the exact maximum
  uint64_t seen = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      // The bucket midpoint, kept inside the observed [min, max].
      const uint64_t low = BucketLow(i);
      const uint64_t mid = low + (BucketHigh(i) - low) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  return max_;
}

}  // namespace nokv::bench
