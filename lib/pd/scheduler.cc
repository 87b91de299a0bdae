// The scheduling decisions (see scheduler.h).
#include "pd/scheduler.h"

#include <algorithm>
#include <map>

namespace nokv::pd {
namespace {

using Kind = OperatorStep::Kind;

const StoreView* FindStore(const ClusterSnapshot& snap, uint64_t id) {
  for (const StoreView& s : snap.stores) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

bool HasPeerOn(const metapb::Region& region, uint64_t store_id) {
  for (const metapb::Peer& p : region.peers()) {
    if (p.store_id() == store_id) return true;
  }
  return false;
}

OperatorStep Step(Kind kind, uint64_t store_id, uint64_t peer_id = 0) {
  OperatorStep step;
  step.kind = kind;
  step.peer.set_store_id(store_id);
  step.peer.set_id(peer_id);
  return step;
}

Operator MakeOperator(const RegionInfo& region, std::string desc, const ScheduleOptions& o) {
  Operator op;
  op.region_id = region.meta.id();
  op.epoch = region.meta.region_epoch();
  op.desc = std::move(desc);
  op.timeout_ms = o.operator_timeout_ms;
  return op;
}

// The best store to receive a replica of `region`: schedulable, without a
// peer of it, fewest replicas, then most space, then lowest id.
const StoreView* PickTarget(const ClusterSnapshot& snap, const metapb::Region& region) {
  const StoreView* best = nullptr;
  for (const StoreView& s : snap.stores) {
    if (!s.schedulable || HasPeerOn(region, s.id)) continue;
    if (best == nullptr || s.region_count < best->region_count ||
        (s.region_count == best->region_count && s.available > best->available)) {
      best = &s;
    }
  }
  return best;
}

// Moves the replica on `from` (nullptr: adds one) to store `to`: add a
// learner, promote it, hand leadership over if `from` leads, remove `from`.
void AppendMoveSteps(const RegionInfo& region, const metapb::Peer* from, uint64_t to,
                     Operator* op) {
  op->steps.push_back(Step(Kind::kAddLearner, to));
  op->steps.push_back(Step(Kind::kPromoteLearner, to));
  if (from == nullptr) return;
  if (region.leader.store_id() == from->store_id()) {
    op->steps.push_back(Step(Kind::kTransferLeader, to));
  }
  OperatorStep remove = Step(Kind::kRemovePeer, from->store_id(), from->id());
  op->steps.push_back(remove);
}

}  // namespace

ClusterSnapshot MakeSnapshot(const ClusterState& state, uint64_t now_ms, uint64_t pd_start_ms,
                             const ScheduleOptions& options) {
  ClusterSnapshot snap;
  snap.now_ms = now_ms;
  std::map<uint64_t, StoreView> views;
  for (const auto& [id, info] : state.stores()) {
    StoreView v;
    v.id = id;
    const uint64_t last = std::max(info.last_heartbeat_ms, pd_start_ms);
    const bool tombstone = info.meta.state() == metapb::STORE_TOMBSTONE;
    v.down = tombstone || now_ms > last + options.max_store_down_ms;
    v.offline = info.meta.state() == metapb::STORE_OFFLINE;
    v.schedulable = !v.down && !v.offline && info.last_heartbeat_ms != 0;
    v.available = info.stats.available();
    views[id] = v;
  }
  for (const RegionInfo* r : state.regions().All()) {
    for (const metapb::Peer& p : r->meta.peers()) {
      auto it = views.find(p.store_id());
      if (it != views.end()) ++it->second.region_count;
    }
    auto it = views.find(r->leader.store_id());
    if (r->leader.id() != 0 && it != views.end()) ++it->second.leader_count;
    snap.regions.push_back(*r);
  }
  for (auto& [id, v] : views) snap.stores.push_back(v);
  return snap;
}

Status AssignPeerIds(Operator* op, const std::function<Result<uint64_t>()>& alloc) {
  std::map<uint64_t, uint64_t> by_store;
  for (OperatorStep& step : op->steps) {
    if (step.peer.id() != 0 || step.kind == Kind::kSplit || step.kind == Kind::kMerge) continue;
    auto it = by_store.find(step.peer.store_id());
    if (it == by_store.end()) {
      Result<uint64_t> id = alloc();
      if (!id.ok()) return id.status();
      it = by_store.emplace(step.peer.store_id(), *id).first;
    }
    step.peer.set_id(it->second);
  }
  return Status::OK();
}

std::optional<Operator> CheckReplicas(const ClusterSnapshot& snap, const RegionInfo& region,
                                      const ScheduleOptions& options) {
  int voters = 0, alive_voters = 0;
  const metapb::Peer* dead = nullptr;     // on a down store
  const metapb::Peer* draining = nullptr; // on an offline store
  for (const metapb::Peer& p : region.meta.peers()) {
    const StoreView* s = FindStore(snap, p.store_id());
    const bool down = s == nullptr || s->down;
    if (p.role() == metapb::VOTER) {
      ++voters;
      if (!down) ++alive_voters;
    }
    if (down && dead == nullptr) dead = &p;
    if (!down && s->offline && draining == nullptr) draining = &p;
  }
  // Without a quorum of live voters no membership change can commit.
  if (alive_voters < voters / 2 + 1) return std::nullopt;
  const metapb::Peer* bad = dead != nullptr ? dead : draining;
  if (bad == nullptr && voters >= options.max_replicas) return std::nullopt;
  const StoreView* target = PickTarget(snap, region.meta);
  if (target == nullptr) return std::nullopt;
  Operator op = MakeOperator(region, dead != nullptr     ? "replace-down-peer"
                                     : bad != nullptr    ? "replace-offline-peer"
                                                         : "add-missing-replica",
                             options);
  AppendMoveSteps(region, bad, target->id, &op);
  return op;
}

std::optional<Operator> CheckSplit(const RegionInfo& region, const ScheduleOptions& options) {
  const bool too_big = options.region_max_size != 0 &&
                       region.approximate_size > options.region_max_size;
  const bool too_many = options.region_max_keys != 0 &&
                        region.approximate_keys > options.region_max_keys;
  if (!too_big && !too_many) return std::nullopt;
  Operator op = MakeOperator(region, too_big ? "split-oversized" : "split-too-many-keys", options);
  op.steps.push_back(Step(Kind::kSplit, 0));
  return op;
}

std::optional<Operator> CheckMerge(const RegionInfo& region, const RegionInfo* right,
                                   const ScheduleOptions& options) {
  if (!options.enable_merge || right == nullptr) return std::nullopt;
  auto small = [&](const RegionInfo& r) {
    return r.approximate_size < options.merge_max_size &&
           r.approximate_keys < options.merge_max_keys && r.last_heartbeat_ms != 0;
  };
  if (!small(region) || !small(*right)) return std::nullopt;
  if (region.meta.end_key().empty() || right->meta.start_key() != region.meta.end_key()) {
    return std::nullopt;
  }
  // Peers must sit on the same stores (moving them first is balance's job).
  auto stores = [](const metapb::Region& r) {
    std::vector<uint64_t> ids;
    for (const metapb::Peer& p : r.peers()) ids.push_back(p.store_id());
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  if (stores(region.meta) != stores(right->meta)) return std::nullopt;
  Operator op = MakeOperator(region, "merge-small", options);
  OperatorStep step = Step(Kind::kMerge, 0);
  step.merge_target = right->meta;
  op.steps.push_back(step);
  return op;
}

std::optional<Operator> CheckRegion(const ClusterSnapshot& snap, const RegionInfo& region,
                                    const ScheduleOptions& options) {
  if (auto op = CheckReplicas(snap, region, options)) return op;
  if (auto op = CheckSplit(region, options)) return op;
  const RegionInfo* right = nullptr;
  for (const RegionInfo& r : snap.regions) {
    if (!region.meta.end_key().empty() && r.meta.start_key() == region.meta.end_key()) {
      right = &r;
      break;
    }
  }
  if (right != nullptr && snap.busy_regions.count(right->meta.id()) != 0) return std::nullopt;
  return CheckMerge(region, right, options);
}

std::optional<Operator> BalanceLeaders(const ClusterSnapshot& snap,
                                       const ScheduleOptions& options) {
  std::vector<const StoreView*> stores;
  for (const StoreView& s : snap.stores) {
    if (s.schedulable) stores.push_back(&s);
  }
  if (stores.size() < 2) return std::nullopt;
  std::stable_sort(stores.begin(), stores.end(), [](const StoreView* a, const StoreView* b) {
    return a->leader_count < b->leader_count;
  });
  const StoreView* src = nullptr;  // most leaders, lowest id on ties
  for (const StoreView* s : stores) {
    if (src == nullptr || s->leader_count > src->leader_count) src = s;
  }
  for (const StoreView* dst : stores) {  // fewest leaders first
    if (src->leader_count <= dst->leader_count + options.leader_tolerance) break;
    for (const RegionInfo& r : snap.regions) {
      if (snap.busy_regions.count(r.meta.id()) != 0) continue;
      if (r.leader.store_id() != src->id || !r.down_peers.empty()) continue;
      for (const metapb::Peer& p : r.meta.peers()) {
        if (p.store_id() == dst->id && p.role() == metapb::VOTER) {
          Operator op = MakeOperator(r, "balance-leader", options);
          op.steps.push_back(Step(Kind::kTransferLeader, dst->id, p.id()));
          return op;
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<Operator> BalanceRegions(const ClusterSnapshot& snap,
                                       const ScheduleOptions& options) {
  const StoreView* src = nullptr;
  for (const StoreView& s : snap.stores) {
    if (s.schedulable && (src == nullptr || s.region_count > src->region_count)) src = &s;
  }
  if (src == nullptr) return std::nullopt;
  std::vector<const StoreView*> targets;
  for (const StoreView& s : snap.stores) {
    if (s.schedulable && s.id != src->id) targets.push_back(&s);
  }
  std::stable_sort(targets.begin(), targets.end(), [](const StoreView* a, const StoreView* b) {
    return a->region_count < b->region_count;
  });
  for (const StoreView* dst : targets) {
    if (src->region_count <= dst->region_count + options.region_tolerance) break;
    for (const RegionInfo& r : snap.regions) {
      if (snap.busy_regions.count(r.meta.id()) != 0 || !r.down_peers.empty()) continue;
      if (!r.pending_peers.empty() || HasPeerOn(r.meta, dst->id)) continue;
      for (const metapb::Peer& p : r.meta.peers()) {
        if (p.store_id() != src->id) continue;
        Operator op = MakeOperator(r, "balance-region", options);
        AppendMoveSteps(r, &p, dst->id, &op);
        return op;
      }
    }
  }
  return std::nullopt;
}

}  // namespace nokv::pd
