// Log replication (§5.3): the leader's step function, sending entries,
// heartbeats and snapshots with per-follower flow control, commit by
// counting (§5.4.2), and the follower's handling of appends, heartbeats and
// snapshots.
#include "raft/raft_impl.h"

#include <algorithm>

namespace nokv::raft {

namespace {
std::string Str(uint64_t v) { return std::to_string(v); }
}  // namespace

nokv::Status Raft::StepLeader(raftpb::Message& m) {
  // Messages that do not need a peer's progress.
  switch (m.type()) {
    case raftpb::MsgBeat:
      BcastHeartbeat();
      return nokv::Status::OK();
    case raftpb::MsgCheckQuorum:
      if (!trk_.QuorumActive()) {
        Log(LogLevel::kWarn, Str(id_) + " stepped down to follower since quorum is not active");
        BecomeFollower(term_, kNone);
      }
      // Everyone must show activity again before the next check.
      for (auto& [id, pr] : trk_.progress()) {
        if (id != id_) pr.recent_active = false;
      }
      return nokv::Status::OK();
    case raftpb::MsgProp: {
      if (m.entries_size() == 0) {
        return nokv::Status::InvalidArgument("raft: stepped empty MsgProp");
      }
      if (trk_.Get(id_) == nullptr) {
        // We were removed from the configuration while leader.
        return nokv::Status::ProposalDropped("raft: leader is not a member");
      }
      if (lead_transferee_ != kNone) {
        Log(LogLevel::kDebug, Str(id_) + " [term " + Str(term_) +
                                  "] transfer leadership to " + Str(lead_transferee_) +
                                  " is in progress; dropping proposal");
        return nokv::Status::ProposalDropped("raft: leader transfer in progress");
      }
      std::vector<raftpb::Entry> ents(m.entries().begin(), m.entries().end());
      uint64_t conf_index = 0;
      for (size_t i = 0; i < ents.size(); i++) {
        if (ents[i].type() != raftpb::EntryConfChange) continue;
        if (pending_conf_index_ > log_.applied() || conf_index != 0) {
          Log(LogLevel::kInfo, Str(id_) + " ignoring conf change: pending conf change at " +
                                   Str(pending_conf_index_) + " not yet applied (applied " +
                                   Str(log_.applied()) + ")");
          return nokv::Status::ProposalDropped("raft: a conf change is already pending");
        }
        conf_index = log_.LastIndex() + i + 1;
      }
      if (!AppendEntry(std::move(ents))) {
        return nokv::Status::ProposalDropped("raft: too many uncommitted entries");
      }
      if (conf_index != 0) pending_conf_index_ = conf_index;
      BcastAppend();
      return nokv::Status::OK();
    }
    case raftpb::MsgReadIndex:
      if (m.entries_size() != 1) {
        return nokv::Status::InvalidArgument("raft: MsgReadIndex needs exactly one entry");
      }
      if (trk_.IsSingleton()) {
        raftpb::Message resp = ResponseToReadIndexReq(m, log_.committed());
        if (resp.to() != kNone) Send(std::move(resp));
        return nokv::Status::OK();
      }
      // A new leader does not know the commit index until it committed an
      // entry of its term (§6.4): postpone the request until then.
      if (!CommittedEntryInCurrentTerm()) {
        pending_read_index_messages_.push_back(m);
        return nokv::Status::OK();
      }
      SendMsgReadIndexResponse(m);
      return nokv::Status::OK();
    default:
      break;
  }
  Progress* pr = trk_.Get(m.from());
  if (pr == nullptr) {
    Log(LogLevel::kDebug, Str(id_) + " no progress available for " + Str(m.from()));
    return nokv::Status::OK();
  }
  return StepLeaderPeerResponse(m, *pr);
}

nokv::Status Raft::StepLeaderPeerResponse(raftpb::Message& m, Progress& pr) {
  switch (m.type()) {
    case raftpb::MsgAppResp: {
      if (m.index() > log_.LastIndex()) {
        // Nobody can have acknowledged entries we never sent.
        return nokv::Status::InvalidArgument("raft: MsgAppResp beyond the last index from " +
                                             Str(m.from()));
      }
      pr.recent_active = true;
      if (m.reject()) {
        Log(LogLevel::kDebug, Str(id_) + " received MsgAppResp(rejected, hint: (index " +
                                  Str(m.reject_hint()) + ", term " + Str(m.log_term()) +
                                  ")) from " + Str(m.from()) + " for index " + Str(m.index()));
        // Fast backtracking: the follower told us its last index (capped at
        // the probe) and the term there; skip every entry of ours in a term
        // newer than that, so one round trip skips a whole term.
        uint64_t next_probe = m.reject_hint();
        if (m.log_term() > 0) next_probe = log_.FindConflictByTerm(m.reject_hint(), m.log_term()).first;
        if (pr.MaybeDecrTo(m.index(), next_probe)) {
          if (pr.state == ProgressState::kReplicate) pr.BecomeProbe();
          SendAppend(m.from());
        }
        return nokv::Status::OK();
      }
      const bool old_paused = pr.IsPaused();
      if (!pr.MaybeUpdate(m.index())) return nokv::Status::OK();
      switch (pr.state) {
        case ProgressState::kProbe: pr.BecomeReplicate(); break;
        case ProgressState::kSnapshot:
          // Caught up past our first index: our log can serve it again.
          if (pr.match + 1 >= log_.FirstIndex()) {
            pr.BecomeProbe();
            pr.BecomeReplicate();
          }
          break;
        case ProgressState::kReplicate: pr.inflights.FreeLE(m.index()); break;
      }
      if (MaybeCommit()) {
        ReleasePendingReadIndexMessages();
        BcastAppend();
      } else if (old_paused) {
        // The follower was paused and is not any more: feed it.
        SendAppend(m.from());
      }
      // Send as much as the window allows (pending entries it has not got).
      while (MaybeSendAppend(m.from(), false)) {
      }
      if (m.from() == lead_transferee_ && pr.match == log_.LastIndex()) {
        Log(LogLevel::kInfo, Str(id_) + " sent MsgTimeoutNow to " + Str(m.from()) +
                                 " after received MsgAppResp");
        SendTimeoutNow(m.from());
      }
      return nokv::Status::OK();
    }
    case raftpb::MsgHeartbeatResp:
      pr.recent_active = true;
      // Responses may arrive reordered: keep the newest send time.
      pr.acked_send_tick = std::max(pr.acked_send_tick, m.send_tick());
      pr.probe_sent = false;
      // A full window stalls a follower whose acks got lost: free a slot.
      if (pr.state == ProgressState::kReplicate && pr.inflights.Full()) {
        pr.inflights.FreeFirstOne();
      }
      if (pr.match < log_.LastIndex()) SendAppend(m.from());
      HandleReadIndexAck(m);
      return nokv::Status::OK();
    case raftpb::MsgSnapStatus:
      if (pr.state != ProgressState::kSnapshot) return nokv::Status::OK();
      if (m.reject()) {
        // Failed: forget the snapshot and probe from match again.
        pr.pending_snapshot = 0;
        Log(LogLevel::kDebug, Str(id_) + " snapshot to " + Str(m.from()) + " failed");
      }
      // On success the follower's MsgAppResp normally moves it on; either
      // way wait for a heartbeat response (or MsgAppResp) before probing.
      pr.BecomeProbe();
      pr.probe_sent = true;
      return nokv::Status::OK();
    case raftpb::MsgUnreachable:
      // The last MsgApp may have been lost; stop pipelining.
      if (pr.state == ProgressState::kReplicate) pr.BecomeProbe();
      return nokv::Status::OK();
    case raftpb::MsgTransferLeader:
      HandleTransferLeader(m, pr);
      return nokv::Status::OK();
    default:
      return nokv::Status::OK();
  }
}

bool Raft::AppendEntry(std::vector<raftpb::Entry> es) {
  const uint64_t li = log_.LastIndex();
  for (size_t i = 0; i < es.size(); i++) {
    es[i].set_term(term_);
    es[i].set_index(li + 1 + i);
  }
  if (!IncreaseUncommittedSize(es)) {
    Log(LogLevel::kDebug, Str(id_) + " appending new entries to log would exceed uncommitted "
                                     "entry size limit; dropping proposal");
    return false;
  }
  uint64_t last = 0;
  nokv::Status s = log_.Append(es, &last);
  if (!s.ok()) {
    // Cannot happen: the leader appends after its own last index.
    if (storage_error_.ok()) storage_error_ = s;
    return false;
  }
  if (Progress* self = trk_.Get(id_)) self->MaybeUpdate(last);
  // A single-voter cluster commits right away.
  MaybeCommit();
  return true;
}

bool Raft::MaybeCommit() { return log_.MaybeCommit(trk_.Committed(), term_); }

bool Raft::MaybeSendAppend(uint64_t to, bool send_if_empty) {
  Progress* pr = trk_.Get(to);
  if (pr == nullptr || pr->IsPaused()) return false;
  raftpb::Message m;
  m.set_to(to);
  uint64_t term = 0;
  nokv::Status term_status = log_.Term(pr->next - 1, &term);
  std::vector<raftpb::Entry> ents;
  nokv::Status ents_status = log_.EntriesFrom(pr->next, max_msg_size_, &ents);
  if (ents.empty() && !send_if_empty) return false;

  if (!term_status.ok() || !ents_status.ok()) {
    const nokv::Status& err = !term_status.ok() ? term_status : ents_status;
    if (!err.IsCompacted()) {
      // A real storage failure: report it, send nothing.
      if (storage_error_.ok()) storage_error_ = err;
      return false;
    }
    // The entries are compacted: send a snapshot instead.
    if (!pr->recent_active) {
      Log(LogLevel::kDebug, "ignore sending snapshot to " + Str(to) +
                                " since it is not recently active");
      return false;
    }
    raftpb::Snapshot snap;
    nokv::Status s = log_.Snapshot(&snap);
    if (!s.ok()) {
      if (!s.IsSnapshotTemporarilyUnavailable() && storage_error_.ok()) storage_error_ = s;
      Log(LogLevel::kDebug, Str(id_) + " failed to send snapshot to " + Str(to) + ": " +
                                s.ToString());
      return false;
    }
    if (IsEmptySnapshot(snap)) {
      if (storage_error_.ok()) {
        storage_error_ = nokv::Status::Corruption("raft: need a non-empty snapshot");
      }
      return false;
    }
    m.set_type(raftpb::MsgSnap);
    const uint64_t sindex = snap.metadata().index();
    Log(LogLevel::kDebug, Str(id_) + " [firstindex: " + Str(log_.FirstIndex()) + ", commit: " +
                              Str(log_.committed()) + "] sent snapshot[index: " + Str(sindex) +
                              ", term: " + Str(snap.metadata().term()) + "] to " + Str(to) +
                              " [" + pr->ToString() + "]");
    *m.mutable_snapshot() = std::move(snap);
    pr->BecomeSnapshot(sindex);
  } else {
    m.set_type(raftpb::MsgApp);
    m.set_index(pr->next - 1);
    m.set_log_term(term);
    m.set_commit(log_.committed());
    if (!ents.empty()) {
      const uint64_t last = ents.back().index();
      switch (pr->state) {
        case ProgressState::kReplicate:
          pr->OptimisticUpdate(last);
          pr->inflights.Add(last);
          break;
        case ProgressState::kProbe: pr->probe_sent = true; break;
        case ProgressState::kSnapshot: break;  // unreachable: paused
      }
    }
    for (auto& e : ents) *m.add_entries() = std::move(e);
  }
  Send(std::move(m));
  return true;
}

void Raft::SendHeartbeat(uint64_t to, const std::string& ctx) {
  // Never tell a follower a commit index beyond what it has: it could not
  // tell which entries are committed.
  const Progress* pr = trk_.Get(to);
  const uint64_t commit = std::min(pr != nullptr ? pr->match : 0, log_.committed());
  raftpb::Message m;
  m.set_to(to);
  m.set_type(raftpb::MsgHeartbeat);
  m.set_commit(commit);
  m.set_context(ctx);
  if (read_only_.option() == ReadOnlyOption::kLeaseBased) m.set_send_tick(ticks_);
  Send(std::move(m));
}

void Raft::BcastAppend() {
  for (auto& [id, pr] : trk_.progress()) {
    if (id != id_) SendAppend(id);
  }
}

void Raft::BcastHeartbeat() { BcastHeartbeatWithCtx(read_only_.LastPendingRequestCtx()); }

void Raft::BcastHeartbeatWithCtx(const std::string& ctx) {
  for (auto& [id, pr] : trk_.progress()) {
    if (id != id_) SendHeartbeat(id, ctx);
  }
}

nokv::Status Raft::HandleAppendEntries(const raftpb::Message& m) {
  raftpb::Message resp;
  resp.set_to(m.from());
  resp.set_type(raftpb::MsgAppResp);
  if (m.index() < log_.committed()) {
    // Everything up to our commit index matches by the log matching property.
    resp.set_index(log_.committed());
    Send(std::move(resp));
    return nokv::Status::OK();
  }
  // A well-formed append carries consecutive entries right after m.index(),
  // with terms that never decrease and never exceed the leader's term.
  uint64_t prev_term = m.log_term();
  for (int i = 0; i < m.entries_size(); i++) {
    const auto& e = m.entries(i);
    if (e.index() != m.index() + 1 + static_cast<uint64_t>(i) || e.term() < prev_term ||
        e.term() > m.term()) {
      return nokv::Status::InvalidArgument("raft: malformed MsgApp from " + Str(m.from()));
    }
    prev_term = e.term();
  }
  std::vector<raftpb::Entry> ents(m.entries().begin(), m.entries().end());
  uint64_t last_new = 0;
  bool ok = false;
  NOKV_RETURN_IF_ERROR(log_.MaybeAppend(m.index(), m.log_term(), m.commit(), ents, &last_new, &ok));
  if (ok) {
    resp.set_index(last_new);
    Send(std::move(resp));
    return nokv::Status::OK();
  }
  // Reject with a hint: the largest index <= min(probe, our last index)
  // whose term is <= the probe's term. The leader continues from there.
  const uint64_t hint_index = std::min(m.index(), log_.LastIndex());
  const auto [index, term] = log_.FindConflictByTerm(hint_index, m.log_term());
  Log(LogLevel::kDebug, Str(id_) + " [logterm: " + Str(log_.TermOrZero(m.index())) +
                            ", index: " + Str(m.index()) + "] rejected MsgApp [logterm: " +
                            Str(m.log_term()) + ", index: " + Str(m.index()) + "] from " +
                            Str(m.from()));
  resp.set_index(m.index());
  resp.set_reject(true);
  resp.set_reject_hint(index);
  resp.set_log_term(term);
  Send(std::move(resp));
  return nokv::Status::OK();
}

nokv::Status Raft::HandleHeartbeat(const raftpb::Message& m) {
  // The leader sends at most our match index, which our log holds; a larger
  // value is a malformed message: refuse it rather than commit entries that
  // may not match the leader's.
  if (m.commit() > log_.LastIndex()) {
    return nokv::Status::InvalidArgument("raft: heartbeat commit " + Str(m.commit()) +
                                         " is beyond last index " + Str(log_.LastIndex()));
  }
  NOKV_RETURN_IF_ERROR(log_.CommitTo(m.commit()));
  raftpb::Message resp;
  resp.set_to(m.from());
  resp.set_type(raftpb::MsgHeartbeatResp);
  resp.set_context(m.context());
  resp.set_send_tick(m.send_tick());
  Send(std::move(resp));
  return nokv::Status::OK();
}

void Raft::HandleSnapshot(const raftpb::Message& m) {
  const auto& md = m.snapshot().metadata();
  raftpb::Message resp;
  resp.set_to(m.from());
  resp.set_type(raftpb::MsgAppResp);
  if (Restore(m.snapshot())) {
    Log(LogLevel::kInfo, Str(id_) + " [commit: " + Str(log_.committed()) +
                             "] restored snapshot [index: " + Str(md.index()) + ", term: " +
                             Str(md.term()) + "]");
    resp.set_index(log_.LastIndex());
  } else {
    Log(LogLevel::kInfo, Str(id_) + " [commit: " + Str(log_.committed()) +
                             "] ignored snapshot [index: " + Str(md.index()) + ", term: " +
                             Str(md.term()) + "]");
    resp.set_index(log_.committed());
  }
  Send(std::move(resp));
}

bool Raft::Restore(const raftpb::Snapshot& s) {
  const auto& md = s.metadata();
  if (md.index() <= log_.committed()) return false;
  if (state_ != StateType::kFollower) {
    // Only followers restore snapshots (candidates become followers first).
    BecomeFollower(term_ + 1, kNone);
    return false;
  }
  const auto& cs = md.conf_state();
  if (cs.voters_outgoing_size() > 0 || cs.learners_next_size() > 0) return false;
  bool found = false;
  for (uint64_t id : cs.voters()) found = found || id == id_;
  for (uint64_t id : cs.learners()) found = found || id == id_;
  if (!found && trk_.Get(id_) != nullptr) {
    // We are a member, and a newer configuration removed us: refuse it
    // (defense in depth, as etcd does).
    Log(LogLevel::kWarn, Str(id_) + " attempted to restore snapshot but it is not in the "
                                    "ConfState " + DescribeConfState(cs) + "; should never happen");
    return false;
  }
  // A peer that is not in its own configuration yet (just added: the conf
  // change adding it comes after the leader's newest snapshot) must accept
  // the snapshot, or a leader whose log was compacted past that snapshot
  // could never catch it up. As in etcd before its defensive check, it
  // restores and stays a follower that cannot campaign (Promotable() is
  // false without its own Progress) until it applies the entry adding it,
  // which the leader sends right after the snapshot.
  if (!found) {
    Log(LogLevel::kInfo, Str(id_) + " restoring snapshot whose ConfState " +
                             DescribeConfState(cs) + " does not list it yet (newly added peer)");
  }
  // Our log already has the snapshot's last entry: just commit up to it
  // (the entries after it may still be valid).
  if (log_.MatchTerm(md.index(), md.term())) {
    Log(LogLevel::kInfo, Str(id_) + " fast-forwarded commit to snapshot [index: " +
                             Str(md.index()) + ", term: " + Str(md.term()) + "]");
    (void)log_.CommitTo(md.index());
    return false;
  }
  log_.Restore(s);
  trk_.Reset(cs, log_.LastIndex() + 1);
  SwitchToConfig();
  if (Progress* self = trk_.Get(id_)) self->MaybeUpdate(self->next - 1);
  return true;
}

}  // namespace nokv::raft
