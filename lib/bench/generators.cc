// YCSB generator algorithms, ported from site.ycsb.generator.
#include "bench/generators.h"

#include <cmath>
#include <charconv>

namespace nokv::bench {

int64_t FnvHash64(int64_t value) {
  constexpr uint64_t kOffsetBasis = 0xCBF29CE484222325ull;
  constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t hash = kOffsetBasis;
  auto v = static_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i) {
    hash ^= v & 0xff;
    hash *= kPrime;
    v >>= 8;
  }
  auto h = static_cast<int64_t>(hash);
  if (h == INT64_MIN) return INT64_MAX;  // Math.abs would stay negative here
  return h < 0 ? -h : h;
}

std::string BuildKeyName(uint64_t keynum, bool ordered, int zero_pad) {
  const uint64_t n = ordered ? keynum : static_cast<uint64_t>(FnvHash64(static_cast<int64_t>(keynum)));
  // to_chars, not snprintf: key naming sits on every operation's path.
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), n);
  const auto len = static_cast<size_t>(end - digits);
  std::string key = "user";
  if (static_cast<size_t>(zero_pad) > len) key.append(static_cast<size_t>(zero_pad) - len, '0');
  key.append(digits, len);
  return key;
}

ZipfianGenerator::ZipfianGenerator(uint64_t min, uint64_t max, uint64_t seed, double theta,
                                   double zetan)
    : base_(min),
      items_(max - min + 1),
      theta_(theta),
      alpha_(1.0 / (1.0 - theta)),
      zeta2theta_(Zeta(2, theta)),
      zetan_(zetan > 0 ? zetan : Zeta(items_, theta)),
      count_for_zeta_(items_),
      rng_(seed) {
  eta_ = (1 - std::pow(2.0 / static_cast<double>(items_), 1 - theta_)) / (1 - zeta2theta_ / zetan_);
}

double ZipfianGenerator::ZetaFrom(uint64_t start, uint64_t n, double theta, double initial_sum) {
  double sum = initial_sum;
  for (uint64_t i = start; i < n; ++i) sum += 1.0 / std::pow(static_cast<double>(i + 1), theta);
  return sum;
}

uint64_t ZipfianGenerator::Next(uint64_t item_count) {
  if (item_count > count_for_zeta_) {
    // Items only grow here (inserts); YCSB also only extends zeta.
    zetan_ = ZetaFrom(count_for_zeta_, item_count, theta_, zetan_);
    count_for_zeta_ = item_count;
    eta_ = (1 - std::pow(2.0 / static_cast<double>(item_count), 1 - theta_)) /
           (1 - zeta2theta_ / zetan_);
  }
  const double u = NextDouble(&rng_);
  const double uz = u * zetan_;
  if (uz < 1.0) return base_;
  if (uz < 1.0 + std::pow(0.5, theta_)) return base_ + 1;
  auto offset = static_cast<uint64_t>(static_cast<double>(item_count) *
                                      std::pow(eta_ * u - eta_ + 1, alpha_));
  if (offset >= item_count) offset = item_count - 1;  // guard rounding at u -> 1
  return base_ + offset;
}

ScrambledZipfianGenerator::ScrambledZipfianGenerator(uint64_t min, uint64_t max, uint64_t seed)
    : min_(min),
      item_count_(max - min + 1),
      gen_(0, kItemCount, seed, kZipfianConstant, kZetan) {}

uint64_t ScrambledZipfianGenerator::Next() {
  const uint64_t v = gen_.Next();
  return min_ + static_cast<uint64_t>(FnvHash64(static_cast<int64_t>(v))) % item_count_;
}

AcknowledgedCounter::AcknowledgedCounter(uint64_t start)
    : next_(start), limit_(start - 1), window_(kWindow) {}

void AcknowledgedCounter::Acknowledge(uint64_t value) {
  window_[value & (kWindow - 1)].store(true, std::memory_order_release);
  // Whoever holds the lock folds the contiguous acknowledged prefix into
  // limit_; the others leave their mark for it.
  std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  uint64_t limit = limit_.load(std::memory_order_relaxed);
  for (;;) {
    std::atomic<bool>& slot = window_[(limit + 1) & (kWindow - 1)];
    if (!slot.load(std::memory_order_acquire)) break;
    slot.store(false, std::memory_order_relaxed);
    ++limit;
  }
  limit_.store(limit, std::memory_order_release);
}

SkewedLatestGenerator::SkewedLatestGenerator(const AcknowledgedCounter* basis, uint64_t seed)
    : basis_(basis), zipfian_(0, basis->LastValue() > 0 ? basis->LastValue() - 1 : 0, seed) {}

uint64_t SkewedLatestGenerator::Next() {
  const uint64_t max = basis_->LastValue();
  if (max == 0) return 0;
  return max - zipfian_.Next(max);
}

}  // namespace nokv::bench
