// Safety invariants of a simulated Raft cluster, checked as events happen:
// at most one leader per term; log matching (an entry is identified by its
// index and term: same data, same predecessor term, wherever it appears);
// leader completeness (a new leader holds every entry known committed);
// state machine safety (no two nodes apply different entries at the same
// index, and no proposal is applied at two indexes); applied indexes never go
// back; persisted terms never decrease and a vote never changes within a term.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "raft/memory_storage.h"
#include "raft/raft.h"

namespace nokv::raft::sim {

class InvariantChecker {
 public:
  // Entries were appended to node's persisted log (after the append).
  void OnPersistEntries(uint64_t node, const std::vector<raftpb::Entry>& entries,
                        const MemoryStorage& storage);
  // A hard state was persisted by node.
  void OnPersistHardState(uint64_t node, const raftpb::HardState& hs);
  // node is leader in `term`, and its persisted log is `storage`.
  void OnLeader(uint64_t node, uint64_t term, const MemoryStorage& storage);
  // node (incarnation `incarnation`) applied entry e; `chain` is the hash of
  // every entry applied up to and including e.
  void OnApply(uint64_t node, uint64_t incarnation, const raftpb::Entry& e, uint64_t chain,
               uint64_t request_id);
  // node installed a snapshot at `index` whose applied-entries hash is chain.
  void OnSnapshotInstalled(uint64_t node, uint64_t incarnation, uint64_t index, uint64_t chain);
  // node restarted from its persisted snapshot at `index`.
  void OnRestart(uint64_t node, uint64_t incarnation, uint64_t index, uint64_t chain);
  // The node is gone for good (removed from the group); forget its history.
  void OnDestroy(uint64_t node);

  bool ok() const { return violation_.empty(); }
  const std::string& violation() const { return violation_; }
  uint64_t checks() const { return checks_; }
  uint64_t max_committed_index() const { return committed_.empty() ? 0 : committed_.rbegin()->first; }
  size_t committed_count() const { return committed_.size(); }

 private:
  struct EntryId {
    uint64_t data_hash;
    uint64_t prev_term;
  };
  struct Committed {
    uint64_t term;
    uint64_t data_hash;
    uint64_t chain;
  };
  struct NodeApply {
    uint64_t incarnation = 0;
    uint64_t applied = 0;
  };
  struct Persisted {
    uint64_t term = 0;
    uint64_t vote = 0;
    uint64_t commit = 0;
  };
  void Fail(std::string what);
  void Check(bool cond, const char* what, const std::string& detail);

  uint64_t checks_ = 0;
  std::string violation_;
  std::map<uint64_t, uint64_t> leader_of_term_;
  std::map<std::pair<uint64_t, uint64_t>, EntryId> entries_;  // (index, term)
  std::map<uint64_t, Committed> committed_;                   // index
  std::map<uint64_t, uint64_t> index_of_request_;             // request id -> index
  std::map<uint64_t, NodeApply> applied_;
  std::map<uint64_t, Persisted> persisted_;
};

uint64_t HashBytes(const std::string& data);
// The running hash of applied entries: chain' = ChainHash(chain, entry).
uint64_t ChainHash(uint64_t chain, const raftpb::Entry& e);

}  // namespace nokv::raft::sim
