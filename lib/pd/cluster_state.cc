// ClusterState (see cluster_state.h).
#include "pd/cluster_state.h"

#include <fmt/core.h>

#include <cassert>

namespace nokv::pd {

Result<std::unique_ptr<ClusterState>> ClusterState::Load(PdStorage* storage) {
  PersistedState persisted;
  NOKV_RETURN_IF_ERROR(storage->Load(&persisted));
  return FromPersisted(storage, std::move(persisted));
}

Result<std::unique_ptr<ClusterState>> ClusterState::FromSnapshot(
    PdStorage* storage, const pdstatepb::StateSnapshot& snap) {
  if (storage->persistent()) {
    return Status::NotSupported("pd state: a snapshot restores only an in-memory state");
  }
  PersistedState persisted;
  persisted.bootstrapped = snap.bootstrapped();
  persisted.id_bound = snap.id_bound();
  persisted.tso_bound = snap.tso_bound();
  persisted.stores.assign(snap.stores().begin(), snap.stores().end());
  persisted.regions.assign(snap.regions().begin(), snap.regions().end());
  return FromPersisted(storage, std::move(persisted));
}

pdstatepb::StateSnapshot ClusterState::ToSnapshot() const {
  pdstatepb::StateSnapshot snap;
  snap.set_bootstrapped(bootstrapped_);
  snap.set_id_bound(id_bound_);
  snap.set_tso_bound(tso_bound_);
  for (const auto& [id, info] : stores_) *snap.add_stores() = info.meta;
  for (const RegionInfo* region : regions_.All()) {
    pdstatepb::RegionRecord* record = snap.add_regions();
    *record->mutable_region() = region->meta;
    *record->mutable_leader() = region->leader;
  }
  return snap;
}

void ClusterState::TakeSoftState(const ClusterState& old) {
  for (auto& [id, info] : stores_) {
    if (const StoreInfo* before = old.store(id)) {
      info.stats = before->stats;
      info.last_heartbeat_ms = before->last_heartbeat_ms;
    }
  }
}

Result<std::unique_ptr<ClusterState>> ClusterState::FromPersisted(PdStorage* storage,
                                                                  PersistedState persisted) {
  std::unique_ptr<ClusterState> state(new ClusterState(storage));
  state->bootstrapped_ = persisted.bootstrapped;
  state->id_bound_ = persisted.id_bound;
  state->tso_bound_ = persisted.tso_bound;
  for (metapb::Store& store : persisted.stores) {
    const uint64_t id = store.id();
    state->stores_[id].meta = std::move(store);
  }
  for (const pdstatepb::RegionRecord& record : persisted.regions) {
    Status s = state->regions_.Put(record.region(), record.leader());
    if (!s.ok()) {
      return Status::Corruption("pd state: stored region " + DescribeRegion(record.region()) +
                                " cannot be restored: " + s.ToString());
    }
  }
  return state;
}

const StoreInfo* ClusterState::store(uint64_t id) const {
  auto it = stores_.find(id);
  return it == stores_.end() ? nullptr : &it->second;
}

Status ClusterState::Apply(const pdstatepb::Command& command) {
  using C = pdstatepb::Command;
  switch (command.kind_case()) {
    case C::kSetIdBound: {
      if (command.set_id_bound() <= id_bound_) return Status::OK();  // bounds only grow
      WriteBatch batch;
      batch.Put(kIdBoundKey, std::to_string(command.set_id_bound()));
      NOKV_RETURN_IF_ERROR(storage_->Commit(batch));
      id_bound_ = command.set_id_bound();
      return Status::OK();
    }
    case C::kSetTsoBound: {
      if (command.set_tso_bound() <= tso_bound_) return Status::OK();
      WriteBatch batch;
      batch.Put(kTsoBoundKey, std::to_string(command.set_tso_bound()));
      NOKV_RETURN_IF_ERROR(storage_->Commit(batch));
      tso_bound_ = command.set_tso_bound();
      return Status::OK();
    }
    case C::kBootstrap:
      return ApplyBootstrap(command.bootstrap());
    case C::kPutStore:
      return ApplyPutStore(command.put_store());
    case C::kPutRegion:
      return ApplyPutRegion(command.put_region());
    case C::kRemoveRegion:
      return ApplyRemoveRegion(command.remove_region());
    case C::KIND_NOT_SET:
      break;
  }
  return Status::InvalidArgument("pd command: no kind set");
}

Status ClusterState::CheckStore(const metapb::Store& store) const {
  if (store.id() == 0) return Status::InvalidArgument("store id 0");
  if (store.address().empty()) {
    return Status::InvalidArgument("store " + std::to_string(store.id()) + ": empty address");
  }
  if (const StoreInfo* old = this->store(store.id());
      old != nullptr && old->meta.state() == metapb::STORE_TOMBSTONE) {
    return Status::NotSupported("store " + std::to_string(store.id()) + " is a tombstone");
  }
  for (const auto& [id, info] : stores_) {
    if (id != store.id() && info.meta.address() == store.address() &&
        info.meta.state() != metapb::STORE_TOMBSTONE) {
      return Status::InvalidArgument(fmt::format("store {}: address {} is already used by store {}",
                                                 store.id(), store.address(), id));
    }
  }
  return Status::OK();
}

Status ClusterState::ApplyBootstrap(const pdstatepb::Bootstrap& b) {
  if (bootstrapped_) return Status::Busy("the cluster is already bootstrapped");
  NOKV_RETURN_IF_ERROR(CheckStore(b.store()));
  NOKV_RETURN_IF_ERROR(ValidateRegion(b.region()));
  if (b.region().peers_size() == 0) {
    return Status::InvalidArgument("bootstrap: the first region has no peers");
  }
  WriteBatch batch;
  batch.Put(kBootstrappedKey, "1");
  batch.Put(StoreKey(b.store().id()), b.store().SerializeAsString());
  pdstatepb::RegionRecord record;
  *record.mutable_region() = b.region();
  batch.Put(RegionKey(b.region().id()), record.SerializeAsString());
  NOKV_RETURN_IF_ERROR(storage_->Commit(batch));
  bootstrapped_ = true;
  stores_[b.store().id()].meta = b.store();
  Status s = regions_.Put(b.region(), metapb::Peer());
  assert(s.ok());  // the catalog was empty and the region valid
  (void)s;
  return Status::OK();
}

Status ClusterState::ApplyPutStore(const metapb::Store& store) {
  NOKV_RETURN_IF_ERROR(CheckStore(store));
  WriteBatch batch;
  batch.Put(StoreKey(store.id()), store.SerializeAsString());
  NOKV_RETURN_IF_ERROR(storage_->Commit(batch));
  stores_[store.id()].meta = store;
  return Status::OK();
}

Status ClusterState::ApplyPutRegion(const pdstatepb::RegionRecord& record) {
  const metapb::Region& region = record.region();
  NOKV_RETURN_IF_ERROR(regions_.Check(region));
  WriteBatch batch;
  for (uint64_t id : regions_.Overlapping(region.start_key(), region.end_key())) {
    if (id != region.id()) batch.Delete(RegionKey(id));
  }
  batch.Put(RegionKey(region.id()), record.SerializeAsString());
  NOKV_RETURN_IF_ERROR(storage_->Commit(batch));
  Status s = regions_.Put(region, record.leader());
  assert(s.ok());  // Check passed above
  return s;
}

Status ClusterState::ApplyRemoveRegion(uint64_t region_id) {
  if (region_id == 0) return Status::InvalidArgument("region id 0");
  if (regions_.ById(region_id) == nullptr) {
    return Status::NotFound("region " + std::to_string(region_id));
  }
  WriteBatch batch;
  batch.Delete(RegionKey(region_id));
  NOKV_RETURN_IF_ERROR(storage_->Commit(batch));
  regions_.Remove(region_id);
  return Status::OK();
}

Status ClusterState::UpdateStoreStats(const pdpb::StoreStats& stats, uint64_t now_ms) {
  if (stats.store_id() == 0) return Status::InvalidArgument("store id 0");
  auto it = stores_.find(stats.store_id());
  if (it == stores_.end()) {
    return Status::NotFound("store " + std::to_string(stats.store_id()) +
                            " is not registered (PutStore first)");
  }
  if (it->second.meta.state() == metapb::STORE_TOMBSTONE) {
    return Status::NotSupported("store " + std::to_string(stats.store_id()) + " is a tombstone");
  }
  it->second.stats = stats;
  it->second.last_heartbeat_ms = now_ms;
  return Status::OK();
}

void ClusterState::UpdateRegionStats(uint64_t region_id, const pdpb::RegionHeartbeatRequest& hb,
                                     uint64_t now_ms) {
  RegionInfo* info = regions_.MutableById(region_id);
  if (info == nullptr) return;
  info->approximate_size = hb.approximate_size();
  info->approximate_keys = hb.approximate_keys();
  info->last_heartbeat_ms = now_ms;
  info->down_peers.assign(hb.down_peers().begin(), hb.down_peers().end());
  info->pending_peers.assign(hb.pending_peers().begin(), hb.pending_peers().end());
}

}  // namespace nokv::pd
