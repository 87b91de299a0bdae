// The store's side of PD: region heartbeats from leaders only (at once
// after a leadership or region change, else every interval), store
// heartbeats with capacity, and the operators PD answers with. Every PD call
// runs on the PD worker; results come back to the raft thread as tasks.
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include "raftstore/store_impl.h"

namespace nokv::raftstore {

pdpb::StoreStats Store::Impl::CollectStoreStats() {
  pdpb::StoreStats s;
  s.set_store_id(opts.store_id);
  uint32_t regions = 0, leaders = 0;
  uint64_t pending = 0;
  for (const auto& [id, p] : peers) {
    if (!p->initialized || p->destroying) continue;
    regions++;
    if (p->is_leader()) leaders++;
    pending += p->proposals.size();
  }
  s.set_region_count(regions);
  s.set_leader_count(leaders);
  struct statvfs vfs;
  if (statvfs(opts.workdir.c_str(), &vfs) == 0) {
    s.set_capacity(static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize);
    s.set_available(static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize);
  }
  const DbStats db = data->Stats();
  uint64_t used = db.memtable_bytes + db.vlog_bytes;
  for (const LevelStats& l : db.levels) used += l.bytes;
  s.set_used_size(used);
  s.set_start_time(static_cast<uint64_t>(std::time(nullptr)) - (now_ms - start_ms) / 1000);
  s.set_is_busy(pending * 2 >= opts.max_pending_proposals);
  return s;
}

void Store::Impl::SendHeartbeats() {
  if (pd == nullptr) return;
  Impl* self = this;
  for (auto& [id, up] : peers) {
    Peer* p = up.get();
    if (!p->initialized || p->stopped || p->destroying || !p->is_leader()) continue;
    if (!p->heartbeat_due && now_ms - p->last_region_heartbeat_ms <
                                 static_cast<uint64_t>(opts.region_heartbeat_interval_ms)) {
      continue;
    }
    p->heartbeat_due = false;
    p->last_region_heartbeat_ms = now_ms;
    pdpb::RegionHeartbeatRequest req;
    *req.mutable_region() = p->region;
    if (const metapb::Peer* self_meta = p->FindPeer(p->peer_id)) *req.mutable_leader() = *self_meta;
    req.set_approximate_size(p->approximate_size);
    req.set_approximate_keys(p->approximate_keys);
    req.set_term(p->term);
    const raft::NodeStatus st = p->node->GetStatus();
    for (const auto& [pid, pr] : st.progress) {
      const metapb::Peer* meta = p->FindPeer(pid);
      if (pid == p->peer_id || meta == nullptr) continue;
      if (!pr.recent_active) *req.add_down_peers() = *meta;
      if (pr.match + 1 < p->storage->first_index()) *req.add_pending_peers() = *meta;
    }
    const uint64_t region_id = p->region_id;
    pd_worker.Post([self, req, region_id] {
      Result<pdpb::RegionHeartbeatResponse> r = self->pd->RegionHeartbeat(req);
      self->pd_region_heartbeats++;
      if (!r.ok()) {
        self->pd_errors++;
        spdlog::debug("store {}: region {} heartbeat: {}", self->opts.store_id, region_id,
                      r.status().ToString());
        return;
      }
      const pdpb::RegionHeartbeatResponse& resp = r.value();
      if (resp.has_change_peer() || resp.has_transfer_leader() || resp.has_split_region() ||
          resp.has_merge()) {
        self->Post([self, region_id, resp] { self->OnRegionHeartbeatResponse(region_id, resp); });
      }
    });
  }
  if (now_ms - last_store_heartbeat_ms >= static_cast<uint64_t>(opts.store_heartbeat_interval_ms) ||
      last_store_heartbeat_ms == 0) {
    last_store_heartbeat_ms = now_ms;
    pdpb::StoreStats stats_msg = CollectStoreStats();
    pd_worker.Post([self, stats_msg] {
      Status s = self->pd->StoreHeartbeat(stats_msg);
      self->pd_store_heartbeats++;
      if (!s.ok()) {
        self->pd_errors++;
        spdlog::debug("store {}: store heartbeat: {}", self->opts.store_id, s.ToString());
      }
    });
  }
}

void Store::Impl::OnRegionHeartbeatResponse(uint64_t region_id,
                                            const pdpb::RegionHeartbeatResponse& resp) {
  Peer* p = FindPeer(region_id);
  if (p == nullptr || !p->initialized || !p->is_leader() || p->stopped || closing) return;
  if (resp.has_region_epoch() && !EpochEqual(resp.region_epoch(), p->region.region_epoch())) {
    return;  // planned for another epoch; PD re-plans from our next heartbeat
  }
  // PD repeats a step in every heartbeat answer until it sees it done: run
  // each (operator, step) once, again only after a command timeout.
  pdpb::RegionHeartbeatResponse step = resp;
  step.clear_header();
  const std::string step_key = step.SerializeAsString();
  if (step_key == p->operator_step &&
      now_ms - p->operator_started_ms < static_cast<uint64_t>(opts.command_timeout_ms)) {
    return;
  }
  p->operator_step = step_key;
  p->operator_started_ms = now_ms;
  stats.pd_operators++;
  const uint64_t store = opts.store_id;
  const std::string desc = resp.operator_desc();
  auto log = [store, region_id, desc](Status s) {
    if (!s.ok()) {
      spdlog::info("store {}: PD operator {} on region {}: {}", store, desc, region_id,
                   s.ToString());
    }
  };
  if (resp.has_transfer_leader()) {
    StartTransferLeader(region_id, resp.transfer_leader().peer().id(), log);
  } else if (resp.has_change_peer()) {
    metapb::Peer peer = resp.change_peer().peer();
    const pdpb::ConfChangeType t = resp.change_peer().change_type();
    if (t == pdpb::ADD_LEARNER_NODE) peer.set_role(metapb::LEARNER);
    if (t == pdpb::ADD_NODE) peer.set_role(metapb::VOTER);
    StartChangePeer(region_id, t != pdpb::REMOVE_NODE, peer, log);
  } else if (resp.has_split_region()) {
    std::vector<std::string> keys(resp.split_region().split_keys().begin(),
                                  resp.split_region().split_keys().end());
    StartSplit(region_id, std::move(keys), log);
  } else if (resp.has_merge()) {
    StartMerge(region_id, resp.merge().target().id(), log);
  }
}

void Store::Impl::ReportSplitToPd(const metapb::Region& left, const metapb::Region& right) {
  if (pd == nullptr) return;
  Impl* self = this;
  pd_worker.Post([self, left, right] {
    Status s = self->pd->ReportSplit(left, right);
    if (!s.ok()) {
      self->pd_errors++;
      spdlog::info("store {}: ReportSplit {} / {}: {}", self->opts.store_id, left.id(), right.id(),
                   s.ToString());
    }
  });
}

void Store::Impl::LookupStoreAddress(uint64_t store_id) {
  Impl* self = this;
  pd_worker.Post([self, store_id] {
    Result<metapb::Store> s = self->pd->GetStore(store_id);
    std::lock_guard<std::mutex> l(self->addr_mu);
    self->address_lookups.erase(store_id);
    if (s.ok()) self->store_addresses[store_id] = s.value().address();
  });
}

}  // namespace nokv::raftstore
