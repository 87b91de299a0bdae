// PeerStorage: raft::Storage for one region's replica on this store, over the
// store's RaftLogEngine, with an in-memory cache of the newest entries (a
// leader reads them back for every MsgApp; most never leave the cache).
//
// Threading: owned and driven by the thread that drives the region's
// RawNode; not thread-safe.
//
// Writes follow the Ready contract: while handling a Ready, the store calls
// Append / SetHardState / ApplySnapshotMeta with the round's RaftLogBatch,
// then commits the batch with RaftLogEngine::Write (one fsync for every region
// of the round). The in-memory view moves at staging time; if the Write
// fails the store must stop the peer and reload it from the engine (the view
// then runs ahead of the disk), which is what the raft library's error
// contract asks of a failed persist anyway.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>

#include "raft/raft.h"
#include "raftstore/raft_log_engine.h"

namespace nokv::raftstore {

// Builds a snapshot of the region's state machine (application data, the
// applied index and term, the conf state). May return
// SnapshotTemporarilyUnavailable while one is being generated.
using SnapshotBuilder = std::function<Status(raftpb::Snapshot* snapshot)>;

class PeerStorage final : public raft::Storage {
 public:
  struct Options {
    // Bytes of recent entries kept in memory for reads.
    uint64_t entry_cache_bytes = 4ull << 20;
  };

  // `state` is what the engine holds for the region (RaftLogEngine::Load);
  // `conf_state` is the membership the region starts from when no snapshot
  // carries one (bootstrap or the region meta).
  PeerStorage(uint64_t region_id, RaftLogEngine* engine, const RegionRaftState& state,
              const raftpb::ConfState& conf_state, SnapshotBuilder snapshot_builder,
              Options options);
  PeerStorage(uint64_t region_id, RaftLogEngine* engine, const RegionRaftState& state,
              const raftpb::ConfState& conf_state, SnapshotBuilder snapshot_builder)
      : PeerStorage(region_id, engine, state, conf_state, std::move(snapshot_builder),
                    Options()) {}

  // --- raft::Storage
  Status InitialState(raftpb::HardState* hard_state,
                      raftpb::ConfState* conf_state) const override;
  Status Entries(uint64_t lo, uint64_t hi, uint64_t max_size,
                 std::vector<raftpb::Entry>* out) const override;
  Status Term(uint64_t i, uint64_t* term) const override;
  Status FirstIndex(uint64_t* index) const override;
  Status LastIndex(uint64_t* index) const override;
  Status Snapshot(raftpb::Snapshot* snapshot) const override;

  // --- staging writes of a Ready round into `batch`
  // Ready.entries: appended, replacing any conflicting tail.
  Status Append(const std::vector<raftpb::Entry>& entries, RaftLogBatch* batch);
  void SetHardState(const raftpb::HardState& hard_state, RaftLogBatch* batch);
  // Ready.snapshot: the log restarts after the snapshot's index.
  Status ApplySnapshot(const raftpb::SnapshotMetadata& meta, RaftLogBatch* batch);
  // Discards entries up to and including `index`, which must be applied and
  // durable in the data engine (the caller's rule) and <= last index.
  // Compacted if already compacted that far.
  Status Compact(uint64_t index, RaftLogBatch* batch);
  // The membership recorded with the next compaction point.
  void SetConfState(const raftpb::ConfState& conf_state) { conf_state_ = conf_state; }

  uint64_t region_id() const { return region_id_; }
  uint64_t first_index() const { return snapshot_meta_.index() + 1; }
  uint64_t last_index() const { return last_index_; }
  const raftpb::HardState& hard_state() const { return hard_state_; }
  uint64_t cached_entries() const { return cache_.size(); }

 private:
  void CacheAppend(const std::vector<raftpb::Entry>& entries);
  void CacheTrimTo(uint64_t first_kept_index);

  const uint64_t region_id_;
  RaftLogEngine* const engine_;
  const SnapshotBuilder snapshot_builder_;
  const Options options_;

  raftpb::HardState hard_state_;
  raftpb::ConfState conf_state_;
  raftpb::SnapshotMetadata snapshot_meta_;  // compaction point
  uint64_t last_index_ = 0;
  uint64_t last_term_ = 0;
  // Contiguous newest entries, ending at last_index_ when not empty.
  std::deque<raftpb::Entry> cache_;
  uint64_t cache_bytes_ = 0;
};

}  // namespace nokv::raftstore
