// PlacementDriver (see placement_driver.h).
#include "pd/placement_driver.h"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "pd/raft_snapshot.h"

namespace nokv::pd {
namespace {

uint64_t SystemClockMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}


}  // namespace

void SetError(pdpb::ResponseHeader* header, pdpb::ErrorType type, std::string message) {
  header->mutable_error()->set_type(type);
  header->mutable_error()->set_message(std::move(message));
}

void SetError(pdpb::ResponseHeader* header, const Status& s) {
  if (s.ok()) return;
  pdpb::ErrorType type = pdpb::INTERNAL;
  switch (s.code()) {
    case Status::Code::kInvalidArgument: type = pdpb::INVALID_ARGUMENT; break;
    case Status::Code::kNotFound: type = pdpb::NOT_FOUND; break;
    case Status::Code::kAborted: type = pdpb::STALE_EPOCH; break;
    case Status::Code::kBusy: type = pdpb::ALREADY_BOOTSTRAPPED; break;
    case Status::Code::kNotSupported: type = pdpb::STORE_TOMBSTONE; break;
    case Status::Code::kClosed: type = pdpb::NOT_LEADER; break;  // replica lost its quorum
    default: break;
  }
  SetError(header, type, s.message().empty() ? s.ToString() : s.message());
}

PlacementDriver::PlacementDriver(PdOptions options) : options_(std::move(options)) {
  if (!options_.clock_ms) options_.clock_ms = SystemClockMs;
}

PlacementDriver::~PlacementDriver() {
  std::lock_guard<std::mutex> l(mu_);
  state_.reset();
  if (storage_) {
    Status s = storage_->Close();
    if (!s.ok()) spdlog::error("pd: closing {}: {}", options_.workdir, s.ToString());
  }
}

Result<std::unique_ptr<PlacementDriver>> PlacementDriver::Open(PdOptions options) {
  std::unique_ptr<PlacementDriver> pd(new PlacementDriver(std::move(options)));
  Result<std::unique_ptr<PdStorage>> storage = PdStorage::Open(pd->options_.workdir);
  if (!storage.ok()) return storage.status();
  pd->storage_ = std::move(storage).value();
  Result<std::unique_ptr<ClusterState>> state = ClusterState::Load(pd->storage_.get());
  if (!state.ok()) return state.status();
  pd->state_ = std::move(state).value();
  pd->start_ms_ = pd->options_.clock_ms();
  pd->loaded_id_bound_ = pd->state_->id_bound();
  pd->loaded_tso_bound_ms_ = pd->state_->tso_bound();

  pd->ResetAllocators();
  if (!pd->options_.members.empty()) pd->SetLeadership(false, "");  // until Raft says
  return pd;
}

void PlacementDriver::ResetAllocators() {
  RetireAllocators();  // before the bounds are read (see TsoAllocator::Allocate)
  uint64_t tso_bound = 0, id_bound = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    tso_bound = state_->tso_bound();
    id_bound = state_->id_bound();
  }
  TsoOptions tso;
  tso.clock_ms = options_.clock_ms;
  tso.wait_for_next_ms = [] { std::this_thread::sleep_for(std::chrono::microseconds(200)); };
  tso.save_bound = [this](uint64_t bound) {
    pdstatepb::Command c;
    c.set_set_tso_bound(bound);
    return Propose(c);
  };
  tso.window_ms = options_.tso_window_ms;
  auto new_tso = std::make_shared<TsoAllocator>(std::move(tso), tso_bound, options_.ts_start);
  auto new_ids = std::make_shared<IdAllocator>(
      [this](uint64_t bound) {
        pdstatepb::Command c;
        c.set_set_id_bound(bound);
        return Propose(c);
      },
      id_bound, options_.id_start, options_.id_window);
  std::lock_guard<std::mutex> l(alloc_mu_);
  tso_ = std::move(new_tso);
  ids_ = std::move(new_ids);
}

void PlacementDriver::RetireAllocators() {
  std::lock_guard<std::mutex> l(alloc_mu_);
  if (tso_) tso_->Retire();
  if (ids_) ids_->Retire();
}

std::shared_ptr<TsoAllocator> PlacementDriver::Tsos() const {
  std::lock_guard<std::mutex> l(alloc_mu_);
  return tso_;
}

std::shared_ptr<IdAllocator> PlacementDriver::Ids() const {
  std::lock_guard<std::mutex> l(alloc_mu_);
  return ids_;
}

void PlacementDriver::SetProposer(std::function<Status(const pdstatepb::Command&)> proposer) {
  proposer_ = std::move(proposer);
}

