// Raft core: construction, term handling in Step (§5.1), role changes,
// ticks and the follower's step function. Elections live in
// raft_election.cc, replication in raft_replication.cc, reads, leader
// transfer and membership in raft_read.cc.
#include "raft/raft_impl.h"

#include <algorithm>

namespace nokv::raft {

namespace {
std::string Str(uint64_t v) { return std::to_string(v); }

// splitmix64's finalizer: nearby seeds and ids give unrelated streams.
uint64_t Mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
}  // namespace

Raft::Raft(const Config& c)
    : id_(c.id),
      log_(c.storage, c.max_committed_size_per_ready != 0 ? c.max_committed_size_per_ready
                                                           : c.max_size_per_msg),
      max_msg_size_(c.max_size_per_msg),
      max_uncommitted_size_(c.max_uncommitted_entries_size == 0 ? kNoLimit
                                                                : c.max_uncommitted_entries_size),
      trk_(c.max_inflight_msgs),
      read_only_(c.read_only_option),
      check_quorum_(c.check_quorum),
      pre_vote_(c.pre_vote),
      heartbeat_timeout_(c.heartbeat_tick),
      election_timeout_(c.election_tick),
      disable_proposal_forwarding_(c.disable_proposal_forwarding),
      rng_(Mix64(Mix64(c.seed) + c.id)),
      logger_(c.logger) {}

nokv::Status Raft::Create(const Config& config, std::unique_ptr<Raft>* out) {
  NOKV_RETURN_IF_ERROR(config.Validate());
  std::unique_ptr<Raft> r(new Raft(config));
  NOKV_RETURN_IF_ERROR(r->log_.TakeStorageError());
  raftpb::HardState hs;
  raftpb::ConfState cs;
  NOKV_RETURN_IF_ERROR(config.storage->InitialState(&hs, &cs));
  if (cs.voters_outgoing_size() > 0 || cs.learners_next_size() > 0) {
    return nokv::Status::NotSupported("raft: joint configurations are not supported");
  }
  r->trk_.Reset(cs, r->log_.LastIndex());
  r->SwitchToConfig();
  if (!IsEmptyHardState(hs)) {
    if (hs.commit() < r->log_.committed() || hs.commit() > r->log_.LastIndex()) {
      return nokv::Status::Corruption("raft: hard state commit " + Str(hs.commit()) +
                                      " is out of range [" + Str(r->log_.committed()) + ", " +
                                      Str(r->log_.LastIndex()) + "]");
    }
    r->LoadState(hs);
  }
  if (config.applied > 0) {
    if (config.applied > r->log_.committed()) {
      return nokv::Status::InvalidArgument("raft: applied " + Str(config.applied) +
                                           " is beyond commit " + Str(r->log_.committed()));
    }
    r->log_.AppliedTo(config.applied);
  }
  r->BecomeFollower(r->term_, kNone);
  NOKV_RETURN_IF_ERROR(r->log_.TakeStorageError());
  r->Log(LogLevel::kInfo, "newRaft " + Str(r->id_) + " [peers: " +
                              DescribeConfState(r->trk_.ConfState()) + ", term: " +
                              Str(r->term_) + ", commit: " + Str(r->log_.committed()) +
                              ", applied: " + Str(r->log_.applied()) + ", lastindex: " +
                              Str(r->log_.LastIndex()) + ", lastterm: " +
                              Str(r->log_.LastTerm()) + "]");
  *out = std::move(r);
  return nokv::Status::OK();
}

void Raft::LoadState(const raftpb::HardState& hs) {
  (void)log_.CommitTo(hs.commit());
  term_ = hs.term();
  vote_ = hs.vote();
}

raftpb::HardState Raft::GetHardState() const {
  raftpb::HardState hs;
  hs.set_term(term_);
  hs.set_vote(vote_);
  hs.set_commit(log_.committed());
  return hs;
}

nokv::Status Raft::TakeStorageError() {
  nokv::Status s = log_.TakeStorageError();
  if (!s.ok()) return s;
  s = std::move(storage_error_);
  storage_error_ = nokv::Status::OK();
  return s;
}

void Raft::Log(LogLevel level, const std::string& msg) const {
  if (logger_) logger_(level, msg);
}

// ---- roles ----

void Raft::Reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  trk_.ResetVotes();
  const uint64_t last = log_.LastIndex();
  for (auto& [id, pr] : trk_.progress()) {
    const bool learner = pr.is_learner;
    pr.BecomeProbe();
    pr.match = id == id_ ? last : 0;
    pr.next = last + 1;
    pr.recent_active = false;
    pr.acked_send_tick = 0;
    pr.is_learner = learner;
  }
  pending_conf_index_ = 0;
  uncommitted_size_ = 0;
  sent_timeout_now_ = false;
  read_only_.Clear();
  pending_read_index_messages_.clear();
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      election_timeout_ + static_cast<int>(rng_.Uniform(static_cast<uint64_t>(election_timeout_)));
}

