// MemoryStorage: an in-memory raft Storage, for tests and as a log cache.
// The application appends entries and snapshots as Ready instructs, and
// compacts the log once a snapshot covers it. Guarded by a mutex so an
// application thread may compact while the raft thread reads.
#pragma once

#include <mutex>
#include <vector>

#include "raft/raft.h"

namespace nokv::raft {

class MemoryStorage final : public Storage {
 public:
  MemoryStorage();

  nokv::Status InitialState(raftpb::HardState* hard_state,
                            raftpb::ConfState* conf_state) const override;
  nokv::Status Entries(uint64_t lo, uint64_t hi, uint64_t max_size,
                       std::vector<raftpb::Entry>* out) const override;
  nokv::Status Term(uint64_t i, uint64_t* term) const override;
  nokv::Status FirstIndex(uint64_t* index) const override;
  nokv::Status LastIndex(uint64_t* index) const override;
  nokv::Status Snapshot(raftpb::Snapshot* snapshot) const override;

  // Sets the membership of a fresh storage (empty log, no snapshot).
  nokv::Status Bootstrap(const raftpb::ConfState& conf_state);
  void SetHardState(const raftpb::HardState& hs);
  // Replaces the storage contents with the snapshot. SnapOutOfDate when the
  // snapshot is not newer than the current one.
  nokv::Status ApplySnapshot(const raftpb::Snapshot& snapshot);
  // Records a snapshot of the state machine as of index `i` (<= last index),
  // which becomes what Snapshot() returns. Does not compact; SnapOutOfDate
  // when i is not newer than the current snapshot.
  nokv::Status CreateSnapshot(uint64_t i, const raftpb::ConfState* conf_state,
                              std::string data, raftpb::Snapshot* out = nullptr);
  // Discards entries before `compact_index` (which must be covered by a
  // snapshot the leader can send). Compacted if already compacted.
  nokv::Status Compact(uint64_t compact_index);
  // Appends entries; entries overlapping the log replace its tail. Entries
  // older than the first index are ignored.
  nokv::Status Append(const std::vector<raftpb::Entry>& entries);

 private:
  uint64_t FirstIndexLocked() const { return ents_[0].index() + 1; }
  uint64_t LastIndexLocked() const { return ents_[0].index() + ents_.size() - 1; }

  mutable std::mutex mu_;
  raftpb::HardState hard_state_;   // guarded by mu_
  raftpb::Snapshot snapshot_;      // guarded by mu_
  // ents_[0] is a dummy holding the snapshot's index and term; ents_[i] has
  // index ents_[0].index() + i. Guarded by mu_.
  std::vector<raftpb::Entry> ents_;
};

}  // namespace nokv::raft
