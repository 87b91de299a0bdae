// Peer lifecycle on the raft thread: loading the store's regions at open,
// creating an empty peer when another store's message (and PD) says this
// store should have one, destroying and stopping peers.
#include <spdlog/spdlog.h>

#include "raftstore/store_impl.h"

namespace nokv::raftstore {

Peer* Store::Impl::FindPeer(uint64_t region_id) {
  auto it = peers.find(region_id);
  return it == peers.end() ? nullptr : it->second.get();
}

void Store::Impl::InsertRange(Peer* p) {
  if (p->initialized) ranges[p->region.start_key()] = p->region_id;
}

void Store::Impl::EraseRange(Peer* p) {
  auto it = ranges.find(p->region.start_key());
  if (it != ranges.end() && it->second == p->region_id) ranges.erase(it);
}

uint64_t Store::Impl::FindOverlap(std::string_view start, std::string_view end,
                                  uint64_t except) const {
  // The candidate is the last region starting before `end`; ranges do not
  // overlap each other, so checking it and its predecessors in order until
  // one ends at or before `start` is enough.
  auto it = end.empty() ? ranges.end() : ranges.lower_bound(std::string(end));
  while (it != ranges.begin()) {
    --it;
    auto pit = peers.find(it->second);
    if (pit == peers.end()) continue;
    const metapb::Region& r = pit->second->region;
    if (!r.end_key().empty() && r.end_key() <= start) break;
    if (it->second != except && RangesOverlap(start, end, r.start_key(), r.end_key())) {
      return it->second;
    }
  }
  return 0;
}

Status Store::Impl::LoadPeers() {
  std::map<uint64_t, raft_serverpb::RegionLocalState> states;
  NOKV_RETURN_IF_ERROR(data->LoadRegionStates(&states));
  std::map<uint64_t, RegionRaftState> raft_states;
  NOKV_RETURN_IF_ERROR(raft_log->LoadAll(&raft_states));
  for (const auto& [id, st] : states) {
    if (st.state() == raft_serverpb::TOMBSTONE) {
      tombstones[id] = st;
      if (raft_states.count(id)) log_batch.DestroyRegion(id);  // a destroy cut short
      continue;
    }
    const metapb::Peer* self = nullptr;
    for (const metapb::Peer& p : st.region().peers()) {
      if (p.store_id() == opts.store_id) self = &p;
    }
    if (self == nullptr) {
      spdlog::warn("store {}: region {} has no peer on this store; ignoring it", opts.store_id, id);
      continue;
    }
    raft_serverpb::RaftApplyState apply;
    Status s = data->LoadApplyState(id, &apply);
    if (s.IsNotFound()) {
      return Status::Corruption("region " + std::to_string(id) +
                                " has a region state but no "
                                "apply state");
    }
    NOKV_RETURN_IF_ERROR(s);
    std::unique_ptr<Peer> p;
    NOKV_RETURN_IF_ERROR(CreatePeerObject(id, self->id(), &st, apply, &p));
    Peer* raw = p.get();
    peers[id] = std::move(p);
    InsertRange(raw);
  }
  // Raft state of a region without a region state: an empty peer (created by
  // a message, never initialized). It holds no vote and no entries anyone
  // relies on (empty peers do not vote), so it is dropped; the leader's next
  // message recreates it.
  for (const auto& [id, rs] : raft_states) {
    if (!states.count(id)) log_batch.DestroyRegion(id);
  }
  if (!log_batch.empty()) NOKV_RETURN_IF_ERROR(raft_log->Write(&log_batch));
  return Status::OK();
}

Status Store::Impl::CreatePeerObject(uint64_t region_id, uint64_t peer_id,
                                     const raft_serverpb::RegionLocalState* state,
                                     const raft_serverpb::RaftApplyState& apply_state,
                                     std::unique_ptr<Peer>* out) {
  RegionRaftState rs;
  NOKV_RETURN_IF_ERROR(raft_log->Load(region_id, &rs));
  raftpb::ConfState conf_state;
  if (state != nullptr) {
    conf_state = ConfStateOf(state->region());
    // The data engine may hold more than the raft log: a snapshot or split
    // whose data write (synced first) landed but whose raft state did not.
    // The raft log then restarts at the applied point.
    if (apply_state.applied_index() > rs.last_index) {
      raftpb::SnapshotMetadata meta;
      meta.set_index(apply_state.applied_index());
      meta.set_term(apply_state.applied_term());
      *meta.mutable_conf_state() = conf_state;
      log_batch.ResetToSnapshot(region_id, rs.snapshot.index() + 1, rs.last_index, meta);
      rs.snapshot = meta;
      rs.last_index = meta.index();
      rs.last_term = meta.term();
    }
    raftpb::HardState hs = rs.hard_state;
    if (hs.term() < apply_state.applied_term()) {
      hs.set_term(apply_state.applied_term());
      hs.set_vote(0);
    }
    if (hs.commit() < apply_state.applied_index()) hs.set_commit(apply_state.applied_index());
    if (hs.term() != rs.hard_state.term() || hs.commit() != rs.hard_state.commit()) {
      rs.hard_state = hs;
      log_batch.SetHardState(region_id, hs);
    }
  }
  auto p = std::make_unique<Peer>();
  p->region_id = region_id;
  p->peer_id = peer_id;
  p->region.set_id(region_id);
  if (state != nullptr) {
    p->region = state->region();
    p->state = state->state();
    p->merge_state = state->merge_state();
    p->apply_state = apply_state;
    p->initialized = true;
  }
  Impl* self = this;
  p->storage = std::make_unique<PeerStorage>(
      region_id, raft_log.get(), rs, conf_state,
      [self, region_id](raftpb::Snapshot* snap) { return self->BuildSnapshot(region_id, snap); });
  raft::Config c;
  c.id = peer_id;
  c.election_tick = opts.election_ticks;
  c.heartbeat_tick = opts.heartbeat_ticks;
  c.storage = p->storage.get();
  c.applied = state != nullptr ? apply_state.applied_index() : 0;
  c.max_size_per_msg = opts.max_size_per_msg;
  c.max_inflight_msgs = opts.max_inflight_msgs;
  c.check_quorum = true;
  c.pre_vote = true;
  c.read_only_option = opts.read_mode == ReadMode::kLease ? raft::ReadOnlyOption::kLeaseBased
                                                          : raft::ReadOnlyOption::kSafe;
  c.disable_proposal_forwarding = true;
  c.seed = opts.raft_seed ^ (region_id * 0x9e3779b97f4a7c15ull);
  const uint64_t store_id = opts.store_id;
  c.logger = [store_id, region_id](raft::LogLevel level, std::string_view msg) {
    switch (level) {
      case raft::LogLevel::kDebug:
      case raft::LogLevel::kInfo:
        spdlog::debug("store {} region {}: {}", store_id, region_id, msg);
        break;
      case raft::LogLevel::kWarn:
        spdlog::warn("store {} region {}: {}", store_id, region_id, msg);
        break;
      case raft::LogLevel::kError:
        spdlog::error("store {} region {}: {}", store_id, region_id, msg);
        break;
    }
  };
  NOKV_RETURN_IF_ERROR(
      raft::RawNode::Create(c, &p->node).WithContext("region " + std::to_string(region_id)));
  p->term = rs.hard_state.term();
  *out = std::move(p);
  return Status::OK();
}

void Store::Impl::MaybeCreatePeer(const raft_serverpb::RaftMessage& msg) {
  const uint64_t region_id = msg.region_id();
  if (creating.count(region_id)) return;
  auto tomb = tombstones.find(region_id);
  if (tomb != tombstones.end()) {
    // Only a newer incarnation of this store's membership may come back.
    const metapb::RegionEpoch& old = tomb->second.region().region_epoch();
    if (!EpochStale(old, msg.region_epoch()) || tomb->second.merge_state().prepare_index() != 0) {
      return;
    }
  }
  if (FindOverlap(msg.start_key(), msg.end_key(), 0) != 0) return;  // a split will create it
  auto last = last_create_lookup_ms.find(region_id);
  if (last != last_create_lookup_ms.end() && now_ms - last->second < 500) return;
  last_create_lookup_ms[region_id] = now_ms;
  if (pd == nullptr) {
    metapb::Region r;
    r.set_id(region_id);
    *r.add_peers() = msg.to_peer();
    CreatePeerFromPd(msg, r);
    return;
  }
  creating.insert(region_id);
  Impl* self = this;
  auto m = std::make_shared<raft_serverpb::RaftMessage>(msg);
  pd_worker.Post([self, m] {
    Result<metapb::Region> r = self->pd->GetRegionByID(m->region_id());
    if (!r.ok()) self->pd_errors++;
    self->Post([self, m, r = std::move(r)] {
      self->creating.erase(m->region_id());
      if (!r.ok()) return;
      self->CreatePeerFromPd(*m, r.value());
    });
  });
}

void Store::Impl::CreatePeerFromPd(const raft_serverpb::RaftMessage& msg,
                                   const metapb::Region& pd_region) {
  if (closing || halted || peers.count(msg.region_id())) return;
  bool listed = false;
  for (const metapb::Peer& p : pd_region.peers()) {
    listed = listed || (p.id() == msg.to_peer().id() && p.store_id() == opts.store_id);
  }
  if (!listed) {
    spdlog::debug("store {}: PD does not list peer {} of region {} here; not creating it",
                  opts.store_id, msg.to_peer().id(), msg.region_id());
    return;
  }
  if (FindOverlap(msg.start_key(), msg.end_key(), 0) != 0) return;
  std::unique_ptr<Peer> p;
  Status s = CreatePeerObject(msg.region_id(), msg.to_peer().id(), nullptr, {}, &p);
  if (!s.ok()) {
    spdlog::error("store {}: creating peer {} of region {}: {}", opts.store_id, msg.to_peer().id(),
                  msg.region_id(), s.ToString());
    return;
  }
  p->peer_cache[msg.from_peer().id()] = msg.from_peer();
  p->last_message_ms = now_ms;
  spdlog::info("store {}: created empty peer {} of region {} (waits for a snapshot)", opts.store_id,
               p->peer_id, p->region_id);
  peers[msg.region_id()] = std::move(p);
  stats.peers_created++;
}

void Store::Impl::FailPending(Peer* p, const ApplyResult& result) {
  std::deque<Proposal> proposals;
  proposals.swap(p->proposals);
  for (Proposal& pr : proposals) pr.done(result);
  std::vector<PendingRead> fresh;
  fresh.swap(p->reads_new);
  for (PendingRead& r : fresh) r.fail(result);
  std::map<std::string, std::vector<PendingRead>> waiting;
  waiting.swap(p->reads_waiting_index);
  for (auto& [ctx, reads] : waiting) {
    for (PendingRead& r : reads) r.fail(result);
  }
  std::multimap<uint64_t, PendingRead> applying;
  applying.swap(p->reads_waiting_apply);
  for (auto& [idx, r] : applying) r.fail(result);
  if (p->merge_done) {
    std::function<void(Status)> done = std::move(p->merge_done);
    p->merge_done = nullptr;
    done(StatusOf(result));
  }
}

void Store::Impl::StopPeer(Peer* p, const Status& why) {
  if (p->stopped) return;
  p->stopped = true;
  p->stop_reason = why.ToString();
  stats.apply_failures++;
  spdlog::error("store {}: {} STOPPED: {} (the store must be restarted to recover it)",
                opts.store_id, PeerName(*p), p->stop_reason);
  FailPending(
      p, ApplyResult{Status::IOError(PeerName(*p) + " stopped: " + p->stop_reason), std::nullopt});
}

void Store::Impl::DestroyPeer(Peer* p, bool write_tombstone, const std::string& why) {
  if (p->destroying) return;
  if (write_tombstone) {
    raft_serverpb::RegionLocalState st;
    st.set_state(raft_serverpb::TOMBSTONE);
    *st.mutable_region() = p->region;
    DataWriteBatch b;
    b.PutRegionState(p->region_id, st);
    // The data of a removed replica goes with it (the range lives on in
    // the region's other replicas); an empty peer has none.
    if (p->initialized) b.ClearRange(p->region.start_key(), p->region.end_key());
    Status s = data->Write(&b, /*sync=*/true);
    if (!s.ok()) {
      StopPeer(p, s.WithContext("writing tombstone"));
      return;
    }
    tombstones[p->region_id] = st;
  }
  p->destroying = true;
  spdlog::info("store {}: destroying {}: {}", opts.store_id, PeerName(*p), why);
  FailPending(p, RegionErrorResult(MakeRegionNotFound(p->region_id)));
  EraseRange(p);
}

void Store::Impl::ReapDestroyed() {
  bool reaped = false;
  for (auto it = peers.begin(); it != peers.end();) {
    Peer* p = it->second.get();
    if (!p->destroying) {
      ++it;
      continue;
    }
    log_batch.DestroyRegion(p->region_id);
    stats.peers_destroyed++;
    reaped = true;
    it = peers.erase(it);
  }
  // Written now, so a peer recreated for the same region later reads a
  // clean raft log.
  if (reaped) {
    Status s = raft_log->Write(&log_batch);
    if (!s.ok()) spdlog::error("store {}: dropping raft logs: {}", opts.store_id, s.ToString());
  }
}

}  // namespace nokv::raftstore
