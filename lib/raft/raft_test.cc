// Feature tests of the raft state machine beyond the paper's checklist:
// pre-vote, check quorum, flow control, fast backtracking, the Figure 8
// commit rule, ReadIndex (safe and lease), membership, leader transfer,
// snapshots and malformed input.
#include <gtest/gtest.h>

#include "raft/raft_testutil.h"

namespace nokv::raft {
namespace {

using namespace testutil;  // NOLINT

std::vector<raftpb::Message> OfType(std::vector<raftpb::Message> msgs, raftpb::MessageType t) {
  std::vector<raftpb::Message> out;
  for (auto& m : msgs) {
    if (m.type() == t) out.push_back(std::move(m));
  }
  return out;
}

raftpb::Message Prop(uint64_t id, std::string data) {
  raftpb::Message m = MakeMsg(id, id, raftpb::MsgProp);
  m.add_entries()->set_data(std::move(data));
  return m;
}

auto PreVote = [](Config& c) { c.pre_vote = true; };
auto CheckQuorum = [](Config& c) { c.check_quorum = true; };

// ---- election ----

TEST(RaftElectionTest, MajorityElectsLeader) {
  struct Case {
    size_t size;
    std::set<uint64_t> down;
    StateType want;
  };
  for (const Case& c : std::vector<Case>{{3, {}, StateType::kLeader},
                                         {3, {3}, StateType::kLeader},
                                         {3, {2, 3}, StateType::kCandidate},
                                         {5, {4, 5}, StateType::kLeader},
                                         {5, {3, 4, 5}, StateType::kCandidate}}) {
    std::map<uint64_t, TestNode> nodes;
    std::vector<uint64_t> ids;
    for (uint64_t id = 1; id <= c.size; id++) ids.push_back(id);
    for (uint64_t id : ids) nodes[id] = c.down.count(id) ? TestNode{} : NewNode(id, ids);
    Network net(std::move(nodes));
    net.Campaign(1);
    EXPECT_EQ(net.Peer(1)->state(), c.want);
    EXPECT_EQ(net.Peer(1)->term(), 1u);
  }
}

TEST(RaftElectionTest, SingleNodeBecomesLeaderOnTimeout) {
  TestNode n = NewNode(1, {1});
  for (int i = 0; i < 20; i++) n->Tick();
  EXPECT_EQ(n->state(), StateType::kLeader);
  EXPECT_EQ(n->log().committed(), 1u);  // its empty entry commits alone
}

TEST(RaftElectionTest, LearnerDoesNotCampaign) {
  TestNode n = NewNode(2, {1}, 10, 1, {}, nullptr, {2});
  for (int i = 0; i < 100; i++) n->Tick();
  EXPECT_EQ(n->state(), StateType::kFollower);
  EXPECT_TRUE(TakeMessages(*n).empty());
}

// ---- pre-vote ----

// A node partitioned away keeps campaigning; without pre-vote its term runs
// ahead and deposes the leader when it comes back, with pre-vote it does not.
void CheckRejoiningNodeDisruption(bool pre_vote) {
  Network net(3, pre_vote ? std::function<void(Config&)>(PreVote) : nullptr);
  net.Campaign(1);
  ASSERT_EQ(net.Peer(1)->state(), StateType::kLeader);
  const uint64_t term = net.Peer(1)->term();
  net.Isolate(3);
  net.Propose(1, "while 3 is away");  // 3 falls behind
  for (int i = 0; i < 3; i++) net.Campaign(3);
  if (pre_vote) {
    EXPECT_EQ(net.Peer(3)->term(), term);
    EXPECT_EQ(net.Peer(3)->state(), StateType::kPreCandidate);
  } else {
    EXPECT_EQ(net.Peer(3)->term(), term + 3);
  }
  net.Recover();
  net.Campaign(3);
  if (pre_vote) {
    // The pre-vote fails (3's log is behind) and nobody changes term.
    EXPECT_EQ(net.Peer(1)->state(), StateType::kLeader);
    EXPECT_EQ(net.Peer(1)->term(), term);
    EXPECT_EQ(net.Peer(3)->state(), StateType::kFollower);
  } else {
    // The higher term forces the leader to step down.
    EXPECT_EQ(net.Peer(1)->state(), StateType::kFollower);
    EXPECT_GT(net.Peer(1)->term(), term);
  }
}

TEST(RaftPreVoteTest, WithoutPreVoteARejoiningNodeDisrupts) { CheckRejoiningNodeDisruption(false); }
TEST(RaftPreVoteTest, PreVoteKeepsLeaderStable) { CheckRejoiningNodeDisruption(true); }

TEST(RaftPreVoteTest, PreVoteWinsThenRealElection) {
  Network net(3, PreVote);
  net.Campaign(1);
  EXPECT_EQ(net.Peer(1)->state(), StateType::kLeader);
  EXPECT_EQ(net.Peer(1)->term(), 1u);  // one real election: term 1, not 2
  EXPECT_EQ(net.Peer(2)->term(), 1u);
}

TEST(RaftPreVoteTest, PreVoteDoesNotChangeVoterState) {
  TestNode n = NewNode(1, {1, 2, 3}, 10, 1, {}, PreVote);
  raftpb::Message m = MakeMsg(2, 1, raftpb::MsgPreVote, 5);
  ASSERT_TRUE(n->Step(m).ok());
  auto msgs = TakeMessages(*n);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type(), raftpb::MsgPreVoteResp);
  EXPECT_FALSE(msgs[0].reject());
  EXPECT_EQ(msgs[0].term(), 5u);
  EXPECT_EQ(n->term(), 0u);
  EXPECT_EQ(n->vote(), kNone);
}

// ---- check quorum ----

TEST(RaftCheckQuorumTest, LeaderStepsDownWithoutQuorum) {
  Network net(3, CheckQuorum);
  net.Campaign(1);
  ASSERT_EQ(net.Peer(1)->state(), StateType::kLeader);
  net.Isolate(1);
  // One election timeout marks peers inactive, the next one deposes.
  for (int i = 0; i < 2 * 10 + 1; i++) {
    net.Peer(1)->Tick();
    net.Send(TakeMessages(*net.Peer(1)));
  }
  EXPECT_EQ(net.Peer(1)->state(), StateType::kFollower);
}

TEST(RaftCheckQuorumTest, LeaderKeepsLeadershipWithQuorum) {
  Network net(3, CheckQuorum);
  net.Campaign(1);
  net.Isolate(3);
  for (int i = 0; i < 5 * 10; i++) {
    net.Peer(1)->Tick();
    net.Send(TakeMessages(*net.Peer(1)));
  }
  EXPECT_EQ(net.Peer(1)->state(), StateType::kLeader);
}

TEST(RaftCheckQuorumTest, FollowerInLeaseIgnoresVotes) {
  Network net(3, CheckQuorum);
  net.Campaign(1);
  const uint64_t term = net.Peer(1)->term();
  // 3 campaigns at once (e.g. its clock runs fast): 2 heard from 1 recently.
  net.Campaign(3);
  EXPECT_EQ(net.Peer(1)->state(), StateType::kLeader);
  EXPECT_EQ(net.Peer(2)->term(), term);
  EXPECT_EQ(net.Peer(3)->state(), StateType::kCandidate);
}

// ---- replication and flow control ----

TEST(RaftReplicationTest, InflightWindowBoundsPipelining) {
  TestNode n = NewNode(1, {1, 2}, 10, 1, {}, [](Config& c) {
    c.max_inflight_msgs = 3;
    c.max_size_per_msg = 0;  // one entry per MsgApp
  });
  Raft& r = *n;
  r.BecomeCandidate();
  r.BecomeLeader();
  // Move 2 into replicate state.
  raftpb::Message ack = MakeMsg(2, 1, raftpb::MsgAppResp, r.term());
  ack.set_index(1);
  ASSERT_TRUE(r.Step(ack).ok());
  TakeMessages(r);
  for (int i = 0; i < 10; i++) ASSERT_TRUE(r.Step(Prop(1, "x")).ok());
  auto apps = OfType(TakeMessages(r), raftpb::MsgApp);
  EXPECT_EQ(apps.size(), 3u);
  EXPECT_TRUE(r.tracker().Get(2)->IsPaused());
  // An ack frees the window: exactly as many new messages go out.
  ack.set_index(apps[1].index() + 1);
  ASSERT_TRUE(r.Step(ack).ok());
  EXPECT_EQ(OfType(TakeMessages(r), raftpb::MsgApp).size(), 2u);
  // A heartbeat response frees one slot of a full window.
  ASSERT_TRUE(r.Step(MakeMsg(2, 1, raftpb::MsgHeartbeatResp, r.term())).ok());
  EXPECT_EQ(OfType(TakeMessages(r), raftpb::MsgApp).size(), 1u);
}

TEST(RaftReplicationTest, MaxSizePerMsg) {
  const uint64_t one = MakeEntry(2, 1, "0123456789").ByteSizeLong();
  TestNode n = NewNode(1, {1, 2}, 10, 1, {}, [one](Config& c) {
    c.max_size_per_msg = 3 * one;
  });
  Raft& r = *n;
  r.BecomeCandidate();
  r.BecomeLeader();
  TakeMessages(r);
  for (int i = 0; i < 9; i++) ASSERT_TRUE(r.Step(Prop(1, "0123456789")).ok());
  TakeMessages(r);
  // Probe finds index 1 matching; then the leader sends what fits.
  raftpb::Message ack = MakeMsg(2, 1, raftpb::MsgAppResp, r.term());
  ack.set_index(1);
  ASSERT_TRUE(r.Step(ack).ok());
  auto apps = OfType(TakeMessages(r), raftpb::MsgApp);
  ASSERT_FALSE(apps.empty());
  for (const auto& m : apps) {
    uint64_t size = 0;
    for (const auto& e : m.entries()) size += e.ByteSizeLong();
    EXPECT_LE(size, 3 * one);
    EXPECT_GE(m.entries_size(), 1);
  }
  EXPECT_EQ(apps.size(), 3u);  // 9 entries, 3 per message
}

TEST(RaftReplicationTest, UncommittedSizeLimitDropsProposals) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.Bootstrap(Voters({1, 2})).ok());
  Config c = TestConfig(1, 10, 1, &storage);
  c.max_uncommitted_entries_size = 30;
  std::unique_ptr<RawNode> node;
  ASSERT_TRUE(RawNode::Create(c, &node).ok());
  ASSERT_TRUE(node->Campaign().ok());
  raftpb::Message vote = MakeMsg(2, 1, raftpb::MsgVoteResp, 1);
  ASSERT_TRUE(node->Step(vote).ok());
  ASSERT_EQ(node->GetSoftState().raft_state, StateType::kLeader);
  const std::string data(10, 'x');
  for (int i = 0; i < 3; i++) EXPECT_TRUE(node->Propose(data).ok()) << i;
  nokv::Status s = node->Propose(data);
  EXPECT_TRUE(s.IsProposalDropped()) << s.ToString();
  // Once the entries commit and are handed out, there is room again.
  Ready rd;
  ASSERT_TRUE(node->GetReady(&rd).ok());
  ASSERT_TRUE(storage.Append(rd.entries).ok());
  node->Advance(rd);
  raftpb::Message ack = MakeMsg(2, 1, raftpb::MsgAppResp, 1);
  ack.set_index(4);
  ASSERT_TRUE(node->Step(ack).ok());
  ASSERT_TRUE(node->GetReady(&rd).ok());
  EXPECT_EQ(rd.committed_entries.size(), 4u);
  node->Advance(rd);
  EXPECT_TRUE(node->Propose(data).ok());
}

