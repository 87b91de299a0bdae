// RaftLogStore: the durable Raft log of a replicated PD member (hard state
// and entries) in a NoKV database, mirrored into a raft::MemoryStorage that
// the Raft library reads. Keys (docs/pd.md):
//   pd/raft/hardstate          raftpb.HardState
//   pd/raft/entry/<index>      raftpb.Entry   (index: 16 hex digits)
// No snapshots yet: the log is kept whole and replayed at start.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nokv/db.h"
#include "raft/memory_storage.h"

namespace nokv::pd {

class RaftLogStore {
 public:
  // Opens (creating) the database in `dir` and loads it into `memory`.
  // Corruption naming the key if a record does not parse or the log has a
  // gap.
  static Result<std::unique_ptr<RaftLogStore>> Open(const std::string& dir,
                                                    raft::MemoryStorage* memory);
  ~RaftLogStore();

  // True if nothing was stored (a fresh member that must bootstrap).
  bool empty() const { return last_index_ == 0 && !has_hard_state_; }

  // Persists a Ready's hard state (if not empty) and entries in one synced
  // batch (entries replacing a tail delete the rest of the old tail), then
  // updates `memory`.
  Status Save(const raftpb::HardState& hard_state, const std::vector<raftpb::Entry>& entries);

 private:
  RaftLogStore() = default;
  std::unique_ptr<DB> db_;
  raft::MemoryStorage* memory_ = nullptr;
  uint64_t last_index_ = 0;
  bool has_hard_state_ = false;
};

}  // namespace nokv::pd