Status PlacementDriver::ApplyReplicated(const pdstatepb::Command& command) {
  std::lock_guard<std::mutex> l(mu_);
  return state_->Apply(command);
}

std::string PlacementDriver::SnapshotReplicated() const {
  std::lock_guard<std::mutex> l(mu_);
  return EncodeSnapshotData(state_->ToSnapshot());
}

Status PlacementDriver::RestoreReplicated(const std::string& data) {
  pdstatepb::StateSnapshot snap;
  NOKV_RETURN_IF_ERROR(DecodeSnapshotData(data, &snap));
  Result<std::unique_ptr<ClusterState>> state = ClusterState::FromSnapshot(storage_.get(), snap);
  if (!state.ok()) return state.status();
  std::lock_guard<std::mutex> l(mu_);
  state.value()->TakeSoftState(*state_);
  state_ = std::move(state).value();
  return Status::OK();
}

void PlacementDriver::OnLeaderChange(uint64_t leader_member_id, bool ready_leader) {
  std::string leader_address;
  for (const pdpb::Member& m : options_.members) {
    if (m.member_id() == leader_member_id) leader_address = m.address();
  }
  if (ready_leader) {
    // Every bound a previous leader could have served under is applied now.
    ResetAllocators();
    spdlog::warn("pd: member {} leads", options_.member_id);
    SetLeadership(true, leader_address);
  } else {
    SetLeadership(false, leader_address);
    RetireAllocators();  // requests in flight here must not be answered either
  }
}

Status PlacementDriver::Propose(const pdstatepb::Command& command) {
  if (proposer_) return proposer_(command);
  std::lock_guard<std::mutex> l(mu_);
  return state_->Apply(command);
}

void PlacementDriver::SetLeadership(bool is_leader, std::string leader_address) {
  std::lock_guard<std::mutex> l(leader_mu_);
  is_leader_ = is_leader;
  leader_address_ = std::move(leader_address);
}

bool PlacementDriver::is_leader() const {
  std::lock_guard<std::mutex> l(leader_mu_);
  return is_leader_;
}

void PlacementDriver::SetAllocError(pdpb::ResponseHeader* header, const Status& s) const {
  if (s.IsAborted() || s.IsClosed()) {  // retired, or the bound was not committed
    CheckServing(header, false);
    if (!header->has_error()) SetError(header, pdpb::NOT_LEADER, "leadership changed; retry");
  } else {
    SetError(header, s);
  }
}

bool PlacementDriver::CheckServing(pdpb::ResponseHeader* header, bool need_bootstrap) const {
  {
    std::lock_guard<std::mutex> l(leader_mu_);
    if (!is_leader_) {
      SetError(header, pdpb::NOT_LEADER, "this PD member is not the leader");
      header->set_leader_address(leader_address_);
      return false;
    }
  }
  if (need_bootstrap) {
    std::lock_guard<std::mutex> l(mu_);
    if (!state_->bootstrapped()) {
      SetError(header, pdpb::NOT_BOOTSTRAPPED, "the cluster is not bootstrapped");
      return false;
    }
  }
  return true;
}

pdpb::GetMembersResponse PlacementDriver::GetMembers(const pdpb::GetMembersRequest&) {
  pdpb::GetMembersResponse r;
  pdpb::Member self;
  self.set_name(options_.name);
  self.set_address(options_.advertise_address);
  self.set_member_id(options_.member_id);
  if (options_.members.empty()) {
    *r.add_members() = self;
  } else {
    for (const pdpb::Member& m : options_.members) *r.add_members() = m;
  }
  std::lock_guard<std::mutex> l(leader_mu_);
  if (is_leader_) {
    *r.mutable_leader() = self;
  } else {
    for (const pdpb::Member& m : options_.members) {
      if (!leader_address_.empty() && m.address() == leader_address_) *r.mutable_leader() = m;
    }
    if (!r.has_leader() && !leader_address_.empty()) {
      r.mutable_leader()->set_address(leader_address_);
    }
  }
  return r;
}

pdpb::TsoResponse PlacementDriver::Tso(const pdpb::TsoRequest& request) {
  pdpb::TsoResponse r;
  if (!CheckServing(r.mutable_header(), false)) return r;
  const uint32_t count = request.count() == 0 ? 1 : request.count();
  Result<uint64_t> first = Tsos()->Allocate(count);
  if (!first.ok()) {
    ++counters_.errors;
    SetAllocError(r.mutable_header(), first.status());
    return r;
  }
  ++counters_.tso_requests;
  counters_.tso_timestamps += count;
  r.set_first(*first);
  r.set_count(count);
  return r;
}

