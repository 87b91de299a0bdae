// Applying committed entries (writes, admin commands, membership changes)
// and received snapshots to the data engine. Every peer's entries of one
// round go into ONE write batch that also records each region's applied
// index and region state, so a restart neither loses nor repeats an apply.
// Commands that create or remove regions (split, merge) make the batch
// synced, because raft-log state of other regions comes to depend on it.
#include <spdlog/spdlog.h>

#include <chrono>

#include "raftstore/region_snapshot.h"
#include "raftstore/store_impl.h"

namespace nokv::raftstore {
namespace {

uint64_t NowMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

ApplyResult Error(Status s) { return ApplyResult{std::move(s), std::nullopt}; }

std::set<uint64_t> StoresOf(const metapb::Region& r) {
  std::set<uint64_t> out;
  for (const metapb::Peer& p : r.peers()) out.insert(p.store_id());
  return out;
}

bool HasLearner(const metapb::Region& r) {
  for (const metapb::Peer& p : r.peers()) {
    if (p.role() == metapb::LEARNER) return true;
  }
  return false;
}

}  // namespace

void Store::Impl::WriteRegionState(Peer* p, DataWriteBatch* batch) {
  raft_serverpb::RegionLocalState st;
  st.set_state(p->state);
  *st.mutable_region() = p->region;
  if (p->state == raft_serverpb::MERGING) *st.mutable_merge_state() = p->merge_state;
  batch->PutRegionState(p->region_id, st);
}

void Store::Impl::ApplyCommitted(std::vector<std::pair<Peer*, raft::Ready>>& readies) {
  ApplyContext ctx;
  const uint64_t start = NowMicros();
  for (auto& [p, rd] : readies) {
    if (p->stopped || p->destroying || rd.committed_entries.empty()) continue;
    ctx.peers.push_back(p);
    for (const raftpb::Entry& e : rd.committed_entries) {
      if (p->destroying || p->stopped) break;
      if (e.index() <= p->applied_index()) continue;  // covered by a snapshot or a merge
      if (!ApplyEntry(p, e, &ctx)) break;
    }
  }
  if (ctx.peers.empty() && ctx.batch.empty()) return;
  if (!FlushApply(&ctx)) return;
  const uint64_t micros = NowMicros() - start;
  stats.apply_batches++;
  stats.apply_micros_total += micros;
  stats.apply_micros_max = std::max(stats.apply_micros_max, micros);
}

bool Store::Impl::ApplyEntry(Peer* p, const raftpb::Entry& e, ApplyContext* ctx) {
  ApplyResult result;
  if (e.type() == raftpb::EntryConfChange) {
    result = ApplyConfChange(p, e, ctx);
  } else if (!e.data().empty()) {
    raft_cmdpb::RaftCmdRequest cmd;
    if (!cmd.ParseFromString(e.data())) {
      StopPeer(p, Status::Corruption("unparsable command at index " + std::to_string(e.index())));
      return false;
    }
    if (cmd.has_admin_request()) {
      result = ApplyAdmin(p, cmd, e.index(), e.term(), ctx);
    } else {
      result = ApplyWrites(p, cmd, ctx);
    }
  }
  if (p->stopped) return false;
  p->apply_state.set_applied_index(e.index());
  p->apply_state.set_applied_term(e.term());
  ctx->dirty.insert(p);
  stats.applied_entries++;
  ResolveProposals(p, e.term(), e.index(), std::move(result), ctx);
  return true;
}

void Store::Impl::ResolveProposals(Peer* p, uint64_t term, uint64_t index, ApplyResult result,
                                   ApplyContext* ctx) {
  while (!p->proposals.empty() && p->proposals.front().index <= index) {
    Proposal pr = std::move(p->proposals.front());
    p->proposals.pop_front();
    if (pr.index == index && pr.term == term) {
      ctx->responses.emplace_back(std::move(pr.done), result);
    } else {
      // Its slot went to another leader's entry: it was never applied.
      stats.proposals_stale++;
      ctx->responses.emplace_back(
          std::move(pr.done),
          RegionErrorResult(MakeStaleCommand("the proposal lost its log slot to a newer leader")));
    }
  }
}

ApplyResult Store::Impl::ApplyWrites(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd,
                                     ApplyContext* ctx) {
  const metapb::Region& region = p->region;
  // A split or merge since the proposal: the range it was checked against
  // is gone, so the whole command is skipped (on every replica alike).
  if (cmd.header().region_epoch().version() != region.region_epoch().version()) {
    return RegionErrorResult(MakeEpochNotMatch({region}));
  }
  for (const raft_cmdpb::Request& r : cmd.requests()) {
    std::string_view cf, key;
    switch (r.cmd_case()) {
      case raft_cmdpb::Request::kPut:
        cf = r.put().cf();
        key = r.put().key();
        break;
      case raft_cmdpb::Request::kDelete:
        cf = r.delete_().cf();
        key = r.delete_().key();
        break;
      case raft_cmdpb::Request::kDeleteRange:
        cf = r.delete_range().cf();
        key = r.delete_range().start_key();
        break;
      default:
        return Error(Status::InvalidArgument("empty write request"));
    }
    if (!CfByName(cf).ok()) return Error(CfByName(cf).status());
    if (!KeyInRegion(key, region)) return RegionErrorResult(MakeKeyNotInRegion(key, region));
  }
  for (const raft_cmdpb::Request& r : cmd.requests()) {
    switch (r.cmd_case()) {
      case raft_cmdpb::Request::kPut: {
        const raft_cmdpb::PutRequest& put = r.put();
        ctx->batch.Put(CfByName(put.cf()).value(), put.key(), put.value(), put.expires_at_ms());
        p->approximate_size += put.key().size() + put.value().size();
        p->approximate_keys++;
        break;
      }
      case raft_cmdpb::Request::kDelete:
        ctx->batch.Delete(CfByName(r.delete_().cf()).value(), r.delete_().key());
        break;
      case raft_cmdpb::Request::kDeleteRange: {
        const raft_cmdpb::DeleteRangeRequest& dr = r.delete_range();
        std::string end = dr.end_key();
        if (end.empty() || (!region.end_key().empty() && end > region.end_key())) {
          end = region.end_key();
        }
        ctx->batch.DeleteRange(CfByName(dr.cf()).value(), dr.start_key(), end);
        break;
      }
      default:
        break;
    }
  }
  return ApplyResult{};
}

ApplyResult Store::Impl::ApplyAdmin(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd, uint64_t index,
                                    uint64_t term, ApplyContext* ctx) {
  const raft_cmdpb::AdminRequest& admin = cmd.admin_request();
  switch (admin.cmd_case()) {
    case raft_cmdpb::AdminRequest::kSplit:
      return ApplySplit(p, cmd, ctx);
    case raft_cmdpb::AdminRequest::kPrepareMerge:
      return ApplyPrepareMerge(p, cmd, index, ctx);
    case raft_cmdpb::AdminRequest::kCommitMerge:
      return ApplyCommitMerge(p, cmd, ctx);
    case raft_cmdpb::AdminRequest::kRollbackMerge:
      return ApplyRollbackMerge(p, cmd, ctx);
    case raft_cmdpb::AdminRequest::kCompactLog:
      return ApplyCompactLog(p, cmd, ctx);
    default:
      return Error(Status::InvalidArgument("admin command " + std::to_string(admin.cmd_case()) +
                                           " is not replicated"));
  }
}

ApplyResult Store::Impl::ApplySplit(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd,
                                    ApplyContext* ctx) {
  const auto& reqs = cmd.admin_request().split().requests();
  metapb::Region& region = p->region;
  if (p->state != raft_serverpb::NORMAL) {
    return Error(Status::Aborted("region " + std::to_string(p->region_id) + " is merging"));
  }
  if (!EpochEqual(cmd.header().region_epoch(), region.region_epoch())) {
    return RegionErrorResult(MakeEpochNotMatch({region}));
  }
  if (reqs.empty()) return Error(Status::InvalidArgument("split without keys"));
  std::string prev = region.start_key();
  for (const raft_cmdpb::SplitRequest& r : reqs) {
    if (r.split_key() <= prev || !KeyInRegion(r.split_key(), region)) {
      return Error(Status::InvalidArgument("split keys must increase strictly inside the region"));
    }
    if (r.new_region_id() == 0 || r.new_peer_ids_size() != region.peers_size()) {
      return Error(Status::InvalidArgument("split needs a region id and one peer id per peer"));
    }
    prev = r.split_key();
  }
  const std::string old_end = region.end_key();
  const uint64_t new_version = region.region_epoch().version() + 1;
  std::vector<raft_serverpb::RegionLocalState> children;
  for (int i = 0; i < reqs.size(); i++) {
    raft_serverpb::RegionLocalState child;
    child.set_state(raft_serverpb::NORMAL);
    metapb::Region* c = child.mutable_region();
    c->set_id(reqs[i].new_region_id());
    c->set_start_key(reqs[i].split_key());
    c->set_end_key(i + 1 < reqs.size() ? reqs[i + 1].split_key() : old_end);
    c->mutable_region_epoch()->set_conf_ver(region.region_epoch().conf_ver());
    c->mutable_region_epoch()->set_version(new_version);
    for (int j = 0; j < region.peers_size(); j++) {
      metapb::Peer* np = c->add_peers();
      *np = region.peers(j);
      np->set_id(reqs[i].new_peer_ids(j));
    }
    children.push_back(std::move(child));
  }
  EraseRange(p);
  region.set_end_key(reqs[0].split_key());
  region.mutable_region_epoch()->set_version(new_version);
  InsertRange(p);
  WriteRegionState(p, &ctx->batch);
  raft_serverpb::RaftApplyState child_apply;
  child_apply.set_applied_index(kInitIndex);
  child_apply.set_applied_term(kInitTerm);
  child_apply.set_truncated_index(kInitIndex);
  child_apply.set_truncated_term(kInitTerm);
  for (const raft_serverpb::RegionLocalState& c : children) {
    ctx->batch.PutRegionState(c.region().id(), c);
    ctx->batch.PutApplyState(c.region().id(), child_apply);
  }
  ctx->sync = true;  // the children's raft logs start from this write
  p->approximate_size = p->approximate_keys = 0;
  p->last_size_scan_ms = 0;
  p->heartbeat_due = true;
  stats.splits++;
  spdlog::info("store {}: {} split at {} key(s); now [{}, {}) version {}", opts.store_id,
               PeerName(*p), reqs.size(), region.start_key(), region.end_key(), new_version);
  const bool leader = p->is_leader();
  const metapb::Region parent = region;
  ctx->after_write.push_back([this, children, child_apply, leader, parent] {
    metapb::Region left = parent;
    for (const raft_serverpb::RegionLocalState& c : children) {
      const uint64_t id = c.region().id();
      const metapb::Peer* self = nullptr;
      for (const metapb::Peer& pp : c.region().peers()) {
        if (pp.store_id() == opts.store_id) self = &pp;
      }
      if (self == nullptr || peers.count(id) || tombstones.count(id)) continue;
      std::unique_ptr<Peer> child;
      Status s = CreatePeerObject(id, self->id(), &c, child_apply, &child);
      if (!s.ok()) {
        spdlog::error("store {}: starting split region {}: {}", opts.store_id, id, s.ToString());
        continue;
      }
      Peer* raw = child.get();
      peers[id] = std::move(child);
      InsertRange(raw);
      stats.peers_created++;
      // The parent's leader store campaigns at once instead of waiting an
      // election timeout.
      if (leader) (void)raw->node->Campaign();
      if (leader) ReportSplitToPd(left, c.region());
      left = c.region();
    }
  });
  return ApplyResult{};
}

ApplyResult Store::Impl::ApplyConfChange(Peer* p, const raftpb::Entry& e, ApplyContext* ctx) {
  raftpb::ConfChange cc;
  raft_cmdpb::RaftCmdRequest cmd;
  if (!cc.ParseFromString(e.data()) || !cmd.ParseFromString(cc.context()) ||
      !cmd.admin_request().has_change_peer()) {
    StopPeer(p, Status::Corruption("unparsable conf change at index " + std::to_string(e.index())));
    return ApplyResult{};
  }
  const raft_cmdpb::ChangePeerRequest& cp = cmd.admin_request().change_peer();
  metapb::Region& region = p->region;
  Status bad;
  const metapb::Peer* existing = nullptr;
  for (const metapb::Peer& x : region.peers()) {
    if (x.id() == cp.peer().id()) existing = &x;
  }
  const metapb::Peer* on_store = nullptr;
  for (const metapb::Peer& x : region.peers()) {
    if (x.store_id() == cp.peer().store_id()) on_store = &x;
  }
  if (p->state != raft_serverpb::NORMAL) {
    bad = Status::Aborted("region is merging");
  } else if (cmd.header().region_epoch().conf_ver() != region.region_epoch().conf_ver()) {
    bad = Status::Aborted("membership changed since the proposal (conf_ver)");
  } else if (cp.peer().id() == 0 || cp.peer().id() != cc.node_id()) {
    bad = Status::InvalidArgument("conf change names no peer");
  } else if (cp.change_type() == raft_cmdpb::REMOVE_NODE) {
    if (existing == nullptr) bad = Status::InvalidArgument("peer is not a member");
  } else if (cp.change_type() == raft_cmdpb::ADD_NODE && existing != nullptr) {
    if (existing->role() != metapb::LEARNER)
      bad = Status::InvalidArgument("peer is already a voter");
  } else if (existing != nullptr || on_store != nullptr) {
    bad = Status::InvalidArgument("the store already holds a peer of the region");
  }
  if (!bad.ok()) {
    // Raft still has to see the change applied (as a no-op).
    (void)p->node->ApplyConfChange(raftpb::ConfChange());
    return bad.IsAborted() ? RegionErrorResult(MakeEpochNotMatch({region})) : Error(bad);
  }
  const raftpb::ConfState cs = p->node->ApplyConfChange(cc);
  p->storage->SetConfState(cs);
  bool removed_self = false;
  switch (cp.change_type()) {
    case raft_cmdpb::ADD_NODE:
      if (existing != nullptr) {
        for (metapb::Peer& x : *region.mutable_peers()) {
          if (x.id() == cp.peer().id()) x.set_role(metapb::VOTER);
        }
      } else {
        metapb::Peer* np = region.add_peers();
        *np = cp.peer();
        np->set_role(metapb::VOTER);
      }
      break;
    case raft_cmdpb::ADD_LEARNER_NODE: {
      metapb::Peer* np = region.add_peers();
      *np = cp.peer();
      np->set_role(metapb::LEARNER);
      break;
    }
    case raft_cmdpb::REMOVE_NODE: {
      auto* ps = region.mutable_peers();
      for (int i = 0; i < ps->size(); i++) {
        if (ps->Get(i).id() == cp.peer().id()) {
          ps->DeleteSubrange(i, 1);
          break;
        }
      }
      removed_self = cp.peer().id() == p->peer_id;
      break;
    }
    default:
      break;
  }
  region.mutable_region_epoch()->set_conf_ver(region.region_epoch().conf_ver() + 1);
  WriteRegionState(p, &ctx->batch);
  p->peer_cache[cp.peer().id()] = cp.peer();
  p->heartbeat_due = true;
  stats.conf_changes++;
  spdlog::info("store {}: {} membership: {} peer {} on store {} (conf_ver {})", opts.store_id,
               PeerName(*p), raft_cmdpb::ChangePeerType_Name(cp.change_type()), cp.peer().id(),
               cp.peer().store_id(), region.region_epoch().conf_ver());
  if (removed_self) {
    ctx->after_write.push_back([this, region_id = p->region_id] {
      if (Peer* self = FindPeer(region_id)) {
        DestroyPeer(self, /*write_tombstone=*/true, "removed from the region");
      }
    });
  }
  return ApplyResult{};
}

ApplyResult Store::Impl::ApplyPrepareMerge(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd,
                                           uint64_t index, ApplyContext* ctx) {
  const metapb::Region& target = cmd.admin_request().prepare_merge().target();
  metapb::Region& region = p->region;
  if (p->state != raft_serverpb::NORMAL) return Error(Status::Aborted("region is merging"));
  if (!EpochEqual(cmd.header().region_epoch(), region.region_epoch())) {
    return RegionErrorResult(MakeEpochNotMatch({region}));
  }
  const bool adjacent = (!region.end_key().empty() && target.start_key() == region.end_key()) ||
                        (!region.start_key().empty() && target.end_key() == region.start_key());
  if (!adjacent || StoresOf(target) != StoresOf(region) || HasLearner(target) ||
      HasLearner(region)) {
    return Error(Status::InvalidArgument("merge target must be adjacent with the same voters"));
  }
  p->state = raft_serverpb::MERGING;
  p->merge_state.Clear();
  p->merge_state.set_prepare_index(index);
  *p->merge_state.mutable_target() = target;
  *p->merge_state.mutable_target_epoch() = target.region_epoch();
  region.mutable_region_epoch()->set_version(region.region_epoch().version() + 1);
  region.mutable_region_epoch()->set_conf_ver(region.region_epoch().conf_ver() + 1);
  WriteRegionState(p, &ctx->batch);
  p->heartbeat_due = true;
  spdlog::info("store {}: {} prepared to merge into region {} at index {}", opts.store_id,
               PeerName(*p), target.id(), index);
  return ApplyResult{};
}

ApplyResult Store::Impl::ApplyCommitMerge(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd,
                                          ApplyContext* ctx) {
  const raft_cmdpb::CommitMergeRequest& cm = cmd.admin_request().commit_merge();
  const metapb::Region& src = cm.source();
  metapb::Region& region = p->region;
  // Every check here depends only on the command and this region's applied
  // state, so every replica decides alike; a rejection is permanent (the
  // target's epoch only grows) and lets the source roll back.
  if (p->state != raft_serverpb::NORMAL) return Error(Status::Aborted("target is merging"));
  if (!EpochEqual(cmd.header().region_epoch(), region.region_epoch())) {
    return RegionErrorResult(MakeEpochNotMatch({region}));
  }
  const bool src_left = !region.start_key().empty() && src.end_key() == region.start_key();
  const bool src_right = !region.end_key().empty() && src.start_key() == region.end_key();
  if ((!src_left && !src_right) || StoresOf(src) != StoresOf(region)) {
    return Error(
        Status::InvalidArgument("merge source is not an adjacent region with the same "
                                "stores"));
  }
  Peer* s = FindPeer(src.id());
  if (s == nullptr || !s->initialized || s->stopped || s->destroying) {
    StopPeer(p, Status::Corruption("commit merge of region " + std::to_string(src.id()) +
                                   ": no live local source peer"));
    return ApplyResult{};
  }
  // Catch the local source up to prepare_index from its own log: the source
  // leader proposed this only after every source peer persisted that far.
  if (s->applied_index() < cm.prepare_index()) {
    std::vector<raftpb::Entry> entries;
    Status st = s->storage->Entries(s->applied_index() + 1, cm.prepare_index() + 1, raft::kNoLimit,
                                    &entries);
    if (!st.ok() || entries.empty() || entries.back().index() != cm.prepare_index()) {
      StopPeer(p, Status::Corruption("commit merge of region " + std::to_string(src.id()) +
                                     ": local source log lacks entries up to " +
                                     std::to_string(cm.prepare_index()) + ": " + st.ToString()));
      return ApplyResult{};
    }
    for (const raftpb::Entry& e : entries) {
      if (!ApplyEntry(s, e, ctx)) break;
      stats.merge_catch_up_entries++;
    }
  }
  if (s->stopped || s->state != raft_serverpb::MERGING ||
      s->merge_state.prepare_index() != cm.prepare_index()) {
    StopPeer(p, Status::Corruption("commit merge of region " + std::to_string(src.id()) +
                                   ": local source is not merging at index " +
                                   std::to_string(cm.prepare_index())));
    return ApplyResult{};
  }
  EraseRange(s);
  EraseRange(p);
  if (src_left) {
    region.set_start_key(s->region.start_key());
  } else {
    region.set_end_key(s->region.end_key());
  }
  region.mutable_region_epoch()->set_version(
      std::max(region.region_epoch().version(), s->region.region_epoch().version()) + 1);
  InsertRange(p);
  WriteRegionState(p, &ctx->batch);
  s->state = raft_serverpb::TOMBSTONE;
  raft_serverpb::RegionLocalState tomb;
  tomb.set_state(raft_serverpb::TOMBSTONE);
  *tomb.mutable_region() = s->region;
  *tomb.mutable_merge_state() = s->merge_state;
  ctx->batch.PutRegionState(s->region_id, tomb);
  tombstones[s->region_id] = tomb;
  ctx->sync = true;  // the source's raft log is dropped after this write
  p->approximate_size += s->approximate_size;
  p->approximate_keys += s->approximate_keys;
  p->heartbeat_due = true;
  stats.merges++;
  spdlog::info("store {}: {} merged region {}; now [{}, {}) version {}", opts.store_id,
               PeerName(*p), src.id(), region.start_key(), region.end_key(),
               region.region_epoch().version());
  std::function<void(Status)> merge_done = std::move(s->merge_done);
  s->merge_done = nullptr;
  DestroyPeer(s, /*write_tombstone=*/false, "merged into region " + std::to_string(p->region_id));
  if (merge_done) {
    ctx->responses.emplace_back([merge_done](ApplyResult r) { merge_done(StatusOf(r)); },
                                ApplyResult{});
  }
  return ApplyResult{};
}

ApplyResult Store::Impl::ApplyRollbackMerge(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd,
                                            ApplyContext* ctx) {
  if (p->state != raft_serverpb::MERGING ||
      p->merge_state.prepare_index() != cmd.admin_request().rollback_merge().prepare_index()) {
    return Error(Status::Aborted("no such merge to roll back"));
  }
  p->state = raft_serverpb::NORMAL;
  p->merge_state.Clear();
  p->region.mutable_region_epoch()->set_version(p->region.region_epoch().version() + 1);
  WriteRegionState(p, &ctx->batch);
  p->heartbeat_due = true;
  p->rollback_merge_proposed = false;
  spdlog::info("store {}: {} rolled back its merge", opts.store_id, PeerName(*p));
  if (p->merge_done) {
    std::function<void(Status)> done = std::move(p->merge_done);
    p->merge_done = nullptr;
    ctx->responses.emplace_back(
        [done](ApplyResult r) {
          done(r.status.ok() && !r.region_error
                   ? Status::Aborted("merge rolled back: the target changed")
                   : StatusOf(r));
        },
        ApplyResult{});
  }
  return ApplyResult{};
}

ApplyResult Store::Impl::ApplyCompactLog(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd,
                                         ApplyContext* ctx) {
  const raft_cmdpb::CompactLogRequest& c = cmd.admin_request().compact_log();
  if (c.compact_index() <= p->apply_state.truncated_index()) return ApplyResult{};
  if (c.compact_index() > p->applied_index()) {
    return Error(Status::InvalidArgument("compact index beyond the applied index"));
  }
  p->apply_state.set_truncated_index(c.compact_index());
  p->apply_state.set_truncated_term(c.compact_term());
  // The raft log loses these entries only once the data engine holds their
  // effects durably (RunCompactions syncs it first).
  pending_compactions.emplace_back(p->region_id, c.compact_index());
  return ApplyResult{};
}

bool Store::Impl::FlushApply(ApplyContext* ctx) {
  for (Peer* p : ctx->dirty) {
    if (!p->destroying) ctx->batch.PutApplyState(p->region_id, p->apply_state);
  }
  Status s = data->Write(&ctx->batch, ctx->sync);
  if (!s.ok()) {
    for (Peer* p : ctx->peers) StopPeer(p, s.WithContext("apply write"));
    for (Peer* p : ctx->dirty) StopPeer(p, s.WithContext("apply write"));
    const ApplyResult failed{s.WithContext("apply write"), std::nullopt};
    for (auto& [done, r] : ctx->responses) done(failed);
    return false;
  }
  if (CrashAt(CrashPoint::kAfterApply)) {
    const ApplyResult crashed{Status::IOError("store halted by a failpoint; outcome unknown"),
                              std::nullopt};
    for (auto& [done, r] : ctx->responses) done(crashed);
    return false;
  }
  for (std::function<void()>& f : ctx->after_write) f();
  for (auto& [done, r] : ctx->responses) done(std::move(r));
  return true;
}

bool Store::Impl::InstallSnapshot(Peer* p, const raftpb::Snapshot& snap) {
  const raftpb::SnapshotMetadata& md = snap.metadata();
  if (!p->received || p->received->metadata.index() != md.index() ||
      p->received->metadata.term() != md.term()) {
    StopPeer(p, Status::Corruption("raft restored a snapshot at index " +
                                   std::to_string(md.index()) + " whose data never arrived"));
    return false;
  }
  ReceivedSnapshot rs = std::move(*p->received);
  p->received.reset();
  const metapb::Region& region = rs.meta.region();
  // Clear the old and the new range, then write the snapshot's records (a
  // range delete hides the puts before it in a batch, so the order matters).
  DataWriteBatch batch;
  if (p->initialized) batch.ClearRange(p->region.start_key(), p->region.end_key());
  batch.ClearRange(region.start_key(), region.end_key());
  SnapshotDataStats st;
  Status s = StageSnapshotData(rs.data, region.start_key(), region.end_key(), &batch, &st);
  if (!s.ok()) {
    StopPeer(p, s.WithContext("snapshot of region " + std::to_string(p->region_id)));
    return false;
  }
  raft_serverpb::RegionLocalState state;
  state.set_state(rs.meta.state() == raft_serverpb::MERGING ? raft_serverpb::MERGING
                                                            : raft_serverpb::NORMAL);
  *state.mutable_region() = region;
  if (state.state() == raft_serverpb::MERGING) *state.mutable_merge_state() = rs.meta.merge_state();
  batch.PutRegionState(p->region_id, state);
  raft_serverpb::RaftApplyState apply;
  apply.set_applied_index(md.index());
  apply.set_applied_term(md.term());
  apply.set_truncated_index(md.index());
  apply.set_truncated_term(md.term());
  batch.PutApplyState(p->region_id, apply);
  s = data->Write(&batch, /*sync=*/true);
  if (s.ok()) s = p->storage->ApplySnapshot(md, &log_batch);
  if (!s.ok()) {
    StopPeer(p, s.WithContext("installing snapshot"));
    return false;
  }
  EraseRange(p);
  p->region = region;
  p->state = state.state();
  p->merge_state = state.merge_state();
  p->apply_state = apply;
  p->initialized = true;
  p->approximate_keys = st.keys;
  p->approximate_size = st.bytes;
  InsertRange(p);
  tombstones.erase(p->region_id);
  std::deque<Proposal> stale;
  stale.swap(p->proposals);
  for (Proposal& pr : stale) {
    pr.done(RegionErrorResult(MakeStaleCommand("a snapshot replaced the log")));
  }
  stats.snapshots_applied++;
  spdlog::info("store {}: {} installed snapshot at index {} ({} keys, {} bytes)", opts.store_id,
               PeerName(*p), md.index(), st.keys, st.bytes);
  return true;
}

void Store::Impl::RunCompactions() {
  if (pending_compactions.empty()) return;
  Status s = data->Sync();
  if (!s.ok()) {
    spdlog::error("store {}: syncing the data engine before log compaction: {}", opts.store_id,
                  s.ToString());
    return;  // retried after the next apply
  }
  for (const auto& [region_id, index] : pending_compactions) {
    Peer* p = FindPeer(region_id);
    if (p == nullptr || p->destroying || p->stopped) continue;
    if (index < p->storage->first_index() || index > p->storage->last_index()) continue;
    Status c = p->storage->Compact(index, &log_batch);
    if (!c.ok()) {
      spdlog::warn("store {}: compacting {} to {}: {}", opts.store_id, PeerName(*p), index,
                   c.ToString());
      continue;
    }
    stats.log_compactions++;
  }
  pending_compactions.clear();
}

}  // namespace nokv::raftstore
