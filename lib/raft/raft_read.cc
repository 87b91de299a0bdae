// Linearizable reads (ReadIndex, safe and lease-based; §6.4), leader
// transfer (§3.10 of the Raft thesis) and single-step membership changes.
#include <algorithm>

#include "raft/raft_impl.h"

namespace nokv::raft {

namespace {
std::string Str(uint64_t v) { return std::to_string(v); }
}  // namespace

// ---- ReadIndex ----

bool Raft::CommittedEntryInCurrentTerm() { return log_.TermOrZero(log_.committed()) == term_; }

raftpb::Message Raft::ResponseToReadIndexReq(const raftpb::Message& req, uint64_t read_index) {
  if (req.from() == kNone || req.from() == id_) {
    read_states_.push_back(ReadState{read_index, req.entries(0).data()});
    return raftpb::Message();  // to == kNone: nothing to send
  }
  raftpb::Message resp;
  resp.set_type(raftpb::MsgReadIndexResp);
  resp.set_to(req.from());
  resp.set_index(read_index);
  *resp.mutable_entries() = req.entries();
  return resp;
}

void Raft::SendMsgReadIndexResponse(const raftpb::Message& m) {
  switch (read_only_.option()) {
    case ReadOnlyOption::kLeaseBased:
      if (LeaseValid()) {
        raftpb::Message resp = ResponseToReadIndexReq(m, log_.committed());
        if (resp.to() != kNone) Send(std::move(resp));
        break;
      }
      // No lease we can prove: confirm leadership with a heartbeat round.
      [[fallthrough]];
    case ReadOnlyOption::kSafe: {
      // Record the commit index now; answer once a quorum acknowledged a
      // heartbeat sent after it, proving we were still leader.
      const std::string& ctx = m.entries(0).data();
      read_only_.AddRequest(log_.committed(), m);
      read_only_.RecvAck(id_, ctx);
      BcastHeartbeatWithCtx(ctx);
      break;
    }
  }
}

// Whether no other leader can exist now, so our commit index is current.
//
// Proof. A follower with check_quorum refuses every (pre-)vote while
// lead_ != kNone && election_elapsed_ < election_timeout_ (Raft::Step), and
// receiving our heartbeat sets lead_ and election_elapsed_ = 0. Let peer p
// acknowledge a heartbeat we sent at our tick count S (acked_send_tick). p
// received it at real time r >= send time s, so p grants no vote before it
// ticked E = election_timeout_ times after r: not before r + (E-1)P >=
// s + (E-1)P, for the tick period P every node shares (E ticks in (r, t]
// need t - r >= (E-1)P). We answer only while ticks_ - S <= E-2, i.e. at
// most E-2 of our ticks fell in (s, now], so now < s + (E-1)P: p still
// refuses votes. The leader itself refuses them too. If such peers plus us
// form a majority of voters, every possible new leader's vote quorum
// contains one of us, so no leader of a newer term exists yet and nothing
// was committed beyond our commit index. (Leadership transfer forces votes
// past this rule, hence the sent_timeout_now_ exception.)
bool Raft::LeaseValid() const {
  if (!check_quorum_ || sent_timeout_now_ || lead_transferee_ != kNone) return false;
  if (election_timeout_ < 2) return false;
  const uint64_t max_age = static_cast<uint64_t>(election_timeout_ - 2);
  size_t in_lease = 0;
  for (uint64_t v : trk_.voters()) {
    if (v == id_) {
      in_lease++;
      continue;
    }
    auto it = trk_.progress().find(v);
    if (it == trk_.progress().end()) continue;
    const uint64_t acked = it->second.acked_send_tick;
    if (acked != 0 && ticks_ - acked <= max_age) in_lease++;
  }
  return in_lease > trk_.voters().size() / 2;
}

void Raft::ReleasePendingReadIndexMessages() {
  if (pending_read_index_messages_.empty() || !CommittedEntryInCurrentTerm()) return;
  std::vector<raftpb::Message> msgs = std::move(pending_read_index_messages_);
  pending_read_index_messages_.clear();
  for (const auto& m : msgs) SendMsgReadIndexResponse(m);
}

void Raft::HandleReadIndexAck(const raftpb::Message& m) {
  // Both modes: lease reads fall back to heartbeat rounds without a lease.
  if (m.context().empty()) return;
  const std::set<uint64_t>* acks = read_only_.RecvAck(m.from(), m.context());
  if (acks == nullptr) return;
  size_t voter_acks = 0;
  for (uint64_t id : *acks) voter_acks += trk_.IsVoter(id) ? 1 : 0;
  if (voter_acks <= trk_.voters().size() / 2) return;
  for (auto& rs : read_only_.Advance(m.context())) {
    raftpb::Message resp = ResponseToReadIndexReq(rs.req, rs.index);
    if (resp.to() != kNone) Send(std::move(resp));
  }
}

// ---- leader transfer ----

void Raft::HandleTransferLeader(const raftpb::Message& m, Progress& pr) {
  if (pr.is_learner) {
    Log(LogLevel::kDebug, Str(id_) + " is learner. Ignored transferring leadership");
    return;
  }
  const uint64_t transferee = m.from();
  if (lead_transferee_ != kNone) {
    if (lead_transferee_ == transferee) {
      Log(LogLevel::kInfo, Str(id_) + " [term " + Str(term_) + "] transfer leadership to " +
                               Str(transferee) + " is in progress, ignores request to same node");
      return;
    }
    AbortLeaderTransfer();
  }
  if (transferee == id_) {
    Log(LogLevel::kDebug, Str(id_) + " is already leader. Ignored transferring leadership to " +
                              "self");
    return;
  }
  Log(LogLevel::kInfo, Str(id_) + " [term " + Str(term_) + "] starts to transfer leadership to " +
                           Str(transferee));
  // The transfer must finish within one election timeout, or it is aborted.
  election_elapsed_ = 0;
  lead_transferee_ = transferee;
  if (pr.match == log_.LastIndex()) {
    SendTimeoutNow(transferee);
    Log(LogLevel::kInfo, Str(id_) + " sends MsgTimeoutNow to " + Str(transferee) +
                             " immediately as " + Str(transferee) + " already has up-to-date log");
  } else {
    SendAppend(transferee);  // catch it up first
  }
}

void Raft::SendTimeoutNow(uint64_t to) {
  sent_timeout_now_ = true;
  raftpb::Message m;
  m.set_to(to);
  m.set_type(raftpb::MsgTimeoutNow);
  Send(std::move(m));
}

// ---- membership ----

raftpb::ConfState Raft::ApplyConfChange(const raftpb::ConfChange& cc) {
  const uint64_t id = cc.node_id();
  if (id == kNone) return trk_.ConfState();
  const uint64_t next = log_.LastIndex();  // probe from the last entry
  switch (cc.type()) {
    case raftpb::ConfChangeAddNode: (void)trk_.AddVoter(id, next); break;
    case raftpb::ConfChangeAddLearnerNode: {
      nokv::Status s = trk_.AddLearner(id, next);
      if (!s.ok()) Log(LogLevel::kWarn, Str(id_) + " ignored conf change: " + s.ToString());
      break;
    }
    case raftpb::ConfChangeRemoveNode: trk_.Remove(id); break;
    default: break;
  }
  return SwitchToConfig();
}

raftpb::ConfState Raft::SwitchToConfig() {
  raftpb::ConfState cs = trk_.ConfState();
  const Progress* self = trk_.Get(id_);
  is_learner_ = self != nullptr && self->is_learner;
  if ((self == nullptr || is_learner_) && state_ == StateType::kLeader) {
    // We were removed. Tell the others what is committed (the removal
    // itself), hand leadership to the most caught-up voter so the group does
    // not wait for an election timeout, and step down.
    BcastAppend();
    uint64_t best = kNone, best_match = 0;
    for (uint64_t v : trk_.voters()) {
      const Progress* pr = trk_.Get(v);
      if (pr != nullptr && (best == kNone || pr->match > best_match)) {
        best = v;
        best_match = pr->match;
      }
    }
    if (best != kNone && best_match == log_.LastIndex()) SendTimeoutNow(best);
    Log(LogLevel::kInfo, Str(id_) + " stepping down: removed from the configuration");
    BecomeFollower(term_, kNone);
    return cs;
  }
  if (state_ != StateType::kLeader || trk_.voters().empty()) return cs;
  // The quorum changed: the commit index may advance (e.g. a slow voter was
  // removed), and new peers need entries.
  if (MaybeCommit()) {
    BcastAppend();
  } else {
    for (auto& [pid, pr] : trk_.progress()) {
      if (pid != id_) MaybeSendAppend(pid, false);
    }
  }
  if (lead_transferee_ != kNone && !trk_.IsVoter(lead_transferee_)) AbortLeaderTransfer();
  return cs;
}

}  // namespace nokv::raft
