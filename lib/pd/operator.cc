// Operators and the OperatorController (see operator.h).
#include "pd/operator.h"

#include <fmt/core.h>

namespace nokv::pd {
namespace {

const metapb::Peer* PeerOnStore(const metapb::Region& region, uint64_t store_id) {
  for (const metapb::Peer& p : region.peers()) {
    if (p.store_id() == store_id) return &p;
  }
  return nullptr;
}

}  // namespace

bool OperatorStep::IsDone(const RegionInfo& region, const metapb::RegionEpoch& planned) const {
  const metapb::Peer* p = PeerOnStore(region.meta, peer.store_id());
  switch (kind) {
    case Kind::kTransferLeader:
      return region.leader.store_id() == peer.store_id();
    case Kind::kAddLearner:
      return p != nullptr && p->id() == peer.id();
    case Kind::kPromoteLearner:
      return p != nullptr && p->id() == peer.id() && p->role() == metapb::VOTER;
    case Kind::kRemovePeer:
      return p == nullptr;
    case Kind::kSplit:
    case Kind::kMerge:
      return region.meta.region_epoch().version() > planned.version();
  }
  return false;
}

std::string OperatorStep::ToString() const {
  switch (kind) {
    case Kind::kTransferLeader:
      return fmt::format("transfer leader to store {}", peer.store_id());
    case Kind::kAddLearner:
      return fmt::format("add learner {} on store {}", peer.id(), peer.store_id());
    case Kind::kPromoteLearner:
      return fmt::format("promote learner {} on store {}", peer.id(), peer.store_id());
    case Kind::kRemovePeer:
      return fmt::format("remove peer {} on store {}", peer.id(), peer.store_id());
    case Kind::kSplit:
      return fmt::format("split ({} key(s))", split_keys.size());
    case Kind::kMerge:
      return fmt::format("merge into region {}", merge_target.id());
  }
  return "?";
}

std::string Operator::ToString() const {
  std::string out = fmt::format("op {} {} region {}:", id, desc, region_id);
  for (size_t i = 0; i < steps.size(); ++i) {
    out += fmt::format(" {}{}", i == current ? "*" : "", steps[i].ToString());
    if (i + 1 < steps.size()) out += ",";
  }
  return out;
}

void StepToResponse(const Operator& op, pdpb::RegionHeartbeatResponse* r) {
  r->set_region_id(op.region_id);
  r->set_operator_id(op.id);
  r->set_operator_desc(op.desc);
  // The epoch the leader should see now: the planned one plus our own
  // membership changes so far.
  *r->mutable_region_epoch() = op.epoch;
  r->mutable_region_epoch()->set_conf_ver(op.epoch.conf_ver() + op.conf_steps_done);
  const OperatorStep& step = op.steps[op.current];
  using K = OperatorStep::Kind;
  switch (step.kind) {
    case K::kTransferLeader:
      *r->mutable_transfer_leader()->mutable_peer() = step.peer;
      break;
    case K::kAddLearner:
      *r->mutable_change_peer()->mutable_peer() = step.peer;
      r->mutable_change_peer()->mutable_peer()->set_role(metapb::LEARNER);
      r->mutable_change_peer()->set_change_type(pdpb::ADD_LEARNER_NODE);
      break;
    case K::kPromoteLearner:
      *r->mutable_change_peer()->mutable_peer() = step.peer;
      r->mutable_change_peer()->mutable_peer()->set_role(metapb::VOTER);
      r->mutable_change_peer()->set_change_type(pdpb::ADD_NODE);
      break;
    case K::kRemovePeer:
      *r->mutable_change_peer()->mutable_peer() = step.peer;
      r->mutable_change_peer()->set_change_type(pdpb::REMOVE_NODE);
      break;
    case K::kSplit:
      for (const std::string& k : step.split_keys) r->mutable_split_region()->add_split_keys(k);
      if (step.split_keys.empty()) r->mutable_split_region();  // present, no keys
      break;
    case K::kMerge:
      *r->mutable_merge()->mutable_target() = step.merge_target;
      break;
  }
}

Status OperatorController::Add(Operator op, uint64_t now_ms, bool force) {
  if (op.steps.empty()) return Status::InvalidArgument("operator without steps");
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_region_.find(op.region_id);
  if (it != by_region_.end()) {
    if (!force) {
      return Status::Busy(fmt::format("region {} already has {}", op.region_id,
                                      it->second.ToString()));
    }
    ++counters_.replaced;
  }
  op.id = next_id_++;
  op.created_ms = now_ms;
  op.current = 0;
  op.conf_steps_done = 0;
  by_region_[op.region_id] = std::move(op);
  ++counters_.added;
  return Status::OK();
}

bool OperatorController::HasOperator(uint64_t region_id) const {
  std::lock_guard<std::mutex> l(mu_);
  return by_region_.count(region_id) != 0;
}

std::optional<Operator> OperatorController::OnHeartbeat(const RegionInfo& region,
                                                        uint64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = by_region_.find(region.meta.id());
  if (it == by_region_.end()) return std::nullopt;
  Operator& op = it->second;
  while (op.current < op.steps.size() && op.steps[op.current].IsDone(region, op.epoch)) {
    if (op.steps[op.current].ChangesConf()) ++op.conf_steps_done;
    ++op.current;
  }
  if (op.current == op.steps.size()) {
    ++counters_.finished;
    by_region_.erase(it);
    return std::nullopt;
  }
  // Anything but our own steps moving the epoch makes the plan stale.
  const metapb::RegionEpoch& e = region.meta.region_epoch();
  if (e.version() != op.epoch.version() ||
      e.conf_ver() != op.epoch.conf_ver() + op.conf_steps_done) {
    ++counters_.stale;
    by_region_.erase(it);
    return std::nullopt;
  }
  if (now_ms >= op.created_ms + op.timeout_ms) {
    ++counters_.timed_out;
    by_region_.erase(it);
    return std::nullopt;
  }
  return op;
}

void OperatorController::Sweep(uint64_t now_ms) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto it = by_region_.begin(); it != by_region_.end();) {
    if (now_ms >= it->second.created_ms + it->second.timeout_ms) {
      ++counters_.timed_out;
      it = by_region_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<Operator> OperatorController::List() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Operator> out;
  for (const auto& [id, op] : by_region_) out.push_back(op);
  return out;
}

OperatorCounters OperatorController::counters() const {
  std::lock_guard<std::mutex> l(mu_);
  return counters_;
}

}  // namespace nokv::pd
