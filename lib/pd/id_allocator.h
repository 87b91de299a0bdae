// IdAllocator: cluster-unique ids (never 0) handed out from a window whose
// upper end is saved (fsync'ed by SaveBound) before any id in it is served;
// after a crash allocation resumes at the saved bound, so no id is reused.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "base/status.h"

namespace nokv::pd {

class IdAllocator {
 public:
  using SaveBound = std::function<Status(uint64_t bound)>;

  // `saved_bound`: loaded from storage (0 if none): ids below it may have
  // been served. `min_id`: the first id to hand out (the --id-start flag).
  IdAllocator(SaveBound save_bound, uint64_t saved_bound, uint64_t min_id = 1,
              uint64_t window = 1000);

  // The first of `count` consecutive ids. InvalidArgument for count 0.
  Result<uint64_t> Allocate(uint32_t count);

  uint64_t saved_bound() const;
  // Like TsoAllocator::Retire: later (and in-flight) Allocate calls fail.
  void Retire() { retired_.store(true); }

 private:
  SaveBound save_bound_;
  const uint64_t window_;
  mutable std::mutex mu_;
  uint64_t next_;   // guarded by mu_
  uint64_t bound_;  // guarded by mu_; ids < bound_ are covered by the saved bound
  std::atomic<bool> retired_{false};
};

}  // namespace nokv::pd
