// RaftLogStore: the durable Raft state of a replicated PD member: the hard
// state and entries in a NoKV database, the latest snapshot in a file beside
// it (raft_snapshot.h), all mirrored into a raft::MemoryStorage that the Raft
// library reads. Keys (docs/pd.md):
//   pd/raft/hardstate          raftpb.HardState
//   pd/raft/entry/<index>      raftpb.Entry   (index: 16 hex digits)
//
// Durability order. Compaction: the snapshot file is replaced (fsync,
// rename, directory fsync) before the entries it covers are deleted.
// Installing a leader's snapshot: the file first, then one synced batch
// deleting the whole old log. So after a crash at any point the workdir holds
// a snapshot (old or new) and a log covering everything after it; at Open,
// entries the snapshot covers are skipped, and a stale log left by an
// interrupted install (its entry at the snapshot index has another term, or
// it ends before it) is dropped.
//
// Not thread-safe except the *_index() getters: the replicator's driver
// thread owns it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nokv/db.h"
#include "raft/memory_storage.h"
#include "vfs/file_system.h"

namespace nokv::pd {

class RaftLogStore {
 public:
  // Opens (creating) the database in `dir` and loads the snapshot file and
  // the log into `memory`. Corruption naming the key or file if a record does
  // not parse, the snapshot file is damaged, or the log has a gap.
  static Result<std::unique_ptr<RaftLogStore>> Open(const std::string& dir,
                                                    raft::MemoryStorage* memory);
  ~RaftLogStore();

  // True if nothing was stored (a fresh member that must bootstrap).
  bool empty() const { return last_index_ == 0 && !has_hard_state_ && snapshot_index_ == 0; }
  // The snapshot loaded at Open or saved since (empty if none).
  const raftpb::Snapshot& snapshot() const { return snapshot_; }

  // Persists a Ready's hard state (if not empty) and entries in one synced
  // batch (entries replacing a tail delete the rest of the old tail), then
  // updates `memory`.
  Status Save(const raftpb::HardState& hard_state, const std::vector<raftpb::Entry>& entries);
  // A snapshot received from the leader: persists it, drops the whole log
  // (synced) and resets `memory` to it.
  Status InstallSnapshot(const raftpb::Snapshot& snapshot);
  // A snapshot this member took of its own state (already recorded in
  // `memory` by CreateSnapshot): persists it, then deletes the entries up to
  // `compact_index` (<= the snapshot's index) from disk and memory.
  Status SaveSnapshotAndCompact(const raftpb::Snapshot& snapshot, uint64_t compact_index);

  // For tests and status: the first and last entry index on disk (first >
  // last when there is none) and the index of the durable snapshot.
  uint64_t first_index() const { return first_disk_index_.load(); }
  uint64_t last_index() const { return last_disk_index_.load(); }
  uint64_t snapshot_index() const { return snapshot_index_.load(); }

 private:
  RaftLogStore() = default;
  Status LoadLog(const std::string& dir);
  Status DeleteEntries(uint64_t first, uint64_t last);
  void PublishIndexes();

  std::string dir_;
  std::shared_ptr<FileSystem> fs_;
  std::unique_ptr<DB> db_;
  raft::MemoryStorage* memory_ = nullptr;
  raftpb::Snapshot snapshot_;
  uint64_t first_index_ = 1;  // first entry on disk (last_index_ + 1 if none)
  uint64_t last_index_ = 0;   // last entry on disk, or the snapshot's index
  bool has_hard_state_ = false;
  std::atomic<uint64_t> first_disk_index_{1}, last_disk_index_{0}, snapshot_index_{0};
};

}  // namespace nokv::pd