TEST(RaftReplicationTest, FastBacktrackingSkipsWholeTerms) {
  // Figure 7 (f): the follower has many entries of terms 2 and 3 that the
  // leader does not; naive backtracking would take one round per entry.
  std::vector<raftpb::Entry> lead_log, foll_log;
  const std::vector<uint64_t> lt = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  const std::vector<uint64_t> ft = {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3};
  for (size_t i = 0; i < lt.size(); i++) lead_log.push_back(MakeEntry(i + 1, lt[i]));
  for (size_t i = 0; i < ft.size(); i++) foll_log.push_back(MakeEntry(i + 1, ft[i]));
  TestNode lead = NewNode(1, {1, 2}, 10, 1, lead_log);
  TestNode foll = NewNode(2, {1, 2}, 10, 1, foll_log);
  raftpb::HardState hs;
  hs.set_term(7);
  lead->LoadState(hs);
  foll->LoadState(hs);
  lead->BecomeCandidate();
  lead->BecomeLeader();
  // Ping-pong until the follower accepts.
  int rejects = 0;
  raftpb::Message m = Prop(1, "x");
  ASSERT_TRUE(lead->Step(m).ok());
  for (int round = 0; round < 20; round++) {
    auto apps = OfType(TakeMessages(*lead), raftpb::MsgApp);
    if (apps.empty()) break;
    for (const auto& a : apps) ASSERT_TRUE(foll->Step(a).ok());
    for (const auto& resp : TakeMessages(*foll)) {
      rejects += resp.reject() ? 1 : 0;
      ASSERT_TRUE(lead->Step(resp).ok());
    }
  }
  EXPECT_LE(rejects, 2);
  EXPECT_EQ(lead->tracker().Get(2)->match, lead->log().LastIndex());
  auto a = AllEntries(*lead), b = AllEntries(*foll);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); i++) EXPECT_EQ(a[i].term(), b[i].term());
}

