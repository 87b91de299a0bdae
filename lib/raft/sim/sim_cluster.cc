// SimCluster: see sim_cluster.h.
#include "raft/sim/sim_cluster.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "base/coding.h"

namespace nokv::raft::sim {
namespace {

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string Str(uint64_t v) { return std::to_string(v); }

}  // namespace

SimCluster::SimCluster(const SimOptions& options)
    : options_(options), rng_(Mix(options.seed)), network_(&rng_) {
  for (int i = 1; i <= options_.voters; ++i) initial_conf_.add_voters(static_cast<uint64_t>(i));
  next_node_id_ = static_cast<uint64_t>(options_.voters) + 1;
  network_.SetDropHook([this](const raftpb::Message& m, DropReason reason) {
    // A transport learns that a snapshot did not arrive, and sometimes that
    // a peer is unreachable; it tells the sender (at the next round).
    if (m.type() == raftpb::MsgSnap) {
      reports_.push_back({m.from(), m.to(), true, true});
    } else if (reason != DropReason::kRandom && Chance(&rng_, 0.5)) {
      reports_.push_back({m.from(), m.to(), false, true});
    }
  });
  for (int i = 1; i <= options_.voters; ++i) CreateNode(static_cast<uint64_t>(i));
}

SimCluster::~SimCluster() = default;

void SimCluster::CreateNode(uint64_t id) {
  Node& n = nodes_[id];
  n.id = id;
  n.storage = std::make_unique<MemoryStorage>();
  // Every node starts from the group's initial membership as of index 0 and
  // replays the log (or receives a snapshot) from there.
  nokv::Status s = n.storage->Bootstrap(initial_conf_);
  if (!s.ok()) SetError("bootstrap of node " + Str(id) + ": " + s.ToString());
  StartNode(n);
}

void SimCluster::StartNode(Node& n) {
  ++n.incarnation;
  raftpb::Snapshot snap;
  (void)n.storage->Snapshot(&snap);
  n.applied = snap.metadata().index();
  n.conf = snap.metadata().conf_state();
  nokv::Status s = DecodeSnapshotData(snap.data(), &n.chain, &n.kv);
  if (!s.ok()) SetError("node " + Str(n.id) + " snapshot: " + s.ToString());
  raftpb::HardState hs;
  raftpb::ConfState cs;
  (void)n.storage->InitialState(&hs, &cs);
  n.term = hs.term();
  n.leader = false;

  Config c;
  c.id = n.id;
  c.election_tick = options_.election_tick;
  c.heartbeat_tick = options_.heartbeat_tick;
  c.storage = n.storage.get();
  c.applied = n.applied;
  c.max_size_per_msg = options_.max_size_per_msg;
  c.max_inflight_msgs = options_.max_inflight_msgs;
  c.check_quorum = options_.check_quorum;
  c.pre_vote = options_.pre_vote;
  c.read_only_option = options_.read_only;
  c.seed = Mix(options_.seed ^ (n.id << 40) ^ n.incarnation);
  if (options_.log) {
    c.logger = [this, id = n.id](LogLevel level, std::string_view msg) {
      options_.log(tick_, id, level, msg);
    };
  }
  s = RawNode::Create(c, &n.raw);
  if (!s.ok()) {
    SetError("node " + Str(n.id) + " failed to start: " + s.ToString());
    n.raw.reset();
    return;
  }
  checker_.OnRestart(n.id, n.incarnation, n.applied, n.chain);
}

void SimCluster::Crash(Node& n) {
  n.raw.reset();
  n.leader = false;
  n.kv.Clear();
  n.pending_writes.clear();
  n.pending_reads.clear();
  n.restart_tick = tick_ + 1 + static_cast<int64_t>(rng_.Uniform(
                                   static_cast<uint64_t>(std::max(1, chaos_.max_down_ticks))));
  network_.DropAllTo(n.id);
}

void SimCluster::Destroy(uint64_t id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || it->second.destroyed) return;
  Node& n = it->second;
  n.raw.reset();
  n.destroyed = true;
  n.leader = false;
  n.pending_writes.clear();
  n.pending_reads.clear();
  network_.DropAllTo(id);
  checker_.OnDestroy(id);
  Count("node destroyed after its removal");
}