pdpb::AllocIDResponse PlacementDriver::AllocID(const pdpb::AllocIDRequest& request) {
  pdpb::AllocIDResponse r;
  if (!CheckServing(r.mutable_header(), false)) return r;
  const uint32_t count = request.count() == 0 ? 1 : request.count();
  if (count > 1'000'000) {
    SetError(r.mutable_header(), Status::InvalidArgument("alloc id: count above 1000000"));
    return r;
  }
  Result<uint64_t> first = Ids()->Allocate(count);
  if (!first.ok()) {
    SetAllocError(r.mutable_header(), first.status());
    return r;
  }
  ++counters_.id_requests;
  r.set_id(*first);
  r.set_count(count);
  return r;
}

pdpb::BootstrapResponse PlacementDriver::Bootstrap(const pdpb::BootstrapRequest& request) {
  pdpb::BootstrapResponse r;
  if (!CheckServing(r.mutable_header(), false)) return r;
  if (!request.has_store() || !request.has_region()) {
    SetError(r.mutable_header(), Status::InvalidArgument("bootstrap needs a store and a region"));
    return r;
  }
  pdstatepb::Command c;
  *c.mutable_bootstrap()->mutable_store() = request.store();
  *c.mutable_bootstrap()->mutable_region() = request.region();
  Status s = Propose(c);
  SetError(r.mutable_header(), s);
  if (s.ok()) {
    spdlog::info("pd: bootstrapped with store {} and region {}", request.store().id(),
                 DescribeRegion(request.region()));
  }
  return r;
}

pdpb::IsBootstrappedResponse PlacementDriver::IsBootstrapped(
    const pdpb::IsBootstrappedRequest&) {
  pdpb::IsBootstrappedResponse r;
  if (!CheckServing(r.mutable_header(), false)) return r;
  std::lock_guard<std::mutex> l(mu_);
  r.set_bootstrapped(state_->bootstrapped());
  return r;
}

pdpb::PutStoreResponse PlacementDriver::PutStore(const pdpb::PutStoreRequest& request) {
  pdpb::PutStoreResponse r;
  if (!CheckServing(r.mutable_header(), true)) return r;
  if (!request.has_store()) {
    SetError(r.mutable_header(), Status::InvalidArgument("put store: no store"));
    return r;
  }
  pdstatepb::Command c;
  *c.mutable_put_store() = request.store();
  SetError(r.mutable_header(), Propose(c));
  return r;
}

pdpb::GetStoreResponse PlacementDriver::GetStore(const pdpb::GetStoreRequest& request) {
  pdpb::GetStoreResponse r;
  if (!CheckServing(r.mutable_header(), true)) return r;
  if (request.store_id() == 0) {
    SetError(r.mutable_header(), Status::InvalidArgument("store id 0"));
    return r;
  }
  std::lock_guard<std::mutex> l(mu_);
  const StoreInfo* info = state_->store(request.store_id());
  if (info == nullptr) {
    SetError(r.mutable_header(), Status::NotFound(fmt::format("store {}", request.store_id())));
    return r;
  }
  *r.mutable_store() = info->meta;
  *r.mutable_stats() = info->stats;
  r.set_last_heartbeat_ms(info->last_heartbeat_ms);
  return r;
}

pdpb::GetAllStoresResponse PlacementDriver::GetAllStores(
    const pdpb::GetAllStoresRequest& request) {
  pdpb::GetAllStoresResponse r;
  if (!CheckServing(r.mutable_header(), true)) return r;
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [id, info] : state_->stores()) {
    if (request.exclude_tombstone_stores() && info.meta.state() == metapb::STORE_TOMBSTONE) {
      continue;
    }
    *r.add_stores() = info.meta;
  }
  return r;
}

pdpb::StoreHeartbeatResponse PlacementDriver::StoreHeartbeat(
    const pdpb::StoreHeartbeatRequest& request) {
  pdpb::StoreHeartbeatResponse r;
  if (!CheckServing(r.mutable_header(), true)) return r;
  std::lock_guard<std::mutex> l(mu_);
  Status s = state_->UpdateStoreStats(request.stats(), options_.clock_ms());
  SetError(r.mutable_header(), s);
  if (s.ok()) ++counters_.store_heartbeats;
  return r;
}