// Figure 8 of the paper: a leader must not commit an entry of an earlier term
// because it is stored on a majority; that entry can still be overwritten.
TEST(RaftReplicationTest, Figure8OldTermEntryOnMajorityIsNotCommitted) {
  const std::vector<uint64_t> ids = {1, 2, 3, 4, 5};
  std::map<uint64_t, TestNode> nodes;
  // (c): S1 and S2 hold (2, term 2); S5 holds (2, term 3); S3, S4 only 1.
  nodes[1] = NewNode(1, ids, 10, 1, {MakeEntry(1, 1), MakeEntry(2, 2)});
  nodes[2] = NewNode(2, ids, 10, 1, {MakeEntry(1, 1), MakeEntry(2, 2)});
  nodes[3] = NewNode(3, ids, 10, 1, {MakeEntry(1, 1)});
  nodes[4] = NewNode(4, ids, 10, 1, {MakeEntry(1, 1)});
  nodes[5] = NewNode(5, ids, 10, 1, {MakeEntry(1, 1), MakeEntry(2, 3)});
  for (auto& [id, n] : nodes) {
    raftpb::HardState hs;
    hs.set_term(3);
    hs.set_commit(1);
    n->LoadState(hs);
  }
  Raft& s1 = *nodes[1];
  s1.BecomeCandidate();  // term 4
  s1.BecomeLeader();
  TakeMessages(s1);
  // S3 acknowledges index 2 (not yet the term-4 entry at 3): S1, S2, S3
  // store (2, term 2), a majority. Counting must not commit it.
  for (uint64_t id : {2u, 3u}) {
    raftpb::Message ack = MakeMsg(id, 1, raftpb::MsgAppResp, 4);
    ack.set_index(2);
    ASSERT_TRUE(s1.Step(ack).ok());
  }
  EXPECT_EQ(s1.log().committed(), 1u);
  // (d): S1 crashes, S5 wins term 5 (its last term 3 beats everyone's) and
  // overwrites index 2 everywhere: had S1 committed it, it would be lost.
  nodes[3]->Step(MakeMsg(1, 3, raftpb::MsgApp, 4)).ok();  // S3 adopts term 4
  TakeMessages(*nodes[3]);
  nodes[1] = TestNode{};
  Network net(std::move(nodes));
  net.Campaign(5);
  ASSERT_EQ(net.Peer(5)->state(), StateType::kLeader);
  net.Propose(5, "after");
  for (uint64_t id : {2u, 3u, 4u, 5u}) {
    uint64_t t = 0;
    ASSERT_TRUE(net.Peer(id)->log().Term(2, &t).ok());
    EXPECT_EQ(t, 3u) << "node " << id;
    EXPECT_GE(net.Peer(id)->log().committed(), 2u);
  }
}

