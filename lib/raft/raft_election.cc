// Leader election (§5.2, §5.4.1) with the pre-vote phase (§9.6): starting a
// campaign, answering vote requests, counting votes.
#include "raft/raft_impl.h"

namespace nokv::raft {

namespace {
std::string Str(uint64_t v) { return std::to_string(v); }

raftpb::MessageType VoteRespType(raftpb::MessageType t) {
  return t == raftpb::MsgPreVote ? raftpb::MsgPreVoteResp : raftpb::MsgVoteResp;
}

size_t NumOfPendingConf(const std::vector<raftpb::Entry>& ents) {
  size_t n = 0;
  for (const auto& e : ents) {
    if (e.type() == raftpb::EntryConfChange) n++;
  }
  return n;
}
}  // namespace

nokv::Status Raft::Hup(CampaignType t) {
  if (state_ == StateType::kLeader) {
    Log(LogLevel::kDebug, Str(id_) + " ignoring MsgHup because already leader");
    return nokv::Status::OK();
  }
  if (!Promotable()) {
    Log(LogLevel::kWarn, Str(id_) + " is unpromotable and can not campaign");
    return nokv::Status::OK();
  }
  // A committed but unapplied conf change could change who may vote: wait
  // until it is applied.
  if (log_.committed() > log_.applied()) {
    std::vector<raftpb::Entry> ents;
    NOKV_RETURN_IF_ERROR(log_.Slice(log_.applied() + 1, log_.committed() + 1, kNoLimit, &ents));
    if (NumOfPendingConf(ents) != 0) {
      Log(LogLevel::kWarn, Str(id_) + " cannot campaign at term " + Str(term_) +
                               " since there are still pending configuration changes to apply");
      return nokv::Status::OK();
    }
  }
  Log(LogLevel::kInfo, Str(id_) + " is starting a new election at term " + Str(term_));
  Campaign(t);
  return nokv::Status::OK();
}

void Raft::Campaign(CampaignType t) {
  if (!Promotable()) return;
  uint64_t term;
  raftpb::MessageType vote_msg;
  if (t == CampaignType::kPreElection) {
    BecomePreCandidate();
    vote_msg = raftpb::MsgPreVote;
    term = term_ + 1;  // pre-vote for the term we would campaign at
  } else {
    BecomeCandidate();
    vote_msg = raftpb::MsgVote;
    term = term_;
  }
  // Vote for ourselves first; a single-voter cluster wins right away.
  if (Poll(id_, VoteRespType(vote_msg), true) == VoteResult::kWon) {
    if (t == CampaignType::kPreElection) {
      Campaign(CampaignType::kElection);
    } else {
      BecomeLeader();
    }
    return;
  }
  const uint64_t last_index = log_.LastIndex();
  const uint64_t last_term = log_.LastTerm();
  for (uint64_t id : trk_.voters()) {
    if (id == id_) continue;
    Log(LogLevel::kInfo, Str(id_) + " [logterm: " + Str(last_term) + ", index: " +
                             Str(last_index) + "] sent " + DescribeMessageType(vote_msg) +
                             " request to " + Str(id) + " at term " + Str(term_));
    raftpb::Message m;
    m.set_to(id);
    m.set_term(term);
    m.set_type(vote_msg);
    m.set_index(last_index);
    m.set_log_term(last_term);
    if (t == CampaignType::kTransfer) m.set_context(std::string(kCampaignTransfer));
    Send(std::move(m));
  }
}

VoteResult Raft::Poll(uint64_t id, raftpb::MessageType t, bool granted) {
  if (id != id_) {
    Log(LogLevel::kInfo, Str(id_) + " received " + DescribeMessageType(t) +
                             (granted ? "" : " rejection") + " from " + Str(id) + " at term " +
                             Str(term_));
  }
  trk_.RecordVote(id, granted);
  return trk_.TallyVotes(nullptr, nullptr);
}

void Raft::HandleVoteRequest(const raftpb::Message& m) {
  // We may vote if we already voted for this candidate (a repeated request),
  // if we have not voted and know no leader in this term, or if it is a
  // pre-vote for a later term.
  const bool can_vote = vote_ == m.from() || (vote_ == kNone && lead_ == kNone) ||
                        (m.type() == raftpb::MsgPreVote && m.term() > term_);
  raftpb::Message resp;
  resp.set_to(m.from());
  resp.set_type(VoteRespType(m.type()));
  // §5.4.1: only grant to a candidate whose log is at least as up to date.
  if (can_vote && log_.IsUpToDate(m.index(), m.log_term())) {
    Log(LogLevel::kInfo, Str(id_) + " [logterm: " + Str(log_.LastTerm()) + ", index: " +
                             Str(log_.LastIndex()) + ", vote: " + Str(vote_) + "] cast " +
                             DescribeMessageType(m.type()) + " for " + Str(m.from()) +
                             " [logterm: " + Str(m.log_term()) + ", index: " + Str(m.index()) +
                             "] at term " + Str(term_));
    // The response carries the request's term: for a pre-vote that is a
    // future term, which the pre-candidate recognizes.
    resp.set_term(m.term());
    Send(std::move(resp));
    if (m.type() == raftpb::MsgVote) {
      election_elapsed_ = 0;
      vote_ = m.from();
    }
  } else {
    Log(LogLevel::kInfo, Str(id_) + " [logterm: " + Str(log_.LastTerm()) + ", index: " +
                             Str(log_.LastIndex()) + ", vote: " + Str(vote_) + "] rejected " +
                             DescribeMessageType(m.type()) + " from " + Str(m.from()) +
                             " [logterm: " + Str(m.log_term()) + ", index: " + Str(m.index()) +
                             "] at term " + Str(term_));
    resp.set_term(term_);
    resp.set_reject(true);
    Send(std::move(resp));
  }
}

nokv::Status Raft::StepCandidate(raftpb::Message& m) {
  const raftpb::MessageType my_vote_resp =
      state_ == StateType::kPreCandidate ? raftpb::MsgPreVoteResp : raftpb::MsgVoteResp;
  switch (m.type()) {
    case raftpb::MsgProp:
      return nokv::Status::ProposalDropped("raft: no leader (campaigning)");
    case raftpb::MsgReadIndex:
      return nokv::Status::ProposalDropped("raft: no leader (campaigning)");
    case raftpb::MsgApp:
      // A leader exists in this term (or a later one): follow it.
      BecomeFollower(m.term(), m.from());
      return HandleAppendEntries(m);
    case raftpb::MsgHeartbeat:
      BecomeFollower(m.term(), m.from());
      return HandleHeartbeat(m);
    case raftpb::MsgSnap:
      BecomeFollower(m.term(), m.from());
      HandleSnapshot(m);
      return nokv::Status::OK();
    case raftpb::MsgTimeoutNow:
      Log(LogLevel::kDebug, Str(id_) + " ignored MsgTimeoutNow from " + Str(m.from()) +
                                " while campaigning");
      return nokv::Status::OK();
    default:
      break;
  }
  if (m.type() != my_vote_resp) return nokv::Status::OK();
  int granted = 0, rejected = 0;
  Poll(m.from(), m.type(), !m.reject());
  const VoteResult res = trk_.TallyVotes(&granted, &rejected);
  Log(LogLevel::kInfo, Str(id_) + " has received " + std::to_string(granted) + " " +
                           DescribeMessageType(m.type()) + " votes and " +
                           std::to_string(rejected) + " vote rejections");
  if (res == VoteResult::kWon) {
    if (state_ == StateType::kPreCandidate) {
      Campaign(CampaignType::kElection);
    } else {
      BecomeLeader();
      BcastAppend();
    }
  } else if (res == VoteResult::kLost) {
    // Pre-candidates also fall back to their own term (the rejections carried
    // ours or a newer one, which Step already handled).
    BecomeFollower(term_, kNone);
  }
  return nokv::Status::OK();
}

}  // namespace nokv::raft
