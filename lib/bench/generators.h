// Request generators with YCSB's definitions (site.ycsb.generator): uniform,
// zipfian (Gray et al., "Quickly generating billion-record synthetic
// databases"), scrambled zipfian (zipfian popularity spread over the key
// space by FNV hashing), skewed-latest, and the acknowledged insert counter
// that keeps readers off keys whose insert has not finished. Also YCSB's key
// naming: "user" + FNV-1a-64(keynum) in decimal.
//
// Generators are not thread-safe: each client thread owns its own; only
// AcknowledgedCounter is shared.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "base/random.h"

namespace nokv::bench {

constexpr double kZipfianConstant = 0.99;

// YCSB's Utils.fnvhash64: FNV-1a over the 8 little-endian bytes, made
// non-negative as Java's Math.abs would.
int64_t FnvHash64(int64_t value);

// YCSB CoreWorkload.buildKeyName with zeropadding 1: "user" followed by the
// hashed key number (or the plain number when `ordered`). A non-zero
// `zero_pad` left-pads the number to that many digits.
std::string BuildKeyName(uint64_t keynum, bool ordered = false, int zero_pad = 0);

// A double uniform in [0, 1).
inline double NextDouble(Random* rng) {
  return static_cast<double>(rng->Next64() >> 11) * (1.0 / 9007199254740992.0);
}

// Uniform integers in [lo, hi].
class UniformGenerator {
 public:
  UniformGenerator(uint64_t lo, uint64_t hi, uint64_t seed) : lo_(lo), hi_(hi), rng_(seed) {}
  uint64_t Next() { return lo_ + rng_.Uniform(hi_ - lo_ + 1); }

 private:
  uint64_t lo_, hi_;
  Random rng_;
};

// Zipfian over [min, max]: item min is the most popular. zeta(n) is computed
// once (O(n)) unless given, and extended incrementally when Next(n) asks for
// a larger item count (as the latest generator does while inserts land).
class ZipfianGenerator {
 public:
  ZipfianGenerator(uint64_t min, uint64_t max, uint64_t seed, double theta = kZipfianConstant,
                   double zetan = 0);
  uint64_t Next() { return Next(items_); }
  // A value in [min, min + item_count); item_count may grow between calls.
  uint64_t Next(uint64_t item_count);

  static double Zeta(uint64_t n, double theta) { return ZetaFrom(0, n, theta, 0); }
  // zeta(n) given zeta(start) = initial_sum.
  static double ZetaFrom(uint64_t start, uint64_t n, double theta, double initial_sum);

 private:
  uint64_t base_;
  uint64_t items_;
  double theta_, alpha_, zeta2theta_, zetan_, eta_;
  uint64_t count_for_zeta_;
  Random rng_;
};

// YCSB's ScrambledZipfianGenerator: a zipfian over a huge fixed item space
// (10^10 items, precomputed zeta) hashed into [min, max], so popular items
// are scattered instead of clustered at the low end.
class ScrambledZipfianGenerator {
 public:
  static constexpr uint64_t kItemCount = 10000000000ull;
  static constexpr double kZetan = 26.46902820178302;  // zeta(10^10, 0.99)

  ScrambledZipfianGenerator(uint64_t min, uint64_t max, uint64_t seed);
  uint64_t Next();

 private:
  uint64_t min_, item_count_;
  ZipfianGenerator gen_;
};

// Hands out insert key numbers in order and tracks the highest number below
// which every insert has been acknowledged (YCSB's
// AcknowledgedCounterGenerator). Thread-safe.
class AcknowledgedCounter {
 public:
  explicit AcknowledgedCounter(uint64_t start);
  uint64_t Next() { return next_.fetch_add(1, std::memory_order_relaxed); }
  void Acknowledge(uint64_t value);
  // Every key number <= LastValue() has been acknowledged (start - 1 at
  // first; callers start at >= 1 record).
  uint64_t LastValue() const { return limit_.load(std::memory_order_acquire); }

 private:
  static constexpr uint64_t kWindow = uint64_t{1} << 20;
  std::atomic<uint64_t> next_;
  std::atomic<uint64_t> limit_;
  std::mutex mu_;
  std::vector<std::atomic<bool>> window_;  // acknowledged but not yet folded into limit_
};

// YCSB's SkewedLatestGenerator: recent inserts are the most popular; the
// newest acknowledged key is chosen with zipfian probability, older keys
// less and less.
class SkewedLatestGenerator {
 public:
  SkewedLatestGenerator(const AcknowledgedCounter* basis, uint64_t seed);
  uint64_t Next();

 private:
  const AcknowledgedCounter* basis_;
  ZipfianGenerator zipfian_;
};

}  // namespace nokv::bench