// ---- ReadIndex ----

TEST(RaftReadIndexTest, SafeReadNeedsQuorumHeartbeat) {
  Network net(3);
  net.Campaign(1);
  Raft& lead = *net.Peer(1);
  ASSERT_EQ(lead.state(), StateType::kLeader);
  const uint64_t commit = lead.log().committed();
  raftpb::Message req = MakeMsg(1, 1, raftpb::MsgReadIndex);
  req.add_entries()->set_data("ctx1");
  ASSERT_TRUE(lead.Step(req).ok());
  EXPECT_TRUE(lead.read_states().empty());  // waits for the heartbeat round
  auto beats = OfType(TakeMessages(lead), raftpb::MsgHeartbeat);
  ASSERT_EQ(beats.size(), 2u);
  EXPECT_EQ(beats[0].context(), "ctx1");
  // One acknowledgement plus the leader itself is a quorum of 3.
  raftpb::Message resp = MakeMsg(2, 1, raftpb::MsgHeartbeatResp, lead.term());
  resp.set_context("ctx1");
  ASSERT_TRUE(lead.Step(resp).ok());
  ASSERT_EQ(lead.read_states().size(), 1u);
  EXPECT_EQ(lead.read_states()[0].index, commit);
  EXPECT_EQ(lead.read_states()[0].request_ctx, "ctx1");
}