void Raft::BecomeFollower(uint64_t term, uint64_t lead) {
  Reset(term);
  lead_ = lead;
  state_ = StateType::kFollower;
  Log(LogLevel::kInfo, Str(id_) + " became follower at term " + Str(term_));
}

void Raft::BecomeCandidate() {
  // A leader never becomes a candidate directly (it must step down first).
  if (state_ == StateType::kLeader) return;
  Reset(term_ + 1);
  vote_ = id_;
  state_ = StateType::kCandidate;
  Log(LogLevel::kInfo, Str(id_) + " became candidate at term " + Str(term_));
}

void Raft::BecomePreCandidate() {
  if (state_ == StateType::kLeader) return;
  // A pre-candidate changes neither its term nor its vote.
  trk_.ResetVotes();
  lead_ = kNone;
  state_ = StateType::kPreCandidate;
  Log(LogLevel::kInfo, Str(id_) + " became pre-candidate at term " + Str(term_));
}

void Raft::BecomeLeader() {
  if (state_ == StateType::kFollower) return;  // must win an election first
  Reset(term_);
  lead_ = id_;
  state_ = StateType::kLeader;
  if (Progress* self = trk_.Get(id_)) {
    self->BecomeReplicate();
    self->recent_active = true;  // the leader always counts itself as active
  }
  // Conservatively treat everything in the log as possibly a pending conf
  // change: no new one until all of it is applied.
  pending_conf_index_ = log_.LastIndex();
  // An empty entry of the new term: committing it commits everything
  // before it (§5.4.2) and lets ReadIndex serve reads (§6.4).
  std::vector<raftpb::Entry> empty(1);
  AppendEntry(std::move(empty));
  // The empty entry does not count against the uncommitted-size limit.
  uncommitted_size_ = 0;
  Log(LogLevel::kInfo, Str(id_) + " became leader at term " + Str(term_));
}

bool Raft::Promotable() {
  const Progress* pr = trk_.Get(id_);
  return pr != nullptr && !pr->is_learner && !log_.HasPendingSnapshot();
}

// ---- ticks ----