SimCluster::Node* SimCluster::LiveNode(uint64_t id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || !it->second.raw) return nullptr;
  return &it->second;
}

std::vector<uint64_t> SimCluster::LiveNodes() const {
  std::vector<uint64_t> ids;
  for (const auto& [id, n] : nodes_) {
    if (n.raw) ids.push_back(id);
  }
  return ids;
}

uint64_t SimCluster::Leader() const {
  uint64_t best = 0, best_term = 0;
  for (const auto& [id, n] : nodes_) {
    if (n.raw && n.leader && (best == 0 || n.term > best_term)) {
      best = id;
      best_term = n.term;
    }
  }
  return best;
}

void SimCluster::StartChaos(const ChaosOptions& chaos) {
  chaos_ = chaos;
  chaos_on_ = true;
  network_.SetFaults(chaos.network);
}

void SimCluster::StopChaos() {
  chaos_on_ = false;
  network_.SetFaults(NetworkFaults{});
  network_.Heal();
  for (auto& [id, n] : nodes_) {
    if (!n.raw && !n.destroyed) StartNode(n);
  }
}

void SimCluster::RunTicks(int count) {
  for (int i = 0; i < count && ok(); ++i) {
    if (chaos_on_) Chaos();
    TickAll();
    for (int r = 0; r < options_.rounds_per_tick && ok(); ++r) Round();
    ++tick_;
  }
}

void SimCluster::TickAll() {
  for (auto& [id, n] : nodes_) {
    if (n.raw) n.raw->Tick();
  }
}

void SimCluster::Round() {
  std::vector<Report> reports = std::move(reports_);
  reports_.clear();
  for (const Report& r : reports) {
    Node* sender = LiveNode(r.sender);
    if (sender == nullptr) continue;
    if (r.snapshot) {
      sender->raw->ReportSnapshot(r.to, r.failed ? SnapshotStatus::kFailure : SnapshotStatus::kFinish);
    } else {
      sender->raw->ReportUnreachable(r.to);
    }
  }
  for (raftpb::Message& m : network_.TakeDue(round_)) {
    Node* to = LiveNode(m.to());
    if (to == nullptr) {
      if (m.type() == raftpb::MsgSnap) reports_.push_back({m.from(), m.to(), true, true});
      continue;
    }
    // Errors (a response from a peer outside the configuration, ...) are the
    // receiver refusing the message, which is its right.
    (void)to->raw->Step(m);
    if (m.type() == raftpb::MsgSnap) reports_.push_back({m.from(), m.to(), true, false});
  }
  for (auto& [id, n] : nodes_) {
    if (n.raw) HandleReadies(n);
  }
  for (uint64_t id : to_destroy_) Destroy(id);
  to_destroy_.clear();
  ++round_;
}

void SimCluster::HandleReadies(Node& n) {
  for (int i = 0; i < 4 && n.raw && n.raw->HasReady() && ok(); ++i) {
    if (!HandleReady(n)) break;
  }
}