TEST(RaftReadIndexTest, FollowerReadIsForwarded) {
  Network net(3);
  net.Campaign(1);
  net.Propose(1, "a");
  raftpb::Message req = MakeMsg(2, 2, raftpb::MsgReadIndex);
  req.add_entries()->set_data("from2");
  net.Send(req);
  Raft& f = *net.Peer(2);
  ASSERT_EQ(f.read_states().size(), 1u);
  EXPECT_EQ(f.read_states()[0].index, net.Peer(1)->log().committed());
  EXPECT_EQ(f.read_states()[0].request_ctx, "from2");
}

TEST(RaftReadIndexTest, NewLeaderAnswersOnlyAfterCommittingInItsTerm) {
  Network net(3);
  net.Campaign(1);
  net.Ignore(raftpb::MsgApp);  // nothing replicates: the leader's entry stays uncommitted
  net.Campaign(2);
  Raft& lead = *net.Peer(2);
  ASSERT_EQ(lead.state(), StateType::kLeader);
  ASSERT_NE(lead.log().TermOrZero(lead.log().committed()), lead.term());
  raftpb::Message req = MakeMsg(2, 2, raftpb::MsgReadIndex);
  req.add_entries()->set_data("early");
  net.Send(req);
  EXPECT_TRUE(lead.read_states().empty());
  net.Recover();
  net.Send(MakeMsg(2, 2, raftpb::MsgBeat));  // responses unpause the probes
  EXPECT_EQ(lead.log().TermOrZero(lead.log().committed()), lead.term());
  ASSERT_EQ(lead.read_states().size(), 1u);
  EXPECT_EQ(lead.read_states()[0].request_ctx, "early");
  EXPECT_GE(lead.read_states()[0].index, 2u);
}

TEST(RaftReadIndexTest, LeaseReadAnswersWithoutMessages) {
  Network net(3, [](Config& c) {
    c.check_quorum = true;
    c.read_only_option = ReadOnlyOption::kLeaseBased;
  });
  net.Campaign(1);
  Raft& lead = *net.Peer(1);
  // A quorum acknowledged a heartbeat sent just now: the lease holds.
  net.Send(MakeMsg(1, 1, raftpb::MsgBeat));
  raftpb::Message req = MakeMsg(1, 1, raftpb::MsgReadIndex);
  req.add_entries()->set_data("lease");
  ASSERT_TRUE(lead.Step(req).ok());
  EXPECT_TRUE(TakeMessages(lead).empty());
  ASSERT_EQ(lead.read_states().size(), 1u);
  EXPECT_EQ(lead.read_states()[0].index, lead.log().committed());
}

// The lease ends election_tick - 1 ticks after the newest heartbeat a quorum
// acknowledged was sent (followers grant votes election_tick ticks after
// receiving it): after that the read takes a heartbeat round.
TEST(RaftReadIndexTest, ExpiredLeaseFallsBackToHeartbeatRound) {
  Network net(3, [](Config& c) {
    c.check_quorum = true;
    c.read_only_option = ReadOnlyOption::kLeaseBased;
  });
  net.Campaign(1);
  Raft& lead = *net.Peer(1);
  net.Send(MakeMsg(1, 1, raftpb::MsgBeat));  // acknowledged at send tick T
  auto read = [&](const std::string& ctx) {
    raftpb::Message req = MakeMsg(1, 1, raftpb::MsgReadIndex);
    req.add_entries()->set_data(ctx);
    EXPECT_TRUE(lead.Step(req).ok());
    return TakeMessages(lead);
  };
  // election_tick is 10: the lease holds through T + 8 and ends at T + 9.
  for (int i = 0; i < 8; i++) lead.Tick();
  (void)TakeMessages(lead);  // the heartbeats the ticks sent (not delivered)
  EXPECT_TRUE(read("in-lease").empty());
  ASSERT_EQ(lead.read_states().size(), 1u);
  lead.Tick();
  (void)TakeMessages(lead);
  ASSERT_EQ(lead.state(), StateType::kLeader);
  std::vector<raftpb::Message> msgs = read("expired");
  ASSERT_EQ(msgs.size(), 2u);
  for (const auto& m : msgs) {
    EXPECT_EQ(m.type(), raftpb::MsgHeartbeat);
    EXPECT_EQ(m.context(), "expired");
  }
  EXPECT_EQ(lead.read_states().size(), 1u);  // not answered yet
  net.Send(msgs);
  ASSERT_EQ(lead.read_states().size(), 2u);
  EXPECT_EQ(lead.read_states()[1].request_ctx, "expired");
}

