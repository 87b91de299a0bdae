// TsoAllocator (see tso.h).
#include "pd/tso.h"

#include <algorithm>

namespace nokv::pd {

TsoAllocator::TsoAllocator(TsoOptions options, uint64_t saved_bound_ms, uint64_t min_ts)
    : options_(std::move(options)) {
  // Every timestamp served before has a physical part below the saved bound,
  // so (bound, 0) is above all of them. bound_ stays 0 until the first
  // Allocate saves a new one.
  physical_ = saved_bound_ms;
  logical_ = 0;
  if (PhysicalOf(min_ts) > physical_ ||
      (PhysicalOf(min_ts) == physical_ && LogicalOf(min_ts) > logical_)) {
    physical_ = PhysicalOf(min_ts);
    logical_ = LogicalOf(min_ts);
  }
}

Result<uint64_t> TsoAllocator::Allocate(uint32_t count) {
  if (count == 0 || count > kMaxTsoCount) {
    return Status::InvalidArgument("tso: count " + std::to_string(count) +
                                   " is not in 1.." + std::to_string(kMaxTsoCount));
  }
  std::lock_guard<std::mutex> l(mu_);
  if (retired_.load()) return Status::Aborted("tso: this allocator was retired (leadership changed)");
  uint64_t now = options_.clock_ms();
  if (now > physical_) {
    physical_ = now;
    logical_ = 0;
  }
  // The logical counter is used up: wait for the clock to pass physical_.
  // (A clock behind physical_, after a restart or a clock step back, is
  // waited out the same way.)
  while (logical_ + count > kMaxLogical) {
    options_.wait_for_next_ms();
    now = options_.clock_ms();
    if (now > physical_) {
      physical_ = now;
      logical_ = 0;
    }
  }
  // Extend the saved bound before it is reached, half a window early so the
  // fsync is rare and off the common path.
  if (physical_ + options_.window_ms / 2 >= bound_) {
    const uint64_t new_bound = physical_ + options_.window_ms;
    Status s = options_.save_bound(new_bound);
    if (!s.ok()) return s.WithContext("tso: save bound");
    bound_ = new_bound;
  }
  // Checked after the bound is saved: a successor reads the saved bound only
  // after retiring this allocator, so whatever is served here is below it.
  if (retired_.load()) return Status::Aborted("tso: this allocator was retired (leadership changed)");
  const uint64_t first = ComposeTs(physical_, logical_);
  logical_ += count;
  last_ = first + count - 1;
  return first;
}

uint64_t TsoAllocator::saved_bound_ms() const {
  std::lock_guard<std::mutex> l(mu_);
  return bound_;
}

uint64_t TsoAllocator::last_ts() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_;
}

}  // namespace nokv::pd
