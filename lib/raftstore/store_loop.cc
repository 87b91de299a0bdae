// The raft thread: one loop drives every peer of the store. A round drains
// the inbox (messages, requests, worker results), ticks when due, then
// handles every peer's Ready together: snapshot data first (synced), all
// appends and hard states in ONE raft-log batch (one fsync), then sends,
// then one apply batch for all committed entries, then callbacks.
#include <spdlog/spdlog.h>

#include <chrono>

#include "base/crc32c.h"
#include "raftstore/region_snapshot.h"
#include "raftstore/store_impl.h"

namespace nokv::raftstore {
namespace {

uint64_t SteadyMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

bool IsVote(raftpb::MessageType t) { return t == raftpb::MsgVote || t == raftpb::MsgPreVote; }

}  // namespace

void Store::Impl::Run() {
  now_ms = SteadyMs();
  start_ms = now_ms;
  last_tick_ms = now_ms;
  while (true) {
    std::vector<std::function<void()>> tasks;
    {
      std::unique_lock<std::mutex> l(inbox_mu);
      uint64_t due = last_tick_ms + static_cast<uint64_t>(opts.tick_interval_ms);
      if (!delayed.empty()) due = std::min(due, delayed.front().due_ms);
      const uint64_t now = SteadyMs();
      if (inbox.empty() && !stopping && due > now) {
        inbox_cv.wait_for(l, std::chrono::milliseconds(due - now),
                          [this] { return !inbox.empty() || stopping; });
      }
      tasks.swap(inbox);
      if (stopping && tasks.empty()) break;
    }
    now_ms = SteadyMs();
    for (std::function<void()>& t : tasks) t();
    if (halted) {
      closing = true;
      continue;
    }
    Round();
  }
}

void Store::Impl::Round() {
  if (now_ms >= last_tick_ms + static_cast<uint64_t>(opts.tick_interval_ms)) {
    last_tick_ms = now_ms;
    Tick();
  }
  while (!delayed.empty() && delayed.front().due_ms <= now_ms) {
    DelayedMessage d = std::move(delayed.front());
    delayed.pop_front();
    if (transport != nullptr) (void)transport->Send(d.store_id, std::move(d.message));
  }
  IssueReadIndexes();
  HandleReadies();
  if (halted) return;
  ReapDestroyed();
  PublishStats();
}

void Store::Impl::Tick() {
  for (auto& [id, up] : peers) {
    Peer* p = up.get();
    if (p->stopped || p->destroying) continue;
    p->node->Tick();
    if (p->generated && now_ms - p->generated->created_ms > 60'000) p->generated.reset();
    if (!p->initialized) MaybeCheckEmptyPeer(p);
    if (!p->initialized || !p->is_leader()) continue;
    if (p->state == raft_serverpb::MERGING) DriveMerge(p);
    MaybeCompactLog(p);
    MaybeScanSize(p);
  }
  SweepTimeouts();
  SendHeartbeats();
}

void Store::Impl::MaybeCheckEmptyPeer(Peer* p) {
  const uint64_t interval = static_cast<uint64_t>(opts.empty_peer_check_interval_ms);
  if (interval == 0 || pd == nullptr || p->membership_check_running ||
      now_ms - p->last_message_ms < interval) {
    return;
  }
  p->membership_check_running = true;
  const uint64_t region_id = p->region_id, peer_id = p->peer_id;
  Impl* self = this;
  pd_worker.Post([self, region_id, peer_id] {
    Result<metapb::Region> r = self->pd->GetRegionByID(region_id);
    self->Post([self, region_id, peer_id, r = std::move(r)] {
      Peer* p = self->FindPeer(region_id);
      if (p == nullptr || p->peer_id != peer_id) return;
      p->membership_check_running = false;
      p->last_message_ms = self->now_ms;  // the next check is an interval away
      if (p->initialized || p->destroying) return;
      if (!r.ok() && !r.status().IsNotFound()) {
        self->pd_errors++;
        return;
      }
      if (r.ok()) {
        for (const metapb::Peer& listed : r.value().peers()) {
          if (listed.id() == peer_id && listed.store_id() == self->opts.store_id) return;
        }
      }
      self->DestroyPeer(p, /*write_tombstone=*/true,
                        r.ok() ? "PD no longer lists this empty peer in the region"
                               : "PD does not know the region of this empty peer");
    });
  });
}

bool Store::Impl::CrashAt(CrashPoint point) {
  if (fp == nullptr || !fp->Reached(point)) return false;
  Halt(point);
  return true;
}

void Store::Impl::Halt(CrashPoint point) {
  halted = true;
  spdlog::warn("store {}: failpoint {} fired: the store halts as if it crashed", opts.store_id,
               CrashPointName(point));
  // Like a dropped connection: callers learn nothing about the outcome.
  const ApplyResult crashed{Status::IOError("store halted by a failpoint; outcome unknown"),
                            std::nullopt};
  for (auto& [id, p] : peers) FailPending(p.get(), crashed);
}

void Store::Impl::HandleReadies() {
  std::vector<std::pair<Peer*, raft::Ready>> readies;
  for (auto& [id, up] : peers) {
    Peer* p = up.get();
    if (p->stopped || p->destroying || !p->node->HasReady()) continue;
    raft::Ready rd;
    Status s = p->node->GetReady(&rd);
    if (!s.ok()) {
      StopPeer(p, s.WithContext("raft ready"));
      continue;
    }
    readies.emplace_back(p, std::move(rd));
  }
  if (readies.empty()) {
    if (!log_batch.empty()) {
      Status s = raft_log->Write(&log_batch);
      if (!s.ok()) spdlog::error("store {}: raft log write: {}", opts.store_id, s.ToString());
    }
    return;
  }
  stats.rounds++;
  stats.ready_peers += readies.size();

  // 1. Snapshots: their data is made durable before the raft log forgets
  // the entries they replace.
  for (auto& [p, rd] : readies) {
    if (raft::IsEmptySnapshot(rd.snapshot)) continue;
    if (CrashAt(CrashPoint::kBeforePersistSnapshot)) return;
    (void)InstallSnapshot(p, rd.snapshot);
  }
  // 2. Entries and hard states of every peer into one batch, one fsync.
  bool has_hard_state = false, has_entries = false;
  for (auto& [p, rd] : readies) {
    if (p->stopped) continue;
    if (!rd.entries.empty()) {
      has_entries = true;
      Status s = p->storage->Append(rd.entries, &log_batch);
      if (!s.ok()) StopPeer(p, s.WithContext("raft log append"));
    }
    if (!raft::IsEmptyHardState(rd.hard_state)) {
      has_hard_state = true;
      p->storage->SetHardState(rd.hard_state, &log_batch);
      p->term = rd.hard_state.term();
    }
  }
  if (has_hard_state && CrashAt(CrashPoint::kBeforePersistHardState)) return;
  if (has_entries && CrashAt(CrashPoint::kBeforePersistEntries)) return;
  if (!log_batch.empty()) {
    Status s = raft_log->Write(&log_batch);
    stats.raft_log_writes++;
    if (!s.ok()) {
      // What the peers staged is not on disk; their in-memory logs run ahead.
      for (auto& [p, rd] : readies) StopPeer(p, s.WithContext("raft log write"));
      log_batch = RaftLogBatch();
      return;
    }
  }
  // 3. Send, now that what the messages promise is durable.
  for (auto& [p, rd] : readies) {
    if (p->stopped) continue;
    if (rd.soft_state) OnSoftStateChange(p, *rd.soft_state);
    SendRaftMessages(p, &rd.messages);
  }
  if (transport != nullptr) transport->Flush();
  if (CrashAt(CrashPoint::kBeforeApply)) return;
  // 4. Apply, one batch for every peer.
  ApplyCommitted(readies);
  if (halted) return;
  // 5. Reads and Advance.
  for (auto& [p, rd] : readies) {
    if (p->stopped || p->destroying) continue;
    HandleReadStates(p, rd.read_states);
    p->node->Advance(rd);
    RunReadyReads(p);
  }
  RunCompactions();
}

void Store::Impl::OnSoftStateChange(Peer* p, const raft::SoftState& soft) {
  const bool was_leader = p->is_leader();
  p->soft = soft;
  if (p->is_leader() && !was_leader) {
    spdlog::info("store {}: {} became leader at term {}", opts.store_id, PeerName(*p), p->term);
    p->heartbeat_due = true;
    p->commit_merge_proposed_ms = 0;
    p->rollback_merge_proposed = false;
  } else if (was_leader && !p->is_leader()) {
    spdlog::info("store {}: {} is no longer leader (leader {})", opts.store_id, PeerName(*p),
                 soft.lead);
    // Reads waiting for a read index will not get one from us now.
    std::map<std::string, std::vector<PendingRead>> waiting;
    waiting.swap(p->reads_waiting_index);
    const metapb::Peer* leader = p->FindPeer(soft.lead);
    for (auto& [ctx, reads] : waiting) {
      for (PendingRead& r : reads)
        r.fail(RegionErrorResult(MakeNotLeader(p->region_id, leader, "")));
    }
  }
}

raft_serverpb::RaftMessage Store::Impl::Envelope(const Peer& p, const metapb::Peer& to) const {
  raft_serverpb::RaftMessage env;
  env.set_region_id(p.region_id);
  env.mutable_from_peer()->set_id(p.peer_id);
  env.mutable_from_peer()->set_store_id(opts.store_id);
  if (const metapb::Peer* self = p.FindPeer(p.peer_id)) *env.mutable_from_peer() = *self;
  *env.mutable_to_peer() = to;
  *env.mutable_region_epoch() = p.region.region_epoch();
  env.set_start_key(p.region.start_key());
  env.set_end_key(p.region.end_key());
  return env;
}

void Store::Impl::SendRaftMessages(Peer* p, std::vector<raftpb::Message>* messages) {
  for (raftpb::Message& m : *messages) {
    const metapb::Peer* to = p->FindPeer(m.to());
    if (to == nullptr) {
      stats.messages_dropped++;
      continue;
    }
    raft_serverpb::RaftMessage env = Envelope(*p, *to);
    if (m.type() == raftpb::MsgSnap) {
      const uint64_t to_id = m.to();
      if (!p->generated ||
          p->generated->snapshot.metadata().index() != m.snapshot().metadata().index()) {
        p->node->ReportSnapshot(to_id, raft::SnapshotStatus::kFailure);
        continue;
      }
      env.set_message(m.SerializeAsString());
      std::shared_ptr<const std::string> data = p->generated->data;
      stats.snapshots_sent++;
      stats.snapshot_bytes_sent += data->size();
      if (transport == nullptr) continue;
      Impl* self = this;
      const uint64_t region_id = p->region_id;
      transport->SendSnapshot(
          to->store_id(), std::move(env), std::move(data), [self, region_id, to_id](Status s) {
            self->Post([self, region_id, to_id, s] {
              Peer* peer = self->FindPeer(region_id);
              if (!s.ok()) {
                self->stats.snapshots_send_failed++;
                spdlog::info(
                    "store {}: snapshot of region {} to peer {} "
                    "failed: {}",
                    self->opts.store_id, region_id, to_id, s.ToString());
              }
              if (peer == nullptr || peer->stopped) return;
              peer->node->ReportSnapshot(
                  to_id, s.ok() ? raft::SnapshotStatus::kFinish : raft::SnapshotStatus::kFailure);
            });
          });
      continue;
    }
    if (fp != nullptr) m.set_commit(fp->CommitFor(m.to(), m.commit()));
    env.set_message(m.SerializeAsString());
    SendEnvelope(to->store_id(), std::move(env), m.to());
  }
}

void Store::Impl::SendEnvelope(uint64_t store_id, raft_serverpb::RaftMessage env,
                               uint64_t to_peer) {
  if (fp != nullptr) {
    if (fp->ShouldDrop(to_peer)) {
      stats.messages_dropped++;
      return;
    }
    if (int delay = fp->DelayFor(to_peer); delay > 0) {
      delayed.push_back({now_ms + static_cast<uint64_t>(delay), store_id, std::move(env)});
      return;
    }
  }
  if (transport == nullptr) return;
  const uint64_t region_id = env.region_id();
  Status s = transport->Send(store_id, std::move(env));
  stats.messages_sent++;
  if (!s.ok()) {
    stats.messages_dropped++;
    Peer* p = FindPeer(region_id);
    if (p != nullptr && p->is_leader()) p->node->ReportUnreachable(to_peer);
  }
}

void Store::Impl::SendTombstone(Peer* p, const raft_serverpb::RaftMessage& stale) {
  raft_serverpb::RaftMessage env = Envelope(*p, stale.from_peer());
  env.set_is_tombstone(true);
  SendEnvelope(stale.from_peer().store_id(), std::move(env), stale.from_peer().id());
}

void Store::Impl::HandleRaftMessage(raft_serverpb::RaftMessage msg) {
  if (closing || halted) return;
  stats.messages_received++;
  if (msg.to_peer().store_id() != opts.store_id) {
    stats.messages_dropped++;
    return;
  }
  Peer* p = FindPeer(msg.region_id());
  if (p != nullptr && p->destroying) return;
  if (p == nullptr) {
    if (!msg.is_tombstone()) MaybeCreatePeer(msg);
    return;
  }
  if (p->peer_id != msg.to_peer().id()) {
    // A newer incarnation of this store's replica (removed, then added
    // again with a new id) makes ours stale.
    if (msg.to_peer().id() > p->peer_id &&
        EpochStale(p->region.region_epoch(), msg.region_epoch())) {
      DestroyPeer(p, /*write_tombstone=*/true,
                  "superseded by peer " + std::to_string(msg.to_peer().id()));
    }
    return;
  }
  if (msg.is_tombstone()) {
    if (!p->initialized || EpochStale(p->region.region_epoch(), msg.region_epoch())) {
      DestroyPeer(p, /*write_tombstone=*/true,
                  "told it was removed by peer " + std::to_string(msg.from_peer().id()));
    }
    return;
  }
  raftpb::Message m;
  if (!m.ParseFromString(msg.message())) {
    stats.messages_dropped++;
    return;
  }
  if (p->initialized && p->FindPeer(msg.from_peer().id()) == nullptr &&
      EpochStale(msg.region_epoch(), p->region.region_epoch())) {
    // A peer that was removed and does not know it yet.
    SendTombstone(p, msg);
    return;
  }
  p->last_message_ms = now_ms;
  if (!p->initialized && IsVote(m.type())) return;  // empty peers do not vote
  p->peer_cache[msg.from_peer().id()] = msg.from_peer();
  if (p->stopped) return;
  Status s = p->node->Step(m);
  if (!s.ok()) {
    // Refused by raft (a message from a non-member, a malformed append, a
    // commit beyond this replica's log): worth seeing, at most every 10 s.
    stats.messages_refused++;
    if (now_ms - p->last_step_error_log_ms >= 10'000) {
      p->last_step_error_log_ms = now_ms;
      spdlog::warn("store {}: {} refused {} from peer {}: {}", opts.store_id, PeerName(*p),
                   raft::DescribeMessageType(m.type()), msg.from_peer().id(), s.ToString());
    }
  }
}

void Store::Impl::HandleReceivedSnapshot(raft_serverpb::RaftMessage msg,
                                         raft_serverpb::SnapshotMeta meta, std::string data) {
  if (closing || halted) return;
  stats.snapshots_received++;
  stats.snapshot_bytes_received += data.size();
  Peer* p = FindPeer(msg.region_id());
  if (p == nullptr) {
    stats.snapshots_rejected++;
    MaybeCreatePeer(msg);
    return;
  }
  if (p->destroying || p->stopped || p->peer_id != msg.to_peer().id()) {
    stats.snapshots_rejected++;
    return;
  }
  const metapb::Region& r = meta.region();
  if (uint64_t other = FindOverlap(r.start_key(), r.end_key(), p->region_id); other != 0) {
    spdlog::info("store {}: snapshot of region {} overlaps local region {}; rejected",
                 opts.store_id, p->region_id, other);
    stats.snapshots_rejected++;
    return;
  }
  if (p->initialized && EpochStale(r.region_epoch(), p->region.region_epoch())) {
    stats.snapshots_rejected++;
    return;
  }
  raftpb::Message m;
  if (!m.ParseFromString(msg.message())) {
    stats.snapshots_rejected++;
    return;
  }
  p->peer_cache[msg.from_peer().id()] = msg.from_peer();
  p->received = ReceivedSnapshot{m.snapshot().metadata(), std::move(meta), std::move(data)};
  Status s = p->node->Step(m);
  if (!s.ok()) {
    spdlog::info("store {}: {} stepping snapshot: {}", opts.store_id, PeerName(*p), s.ToString());
  }
}

void Store::Impl::IssueReadIndexes() {
  for (Peer* p : peers_with_new_reads) {
    if (p->reads_new.empty()) continue;
    std::vector<PendingRead> reads;
    reads.swap(p->reads_new);
    if (p->stopped || p->destroying) {
      for (PendingRead& r : reads) r.fail(RegionErrorResult(MakeRegionNotFound(p->region_id)));
      continue;
    }
    std::string ctx(8, '\0');
    const uint64_t id = p->next_read_id++;
    for (int i = 0; i < 8; i++) ctx[i] = static_cast<char>(id >> (56 - 8 * i));
    Status s = p->node->ReadIndex(ctx);
    if (!s.ok()) {
      const metapb::Peer* leader = p->FindPeer(p->soft.lead);
      for (PendingRead& r : reads)
        r.fail(RegionErrorResult(MakeNotLeader(p->region_id, leader, "")));
      continue;
    }
    stats.read_index_requests++;
    p->reads_waiting_index.emplace(std::move(ctx), std::move(reads));
  }
  peers_with_new_reads.clear();
}

void Store::Impl::HandleReadStates(Peer* p, const std::vector<raft::ReadState>& states) {
  for (const raft::ReadState& rs : states) {
    auto it = p->reads_waiting_index.find(rs.request_ctx);
    if (it == p->reads_waiting_index.end()) continue;
    for (PendingRead& r : it->second) p->reads_waiting_apply.emplace(rs.index, std::move(r));
    p->reads_waiting_index.erase(it);
  }
}

void Store::Impl::RunReadyReads(Peer* p) {
  while (!p->reads_waiting_apply.empty() &&
         p->reads_waiting_apply.begin()->first <= p->applied_index()) {
    PendingRead r = std::move(p->reads_waiting_apply.begin()->second);
    p->reads_waiting_apply.erase(p->reads_waiting_apply.begin());
    stats.reads++;
    r.run();
  }
}

void Store::Impl::SweepTimeouts() {
  const ApplyResult timed_out{Status::IOError("timed out waiting for the region"), std::nullopt};
  for (auto& [id, up] : peers) {
    Peer* p = up.get();
    for (auto it = p->proposals.begin(); it != p->proposals.end();) {
      if (it->deadline_ms > now_ms) {
        ++it;
        continue;
      }
      stats.proposals_timed_out++;
      ProposalCallback done = std::move(it->done);
      it = p->proposals.erase(it);
      done(timed_out);
    }
    for (auto it = p->reads_waiting_index.begin(); it != p->reads_waiting_index.end();) {
      if (it->second.empty() || it->second.front().deadline_ms > now_ms) {
        ++it;
        continue;
      }
      std::vector<PendingRead> reads = std::move(it->second);
      it = p->reads_waiting_index.erase(it);
      for (PendingRead& r : reads) r.fail(timed_out);
    }
    for (auto it = p->reads_waiting_apply.begin(); it != p->reads_waiting_apply.end();) {
      if (it->second.deadline_ms > now_ms) {
        ++it;
        continue;
      }
      PendingRead r = std::move(it->second);
      it = p->reads_waiting_apply.erase(it);
      r.fail(timed_out);
    }
  }
}

void Store::Impl::PublishStats() {
  stats.regions = stats.regions_normal = stats.regions_merging = 0;
  stats.regions_uninitialized = stats.regions_stopped = stats.leaders = 0;
  stats.raft_log_lag = stats.pending_proposals = 0;
  for (const auto& [id, up] : peers) {
    const Peer& p = *up;
    stats.regions++;
    if (!p.initialized) {
      stats.regions_uninitialized++;
    } else if (p.state == raft_serverpb::MERGING) {
      stats.regions_merging++;
    } else {
      stats.regions_normal++;
    }
    if (p.stopped) stats.regions_stopped++;
    if (p.is_leader()) stats.leaders++;
    if (p.storage && p.storage->last_index() > p.applied_index()) {
      stats.raft_log_lag += p.storage->last_index() - p.applied_index();
    }
    stats.pending_proposals += p.proposals.size();
  }
  proposals_this_round = 0;
  stats.region_heartbeats = pd_region_heartbeats.load();
  stats.store_heartbeats = pd_store_heartbeats.load();
  stats.pd_errors = pd_errors.load();
  std::lock_guard<std::mutex> l(stats_mu);
  published = stats;
}

Status Store::Impl::BuildSnapshot(uint64_t region_id, raftpb::Snapshot* out) {
  Peer* p = FindPeer(region_id);
  if (p == nullptr || !p->initialized || p->destroying) {
    return Status::SnapshotTemporarilyUnavailable("region not ready for a snapshot");
  }
  if (p->generated) {
    // Usable while the log still continues right after it.
    if (p->generated->snapshot.metadata().index() + 1 >= p->storage->first_index()) {
      *out = p->generated->snapshot;
      return Status::OK();
    }
    p->generated.reset();
  }
  if (p->snapshot_generating) return Status::SnapshotTemporarilyUnavailable();
  // The data engine holds exactly the applied state now: the raft thread
  // applies, and this runs on it between applies.
  raftpb::Snapshot snap;
  raftpb::SnapshotMetadata* md = snap.mutable_metadata();
  md->set_index(p->applied_index());
  uint64_t term = 0;
  Status s = p->storage->Term(p->applied_index(), &term);
  if (!s.ok()) return s;
  md->set_term(term);
  raftpb::HardState hs;
  (void)p->storage->InitialState(&hs, md->mutable_conf_state());
  raft_serverpb::SnapshotMeta meta;
  *meta.mutable_region() = p->region;
  meta.set_state(p->state);
  *meta.mutable_merge_state() = p->merge_state;
  p->snapshot_generating = true;
  // Released when the task is done or dropped (a stopping worker drops its
  // queue; the engines close only after the workers stopped).
  DataEngine* engine = data.get();
  std::shared_ptr<const Snapshot> engine_snapshot(
      engine->GetSnapshot(), [engine](const Snapshot* s) { engine->ReleaseSnapshot(s); });
  Impl* self = this;
  const uint64_t peer_id = p->peer_id;
  auto task = std::make_shared<std::pair<raftpb::Snapshot, raft_serverpb::SnapshotMeta>>(
      std::move(snap), std::move(meta));
  snap_worker.Post([self, region_id, peer_id, engine_snapshot, task] {
    auto data = std::make_shared<std::string>();
    SnapshotDataStats st;
    const metapb::Region& r = task->second.region();
    Status s = BuildSnapshotData(self->data.get(), engine_snapshot.get(), r.start_key(),
                                 r.end_key(), data.get(), &st);
    GeneratedSnapshot g;
    if (s.ok()) {
      task->second.set_data_size(data->size());
      task->second.set_data_crc32c(crc32c::Value(*data));
      task->second.set_key_count(st.keys);
      g.snapshot = std::move(task->first);
      g.snapshot.set_data(task->second.SerializeAsString());
      g.data = std::move(data);
    }
    if (!self->Post([self, region_id, peer_id, s, g = std::move(g)]() mutable {
          self->OnSnapshotGenerated(region_id, peer_id, s, std::move(g));
        })) {
      return;
    }
  });
  return Status::SnapshotTemporarilyUnavailable("generating");
}

void Store::Impl::OnSnapshotGenerated(uint64_t region_id, uint64_t peer_id, Status s,
                                      GeneratedSnapshot snap) {
  Peer* p = FindPeer(region_id);
  if (p == nullptr || p->peer_id != peer_id) return;
  p->snapshot_generating = false;
  if (!s.ok()) {
    spdlog::error("store {}: generating a snapshot of {}: {}", opts.store_id, PeerName(*p),
                  s.ToString());
    return;
  }
  snap.created_ms = now_ms;
  stats.snapshots_generated++;
  spdlog::info("store {}: generated snapshot of {} at index {} ({} bytes)", opts.store_id,
               PeerName(*p), snap.snapshot.metadata().index(), snap.data->size());
  p->generated = std::move(snap);
}

}  // namespace nokv::raftstore
