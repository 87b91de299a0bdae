// PdReplicator: runs PD's durable commands (pdstatepb.Command) through the
// project's Raft library among the members of --initial-cluster. One driver
// thread owns the RawNode: it ticks, steps received messages, proposes,
// persists each Ready (RaftLogStore, fsync), hands messages to one sender
// thread per peer (PDPeer.Raft over gRPC) and applies committed commands
// through the apply callback, on every member in the same order.
//
// The leader callback reports the Raft leader and whether this member is a
// *ready* leader: it leads and has applied every entry of earlier terms, so
// its state holds every bound a previous leader could have served under.
// Only a ready leader may serve timestamps and ids.
#pragma once

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

struct PdReplicaOptions {
  uint64_t id = 0;                         // this member's Raft id (> 0)
  std::map<uint64_t, std::string> peers;   // every member, self included: id -> gRPC address
  std::string workdir;                     // the Raft log's database
  int tick_ms = 100;
  int election_tick = 10;                  // ticks
  int heartbeat_tick = 1;
  int propose_timeout_ms = 3000;
};

class PdReplicator {
 public:
  // Applies a committed command; its Status goes back to the proposer.
  using ApplyFn = std::function<Status(const pdstatepb::Command&)>;
  using LeaderFn = std::function<void(uint64_t leader_id, bool ready_leader)>;

  static Result<std::unique_ptr<PdReplicator>> Open(PdReplicaOptions options, ApplyFn apply,
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

 private:
  struct Waiter;
  class PeerSender;
  PdReplicator(PdReplicaOptions options, ApplyFn apply, LeaderFn on_leader);
  void DriveLoop();
  Status HandleReady();
  void Complete(uint64_t proposal_id, const Status& status);

  PdReplicaOptions options_;
  ApplyFn apply_;
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
  std::map<uint64_t, Waiter*> waiters_;                // guarded by mu_
  uint64_t next_proposal_ = 1;                         // guarded by mu_
  uint64_t leader_ = 0;                                // guarded by mu_
  std::thread driver_;

  // Driver-thread state.
  bool is_leader_ = false;
  bool ready_leader_ = false;
  uint64_t leader_term_ = 0;
};

}  // namespace nokv::pd
