// RawNode: Ready/Advance bookkeeping, bootstrap, storage failures surfacing
// as errors (never crashes, nothing consumed), and the pending-conf-change
// rule seen by a proposer.
#include <gtest/gtest.h>

#include "raft/raft_testutil.h"

namespace nokv::raft {
namespace {

using testutil::MakeMsg;
using testutil::TestConfig;
using testutil::Voters;

// A MemoryStorage whose reads can be made to fail.
class FaultyStorage : public Storage {
 public:
  MemoryStorage mem;
  bool fail_entries = false;

  nokv::Status InitialState(raftpb::HardState* hs, raftpb::ConfState* cs) const override {
    return mem.InitialState(hs, cs);
  }
  nokv::Status Entries(uint64_t lo, uint64_t hi, uint64_t max_size,
                       std::vector<raftpb::Entry>* out) const override {
    if (fail_entries) return nokv::Status::IOError("injected read failure");
    return mem.Entries(lo, hi, max_size, out);
  }
  nokv::Status Term(uint64_t i, uint64_t* term) const override { return mem.Term(i, term); }
  nokv::Status FirstIndex(uint64_t* index) const override { return mem.FirstIndex(index); }
  nokv::Status LastIndex(uint64_t* index) const override { return mem.LastIndex(index); }
  nokv::Status Snapshot(raftpb::Snapshot* snap) const override { return mem.Snapshot(snap); }
};

// Persists and acknowledges one Ready; returns it.
Ready Handle(RawNode& node, MemoryStorage& storage) {
  Ready rd;
  EXPECT_TRUE(node.GetReady(&rd).ok());
  if (!IsEmptyHardState(rd.hard_state)) storage.SetHardState(rd.hard_state);
  EXPECT_TRUE(storage.Append(rd.entries).ok());
  for (const auto& e : rd.committed_entries) {
    if (e.type() == raftpb::EntryConfChange) {
      raftpb::ConfChange cc;
      EXPECT_TRUE(cc.ParseFromString(e.data()));
      node.ApplyConfChange(cc);
    }
  }
  node.Advance(rd);
  return rd;
}

TEST(RawNodeTest, SingleNodeProposeCommitApply) {
  MemoryStorage storage;
  std::unique_ptr<RawNode> node;
  ASSERT_TRUE(RawNode::Create(TestConfig(1, 10, 1, &storage), &node).ok());
  ASSERT_TRUE(node->Bootstrap({1}).ok());
  Ready rd = Handle(*node, storage);
  ASSERT_EQ(rd.committed_entries.size(), 1u);  // the bootstrap conf change
  EXPECT_TRUE(rd.must_sync);
  ASSERT_TRUE(node->Campaign().ok());
  rd = Handle(*node, storage);
  ASSERT_TRUE(rd.soft_state.has_value());
  EXPECT_EQ(rd.soft_state->raft_state, StateType::kLeader);
  ASSERT_TRUE(node->Propose("hello").ok());
  rd = Handle(*node, storage);
  ASSERT_FALSE(rd.committed_entries.empty());
  EXPECT_EQ(rd.committed_entries.back().data(), "hello");
  EXPECT_FALSE(node->HasReady());
  EXPECT_EQ(node->GetStatus().applied, rd.committed_entries.back().index());
  // Bootstrapping twice is refused.
  EXPECT_TRUE(node->Bootstrap({1}).IsInvalidArgument());
}

TEST(RawNodeTest, ReadFailureSurfacesFromReady) {
  // Committed entries that live in storage must be read from it: a failing
  // read is returned by GetReady, and a retry after the fault succeeds.
  FaultyStorage storage;
  ASSERT_TRUE(storage.mem.Bootstrap(Voters({1})).ok());
  ASSERT_TRUE(storage.mem.Append({testutil::MakeEntry(1, 1, "a"), testutil::MakeEntry(2, 1, "b")}).ok());
  raftpb::HardState hs;
  hs.set_term(1);
  hs.set_commit(2);
  storage.mem.SetHardState(hs);
  std::unique_ptr<RawNode> node;
  ASSERT_TRUE(RawNode::Create(TestConfig(1, 10, 1, &storage), &node).ok());
  storage.fail_entries = true;
  Ready rd;
  nokv::Status s = node->GetReady(&rd);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(node->HasReady());
  storage.fail_entries = false;
  ASSERT_TRUE(node->GetReady(&rd).ok());
  ASSERT_EQ(rd.committed_entries.size(), 2u);
  EXPECT_EQ(rd.committed_entries[1].data(), "b");
}

TEST(RawNodeTest, SecondConfChangeIsDroppedUntilFirstApplied) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.Bootstrap(Voters({1})).ok());
  std::unique_ptr<RawNode> node;
  ASSERT_TRUE(RawNode::Create(TestConfig(1, 10, 1, &storage), &node).ok());
  ASSERT_TRUE(node->Campaign().ok());
  Handle(*node, storage);
  raftpb::ConfChange cc;
  cc.set_type(raftpb::ConfChangeAddNode);
  cc.set_node_id(2);
  ASSERT_TRUE(node->ProposeConfChange(cc).ok());
  cc.set_node_id(3);
  EXPECT_TRUE(node->ProposeConfChange(cc).IsProposalDropped());
  // Normal proposals are not affected.
  EXPECT_TRUE(node->Propose("data").ok());
  Handle(*node, storage);  // commits and applies the first change
  EXPECT_EQ(node->GetStatus().config.voters_size(), 2);
  EXPECT_TRUE(node->ProposeConfChange(cc).ok());
}

TEST(RawNodeTest, MustSyncOnlyForTermVoteOrEntries) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.Bootstrap(Voters({1, 2})).ok());
  std::unique_ptr<RawNode> node;
  ASSERT_TRUE(RawNode::Create(TestConfig(1, 10, 1, &storage), &node).ok());
  ASSERT_TRUE(node->Campaign().ok());
  Ready rd = Handle(*node, storage);
  EXPECT_TRUE(rd.must_sync);  // term and vote changed
  ASSERT_TRUE(node->Step(MakeMsg(2, 1, raftpb::MsgVoteResp, 1)).ok());
  rd = Handle(*node, storage);
  EXPECT_TRUE(rd.must_sync);  // the leader's empty entry
  raftpb::Message ack = MakeMsg(2, 1, raftpb::MsgAppResp, 1);
  ack.set_index(1);
  ASSERT_TRUE(node->Step(ack).ok());
  rd = Handle(*node, storage);
  EXPECT_EQ(rd.hard_state.commit(), 1u);
  EXPECT_FALSE(rd.must_sync);  // only the commit index moved
}

TEST(RawNodeTest, TransferLeaderDropsProposalsUntilAborted) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.Bootstrap(Voters({1, 2})).ok());
  std::unique_ptr<RawNode> node;
  ASSERT_TRUE(RawNode::Create(TestConfig(1, 10, 1, &storage), &node).ok());
  ASSERT_TRUE(node->Campaign().ok());
  ASSERT_TRUE(node->Step(MakeMsg(2, 1, raftpb::MsgVoteResp, 1)).ok());
  Handle(*node, storage);
  node->TransferLeader(2);
  EXPECT_EQ(node->GetStatus().lead_transferee, 2u);
  EXPECT_TRUE(node->Propose("x").IsProposalDropped());
  for (int i = 0; i < 10; i++) node->Tick();
  EXPECT_EQ(node->GetStatus().lead_transferee, kNone);
  EXPECT_TRUE(node->Propose("x").ok());
}

}  // namespace
}  // namespace nokv::raft