TEST(RaftReadIndexTest, LeaseReadRequiresCheckQuorum) {
  MemoryStorage storage;
  Config c = TestConfig(1, 10, 1, &storage);
  c.read_only_option = ReadOnlyOption::kLeaseBased;
  EXPECT_TRUE(c.Validate().IsInvalidArgument());
  c.check_quorum = true;
  EXPECT_TRUE(c.Validate().ok());
}

TEST(RaftReadIndexTest, NoLeaderDropsRead) {
  TestNode n = NewNode(1, {1, 2, 3});
  raftpb::Message req = MakeMsg(1, 1, raftpb::MsgReadIndex);
  req.add_entries()->set_data("x");
  EXPECT_TRUE(n->Step(req).IsProposalDropped());
}

// ---- malformed input ----

TEST(RaftRobustnessTest, BogusHeartbeatCommitIsRefused) {
  TestNode n = NewNode(1, {1, 2});
  raftpb::Message hb = MakeMsg(2, 1, raftpb::MsgHeartbeat, 1);
  hb.set_commit(100);
  EXPECT_FALSE(n->Step(hb).ok());
  EXPECT_EQ(n->log().committed(), 0u);
}

TEST(RaftRobustnessTest, AppendBelowCommitDoesNotTouchCommittedEntries) {
  TestNode n = NewNode(1, {1, 2}, 10, 1, {MakeEntry(1, 1), MakeEntry(2, 1)});
  raftpb::HardState hs;
  hs.set_term(1);
  hs.set_commit(2);
  n->LoadState(hs);
  // A (buggy or stale) leader tries to rewrite committed entry 2.
  raftpb::Message app = MakeMsg(2, 1, raftpb::MsgApp, 3);
  app.set_index(1);
  app.set_log_term(1);
  *app.add_entries() = MakeEntry(2, 3);
  ASSERT_TRUE(n->Step(app).ok());
  uint64_t t = 0;
  ASSERT_TRUE(n->log().Term(2, &t).ok());
  EXPECT_EQ(t, 1u);
  auto msgs = TakeMessages(*n);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].index(), 2u);  // answers with its commit index
}

TEST(RaftRobustnessTest, MalformedAppendsAreRefused) {
  TestNode n = NewNode(1, {1, 2}, 10, 1, {MakeEntry(1, 1)});
  std::vector<std::vector<raftpb::Entry>> bad = {
      {MakeEntry(5, 1)},                   // gap
      {MakeEntry(2, 1), MakeEntry(2, 1)},  // repeated index
      {MakeEntry(2, 2), MakeEntry(3, 1)},  // decreasing term
      {MakeEntry(2, 9)},                   // term beyond the leader's
  };
  for (size_t i = 0; i < bad.size(); i++) {
    raftpb::Message app = MakeMsg(2, 1, raftpb::MsgApp, 2);
    app.set_index(1);
    app.set_log_term(1);
    for (const auto& e : bad[i]) *app.add_entries() = e;
    EXPECT_TRUE(n->Step(app).IsInvalidArgument()) << "case " << i;
    EXPECT_EQ(n->log().LastIndex(), 1u) << "case " << i;
  }
}

TEST(RaftRobustnessTest, AckBeyondLastIndexIsRefused) {
  TestNode n = NewNode(1, {1, 2, 3});
  n->BecomeCandidate();
  n->BecomeLeader();
  raftpb::Message ack = MakeMsg(2, 1, raftpb::MsgAppResp, 1);
  ack.set_index(50);
  EXPECT_TRUE(n->Step(ack).IsInvalidArgument());
  EXPECT_EQ(n->tracker().Get(2)->match, 0u);
}

TEST(RaftRobustnessTest, RawNodeRefusesLocalMessagesAndUnknownResponders) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.Bootstrap(Voters({1, 2})).ok());
  std::unique_ptr<RawNode> node;
  ASSERT_TRUE(RawNode::Create(TestConfig(1, 10, 1, &storage), &node).ok());
  EXPECT_TRUE(node->Step(MakeMsg(1, 1, raftpb::MsgHup)).IsInvalidArgument());
  EXPECT_TRUE(node->Step(MakeMsg(9, 1, raftpb::MsgAppResp, 1)).IsInvalidArgument());
}

}  // namespace
}  // namespace nokv::raft