void Raft::Tick() {
  ticks_++;
  if (state_ == StateType::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  election_elapsed_++;
  if (Promotable() && PastElectionTimeout()) {
    election_elapsed_ = 0;
    raftpb::Message m;
    m.set_from(id_);
    m.set_type(raftpb::MsgHup);
    (void)Step(std::move(m));
  }
}

void Raft::TickHeartbeat() {
  heartbeat_elapsed_++;
  election_elapsed_++;
  if (election_elapsed_ >= election_timeout_) {
    election_elapsed_ = 0;
    if (check_quorum_) {
      raftpb::Message m;
      m.set_from(id_);
      m.set_type(raftpb::MsgCheckQuorum);
      (void)Step(std::move(m));
    }
    // A transfer that did not finish within an election timeout is aborted.
    if (state_ == StateType::kLeader && lead_transferee_ != kNone) {
      Log(LogLevel::kInfo, Str(id_) + " aborted transfer to " + Str(lead_transferee_) +
                               ": timed out");
      AbortLeaderTransfer();
    }
  }
  if (state_ != StateType::kLeader) return;
  if (heartbeat_elapsed_ >= heartbeat_timeout_) {
    heartbeat_elapsed_ = 0;
    raftpb::Message m;
    m.set_from(id_);
    m.set_type(raftpb::MsgBeat);
    (void)Step(std::move(m));
  }
}

// ---- messages ----

void Raft::Send(raftpb::Message m) {
  if (m.from() == kNone) m.set_from(id_);
  switch (m.type()) {
    case raftpb::MsgVote:
    case raftpb::MsgVoteResp:
    case raftpb::MsgPreVote:
    case raftpb::MsgPreVoteResp:
      // These carry their own term (a pre-vote is for term+1; a rejection
      // carries ours).
      break;
    case raftpb::MsgProp:
    case raftpb::MsgReadIndex:
      // Forwarded to the leader as local messages (term 0).
      break;
    default:
      m.set_term(term_);
      break;
  }
  msgs_.push_back(std::move(m));
}

nokv::Status Raft::Step(raftpb::Message m) {
  if (m.term() == 0) {
    // A local message (or a forwarded proposal / read index).
  } else if (m.term() > term_) {
    if (m.type() == raftpb::MsgVote || m.type() == raftpb::MsgPreVote) {
      const bool force = m.context() == kCampaignTransfer;
      const bool in_lease =
          check_quorum_ && lead_ != kNone && election_elapsed_ < election_timeout_;
      if (!force && in_lease) {
        // We heard from a leader within the minimum election timeout: do not
        // let a disruptive (e.g. partitioned) node depose it (§6, §9.6).
        Log(LogLevel::kInfo, Str(id_) + " [term: " + Str(term_) + "] ignored " +
                                 DescribeMessageType(m.type()) + " from " + Str(m.from()) +
                                 " [term: " + Str(m.term()) + "]: lease is not expired");
        return nokv::Status::OK();
      }
    }
    if (m.type() == raftpb::MsgPreVote) {
      // Never change our term in response to a pre-vote.
    } else if (m.type() == raftpb::MsgPreVoteResp && !m.reject()) {
      // The term in a granted pre-vote is the one we will campaign at; we
      // move to it once we win a quorum.
    } else {
      Log(LogLevel::kInfo, Str(id_) + " [term: " + Str(term_) + "] received a " +
                               DescribeMessageType(m.type()) + " message with higher term from " +
                               Str(m.from()) + " [term: " + Str(m.term()) + "]");
      if (m.type() == raftpb::MsgApp || m.type() == raftpb::MsgHeartbeat ||
          m.type() == raftpb::MsgSnap) {
        BecomeFollower(m.term(), m.from());
      } else {
        BecomeFollower(m.term(), kNone);
      }
    }
  } else if (m.term() < term_) {
    if ((check_quorum_ || pre_vote_) &&
        (m.type() == raftpb::MsgHeartbeat || m.type() == raftpb::MsgApp)) {
      // A stale leader (e.g. one that was partitioned away) would otherwise
      // never learn about the new term when check quorum or pre-vote keep us
      // from answering its votes; this response tells it to step down.
      raftpb::Message resp;
      resp.set_to(m.from());
      resp.set_type(raftpb::MsgAppResp);
      Send(std::move(resp));
    } else if (m.type() == raftpb::MsgPreVote) {
      // Reject it with our term so the pre-candidate learns it is behind.
      raftpb::Message resp;
      resp.set_to(m.from());
      resp.set_term(term_);
      resp.set_type(raftpb::MsgPreVoteResp);
      resp.set_reject(true);
      Send(std::move(resp));
    }
    // Any other stale message is ignored.
    return nokv::Status::OK();
  }

  switch (m.type()) {
    case raftpb::MsgHup:
      return Hup(pre_vote_ ? CampaignType::kPreElection : CampaignType::kElection);
    case raftpb::MsgVote:
    case raftpb::MsgPreVote:
      HandleVoteRequest(m);
      return nokv::Status::OK();
    default:
      return StepByRole(m);
  }
}

nokv::Status Raft::StepByRole(raftpb::Message& m) {
  switch (state_) {
    case StateType::kLeader: return StepLeader(m);
    case StateType::kCandidate:
    case StateType::kPreCandidate: return StepCandidate(m);
    case StateType::kFollower: return StepFollower(m);
  }
  return nokv::Status::OK();
}

nokv::Status Raft::StepFollower(raftpb::Message& m) {
  switch (m.type()) {
    case raftpb::MsgProp:
      if (lead_ == kNone) return nokv::Status::ProposalDropped("raft: no leader");
      if (disable_proposal_forwarding_) {
        return nokv::Status::ProposalDropped("raft: proposal forwarding is disabled");
      }
      m.set_to(lead_);
      Send(m);
      return nokv::Status::OK();
    case raftpb::MsgApp:
      election_elapsed_ = 0;
      lead_ = m.from();
      return HandleAppendEntries(m);
    case raftpb::MsgHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from();
      return HandleHeartbeat(m);
    case raftpb::MsgSnap:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleSnapshot(m);
      return nokv::Status::OK();
    case raftpb::MsgTransferLeader:
      if (lead_ == kNone) {
        Log(LogLevel::kInfo, Str(id_) + " no leader at term " + Str(term_) +
                                 "; dropping leader transfer msg");
        return nokv::Status::OK();
      }
      m.set_to(lead_);
      Send(m);
      return nokv::Status::OK();
    case raftpb::MsgTimeoutNow:
      // The leader asks us to campaign now (leader transfer); pre-vote is
      // skipped, and the vote carries kCampaignTransfer.
      Log(LogLevel::kInfo, Str(id_) + " [term " + Str(term_) +
                               "] received MsgTimeoutNow from " + Str(m.from()) +
                               " and starts an election to get leadership");
      return Hup(CampaignType::kTransfer);
    case raftpb::MsgReadIndex:
      if (lead_ == kNone) return nokv::Status::ProposalDropped("raft: no leader");
      m.set_to(lead_);
      Send(m);
      return nokv::Status::OK();
    case raftpb::MsgReadIndexResp:
      if (m.entries_size() != 1) return nokv::Status::OK();
      read_states_.push_back(ReadState{m.index(), m.entries(0).data()});
      return nokv::Status::OK();
    default:
      return nokv::Status::OK();
  }
}

bool Raft::IncreaseUncommittedSize(const std::vector<raftpb::Entry>& ents) {
  uint64_t s = 0;
  for (const auto& e : ents) s += e.data().size();
  // Always admit a proposal when nothing is uncommitted, so that a single
  // large entry is not refused forever.
  if (uncommitted_size_ > 0 && s > 0 && uncommitted_size_ + s > max_uncommitted_size_) {
    return false;
  }
  uncommitted_size_ += s;
  return true;
}

void Raft::ReduceUncommittedSize(const std::vector<raftpb::Entry>& ents) {
  if (uncommitted_size_ == 0) return;  // fast path for followers
  uint64_t s = 0;
  for (const auto& e : ents) s += e.data().size();
  uncommitted_size_ = s > uncommitted_size_ ? 0 : uncommitted_size_ - s;
}

void Raft::Advance(const Ready& rd) {
  uint64_t applied = 0;
  if (!rd.committed_entries.empty()) {
    applied = rd.committed_entries.back().index();
  } else if (!IsEmptySnapshot(rd.snapshot)) {
    applied = rd.snapshot.metadata().index();
  }
  if (applied > 0) log_.AppliedTo(applied);
  if (!rd.entries.empty()) {
    const auto& e = rd.entries.back();
    log_.StableTo(e.index(), e.term());
  }
  if (!IsEmptySnapshot(rd.snapshot)) log_.StableSnapTo(rd.snapshot.metadata().index());
}

}  // namespace nokv::raft
