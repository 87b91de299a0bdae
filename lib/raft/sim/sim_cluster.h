// SimCluster: a Raft group of in-process nodes over a SimNetwork, driven in
// rounds and ticks by one deterministic random source. Each node keeps its
// persisted state (a MemoryStorage) apart from its volatile state (the
// RawNode, the applied key-value map, waiting client requests), so a crash
// loses exactly what the Ready contract says is not yet durable. Optional
// chaos injects network faults, partitions, crashes (also in the middle of
// handling a Ready), restarts, log compaction, membership changes, leader
// transfers and spurious campaigns. Every event is checked by an
// InvariantChecker. The nodes serve a small key-value API (put, cas through
// the log; get through ReadIndex, the lease, or - for negative tests - the
// local state without any check).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/random.h"
#include "raft/memory_storage.h"
#include "raft/raft.h"
#include "raft/sim/invariant_checker.h"
#include "raft/sim/kv_state_machine.h"
#include "raft/sim/sim_network.h"

namespace nokv::raft::sim {

struct SimOptions {
  uint64_t seed = 1;
  int voters = 3;
  int election_tick = 10;
  int heartbeat_tick = 1;
  // Message delivery and Ready handling happen in rounds; a tick every
  // rounds_per_tick rounds.
  int rounds_per_tick = 3;
  bool pre_vote = false;
  bool check_quorum = false;
  ReadOnlyOption read_only = ReadOnlyOption::kSafe;
  uint64_t max_size_per_msg = 1024;
  size_t max_inflight_msgs = 8;
  // Receives the nodes' raft logs (for debugging a seed), if set.
  std::function<void(int64_t tick, uint64_t node, LogLevel level, std::string_view msg)> log;
};

// Probabilities per tick (per Ready for crash_in_ready) while chaos is on.
struct ChaosOptions {
  NetworkFaults network;
  double partition = 0.02;
  double heal = 0.08;
  double crash = 0.01;
  double crash_in_ready = 0.0005;
  int max_down_ticks = 40;
  double compact = 0.03;
  int max_compact_lag = 4;  // entries kept behind the snapshot
  double conf_change = 0.01;
  double transfer_leader = 0.01;
  double campaign = 0.004;
};

enum class ReadPath {
  kReadIndex,    // ReadIndex (safe or lease per SimOptions::read_only)
  kLocalUnsafe,  // broken on purpose: the node's local state, no check
};

class SimCluster {
 public:
  using WriteDone = std::function<void(bool ok)>;  // ok: put done / cas swapped
  using ReadDone = std::function<void(bool found, const std::string& value)>;

  explicit SimCluster(const SimOptions& options);
  ~SimCluster();

  // Turns chaos on; StopChaos heals the network, restarts every crashed
  // node and stops injecting faults.
  void StartChaos(const ChaosOptions& chaos);
  void StopChaos();

  // Runs n ticks (each rounds_per_tick rounds).
  void RunTicks(int n);
  // After StopChaos: proposes a no-op through whichever node leads until one
  // commits and is applied by its leader. Returns the ticks it took, or -1
  // if nothing committed within max_ticks.
  int WaitForCommit(int max_ticks);

  // Client API. SubmitWrite proposes cmd (put or cas) at `node`; done runs
  // when that node applies it. SubmitRead reads `key` at `node`. A non-OK
  // status (node down, ProposalDropped) means the request was not accepted
  // and will never take effect. Requests in flight are forgotten when their
  // node crashes: callers need timeouts.
  nokv::Status SubmitWrite(uint64_t node, KvCommand cmd, WriteDone done);
  nokv::Status SubmitRead(uint64_t node, const std::string& key, ReadPath path, ReadDone done);

