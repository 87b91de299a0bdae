// Planning of hand-made operators (see manual_operator.h).
#include "pd/manual_operator.h"

#include <fmt/core.h>

namespace nokv::pd {
namespace {

using Kind = OperatorStep::Kind;

const RegionInfo* FindRegion(const ClusterSnapshot& snap, uint64_t id) {
  for (const RegionInfo& r : snap.regions) {
    if (r.meta.id() == id) return &r;
  }
  return nullptr;
}

const metapb::Peer* PeerOn(const metapb::Region& region, uint64_t store_id) {
  for (const metapb::Peer& p : region.peers()) {
    if (p.store_id() == store_id) return &p;
  }
  return nullptr;
}

OperatorStep Step(Kind kind, const metapb::Peer& peer) {
  OperatorStep s;
  s.kind = kind;
  s.peer = peer;
  return s;
}

metapb::Peer NewPeer(uint64_t store_id) {
  metapb::Peer p;
  p.set_store_id(store_id);
  return p;
}

}  // namespace

Result<ManualOperatorRequest::Kind> ParseManualKind(std::string_view name) {
  using K = ManualOperatorRequest::Kind;
  if (name == "split") return K::kSplit;
  if (name == "merge") return K::kMerge;
  if (name == "transfer-leader") return K::kTransferLeader;
  if (name == "add-peer") return K::kAddPeer;
  if (name == "remove-peer") return K::kRemovePeer;
  return Status::InvalidArgument(
      fmt::format("unknown operator \"{}\" (split, merge, transfer-leader, add-peer, "
                  "remove-peer)",
                  name));
}

Result<Operator> PlanManualOperator(const ClusterSnapshot& snap, const ManualOperatorRequest& req,
                                    const ScheduleOptions& options) {
  using K = ManualOperatorRequest::Kind;
  if (req.region_id == 0) return Status::InvalidArgument("region id 0");
  const RegionInfo* region = FindRegion(snap, req.region_id);
  if (region == nullptr) return Status::NotFound(fmt::format("region {}", req.region_id));
  const metapb::Region& meta = region->meta;
  Operator op;
  op.region_id = meta.id();
  op.epoch = meta.region_epoch();
  op.timeout_ms = options.operator_timeout_ms;
  const StoreView* store = nullptr;
  if (req.kind == K::kTransferLeader || req.kind == K::kAddPeer || req.kind == K::kRemovePeer) {
    if (req.store_id == 0) return Status::InvalidArgument("store id 0");
    for (const StoreView& s : snap.stores) {
      if (s.id == req.store_id) store = &s;
    }
    if (store == nullptr) return Status::NotFound(fmt::format("store {}", req.store_id));
  }
  const metapb::Peer* on_store = store ? PeerOn(meta, store->id) : nullptr;
  switch (req.kind) {
    case K::kSplit: {
      if (req.split_key.empty() || req.split_key <= meta.start_key() ||
          (!meta.end_key().empty() && req.split_key >= meta.end_key())) {
        return Status::InvalidArgument(fmt::format(
            "split key is not strictly inside region {}", DescribeRegion(meta)));
      }
      OperatorStep s;
      s.kind = Kind::kSplit;
      s.split_keys.push_back(req.split_key);
      op.steps.push_back(s);
      op.desc = "admin-split";
      break;
    }
    case K::kMerge: {
      const RegionInfo* target = FindRegion(snap, req.target_region_id);
      if (req.target_region_id == 0 || target == nullptr) {
        return Status::NotFound(fmt::format("target region {}", req.target_region_id));
      }
      const bool adjacent =
          (!meta.end_key().empty() && meta.end_key() == target->meta.start_key()) ||
          (!target->meta.end_key().empty() && target->meta.end_key() == meta.start_key());
      if (!adjacent || target->meta.id() == meta.id()) {
        return Status::InvalidArgument(fmt::format("regions {} and {} are not adjacent",
                                                   meta.id(), target->meta.id()));
      }
      OperatorStep s;
      s.kind = Kind::kMerge;
      s.merge_target = target->meta;
      op.steps.push_back(s);
      op.desc = "admin-merge";
      break;
    }
    case K::kTransferLeader:
      if (on_store == nullptr || on_store->role() != metapb::VOTER) {
        return Status::InvalidArgument(fmt::format("region {} has no voter on store {}",
                                                   meta.id(), req.store_id));
      }
      op.steps.push_back(Step(Kind::kTransferLeader, *on_store));
      op.desc = "admin-transfer-leader";
      break;
    case K::kAddPeer:
      if (on_store != nullptr) {
        return Status::InvalidArgument(fmt::format("region {} already has a peer on store {}",
                                                   meta.id(), req.store_id));
      }
      if (store->down) return Status::InvalidArgument(fmt::format("store {} is down", store->id));
      op.steps.push_back(Step(Kind::kAddLearner, NewPeer(store->id)));
      op.steps.push_back(Step(Kind::kPromoteLearner, NewPeer(store->id)));
      op.desc = "admin-add-peer";
      break;
    case K::kRemovePeer: {
      if (on_store == nullptr) {
        return Status::InvalidArgument(fmt::format("region {} has no peer on store {}",
                                                   meta.id(), req.store_id));
      }
      int voters = 0;
      for (const metapb::Peer& p : meta.peers()) voters += p.role() == metapb::VOTER;
      if (on_store->role() == metapb::VOTER && voters <= 1) {
        return Status::InvalidArgument(
            fmt::format("region {}: cannot remove its last voter", meta.id()));
      }
      if (region->leader.store_id() == store->id) {
        for (const metapb::Peer& p : meta.peers()) {
          if (p.store_id() != store->id && p.role() == metapb::VOTER) {
            op.steps.push_back(Step(Kind::kTransferLeader, p));
            break;
          }
        }
      }
      op.steps.push_back(Step(Kind::kRemovePeer, *on_store));
      op.desc = "admin-remove-peer";
      break;
    }
  }
  return op;
}

}  // namespace nokv::pd