bool SimCluster::HandleReady(Node& n) {
  Ready rd;
  nokv::Status s = n.raw->GetReady(&rd);
  if (!s.ok()) {
    SetError("node " + Str(n.id) + " GetReady: " + s.ToString());
    return false;
  }
  // A crash may hit between any two steps of handling the Ready.
  int crash_at = -1;
  if (chaos_on_ && Chance(&rng_, chaos_.crash_in_ready)) crash_at = static_cast<int>(rng_.Uniform(4));
  const bool has_snapshot = !IsEmptySnapshot(rd.snapshot);

  // 1. Persist. A snapshot and the hard state that commits it go together.
  if (has_snapshot) {
    s = n.storage->ApplySnapshot(rd.snapshot);
    if (!s.ok()) SetError("node " + Str(n.id) + " ApplySnapshot: " + s.ToString());
  }
  if (!rd.entries.empty()) {
    s = n.storage->Append(rd.entries);
    if (!s.ok()) SetError("node " + Str(n.id) + " Append: " + s.ToString());
    checker_.OnPersistEntries(n.id, rd.entries, *n.storage);
  }
  if (crash_at == 0 && !has_snapshot) {
    Count("crash in ready: entries persisted, hard state not");
    Crash(n);
    return false;
  }
  if (!IsEmptyHardState(rd.hard_state)) {
    n.storage->SetHardState(rd.hard_state);
    checker_.OnPersistHardState(n.id, rd.hard_state);
    n.term = rd.hard_state.term();
  }
  if (rd.soft_state) {
    n.leader = rd.soft_state->raft_state == StateType::kLeader;
    if (n.leader) checker_.OnLeader(n.id, n.term, *n.storage);
  }
  if (crash_at == 1) {
    Count("crash in ready: persisted, messages not sent");
    Crash(n);
    return false;
  }

  // 2. Send.
  for (raftpb::Message& m : rd.messages) network_.Send(std::move(m), round_);
  if (crash_at == 2) {
    Count("crash in ready: sent, nothing applied");
    Crash(n);
    return false;
  }

  // 3. Apply.
  if (has_snapshot) {
    s = DecodeSnapshotData(rd.snapshot.data(), &n.chain, &n.kv);
    if (!s.ok()) SetError("node " + Str(n.id) + " snapshot data: " + s.ToString());
    n.applied = rd.snapshot.metadata().index();
    n.conf = rd.snapshot.metadata().conf_state();
    checker_.OnSnapshotInstalled(n.id, n.incarnation, n.applied, n.chain);
  }
  for (const raftpb::Entry& e : rd.committed_entries) ApplyEntry(n, e);
  for (const ReadState& rs : rd.read_states) {
    auto it = n.pending_reads.find(rs.request_ctx);
    if (it != n.pending_reads.end()) {
      it->second.has_index = true;
      it->second.index = rs.index;
    }
  }
  if (crash_at == 3) {
    Count("crash in ready: applied, not advanced");
    Crash(n);
    return false;
  }
  n.raw->Advance(rd);
  ServeReads(n);
  return true;
}

void SimCluster::ApplyEntry(Node& n, const raftpb::Entry& e) {
  n.chain = ChainHash(n.chain, e);
  uint64_t request_id = 0;
  if (e.type() == raftpb::EntryConfChange) {
    raftpb::ConfChange cc;
    if (!cc.ParseFromString(e.data())) {
      SetError("node " + Str(n.id) + " cannot decode the conf change at " + Str(e.index()));
      return;
    }
    n.conf = n.raw->ApplyConfChange(cc);
    if (cc.type() == raftpb::ConfChangeRemoveNode) {
      to_destroy_.insert(cc.node_id());
    }
  } else if (!e.data().empty()) {
    KvCommand cmd;
    if (DecodeKvCommand(e.data(), &cmd).ok()) {
      const KvApplyResult r = n.kv.Apply(cmd);
      // The invariant checker sees only requests that took effect.
      if (!r.duplicate) request_id = cmd.request_id;
      auto it = n.pending_writes.find(cmd.request_id);
      if (it != n.pending_writes.end()) {
        WriteDone done = std::move(it->second);
        n.pending_writes.erase(it);
        done(r.ok);
      }
    }
    // Undecodable data (fuzzed proposals) is skipped by every node alike.
  }
  n.applied = e.index();
  checker_.OnApply(n.id, n.incarnation, e, n.chain, request_id);
}

void SimCluster::ServeReads(Node& n) {
  for (auto it = n.pending_reads.begin(); it != n.pending_reads.end();) {
    if (!it->second.has_index || it->second.index > n.applied) {
      ++it;
      continue;
    }
    std::string value;
    const bool found = n.kv.Get(it->second.key, &value);
    ReadDone done = std::move(it->second.done);
    it = n.pending_reads.erase(it);
    done(found, value);
  }
}

nokv::Status SimCluster::SubmitWrite(uint64_t node, KvCommand cmd, WriteDone done) {
  Node* n = LiveNode(node);
  if (n == nullptr) return nokv::Status::Unavailable("node is down");
  const uint64_t id = cmd.request_id;
  NOKV_RETURN_IF_ERROR(n->raw->Propose(EncodeKvCommand(cmd)));
  n->pending_writes[id] = std::move(done);
  return nokv::Status::OK();
}

