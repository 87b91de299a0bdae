// TsoAllocator: hybrid timestamps, physical_ms << 18 | logical, strictly
// increasing for every caller. Durability: before serving any timestamp whose
// physical part reaches the saved bound, a new bound a window ahead is saved
// (fsync'ed by the caller's SaveBound); a restarted or newly elected PD starts
// at the saved bound, above every timestamp the previous one could have
// served. No clock or I/O of its own: both are injected.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "base/status.h"

namespace nokv::pd {

constexpr int kLogicalBits = 18;
constexpr uint64_t kMaxLogical = uint64_t{1} << kLogicalBits;  // exclusive
constexpr uint32_t kMaxTsoCount = kMaxLogical - 1;

inline uint64_t ComposeTs(uint64_t physical_ms, uint64_t logical) {
  return (physical_ms << kLogicalBits) | logical;
}
inline uint64_t PhysicalOf(uint64_t ts) { return ts >> kLogicalBits; }
inline uint64_t LogicalOf(uint64_t ts) { return ts & (kMaxLogical - 1); }

struct TsoOptions {
  std::function<uint64_t()> clock_ms;        // unix milliseconds
  std::function<void()> wait_for_next_ms;    // called when a millisecond is used up
  // Durably stores the bound (physical ms). Non-OK: nothing is served.
  std::function<Status(uint64_t bound_ms)> save_bound;
  uint64_t window_ms = 3000;                 // how far ahead the bound is saved
};

class TsoAllocator {
 public:
  // `saved_bound_ms`: the bound loaded from storage (0 if none).
  // `min_ts`: no timestamp below it is served (the --ts-start flag).
  TsoAllocator(TsoOptions options, uint64_t saved_bound_ms, uint64_t min_ts = 0);

  // The first of `count` consecutive timestamps (all with one physical part).
  // InvalidArgument if count is 0 or above kMaxTsoCount; the save_bound
  // error if the bound could not be extended.
  Result<uint64_t> Allocate(uint32_t count);

  // Stops serving for good: every later Allocate, and one in flight that has
  // not returned yet, fails with Aborted. Used when leadership changes, so an
  // allocator of an earlier term never serves next to its successor.
  void Retire() { retired_.store(true); }

  // The bound that is saved (for metrics and tests).
  uint64_t saved_bound_ms() const;
  // The last timestamp served, 0 if none.
  uint64_t last_ts() const;

 private:
  TsoOptions options_;
  mutable std::mutex mu_;
  uint64_t physical_ = 0;  // guarded by mu_; the physical part in use
  uint64_t logical_ = 0;   // guarded by mu_; next logical to hand out
  uint64_t bound_ = 0;     // guarded by mu_; physical_ < bound_ once serving
  uint64_t last_ = 0;      // guarded by mu_
  std::atomic<bool> retired_{false};
};

}  // namespace nokv::pd
