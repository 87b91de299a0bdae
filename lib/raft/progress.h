// Leader-side bookkeeping of each follower: Progress (match/next, the probe /
// replicate / snapshot flow-control states and the in-flight window) and the
// ProgressTracker (membership, votes, quorum arithmetic). Majority quorums
// only; joint consensus is not implemented.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "raft/raft.h"

namespace nokv::raft {

// A sliding window of the last indexes of in-flight MsgApps, bounded in
// count. The leader adds an entry per MsgApp sent while replicating and frees
// entries as acknowledgements arrive.
class Inflights {
 public:
  explicit Inflights(size_t capacity) : capacity_(capacity) {}

  // Records a MsgApp whose last entry is `index`; indexes must increase and
  // the window must not be Full().
  void Add(uint64_t index);
  // Frees every in-flight message whose last index is <= to.
  void FreeLE(uint64_t to);
  // Frees the oldest in-flight message (a heartbeat response shows the
  // follower is alive, so let one more message go).
  void FreeFirstOne();
  bool Full() const { return count_ == capacity_; }
  size_t Count() const { return count_; }
  size_t capacity() const { return capacity_; }
  void Reset();

 private:
  size_t capacity_;
  size_t start_ = 0;  // ring position of the oldest entry
  size_t count_ = 0;
  std::vector<uint64_t> buffer_;  // ring of capacity_ slots, allocated on first Add
};

// What the leader knows of one follower's log.
struct Progress {
  explicit Progress(size_t max_inflight) : inflights(max_inflight) {}

  // Highest index known to match the leader's log; next index to send.
  uint64_t match = 0;
  uint64_t next = 0;
  // kProbe: one MsgApp per heartbeat interval until a match is found.
  // kReplicate: optimistic pipelining, bounded by the in-flight window.
  // kSnapshot: a snapshot is on its way; nothing else is sent.
  ProgressState state = ProgressState::kProbe;
  // In kSnapshot: the index of the snapshot being sent.
  uint64_t pending_snapshot = 0;
  // Heard from since the last check-quorum round.
  bool recent_active = false;
  // Lease reads: the leader's tick count (Raft::ticks_) when it sent the
  // newest heartbeat this peer acknowledged; 0 when none in this term.
  uint64_t acked_send_tick = 0;
  // In kProbe: a MsgApp was sent and no answer has arrived yet.
  bool probe_sent = false;
  Inflights inflights;
  bool is_learner = false;

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(uint64_t snapshot_index);
  // Called on a successful MsgAppResp for index n. Returns false if the
  // response was stale (n <= match).
  bool MaybeUpdate(uint64_t n);
  // Advances next optimistically after sending entries up to n.
  void OptimisticUpdate(uint64_t n) { next = n + 1; }
  // Called on a rejected MsgApp at index `rejected`; match_hint is the
  // follower's suggestion for the next probe. Returns false if the rejection
  // is stale.
  bool MaybeDecrTo(uint64_t rejected, uint64_t match_hint);
  // Whether the leader should hold back MsgApps to this follower.
  bool IsPaused() const;
  std::string ToString() const;

 private:
  void ResetState(ProgressState state);
};

enum class VoteResult { kPending, kWon, kLost };

// Membership and per-peer progress; quorum decisions (commit index, votes,
// check quorum) over the voters.
class ProgressTracker {
 public:
  explicit ProgressTracker(size_t max_inflight) : max_inflight_(max_inflight) {}

  const std::set<uint64_t>& voters() const { return voters_; }
  const std::set<uint64_t>& learners() const { return learners_; }
  std::map<uint64_t, Progress>& progress() { return progress_; }
  const std::map<uint64_t, Progress>& progress() const { return progress_; }
  Progress* Get(uint64_t id);
  bool IsVoter(uint64_t id) const { return voters_.count(id) > 0; }
  bool IsSingleton() const { return voters_.size() == 1; }
  raftpb::ConfState ConfState() const;

  // Membership edits. AddVoter promotes a learner; AddLearner on a voter is
  // refused (InvalidArgument). New peers start probing at next_index.
  nokv::Status AddVoter(uint64_t id, uint64_t next_index);
  nokv::Status AddLearner(uint64_t id, uint64_t next_index);
  void Remove(uint64_t id);
  // Replaces the whole configuration (restore from a snapshot).
  void Reset(const raftpb::ConfState& cs, uint64_t next_index);

  // The largest index acknowledged by a majority of voters.
  uint64_t Committed() const;
  // Whether a majority of voters was recently active.
  bool QuorumActive() const;

  void ResetVotes() { votes_.clear(); }
  // Records id's vote (the first one sticks).
  void RecordVote(uint64_t id, bool granted);
  VoteResult TallyVotes(int* granted, int* rejected) const;

 private:
  Progress& Insert(uint64_t id, uint64_t next_index, bool learner);

  size_t max_inflight_;
  std::set<uint64_t> voters_;
  std::set<uint64_t> learners_;
  std::map<uint64_t, Progress> progress_;
  std::map<uint64_t, bool> votes_;
};

}  // namespace nokv::raft