nokv::Status SimCluster::SubmitRead(uint64_t node, const std::string& key, ReadPath path,
                                    ReadDone done) {
  Node* n = LiveNode(node);
  if (n == nullptr) return nokv::Status::Unavailable("node is down");
  if (path == ReadPath::kLocalUnsafe) {
    std::string value;
    const bool found = n->kv.Get(key, &value);
    done(found, value);
    return nokv::Status::OK();
  }
  std::string ctx = "read-" + Str(++read_seq_);
  NOKV_RETURN_IF_ERROR(n->raw->ReadIndex(ctx));
  n->pending_reads[ctx] = PendingRead{key, false, 0, std::move(done)};
  return nokv::Status::OK();
}

nokv::Status SimCluster::Inject(uint64_t to, const raftpb::Message& m) {
  Node* n = LiveNode(to);
  if (n == nullptr) return nokv::Status::Unavailable("node is down");
  return n->raw->Step(m);
}

int SimCluster::WaitForCommit(int max_ticks) {
  auto committed = std::make_shared<bool>(false);
  for (int t = 0; t < max_ticks && ok(); ++t) {
    if (t % options_.election_tick == 0) {
      const uint64_t leader = Leader();
      if (leader != 0) {
        KvCommand cmd;
        cmd.request_id = NextRequestId();
        cmd.kind = KvCommandKind::kNoop;
        (void)SubmitWrite(leader, cmd, [committed](bool) { *committed = true; });
      }
    }
    RunTicks(1);
    if (*committed) return t + 1;
  }
  return -1;
}

bool SimCluster::IsLeader(uint64_t node) const {
  auto it = nodes_.find(node);
  return it != nodes_.end() && it->second.raw && it->second.leader;
}

uint64_t SimCluster::Backlog() const {
  uint64_t max_last = 0, min_commit = ~uint64_t{0};
  for (const auto& [id, n] : nodes_) {
    if (!n.raw) continue;
    uint64_t last = 0;
    (void)n.storage->LastIndex(&last);
    max_last = std::max(max_last, last);
    min_commit = std::min(min_commit, n.raw->GetStatus().hard_state.commit());
  }
  return max_last > min_commit ? max_last - min_commit : 0;
}

uint64_t SimCluster::CurrentTerm(uint64_t node) const {
  auto it = nodes_.find(node);
  if (it == nodes_.end() || !it->second.raw) return 0;
  return it->second.raw->GetStatus().hard_state.term();
}

uint64_t SimCluster::Applied(uint64_t node) const {
  auto it = nodes_.find(node);
  return it == nodes_.end() ? 0 : it->second.applied;
}

std::string SimCluster::Describe() const {
  std::string out = "tick " + std::to_string(tick_) + ", " + Str(network_.InFlight()) +
                    " messages in flight\n";
  for (const auto& [id, n] : nodes_) {
    out += "  node " + Str(id) + ": ";
    if (n.destroyed) {
      out += "destroyed\n";
      continue;
    }
    if (!n.raw) {
      out += "down\n";
      continue;
    }
    const NodeStatus st = n.raw->GetStatus();
    uint64_t first = 0, last = 0;
    (void)n.storage->FirstIndex(&first);
    (void)n.storage->LastIndex(&last);
    out += std::string(StateTypeName(st.soft_state.raft_state)) + " lead " +
           Str(st.soft_state.lead) + " " + DescribeHardState(st.hard_state) + " applied " +
           Str(st.applied) + " log [" + Str(first) + ", " + Str(last) + "] conf " +
           DescribeConfState(st.config);
    for (const auto& [pid, pr] : st.progress) {
      out += " {" + Str(pid) + " " + ProgressStateName(pr.state) + " match " + Str(pr.match) +
             " next " + Str(pr.next) + (pr.paused ? " paused" : "") +
             (pr.pending_snapshot ? " snap " + Str(pr.pending_snapshot) : "") + "}";
    }
    out += "\n";
  }
  return out;
}

std::map<std::string, uint64_t> SimCluster::FaultCounts() const {
  std::map<std::string, uint64_t> counts = faults_;
  if (network_.dropped() > 0) counts["message dropped"] = network_.dropped();
  if (network_.duplicated() > 0) counts["message duplicated"] = network_.duplicated();
  if (network_.delayed() > 0) counts["message delayed (reordered)"] = network_.delayed();
  return counts;
}

}  // namespace nokv::raft::sim
