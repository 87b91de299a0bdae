// Region operations on the raft thread: proposing splits (ids from PD),
// merges (prepare, then commit through the target's log once every source
// peer persisted the prepare entry, or roll back), membership changes,
// leader transfer, log compaction and size scans. docs/raftstore.md
// ("Region operations") explains the protocol.
#include <spdlog/spdlog.h>

#include "raftstore/region_snapshot.h"
#include "raftstore/store_impl.h"

namespace nokv::raftstore {
namespace {

// The peer if it is an initialized, live leader in NORMAL state; else
// calls done with the reason.
Peer* LeaderFor(Store::Impl* s, uint64_t region_id, const std::function<void(Status)>& done) {
  Peer* p = s->FindPeer(region_id);
  if (p == nullptr || !p->initialized || p->destroying) {
    done(Status::NotFound("region " + std::to_string(region_id) + " is not on this store"));
    return nullptr;
  }
  if (p->stopped) {
    done(Status::IOError(PeerName(*p) + " is stopped"));
    return nullptr;
  }
  if (!p->is_leader()) {
    done(Status::NotSupported("not leader of region " + std::to_string(region_id)));
    return nullptr;
  }
  if (p->state != raft_serverpb::NORMAL) {
    done(Status::Aborted("region " + std::to_string(region_id) + " is merging"));
    return nullptr;
  }
  return p;
}

}  // namespace

void Store::Impl::ProposeAdmin(Peer* p, raft_cmdpb::AdminRequest admin, ProposalCallback done) {
  raft_cmdpb::RaftCmdRequest cmd;
  *cmd.mutable_admin_request() = std::move(admin);
  stats.admin_proposals++;
  Propose(p, std::move(cmd), std::move(done));
}

void Store::Impl::StartSplit(uint64_t region_id, std::vector<std::string> keys,
                             std::function<void(Status)> done) {
  Peer* p = LeaderFor(this, region_id, done);
  if (p == nullptr) return;
  if (pd == nullptr) return done(Status::NotSupported("splitting needs PD for the new ids"));
  if (keys.empty()) {
    // At the middle key of the region's data, found off the raft thread.
    const metapb::Region r = p->region;
    Impl* self = this;
    snap_worker.Post([self, r, done] {
      SnapshotDataStats st;
      std::string middle;
      Status s = ScanRegionSize(self->data.get(), r.start_key(), r.end_key(), &st, &middle);
      if (s.ok() && middle.empty()) {
        s = Status::InvalidArgument("region " + std::to_string(r.id()) + " is too small to split");
      }
      if (!s.ok()) {
        if (!self->Post([done, s] { done(s); })) done(s);
        return;
      }
      if (!self->Post([self, r, middle, done] { self->StartSplit(r.id(), {middle}, done); })) {
        done(Status::Aborted("store is stopping"));
      }
    });
    return;
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const std::string& k : keys) {
    if (k.empty() || k == p->region.start_key() || !KeyInRegion(k, p->region)) {
      return done(Status::InvalidArgument("split key must lie strictly inside region " +
                                          std::to_string(region_id)));
    }
  }
  const metapb::Region r = p->region;
  Impl* self = this;
  pd_worker.Post([self, r, keys, done] {
    std::vector<pdpb::AskSplitResponse> ids;
    for (size_t i = 0; i < keys.size(); i++) {
      Result<pdpb::AskSplitResponse> a = self->pd->AskSplit(r);
      if (!a.ok()) {
        self->pd_errors++;
        Status s = a.status().WithContext("asking PD for split ids");
        if (!self->Post([done, s] { done(s); })) done(s);
        return;
      }
      ids.push_back(std::move(a.value()));
    }
    if (!self->Post([self, r, keys, ids, done] {
          self->ProposeSplit(r.id(), r.region_epoch(), keys, ids, done);
        })) {
      done(Status::Aborted("store is stopping"));
    }
  });
}

void Store::Impl::ProposeSplit(uint64_t region_id, metapb::RegionEpoch epoch,
                               std::vector<std::string> keys,
                               std::vector<pdpb::AskSplitResponse> ids,
                               std::function<void(Status)> done) {
  Peer* p = LeaderFor(this, region_id, done);
  if (p == nullptr) return;
  if (!EpochEqual(epoch, p->region.region_epoch())) {
    return done(Status::Aborted("region " + std::to_string(region_id) +
                                " changed while asking PD for ids"));
  }
  raft_cmdpb::AdminRequest admin;
  for (size_t i = 0; i < keys.size(); i++) {
    if (ids[i].new_peer_ids_size() != p->region.peers_size()) {
      return done(Status::Aborted("PD gave " + std::to_string(ids[i].new_peer_ids_size()) +
                                  " peer ids for " + std::to_string(p->region.peers_size()) +
                                  " peers"));
    }
    raft_cmdpb::SplitRequest* sr = admin.mutable_split()->add_requests();
    sr->set_split_key(keys[i]);
    sr->set_new_region_id(ids[i].new_region_id());
    for (uint64_t id : ids[i].new_peer_ids()) sr->add_new_peer_ids(id);
  }
  ProposeAdmin(p, std::move(admin), [done](ApplyResult r) { done(StatusOf(r)); });
}

void Store::Impl::StartChangePeer(uint64_t region_id, bool add, const metapb::Peer& peer,
                                  std::function<void(Status)> done) {
  Peer* p = LeaderFor(this, region_id, done);
  if (p == nullptr) return;
  if (peer.id() == 0 || peer.store_id() == 0) {
    return done(Status::InvalidArgument("the peer needs an id and a store id"));
  }
  if (!add && peer.id() == p->peer_id) {
    return done(Status::Aborted("the leader cannot remove itself; transfer leadership first"));
  }
  raft_cmdpb::RaftCmdRequest cmd;
  cmd.mutable_header()->set_region_id(region_id);
  cmd.mutable_header()->set_peer_id(p->peer_id);
  *cmd.mutable_header()->mutable_region_epoch() = p->region.region_epoch();
  raft_cmdpb::ChangePeerRequest* cp = cmd.mutable_admin_request()->mutable_change_peer();
  *cp->mutable_peer() = peer;
  raftpb::ConfChange cc;
  cc.set_node_id(peer.id());
  if (!add) {
    cp->set_change_type(raft_cmdpb::REMOVE_NODE);
    cc.set_type(raftpb::ConfChangeRemoveNode);
  } else if (peer.role() == metapb::LEARNER) {
    cp->set_change_type(raft_cmdpb::ADD_LEARNER_NODE);
    cc.set_type(raftpb::ConfChangeAddLearnerNode);
  } else {
    cp->set_change_type(raft_cmdpb::ADD_NODE);
    cc.set_type(raftpb::ConfChangeAddNode);
  }
  cc.set_context(cmd.SerializeAsString());
  Status s = p->node->ProposeConfChange(cc);
  if (!s.ok()) return done(Status::Aborted("conf change not proposed: " + s.message()));
  const raft::NodeStatus st = p->node->GetStatus();
  auto self = st.progress.find(p->peer_id);
  Proposal pr;
  pr.term = st.hard_state.term();
  pr.index = self == st.progress.end() ? 0 : self->second.match;
  pr.deadline_ms = now_ms + static_cast<uint64_t>(opts.command_timeout_ms);
  pr.done = [done](ApplyResult r) { done(StatusOf(r)); };
  p->proposals.push_back(std::move(pr));
  stats.admin_proposals++;
}

void Store::Impl::StartTransferLeader(uint64_t region_id, uint64_t to_peer_id,
                                      std::function<void(Status)> done) {
  Peer* p = FindPeer(region_id);
  if (p == nullptr || !p->initialized || !p->is_leader()) {
    return done(Status::NotSupported("not leader of region " + std::to_string(region_id)));
  }
  const metapb::Peer* to = p->FindPeer(to_peer_id);
  if (to == nullptr || to->role() == metapb::LEARNER) {
    return done(Status::InvalidArgument("peer " + std::to_string(to_peer_id) +
                                        " is not a voter of region " + std::to_string(region_id)));
  }
  if (to_peer_id != p->peer_id) p->node->TransferLeader(to_peer_id);
  stats.leader_transfers++;
  done(Status::OK());
}

void Store::Impl::StartMerge(uint64_t source_id, uint64_t target_id,
                             std::function<void(Status)> done) {
  Peer* s = LeaderFor(this, source_id, done);
  if (s == nullptr) return;
  Peer* t = FindPeer(target_id);
  if (t == nullptr || !t->initialized || t->destroying) {
    return done(Status::NotFound("merge target region " + std::to_string(target_id) +
                                 " is not on this store"));
  }
  if (t->state != raft_serverpb::NORMAL) return done(Status::Aborted("merge target is merging"));
  const metapb::Region& sr = s->region;
  const metapb::Region& tr = t->region;
  const bool adjacent = (!sr.end_key().empty() && tr.start_key() == sr.end_key()) ||
                        (!sr.start_key().empty() && tr.end_key() == sr.start_key());
  if (!adjacent) return done(Status::InvalidArgument("regions are not adjacent"));
  std::set<uint64_t> ss, ts;
  for (const metapb::Peer& x : sr.peers()) {
    if (x.role() == metapb::LEARNER) return done(Status::Aborted("source has a learner"));
    ss.insert(x.store_id());
  }
  for (const metapb::Peer& x : tr.peers()) {
    if (x.role() == metapb::LEARNER) return done(Status::Aborted("target has a learner"));
    ts.insert(x.store_id());
  }
  if (ss != ts) return done(Status::Aborted("source and target are not on the same stores"));
  // Logs caught up first: every source follower holds the leader's log.
  const raft::NodeStatus st = s->node->GetStatus();
  const uint64_t last = s->storage->last_index();
  for (const auto& [id, pr] : st.progress) {
    if (pr.match < last) {
      return done(Status::Aborted("source peer " + std::to_string(id) + " is behind (" +
                                  std::to_string(pr.match) + " < " + std::to_string(last) +
                                  "); retry"));
    }
  }
  raft_cmdpb::AdminRequest admin;
  *admin.mutable_prepare_merge()->mutable_target() = tr;
  ProposeAdmin(s, std::move(admin), [this, source_id, done](ApplyResult r) {
    Status status = StatusOf(r);
    if (!status.ok()) return done(status);
    Peer* src = FindPeer(source_id);
    if (src == nullptr) return done(Status::OK());  // already merged away
    src->merge_done = done;                         // answered at commit or rollback
  });
}

void Store::Impl::DriveMerge(Peer* s) {
  Peer* t = FindPeer(s->merge_state.target().id());
  if (t == nullptr || !t->initialized || t->destroying || t->stopped) return;
  if (!EpochEqual(t->region.region_epoch(), s->merge_state.target_epoch())) {
    // The target moved on (split, merge, membership): it will refuse the
    // commit forever, so the source goes back to normal.
    if (!s->rollback_merge_proposed) {
      raft_cmdpb::AdminRequest admin;
      admin.mutable_rollback_merge()->set_prepare_index(s->merge_state.prepare_index());
      s->rollback_merge_proposed = true;
      ProposeAdmin(s, std::move(admin), [this, id = s->region_id](ApplyResult r) {
        if (Peer* p = FindPeer(id); p != nullptr && !StatusOf(r).ok()) {
          p->rollback_merge_proposed = false;
        }
      });
    }
    return;
  }
  const raft::NodeStatus st = s->node->GetStatus();
  for (const auto& [id, pr] : st.progress) {
    if (pr.match < s->merge_state.prepare_index()) return;  // wait for the prepare entry
  }
  if (!t->is_leader()) {
    // Lead the source from the store that leads the target.
    const metapb::Peer* tl = t->FindPeer(t->soft.lead);
    if (tl == nullptr) return;
    const metapb::Peer* sp = s->PeerOnStore(tl->store_id());
    if (sp != nullptr && sp->id() != s->peer_id) s->node->TransferLeader(sp->id());
    return;
  }
  if (s->commit_merge_proposed_ms != 0 &&
      now_ms - s->commit_merge_proposed_ms < static_cast<uint64_t>(opts.command_timeout_ms)) {
    return;
  }
  raft_cmdpb::RaftCmdRequest cmd;
  raft_cmdpb::CommitMergeRequest* cm = cmd.mutable_admin_request()->mutable_commit_merge();
  *cm->mutable_source() = s->region;
  cm->set_prepare_index(s->merge_state.prepare_index());
  s->commit_merge_proposed_ms = now_ms;
  spdlog::info("store {}: proposing commit of merge {} -> {} (prepare index {})", opts.store_id,
               s->region_id, t->region_id, cm->prepare_index());
  stats.admin_proposals++;
  Propose(t, std::move(cmd), [](ApplyResult) {});
}

void Store::Impl::MaybeCompactLog(Peer* p) {
  if (now_ms - p->last_log_gc_ms < static_cast<uint64_t>(opts.raft_log_gc_tick_interval_ms)) return;
  p->last_log_gc_ms = now_ms;
  const uint64_t applied = p->applied_index();
  const uint64_t first = p->storage->first_index();
  if (applied < first || applied - first + 1 < opts.raft_log_gc_threshold) return;
  uint64_t compact_to =
      applied > opts.raft_log_retain_entries ? applied - opts.raft_log_retain_entries : 0;
  const raft::NodeStatus st = p->node->GetStatus();
  for (const auto& [id, pr] : st.progress) {
    if (id == p->peer_id) continue;
    // Keep what a follower still needs, unless it is so far behind that a
    // snapshot is the better way to catch it up.
    if (pr.match < compact_to && applied - pr.match <= opts.raft_log_gc_count_limit) {
      compact_to = pr.match;
    }
  }
  if (compact_to < first) return;
  uint64_t term = 0;
  if (!p->storage->Term(compact_to, &term).ok()) return;
  raft_cmdpb::AdminRequest admin;
  admin.mutable_compact_log()->set_compact_index(compact_to);
  admin.mutable_compact_log()->set_compact_term(term);
  ProposeAdmin(p, std::move(admin), [](ApplyResult) {});
}

void Store::Impl::MaybeScanSize(Peer* p) {
  if (p->size_scan_running ||
      (p->last_size_scan_ms != 0 &&
       now_ms - p->last_size_scan_ms < static_cast<uint64_t>(opts.region_size_scan_interval_ms))) {
    return;
  }
  p->size_scan_running = true;
  p->last_size_scan_ms = now_ms;
  const metapb::Region r = p->region;
  const uint64_t peer_id = p->peer_id;
  Impl* self = this;
  snap_worker.Post([self, r, peer_id] {
    SnapshotDataStats st;
    std::string middle;
    Status s = ScanRegionSize(self->data.get(), r.start_key(), r.end_key(), &st, &middle);
    self->Post([self, r, peer_id, s, st, middle] {
      Peer* p = self->FindPeer(r.id());
      if (p == nullptr || p->peer_id != peer_id) return;
      p->size_scan_running = false;
      if (!s.ok() || !EpochEqual(p->region.region_epoch(), r.region_epoch())) return;
      p->approximate_keys = st.keys;
      p->approximate_size = st.bytes;
      if (self->opts.region_split_size != 0 && st.bytes > self->opts.region_split_size &&
          !middle.empty() && p->is_leader()) {
        self->StartSplit(r.id(), {middle}, [id = r.id(), self](Status s) {
          if (!s.ok())
            spdlog::info("store {}: size split of region {}: {}", self->opts.store_id, id,
                         s.ToString());
        });
      }
    });
  });
}

}  // namespace nokv::raftstore