  // Scripted faults and operations, for tests that build a scenario by hand.
  void PartitionNetwork(const std::map<uint64_t, int>& group_of) { network_.Partition(group_of); }
  void HealNetwork() { network_.Heal(); }
  // Proposes a membership change at the leader; a node added by it is
  // created (empty, it learns everything from the leader).
  nokv::Status ProposeMembership(raftpb::ConfChangeType type, uint64_t node_id);
  // A new node id, never used before.
  uint64_t NewNodeId() { return next_node_id_; }
  // Snapshots `node` at its applied index and compacts its log up to it.
  void CompactLog(uint64_t node);
  bool IsLeader(uint64_t node) const;
  // Entries not yet committed everywhere: the highest last index minus the
  // lowest commit index among live nodes. Catching up takes time in
  // proportion (with one entry per message and one message in flight, one
  // round trip per entry).
  uint64_t Backlog() const;
  // The node's current (in-memory) term; 0 if it is down.
  uint64_t CurrentTerm(uint64_t node) const;
  uint64_t Applied(uint64_t node) const;

  // Live (running) nodes, in id order.
  std::vector<uint64_t> LiveNodes() const;
  // A live node that believes it leads (the highest term wins), or 0.
  uint64_t Leader() const;
  uint64_t NextRequestId() { return ++last_request_id_; }
  // A logical clock for client histories: strictly increasing per call.
  int64_t Now() { return ++clock_; }
  int64_t tick() const { return tick_; }

  // Steps an arbitrary message into node `to` as if it came off the wire
  // (for fuzzing); the node's Ready is handled as usual.
  nokv::Status Inject(uint64_t to, const raftpb::Message& m);

  bool ok() const { return checker_.ok() && error_.empty(); }
  std::string failure() const { return error_.empty() ? checker_.violation() : error_; }
  uint64_t invariant_checks() const { return checker_.checks(); }
  uint64_t committed_entries() const { return checker_.committed_count(); }
  // Every node's state, one line each, for failure reports.
  std::string Describe() const;
  // Faults injected, by kind (network counts included).
  std::map<std::string, uint64_t> FaultCounts() const;

 private:
  struct PendingRead {
    std::string key;
    bool has_index = false;
    uint64_t index = 0;
    ReadDone done;
  };
  struct Node {
    uint64_t id = 0;
    std::unique_ptr<MemoryStorage> storage;  // durable: survives crashes
    std::unique_ptr<RawNode> raw;            // null while down
    bool destroyed = false;
    int64_t restart_tick = 0;
    uint64_t incarnation = 0;
    // Volatile application state.
    KvStateMachine kv;
    uint64_t applied = 0;
    uint64_t chain = 0;  // hash of the applied entries
    raftpb::ConfState conf;
    uint64_t term = 0;  // last persisted term
    bool leader = false;
    std::map<uint64_t, WriteDone> pending_writes;
    std::map<std::string, PendingRead> pending_reads;
  };
  struct Report {
    uint64_t sender;
    uint64_t to;
    bool snapshot;
    bool failed;
  };

  void Round();
  void TickAll();
  void Chaos();
  Node* LiveNode(uint64_t id);
  void CreateNode(uint64_t id);
  void StartNode(Node& n);
  void Crash(Node& n);
  void Destroy(uint64_t id);
  void HandleReadies(Node& n);
  // Returns false if the node crashed while handling it.
  bool HandleReady(Node& n);
  void ApplyEntry(Node& n, const raftpb::Entry& e);
  void ServeReads(Node& n);
  // Records a snapshot at the applied index; then, if compact, discards the
  // log up to a random lag behind it.
  void Snapshot(Node& n, bool compact);
  void ChangeMembership();
  void Count(const std::string& kind) { ++faults_[kind]; }
  void SetError(std::string e) {
    if (error_.empty()) error_ = std::move(e);
  }

  SimOptions options_;
  nokv::Random rng_;
  SimNetwork network_;
  InvariantChecker checker_;
  std::map<uint64_t, Node> nodes_;
  raftpb::ConfState initial_conf_;
  uint64_t next_node_id_ = 0;
  bool chaos_on_ = false;
  ChaosOptions chaos_;
  int64_t round_ = 0;
  int64_t tick_ = 0;
  int64_t clock_ = 0;
  uint64_t last_request_id_ = 0;
  uint64_t read_seq_ = 0;
  std::vector<Report> reports_;
  std::set<uint64_t> to_destroy_;
  std::map<std::string, uint64_t> faults_;
  std::string error_;
};

}  // namespace nokv::raft::sim
