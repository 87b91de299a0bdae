// PdReplicator: runs PD's durable commands (pdstatepb.Command) through the
// project's Raft library among the members of --initial-cluster. One driver
// thread owns the RawNode: it ticks, steps received messages, proposes,
// persists each Ready (RaftLogStore, fsync), hands messages to one sender
// thread per peer (PDPeer.Raft over gRPC) and applies committed commands
// through the apply callback, on every member in the same order.
//
// Every options.compact_entries applied entries a member snapshots its state
// (PdStateMachine::snapshot) at the applied index, saves it durably and
// compacts its log up to options.keep_entries before it (raft_log_store.h
// gives the durability order). A follower whose next entry was compacted
// gets the leader's snapshot (MsgSnap over PDPeer.Raft, sent alone; a failed
// send is reported to Raft, which retries) and installs it: the snapshot
// file replaces its old log and PdStateMachine::restore its state. A member
// starting from a workdir with a snapshot restores it and replays only the
// log after it.
//
// The leader callback reports the Raft leader and whether this member is a
// *ready* leader: it leads and has applied every entry of earlier terms, so
// its state holds every bound a previous leader could have served under.
// Only a ready leader may serve timestamps and ids.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "pd/raft_log_store.h"
#include "proto/pdstatepb.pb.h"
#include "raft/memory_storage.h"
#include "raft/raft.h"

namespace nokv::pd {

// The largest PDPeer.Raft message (a snapshot holds PD's whole state).
inline constexpr int kMaxPeerMessageBytes = 256 << 20;

struct PdReplicaOptions {
  uint64_t id = 0;                         // this member's Raft id (> 0)
  std::map<uint64_t, std::string> peers;   // every member, self included: id -> gRPC address
  std::string workdir;                     // the Raft log's database
  int tick_ms = 100;
  int election_tick = 10;                  // ticks
  int heartbeat_tick = 1;
  int propose_timeout_ms = 3000;
  // Snapshot and compact the log every this many applied entries (0 =
  // never), keeping this many entries before the snapshot for slow
  // followers.
  uint64_t compact_entries = 10000;
  uint64_t keep_entries = 1000;
};

// The replicated state machine: apply one committed command; serialize the
// whole state (a snapshot's data); replace the whole state with one.
struct PdStateMachine {
  std::function<Status(const pdstatepb::Command&)> apply;
  std::function<std::string()> snapshot;
  std::function<Status(const std::string&)> restore;
};

class PdReplicator {
 public:
  using LeaderFn = std::function<void(uint64_t leader_id, bool ready_leader)>;

  // Opens the Raft log in options.workdir; if it holds a snapshot, restores
  // the state machine from it first (its error, or Corruption naming a
  // damaged snapshot file, fails the Open). An applied command's Status goes
  // back to its proposer.
  static Result<std::unique_ptr<PdReplicator>> Open(PdReplicaOptions options, PdStateMachine sm,
                                                    LeaderFn on_leader);
  ~PdReplicator();

  // Starts the driver and sender threads.
  void Start();
  // Stops and joins them; pending proposals fail. Idempotent.
  void Stop();

  // Proposes the command and waits until this member applied it; returns
  // the apply's Status. Closed if Raft dropped it (not the leader), it was
  // not committed in time (no quorum) or the replicator stops: the caller
  // should be told to retry elsewhere (NOT_LEADER).
  Status Propose(const pdstatepb::Command& command);
  // A serialized raftpb.Message from a peer (PDPeer.Raft).
  void Receive(const std::string& message);
  uint64_t leader_id() const;
  uint64_t id() const { return options_.id; }
  // Asks the leader (this member, if it leads) to hand leadership over.
  void TransferLeader(uint64_t to);

  // For tests and status: the first entry index of the log on disk, the
  // index of the durable snapshot and how many snapshots this member took
  // and installed from a leader since Open.
  uint64_t log_first_index() const { return log_->first_index(); }
  uint64_t log_last_index() const { return log_->last_index(); }
  uint64_t snapshot_index() const { return log_->snapshot_index(); }
  uint64_t snapshots_taken() const { return snapshots_taken_.load(); }
  uint64_t snapshots_installed() const { return snapshots_installed_.load(); }

 private:
  struct Waiter;
  class PeerSender;
  PdReplicator(PdReplicaOptions options, PdStateMachine sm, LeaderFn on_leader);
  void DriveLoop();
  Status HandleReady();
  // Applies the snapshot of a Ready (already persisted) to the state.
  Status ApplySnapshot(const raftpb::Snapshot& snapshot);
  // Snapshots the state and compacts the log once enough entries applied.
  Status MaybeCompact();
  void Complete(uint64_t proposal_id, const Status& status);

  PdReplicaOptions options_;
  PdStateMachine sm_;
  LeaderFn on_leader_;
  raft::MemoryStorage memory_;
  std::unique_ptr<RaftLogStore> log_;
  std::unique_ptr<raft::RawNode> node_;  // driver thread only (after Start)
  std::map<uint64_t, std::unique_ptr<PeerSender>> senders_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                              // guarded by mu_
  std::vector<raftpb::Message> inbox_;                 // guarded by mu_
  std::vector<std::pair<uint64_t, std::string>> proposals_;  // guarded by mu_
  std::set<uint64_t> unreachable_;                     // guarded by mu_
  std::vector<std::pair<uint64_t, bool>> snapshot_reports_;  // guarded by mu_: peer, delivered
  uint64_t transfer_to_ = 0;                           // guarded by mu_
  std::map<uint64_t, Waiter*> waiters_;                // guarded by mu_
  uint64_t next_proposal_ = 1;                         // guarded by mu_
  uint64_t leader_ = 0;                                // guarded by mu_
  std::thread driver_;

  // Driver-thread state.
  bool is_leader_ = false;
  bool ready_leader_ = false;
  uint64_t leader_term_ = 0;
  uint64_t applied_ = 0;
  raftpb::ConfState conf_state_;  // as of applied_, stored in snapshots
  std::atomic<uint64_t> snapshots_taken_{0}, snapshots_installed_{0};
};

}  // namespace nokv::pd