pdpb::RegionHeartbeatResponse PlacementDriver::RegionHeartbeat(
    const pdpb::RegionHeartbeatRequest& request) {
  pdpb::RegionHeartbeatResponse r;
  if (!CheckServing(r.mutable_header(), true)) return r;
  if (!request.has_region()) {
    SetError(r.mutable_header(), Status::InvalidArgument("region heartbeat without a region"));
    return r;
  }
  const metapb::Region& region = request.region();
  bool leader_is_peer = false;
  for (const metapb::Peer& p : region.peers()) {
    leader_is_peer |= p.id() == request.leader().id() && p.store_id() == request.leader().store_id();
  }
  if (region.id() != 0 && !leader_is_peer) {
    SetError(r.mutable_header(),
             Status::InvalidArgument(fmt::format("region {}: the leader {} is not one of its peers",
                                                 region.id(), request.leader().id())));
    return r;
  }
  const uint64_t now = options_.clock_ms();
  Status s;
  bool changed = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    s = state_->regions().Check(region);
    changed = s.ok() && state_->regions().WouldChange(region, request.leader());
  }
  if (changed) {  // durable: through Propose, outside mu_ (it may wait for Raft)
    pdstatepb::Command c;
    *c.mutable_put_region()->mutable_region() = region;
    *c.mutable_put_region()->mutable_leader() = request.leader();
    s = Propose(c);
  }
  if (!s.ok()) {
    if (s.IsAborted()) ++counters_.stale_heartbeats;
    SetError(r.mutable_header(), s);
    return r;
  }
  RegionInfo info;
  {
    std::lock_guard<std::mutex> l(mu_);
    state_->UpdateRegionStats(region.id(), request, now);
    const RegionInfo* current = state_->regions().ById(region.id());
    if (current == nullptr) {  // replaced in between by a newer overlapping region
      SetError(r.mutable_header(), Status::Aborted("stale epoch: region " +
                                                   std::to_string(region.id()) + " was replaced"));
      return r;
    }
    info = *current;
  }
  ++counters_.region_heartbeats;
  // A pending operator's next step, else a split if the region grew too big.
  std::optional<Operator> op = operators_.OnHeartbeat(info, now);
  if (!op) {
    std::optional<Operator> split = CheckSplit(info, options_.schedule);
    if (split && operators_.Add(*split, now).ok()) op = operators_.OnHeartbeat(info, now);
  }
  if (op) {
    StepToResponse(*op, &r);
    ++counters_.operators_sent;
  }
  return r;
}

ClusterSnapshot PlacementDriver::Snapshot() const {
  const uint64_t now = options_.clock_ms();
  ClusterSnapshot snap;
  {
    std::lock_guard<std::mutex> l(mu_);
    snap = MakeSnapshot(*state_, now, start_ms_, options_.schedule);
  }
  for (const Operator& op : operators_.List()) snap.busy_regions.insert(op.region_id);
  return snap;
}

Status PlacementDriver::AddScheduled(Operator op, uint64_t now_ms) {
  NOKV_RETURN_IF_ERROR(AssignPeerIds(&op, [this] { return Ids()->Allocate(1); }));
  spdlog::info("pd: schedule {}", op.ToString());
  return operators_.Add(std::move(op), now_ms);
}

void PlacementDriver::Tick() {
  if (!is_leader()) return;
  const uint64_t now = options_.clock_ms();
  operators_.Sweep(now);
  ClusterSnapshot snap = Snapshot();
  int added = 0;
  for (const RegionInfo& region : snap.regions) {
    if (added >= options_.max_new_operators_per_tick) break;
    if (snap.busy_regions.count(region.meta.id()) != 0) continue;
    if (std::optional<Operator> op = CheckRegion(snap, region, options_.schedule)) {
      snap.busy_regions.insert(op->region_id);
      if (AddScheduled(std::move(*op), now).ok()) ++added;
    }
  }
  if (std::optional<Operator> op = BalanceLeaders(snap, options_.schedule)) {
    snap.busy_regions.insert(op->region_id);
    (void)AddScheduled(std::move(*op), now);
  }
  if (std::optional<Operator> op = BalanceRegions(snap, options_.schedule)) {
    (void)AddScheduled(std::move(*op), now);
  }
}

Result<Operator> PlacementDriver::AddManualOperator(const ManualOperatorRequest& request) {
  if (!is_leader()) return Status::NotSupported("this PD member is not the leader");
  Result<Operator> op = PlanManualOperator(Snapshot(), request, options_.schedule);
  if (!op.ok()) return op.status();
  NOKV_RETURN_IF_ERROR(AssignPeerIds(&op.value(), [this] { return Ids()->Allocate(1); }));
  const uint64_t now = options_.clock_ms();
  NOKV_RETURN_IF_ERROR(operators_.Add(op.value(), now, /*force=*/true));
  for (const Operator& pending : operators_.List()) {
    if (pending.region_id == request.region_id) return pending;
  }
  return op;
}

}  // namespace nokv::pd
