// Small helpers of the raft contract: config validation, predicates on
// messages and state, and human-readable descriptions for logs and tests.
#include <string>

#include "raft/raft.h"

namespace nokv::raft {

nokv::Status Config::Validate() const {
  if (id == kNone) return nokv::Status::InvalidArgument("raft: cannot use none as id");
  if (heartbeat_tick <= 0) {
    return nokv::Status::InvalidArgument("raft: heartbeat tick must be greater than 0");
  }
  if (election_tick <= heartbeat_tick) {
    return nokv::Status::InvalidArgument(
        "raft: election tick must be greater than heartbeat tick");
  }
  if (storage == nullptr) return nokv::Status::InvalidArgument("raft: storage cannot be nil");
  if (max_inflight_msgs == 0) {
    return nokv::Status::InvalidArgument("raft: max inflight messages must be greater than 0");
  }
  if (read_only_option == ReadOnlyOption::kLeaseBased && !check_quorum) {
    return nokv::Status::InvalidArgument(
        "raft: check_quorum must be enabled when read_only_option is kLeaseBased");
  }
  return nokv::Status::OK();
}

const char* StateTypeName(StateType state) {
  switch (state) {
    case StateType::kFollower: return "StateFollower";
    case StateType::kCandidate: return "StateCandidate";
    case StateType::kLeader: return "StateLeader";
    case StateType::kPreCandidate: return "StatePreCandidate";
  }
  return "StateUnknown";
}

const char* ProgressStateName(ProgressState state) {
  switch (state) {
    case ProgressState::kProbe: return "StateProbe";
    case ProgressState::kReplicate: return "StateReplicate";
    case ProgressState::kSnapshot: return "StateSnapshot";
  }
  return "StateUnknown";
}

bool IsEmptyHardState(const raftpb::HardState& hs) {
  return hs.term() == 0 && hs.vote() == 0 && hs.commit() == 0;
}

bool IsEmptySnapshot(const raftpb::Snapshot& snap) { return snap.metadata().index() == 0; }

bool IsLocalMessage(raftpb::MessageType type) {
  return type == raftpb::MsgHup || type == raftpb::MsgBeat || type == raftpb::MsgUnreachable ||
         type == raftpb::MsgSnapStatus || type == raftpb::MsgCheckQuorum;
}

bool IsResponseMessage(raftpb::MessageType type) {
  return type == raftpb::MsgAppResp || type == raftpb::MsgVoteResp ||
         type == raftpb::MsgHeartbeatResp || type == raftpb::MsgUnreachable ||
         type == raftpb::MsgPreVoteResp;
}

std::string DescribeMessageType(raftpb::MessageType type) {
  return raftpb::MessageType_Name(type);
}

namespace {
std::string Str(uint64_t v) { return std::to_string(v); }

std::string Ids(const google::protobuf::RepeatedField<uint64_t>& ids) {
  std::string out;
  for (uint64_t id : ids) {
    if (!out.empty()) out += " ";
    out += Str(id);
  }
  return out;
}
}  // namespace

std::string DescribeEntry(const raftpb::Entry& e) {
  std::string out = Str(e.term()) + "/" + Str(e.index());
  if (e.type() == raftpb::EntryConfChange) {
    out += " EntryConfChange";
    raftpb::ConfChange cc;
    if (cc.ParseFromString(e.data())) {
      switch (cc.type()) {
        case raftpb::ConfChangeAddNode: out += " v" + Str(cc.node_id()); break;
        case raftpb::ConfChangeAddLearnerNode: out += " l" + Str(cc.node_id()); break;
        case raftpb::ConfChangeRemoveNode: out += " r" + Str(cc.node_id()); break;
        default: break;
      }
    }
  } else {
    out += " EntryNormal \"" + e.data() + "\"";
  }
  return out;
}

std::string DescribeEntries(const std::vector<raftpb::Entry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    if (!out.empty()) out += ", ";
    out += DescribeEntry(e);
  }
  return out;
}

std::string DescribeHardState(const raftpb::HardState& hs) {
  return "Term:" + Str(hs.term()) + " Vote:" + Str(hs.vote()) + " Commit:" + Str(hs.commit());
}

std::string DescribeConfState(const raftpb::ConfState& cs) {
  std::string out = "Voters:[" + Ids(cs.voters()) + "]";
  if (cs.learners_size() > 0) out += " Learners:[" + Ids(cs.learners()) + "]";
  return out;
}

std::string DescribeSnapshot(const raftpb::Snapshot& snap) {
  const auto& md = snap.metadata();
  std::string out = "Index:" + Str(md.index()) + " Term:" + Str(md.term()) + " ConfState:" +
                    DescribeConfState(md.conf_state());
  if (!snap.data().empty()) out += " Data:\"" + snap.data() + "\"";
  return out;
}

std::string DescribeMessage(const raftpb::Message& m) {
  std::string out = Str(m.from()) + "->" + Str(m.to()) + " " + DescribeMessageType(m.type()) +
                    " Term:" + Str(m.term()) + " Log:" + Str(m.log_term()) + "/" + Str(m.index());
  if (m.reject()) out += " Rejected (Hint: " + Str(m.reject_hint()) + ")";
  if (m.commit() != 0) out += " Commit:" + Str(m.commit());
  if (m.entries_size() > 0) {
    out += " Entries:[";
    for (int i = 0; i < m.entries_size(); i++) {
      if (i > 0) out += ", ";
      out += DescribeEntry(m.entries(i));
    }
    out += "]";
  }
  if (!m.context().empty()) out += " Context:\"" + m.context() + "\"";
  if (m.send_tick() != 0) out += " SendTick:" + Str(m.send_tick());
  if (m.has_snapshot() && !IsEmptySnapshot(m.snapshot())) {
    out += " Snapshot: " + DescribeSnapshot(m.snapshot());
  }
  return out;
}

std::string DescribeReady(const Ready& rd) {
  std::string out;
  if (rd.soft_state) {
    out += "Lead:" + Str(rd.soft_state->lead) + " State:" + StateTypeName(rd.soft_state->raft_state) +
           "\n";
  }
  if (!IsEmptyHardState(rd.hard_state)) out += "HardState " + DescribeHardState(rd.hard_state) + "\n";
  if (!rd.read_states.empty()) {
    out += "ReadStates:\n";
    for (const auto& rs : rd.read_states) {
      out += "  Index:" + Str(rs.index) + " RequestCtx:\"" + rs.request_ctx + "\"\n";
    }
  }
  if (!rd.entries.empty()) {
    out += "Entries:\n";
    for (const auto& e : rd.entries) out += "  " + DescribeEntry(e) + "\n";
  }
  if (!IsEmptySnapshot(rd.snapshot)) out += "Snapshot " + DescribeSnapshot(rd.snapshot) + "\n";
  if (!rd.committed_entries.empty()) {
    out += "CommittedEntries:\n";
    for (const auto& e : rd.committed_entries) out += "  " + DescribeEntry(e) + "\n";
  }
  if (!rd.messages.empty()) {
    out += "Messages:\n";
    for (const auto& m : rd.messages) out += "  " + DescribeMessage(m) + "\n";
  }
  if (out.empty()) out = "<empty Ready>\n";
  return out;
}

}  // namespace nokv::raft
