// SimCluster's fault injection (chaos) and the operator's actions: log
// compaction, membership changes, scripted partitions. See sim_cluster.h.
#include <algorithm>

#include "base/coding.h"
#include "raft/sim/sim_cluster.h"

namespace nokv::raft::sim {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

}  // namespace

nokv::Status SimCluster::ProposeMembership(raftpb::ConfChangeType type, uint64_t node_id) {
  Node* l = LiveNode(Leader());
  if (l == nullptr) return nokv::Status::Unavailable("no leader");
  raftpb::ConfChange cc;
  cc.set_id(NextRequestId());
  cc.set_type(type);
  cc.set_node_id(node_id);
  NOKV_RETURN_IF_ERROR(l->raw->ProposeConfChange(cc));
  if (nodes_.count(node_id) == 0) {
    next_node_id_ = std::max(next_node_id_, node_id + 1);
    CreateNode(node_id);
  }
  return nokv::Status::OK();
}

void SimCluster::CompactLog(uint64_t node) {
  Node* n = LiveNode(node);
  if (n == nullptr) return;
  Snapshot(*n, /*compact=*/false);
  if (n->applied > 0) (void)n->storage->Compact(n->applied);
}

void SimCluster::Chaos() {
  for (auto& [id, n] : nodes_) {
    if (!n.raw && !n.destroyed && n.restart_tick <= tick_) {
      StartNode(n);
      Count("restart");
    }
  }
  std::vector<uint64_t> live = LiveNodes();
  auto pick = [&](const std::vector<uint64_t>& v) { return v[rng_.Uniform(v.size())]; };
  if (!network_.Partitioned()) {
    if (Chance(&rng_, chaos_.partition)) {
      std::map<uint64_t, int> groups;
      std::vector<uint64_t> all;
      for (const auto& [id, n] : nodes_) {
        if (!n.destroyed) all.push_back(id);
      }
      if (rng_.OneIn(2)) {
        groups[pick(all)] = 1;
        Count("partition: isolate one node");
      } else {
        for (uint64_t id : all) groups[id] = static_cast<int>(rng_.Uniform(2));
        Count("partition: random split");
      }
      network_.Partition(groups);
    }
  } else if (Chance(&rng_, chaos_.heal)) {
    network_.Heal();
    Count("heal");
  }
  if (!live.empty() && Chance(&rng_, chaos_.crash)) {
    Crash(nodes_[pick(live)]);
    Count("crash");
    live = LiveNodes();
  }
  if (!live.empty() && Chance(&rng_, chaos_.compact)) {
    Snapshot(nodes_[pick(live)], /*compact=*/true);
    Count("compact log (snapshot)");
  }
  if (Chance(&rng_, chaos_.conf_change)) ChangeMembership();
  if (Chance(&rng_, chaos_.transfer_leader)) {
    if (Node* l = LiveNode(Leader())) {
      const raftpb::ConfState cs = l->raw->GetStatus().config;
      if (cs.voters_size() > 0) {
        const uint64_t to = cs.voters(static_cast<int>(rng_.Uniform(cs.voters_size())));
        l->raw->TransferLeader(to);
        Count("transfer leader");
      }
    }
  }
  if (!live.empty() && Chance(&rng_, chaos_.campaign)) {
    (void)nodes_[pick(live)].raw->Campaign();
    Count("spurious campaign");
  }
}

void SimCluster::Snapshot(Node& n, bool compact) {
  raftpb::Snapshot current;
  (void)n.storage->Snapshot(&current);
  if (n.applied <= current.metadata().index()) return;
  nokv::Status s =
      n.storage->CreateSnapshot(n.applied, &n.conf, EncodeSnapshotData(n.chain, n.kv));
  if (!s.ok()) {
    SetError("node " + Str(n.id) + " CreateSnapshot(" + Str(n.applied) + "): " + s.ToString());
    return;
  }
  if (!compact) return;
  const uint64_t lag = rng_.Uniform(static_cast<uint64_t>(chaos_.max_compact_lag) + 1);
  uint64_t first = 0;
  (void)n.storage->FirstIndex(&first);
  if (n.applied > lag && n.applied - lag >= first) {
    s = n.storage->Compact(n.applied - lag);
    if (!s.ok()) SetError("node " + Str(n.id) + " Compact: " + s.ToString());
  }
}

void SimCluster::ChangeMembership() {
  Node* l = LiveNode(Leader());
  if (l == nullptr) return;
  const raftpb::ConfState cs = l->raw->GetStatus().config;
  const int voters = cs.voters_size();
  raftpb::ConfChange cc;
  cc.set_id(NextRequestId());
  std::string kind;
  uint64_t new_node = 0;
  if (cs.learners_size() > 0 && Chance(&rng_, 0.7)) {
    cc.set_node_id(cs.learners(0));
    if (rng_.OneIn(4)) {
      cc.set_type(raftpb::ConfChangeRemoveNode);
      kind = "remove learner";
    } else {
      cc.set_type(raftpb::ConfChangeAddNode);
      kind = "promote learner";
    }
  } else if (voters >= options_.voters && (voters > options_.voters || rng_.OneIn(2))) {
    cc.set_type(raftpb::ConfChangeRemoveNode);
    cc.set_node_id(cs.voters(static_cast<int>(rng_.Uniform(static_cast<uint64_t>(voters)))));
    kind = "remove voter";
  } else {
    new_node = next_node_id_;
    cc.set_node_id(new_node);
    if (cs.learners_size() == 0 && !rng_.OneIn(4)) {
      cc.set_type(raftpb::ConfChangeAddLearnerNode);
      kind = "add learner";
    } else {
      cc.set_type(raftpb::ConfChangeAddNode);
      kind = "add voter";
    }
  }
  if (!l->raw->ProposeConfChange(cc).ok()) {
    Count("membership change refused (one pending)");
    return;
  }
  if (new_node != 0) {
    ++next_node_id_;
    CreateNode(new_node);
  }
  Count("membership change: " + kind);
}

}  // namespace nokv::raft::sim
