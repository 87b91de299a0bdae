// RawNode: the thread-compatible driver around Raft; builds Ready values and
// accepts them back in Advance.
#include "raft/raft_impl.h"

namespace nokv::raft {

RawNode::RawNode(std::unique_ptr<Raft> raft) : raft_(std::move(raft)) {
  prev_soft_state_ = raft_->GetSoftState();
  prev_hard_state_ = raft_->GetHardState();
}

RawNode::~RawNode() = default;

nokv::Status RawNode::Create(const Config& config, std::unique_ptr<RawNode>* node) {
  std::unique_ptr<Raft> r;
  NOKV_RETURN_IF_ERROR(Raft::Create(config, &r));
  node->reset(new RawNode(std::move(r)));
  return nokv::Status::OK();
}

nokv::Status RawNode::Bootstrap(const std::vector<uint64_t>& voters) {
  if (voters.empty()) return nokv::Status::InvalidArgument("raft: bootstrap needs voters");
  Raft& r = *raft_;
  if (r.log().LastIndex() != 0) {
    return nokv::Status::InvalidArgument("raft: bootstrap of a non-empty log");
  }
  std::vector<raftpb::Entry> ents;
  for (size_t i = 0; i < voters.size(); i++) {
    raftpb::ConfChange cc;
    cc.set_type(raftpb::ConfChangeAddNode);
    cc.set_node_id(voters[i]);
    raftpb::Entry e;
    e.set_type(raftpb::EntryConfChange);
    e.set_term(1);
    e.set_index(i + 1);
    e.set_data(cc.SerializeAsString());
    ents.push_back(std::move(e));
  }
  // Like a node that accepted these entries from a leader of term 1.
  r.BecomeFollower(1, kNone);
  uint64_t last = 0;
  NOKV_RETURN_IF_ERROR(r.log().Append(ents, &last));
  NOKV_RETURN_IF_ERROR(r.log().CommitTo(last));
  for (uint64_t id : voters) {
    raftpb::ConfChange cc;
    cc.set_type(raftpb::ConfChangeAddNode);
    cc.set_node_id(id);
    r.ApplyConfChange(cc);
  }
  return nokv::Status::OK();
}

uint64_t RawNode::id() const { return raft_->id(); }

void RawNode::Tick() { raft_->Tick(); }

nokv::Status RawNode::Campaign() {
  raftpb::Message m;
  m.set_type(raftpb::MsgHup);
  NOKV_RETURN_IF_ERROR(raft_->Step(std::move(m)));
  return raft_->TakeStorageError();
}

nokv::Status RawNode::Propose(std::string data) {
  raftpb::Message m;
  m.set_type(raftpb::MsgProp);
  m.set_from(raft_->id());
  m.add_entries()->set_data(std::move(data));
  NOKV_RETURN_IF_ERROR(raft_->Step(std::move(m)));
  return raft_->TakeStorageError();
}

nokv::Status RawNode::ProposeConfChange(const raftpb::ConfChange& cc) {
  raftpb::Message m;
  m.set_type(raftpb::MsgProp);
  m.set_from(raft_->id());
  raftpb::Entry* e = m.add_entries();
  e->set_type(raftpb::EntryConfChange);
  e->set_data(cc.SerializeAsString());
  NOKV_RETURN_IF_ERROR(raft_->Step(std::move(m)));
  return raft_->TakeStorageError();
}

nokv::Status RawNode::Step(const raftpb::Message& m) {
  if (IsLocalMessage(m.type())) {
    return nokv::Status::InvalidArgument("raft: cannot step raft local message");
  }
  if (IsResponseMessage(m.type()) && raft_->tracker().progress().count(m.from()) == 0) {
    return nokv::Status::InvalidArgument("raft: cannot step as peer not found");
  }
  // Only forwarded proposals and read requests travel without a term; any
  // other term-0 message would be taken for a local one (a term-0 heartbeat
  // turned a candidate into a follower of term 0).
  if (m.term() == 0 && m.type() != raftpb::MsgProp && m.type() != raftpb::MsgReadIndex) {
    return nokv::Status::InvalidArgument("raft: a peer message without a term");
  }
  NOKV_RETURN_IF_ERROR(raft_->Step(m));
  return raft_->TakeStorageError();
}

raftpb::ConfState RawNode::ApplyConfChange(const raftpb::ConfChange& cc) {
  return raft_->ApplyConfChange(cc);
}

bool RawNode::HardStateChanged(const raftpb::HardState& hs) const {
  return hs.term() != prev_hard_state_.term() || hs.vote() != prev_hard_state_.vote() ||
         hs.commit() != prev_hard_state_.commit();
}

bool RawNode::HasReady() const {
  Raft& r = *raft_;
  if (!(r.GetSoftState() == prev_soft_state_)) return true;
  const raftpb::HardState hs = r.GetHardState();
  if (!IsEmptyHardState(hs) && HardStateChanged(hs)) return true;
  if (r.log().HasPendingSnapshot()) return true;
  if (!r.msgs().empty() || !r.log().unstable().entries.empty()) return true;
  if (!r.read_states().empty()) return true;
  return r.log().HasNextEntries();
}

nokv::Status RawNode::GetReady(Ready* ready) {
  Raft& r = *raft_;
  Ready rd;
  // Everything that can fail comes first, so that a failure consumes nothing.
  NOKV_RETURN_IF_ERROR(r.log().NextEntries(&rd.committed_entries));
  NOKV_RETURN_IF_ERROR(r.TakeStorageError());
  rd.entries = r.log().UnstableEntries();
  const SoftState ss = r.GetSoftState();
  if (!(ss == prev_soft_state_)) rd.soft_state = ss;
  const raftpb::HardState hs = r.GetHardState();
  if (HardStateChanged(hs)) rd.hard_state = hs;
  if (r.log().unstable().snapshot) rd.snapshot = *r.log().unstable().snapshot;
  rd.read_states = std::move(r.read_states());
  r.read_states().clear();
  rd.messages = std::move(r.msgs());
  r.msgs().clear();
  // Term and vote must be durable before a vote or an ack goes out; a
  // commit-index change alone may be lost (it is re-learned).
  rd.must_sync = !rd.entries.empty() || hs.vote() != prev_hard_state_.vote() ||
                 hs.term() != prev_hard_state_.term();
  if (rd.soft_state) prev_soft_state_ = ss;
  r.ReduceUncommittedSize(rd.committed_entries);
  *ready = std::move(rd);
  return nokv::Status::OK();
}

void RawNode::Advance(const Ready& ready) {
  if (!IsEmptyHardState(ready.hard_state)) prev_hard_state_ = ready.hard_state;
  raft_->Advance(ready);
}

void RawNode::TransferLeader(uint64_t transferee) {
  raftpb::Message m;
  m.set_type(raftpb::MsgTransferLeader);
  m.set_from(transferee);
  (void)raft_->Step(std::move(m));
}

nokv::Status RawNode::ReadIndex(std::string ctx) {
  raftpb::Message m;
  m.set_type(raftpb::MsgReadIndex);
  m.add_entries()->set_data(std::move(ctx));
  NOKV_RETURN_IF_ERROR(raft_->Step(std::move(m)));
  return raft_->TakeStorageError();
}

void RawNode::ReportUnreachable(uint64_t id) {
  raftpb::Message m;
  m.set_type(raftpb::MsgUnreachable);
  m.set_from(id);
  (void)raft_->Step(std::move(m));
}

void RawNode::ReportSnapshot(uint64_t id, SnapshotStatus status) {
  raftpb::Message m;
  m.set_type(raftpb::MsgSnapStatus);
  m.set_from(id);
  m.set_reject(status == SnapshotStatus::kFailure);
  (void)raft_->Step(std::move(m));
}

SoftState RawNode::GetSoftState() const { return raft_->GetSoftState(); }

NodeStatus RawNode::GetStatus() const {
  const Raft& r = *raft_;
  NodeStatus st;
  st.id = r.id();
  st.hard_state = r.GetHardState();
  st.soft_state = r.GetSoftState();
  st.applied = r.log().applied();
  st.lead_transferee = r.lead_transferee();
  st.config = r.tracker().ConfState();
  if (r.state() == StateType::kLeader) {
    for (const auto& [id, pr] : r.tracker().progress()) {
      ProgressStatus ps;
      ps.match = pr.match;
      ps.next = pr.next;
      ps.state = pr.state;
      ps.pending_snapshot = pr.pending_snapshot;
      ps.recent_active = pr.recent_active;
      ps.paused = pr.IsPaused();
      ps.is_learner = pr.is_learner;
      ps.inflight = pr.inflights.Count();
      st.progress.emplace(id, ps);
    }
  }
  return st;
}

}  // namespace nokv::raft
