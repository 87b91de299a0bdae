// Peer: one region replica on this store — its region meta and state, the
// raft node and its log storage, the apply state, and the callers waiting on
// it (proposals keyed by (term, index), reads waiting for a read index or
// for the apply to reach it). Owned and touched only by the store's raft
// thread; no locking.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "proto/errorpb.pb.h"
#include "proto/metapb.pb.h"
#include "proto/raft_serverpb.pb.h"
#include "raft/raft.h"
#include "raftstore/peer_storage.h"

namespace nokv::raftstore {

// The index a region's log starts after when it is created by bootstrap or a
// split (its first real entry is kInitIndex + 1); every peer of a new region
// starts from the same (kInitIndex, kInitTerm) compaction point, and a peer
// created empty (by a message) has nothing, so the leader must send it a
// snapshot.
inline constexpr uint64_t kInitIndex = 5;
inline constexpr uint64_t kInitTerm = 5;

// What applying a command produced for its proposer.
struct ApplyResult {
  Status status;  // not OK: a plain error
  std::optional<errorpb::RegionError> region_error;
};
using ProposalCallback = std::function<void(ApplyResult)>;

struct Proposal {
  uint64_t term = 0;
  uint64_t index = 0;
  uint64_t deadline_ms = 0;
  ProposalCallback done;
};

// A read accepted for this peer: `run` executes it against the data engine
// (re-checking the region) and answers; `fail` answers with an error.
struct PendingRead {
  metapb::RegionEpoch epoch;
  uint64_t deadline_ms = 0;
  std::function<void()> run;
  std::function<void(ApplyResult)> fail;
};

struct GeneratedSnapshot {
  raftpb::Snapshot snapshot;  // data = SnapshotMeta
  std::shared_ptr<const std::string> data;
  uint64_t created_ms = 0;
};

struct ReceivedSnapshot {
  raftpb::SnapshotMetadata metadata;
  raft_serverpb::SnapshotMeta meta;
  std::string data;
};

struct Peer {
  uint64_t region_id = 0;
  uint64_t peer_id = 0;
  metapb::Region region;  // initialized peers only
  raft_serverpb::PeerState state = raft_serverpb::NORMAL;
  raft_serverpb::MergeState merge_state;
  raft_serverpb::RaftApplyState apply_state;
  // False for a peer created by a message: no range, no data, no vote;
  // waits for a snapshot.
  bool initialized = false;
  // An apply or persist failure stopped it; it answers nothing any more.
  bool stopped = false;
  std::string stop_reason;
  // Tombstoned this round; removed from the store at the end of the round.
  bool destroying = false;
  // Peers of this region seen in messages (an empty peer has no region meta
  // but must answer the leader).
  std::map<uint64_t, metapb::Peer> peer_cache;

  std::unique_ptr<PeerStorage> storage;
  std::unique_ptr<raft::RawNode> node;
  raft::SoftState soft;
  uint64_t term = 0;

  std::deque<Proposal> proposals;  // ascending index
  uint64_t next_read_id = 1;
  // Reads accepted this round; one ReadIndex serves them all at the end of
  // the round's inbox drain.
  std::vector<PendingRead> reads_new;
  std::map<std::string, std::vector<PendingRead>> reads_waiting_index;  // by ReadIndex ctx
  std::multimap<uint64_t, PendingRead> reads_waiting_apply;             // by read index

  bool snapshot_generating = false;
  std::optional<GeneratedSnapshot> generated;
  std::optional<ReceivedSnapshot> received;

  // Size estimate (exact after each size scan, grown by applied writes).
  uint64_t approximate_size = 0;
  uint64_t approximate_keys = 0;
  uint64_t last_size_scan_ms = 0;
  bool size_scan_running = false;

  uint64_t last_region_heartbeat_ms = 0;
  bool heartbeat_due = true;  // send at the next tick (leadership or region changed)
  uint64_t last_log_gc_ms = 0;
  uint64_t last_step_error_log_ms = 0;
  // Empty peers: when a message last arrived for it, and whether PD is
  // being asked if it is still a member.
  uint64_t last_message_ms = 0;
  bool membership_check_running = false;
  // The PD operator step being executed (dedupe of re-sent answers).
  std::string operator_step;
  uint64_t operator_started_ms = 0;
  // Merge driving on the source leader.
  uint64_t commit_merge_proposed_ms = 0;
  bool rollback_merge_proposed = false;
  // Answered when this source region merged away (OK) or rolled back.
  std::function<void(Status)> merge_done;

  bool is_leader() const { return soft.raft_state == raft::StateType::kLeader; }
  const metapb::Peer* FindPeer(uint64_t id) const {
    for (const metapb::Peer& p : region.peers()) {
      if (p.id() == id) return &p;
    }
    auto it = peer_cache.find(id);
    return it == peer_cache.end() ? nullptr : &it->second;
  }
  const metapb::Peer* PeerOnStore(uint64_t store_id) const {
    for (const metapb::Peer& p : region.peers()) {
      if (p.store_id() == store_id) return &p;
    }
    return nullptr;
  }
  uint64_t applied_index() const { return apply_state.applied_index(); }
};

// "region 7 peer 701" for logs.
std::string PeerName(const Peer& p);
// Key range helpers on region bounds (empty end = +inf).
bool KeyInRegion(std::string_view key, const metapb::Region& region);
bool RangesOverlap(std::string_view start_a, std::string_view end_a, std::string_view start_b,
                   std::string_view end_b);
bool EpochEqual(const metapb::RegionEpoch& a, const metapb::RegionEpoch& b);
// a is older than b in either dimension.
bool EpochStale(const metapb::RegionEpoch& a, const metapb::RegionEpoch& b);
raftpb::ConfState ConfStateOf(const metapb::Region& region);

}  // namespace nokv::raftstore
