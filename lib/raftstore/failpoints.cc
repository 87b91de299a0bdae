// Failpoints (see failpoints.h).
#include "raftstore/failpoints.h"

#include <algorithm>

namespace nokv::raftstore {

const char* CrashPointName(CrashPoint point) {
  switch (point) {
    case CrashPoint::kBeforePersistHardState:
      return "before_persist_hard_state";
    case CrashPoint::kBeforePersistEntries:
      return "before_persist_entries";
    case CrashPoint::kBeforePersistSnapshot:
      return "before_persist_snapshot";
    case CrashPoint::kBeforeApply:
      return "before_apply";
    case CrashPoint::kAfterApply:
      return "after_apply";
    case CrashPoint::kCount:
      break;
  }
  return "none";
}

void Failpoints::Arm(CrashPoint point, int nth) {
  std::lock_guard<std::mutex> l(mu_);
  countdown_[static_cast<int>(point)] = nth < 1 ? 1 : nth;
}

void Failpoints::Reset() {
  std::lock_guard<std::mutex> l(mu_);
  for (int& c : countdown_) c = 0;
  fired_.store(static_cast<int>(CrashPoint::kCount));
}

void Failpoints::Disarm(CrashPoint point) {
  std::lock_guard<std::mutex> l(mu_);
  countdown_[static_cast<int>(point)] = 0;
}

bool Failpoints::Reached(CrashPoint point) {
  std::lock_guard<std::mutex> l(mu_);
  int& c = countdown_[static_cast<int>(point)];
  if (c == 0 || --c > 0) return false;
  fired_.store(static_cast<int>(point));
  return true;
}

void Failpoints::DropMessagesTo(uint64_t peer_id, bool drop) {
  std::lock_guard<std::mutex> l(mu_);
  if (drop) {
    drop_[peer_id] = true;
  } else {
    drop_.erase(peer_id);
  }
}

void Failpoints::DelayMessagesTo(uint64_t peer_id, int delay_ms) {
  std::lock_guard<std::mutex> l(mu_);
  if (delay_ms > 0) {
    delay_[peer_id] = delay_ms;
  } else {
    delay_.erase(peer_id);
  }
}

void Failpoints::FreezeCommitTo(uint64_t peer_id, bool freeze) {
  std::lock_guard<std::mutex> l(mu_);
  if (freeze) {
    frozen_commit_[peer_id] = UINT64_MAX;
  } else {
    frozen_commit_.erase(peer_id);
  }
}

uint64_t Failpoints::CommitFor(uint64_t peer_id, uint64_t commit) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = frozen_commit_.find(peer_id);
  if (it == frozen_commit_.end()) return commit;
  if (it->second == UINT64_MAX) it->second = commit;
  return std::min(commit, it->second);
}

bool Failpoints::ShouldDrop(uint64_t peer_id) const {
  std::lock_guard<std::mutex> l(mu_);
  return drop_.count(peer_id) != 0;
}

int Failpoints::DelayFor(uint64_t peer_id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = delay_.find(peer_id);
  return it == delay_.end() ? 0 : it->second;
}

}  // namespace nokv::raftstore
