// IdAllocator (see id_allocator.h).
#include "pd/id_allocator.h"

#include <algorithm>

namespace nokv::pd {

IdAllocator::IdAllocator(SaveBound save_bound, uint64_t saved_bound, uint64_t min_id,
                         uint64_t window)
    : save_bound_(std::move(save_bound)),
      window_(std::max<uint64_t>(window, 1)),
      next_(std::max<uint64_t>({saved_bound, min_id, 1})),
      bound_(0) {}

Result<uint64_t> IdAllocator::Allocate(uint32_t count) {
  if (count == 0) return Status::InvalidArgument("alloc id: count must be > 0");
  std::lock_guard<std::mutex> l(mu_);
  if (next_ > UINT64_MAX - count - window_) {
    return Status::InvalidArgument("alloc id: the id space is exhausted");
  }
  if (next_ + count > bound_) {
    const uint64_t new_bound = next_ + count + window_;
    Status s = save_bound_(new_bound);
    if (!s.ok()) return s.WithContext("alloc id: save bound");
    bound_ = new_bound;
  }
  if (retired_.load()) return Status::Aborted("alloc id: this allocator was retired");
  const uint64_t first = next_;
  next_ += count;
  return first;
}

uint64_t IdAllocator::saved_bound() const {
  std::lock_guard<std::mutex> l(mu_);
  return bound_;
}

}  // namespace nokv::pd
