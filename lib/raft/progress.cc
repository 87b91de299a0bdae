// Progress, Inflights and ProgressTracker: see progress.h.
#include "raft/progress.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace nokv::raft {

// ---- Inflights ----

void Inflights::Add(uint64_t index) {
  assert(!Full());
  size_t pos = start_ + count_;
  if (pos >= capacity_) pos -= capacity_;
  if (buffer_.empty()) buffer_.resize(capacity_);  // allocated on first use
  buffer_[pos] = index;
  count_++;
}

void Inflights::FreeLE(uint64_t to) {
  if (count_ == 0 || to < buffer_[start_]) return;
  size_t idx = start_;
  size_t i = 0;
  for (; i < count_; i++) {
    if (to < buffer_[idx]) break;
    if (++idx >= capacity_) idx -= capacity_;
  }
  count_ -= i;
  start_ = idx;
  if (count_ == 0) start_ = 0;  // keep the ring compact
}

void Inflights::FreeFirstOne() {
  if (count_ > 0) FreeLE(buffer_[start_]);
}

void Inflights::Reset() {
  count_ = 0;
  start_ = 0;
}

// ---- Progress ----

void Progress::ResetState(ProgressState s) {
  probe_sent = false;
  pending_snapshot = 0;
  state = s;
  inflights.Reset();
}

void Progress::BecomeProbe() {
  // After a snapshot, resume from the snapshot index (or from match, if the
  // follower got further in the meantime).
  if (state == ProgressState::kSnapshot) {
    uint64_t pending = pending_snapshot;
    ResetState(ProgressState::kProbe);
    next = std::max(match + 1, pending + 1);
  } else {
    ResetState(ProgressState::kProbe);
    next = match + 1;
  }
}

void Progress::BecomeReplicate() {
  ResetState(ProgressState::kReplicate);
  next = match + 1;
}

void Progress::BecomeSnapshot(uint64_t snapshot_index) {
  ResetState(ProgressState::kSnapshot);
  pending_snapshot = snapshot_index;
}

bool Progress::MaybeUpdate(uint64_t n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::MaybeDecrTo(uint64_t rejected, uint64_t match_hint) {
  if (state == ProgressState::kReplicate) {
    // Stale rejection: an earlier MsgApp was rejected but a later one matched.
    if (rejected <= match) return false;
    next = match + 1;  // probe from the last known match
    return true;
  }
  // In probe, only the rejection of the last probe (at next-1) counts.
  if (next - 1 != rejected) return false;
  next = std::max(std::min(rejected, match_hint + 1), uint64_t{1});
  probe_sent = false;
  return true;
}

bool Progress::IsPaused() const {
  switch (state) {
    case ProgressState::kProbe: return probe_sent;
    case ProgressState::kReplicate: return inflights.Full();
    case ProgressState::kSnapshot: return true;
  }
  return true;
}

std::string Progress::ToString() const {
  std::string out = ProgressStateName(state);
  out += " match=" + std::to_string(match) + " next=" + std::to_string(next);
  if (is_learner) out += " learner";
  if (IsPaused()) out += " paused";
  if (pending_snapshot > 0) out += " pendingSnap=" + std::to_string(pending_snapshot);
  if (!recent_active) out += " inactive";
  if (inflights.Count() > 0) out += " inflight=" + std::to_string(inflights.Count());
  return out;
}

// ---- ProgressTracker ----

Progress* ProgressTracker::Get(uint64_t id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

raftpb::ConfState ProgressTracker::ConfState() const {
  raftpb::ConfState cs;
  for (uint64_t id : voters_) cs.add_voters(id);
  for (uint64_t id : learners_) cs.add_learners(id);
  return cs;
}

Progress& ProgressTracker::Insert(uint64_t id, uint64_t next_index, bool learner) {
  auto [it, inserted] = progress_.try_emplace(id, max_inflight_);
  Progress& pr = it->second;
  if (inserted) {
    pr.next = std::max<uint64_t>(next_index, 1);
    pr.match = 0;
    // A new peer counts as active so that check quorum does not depose the
    // leader before it had a chance to talk to it.
    pr.recent_active = true;
  }
  pr.is_learner = learner;
  return pr;
}

nokv::Status ProgressTracker::AddVoter(uint64_t id, uint64_t next_index) {
  learners_.erase(id);
  voters_.insert(id);
  Insert(id, next_index, false);
  return nokv::Status::OK();
}

nokv::Status ProgressTracker::AddLearner(uint64_t id, uint64_t next_index) {
  if (voters_.count(id) > 0) {
    return nokv::Status::InvalidArgument("raft: cannot demote voter " + std::to_string(id) +
                                         " to learner");
  }
  learners_.insert(id);
  Insert(id, next_index, true);
  return nokv::Status::OK();
}

void ProgressTracker::Remove(uint64_t id) {
  voters_.erase(id);
  learners_.erase(id);
  progress_.erase(id);
  votes_.erase(id);
}

void ProgressTracker::Reset(const raftpb::ConfState& cs, uint64_t next_index) {
  voters_.clear();
  learners_.clear();
  progress_.clear();
  votes_.clear();
  for (uint64_t id : cs.voters()) (void)AddVoter(id, next_index);
  for (uint64_t id : cs.learners()) {
    if (voters_.count(id) == 0) (void)AddLearner(id, next_index);
  }
}

uint64_t ProgressTracker::Committed() const {
  if (voters_.empty()) return std::numeric_limits<uint64_t>::max();
  std::vector<uint64_t> matches;
  matches.reserve(voters_.size());
  for (uint64_t id : voters_) {
    auto it = progress_.find(id);
    matches.push_back(it == progress_.end() ? 0 : it->second.match);
  }
  // Sorted descending, the quorum-th largest is acknowledged by a majority.
  std::sort(matches.begin(), matches.end(), std::greater<>());
  return matches[voters_.size() / 2];
}

bool ProgressTracker::QuorumActive() const {
  size_t active = 0;
  for (uint64_t id : voters_) {
    auto it = progress_.find(id);
    if (it != progress_.end() && it->second.recent_active) active++;
  }
  return active > voters_.size() / 2;
}

void ProgressTracker::RecordVote(uint64_t id, bool granted) {
  votes_.try_emplace(id, granted);
}

VoteResult ProgressTracker::TallyVotes(int* granted, int* rejected) const {
  int yes = 0, no = 0, missing = 0;
  for (uint64_t id : voters_) {
    auto it = votes_.find(id);
    if (it == votes_.end()) {
      missing++;
    } else if (it->second) {
      yes++;
    } else {
      no++;
    }
  }
  if (granted != nullptr) *granted = yes;
  if (rejected != nullptr) *rejected = no;
  const int q = static_cast<int>(voters_.size() / 2 + 1);
  if (voters_.empty()) return VoteResult::kWon;  // an empty config wins trivially
  if (yes >= q) return VoteResult::kWon;
  if (yes + missing >= q) return VoteResult::kPending;
  return VoteResult::kLost;
}

}  // namespace nokv::raft
