// The rules of the Raft paper (§5, "In Search of an Understandable Consensus
// Algorithm") as a checklist, one test per rule, in the spirit of etcd's
// raft_paper_test.go. Each test names the sentence it checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "raft/raft_testutil.h"

namespace nokv::raft {
namespace {

using namespace testutil;  // NOLINT

std::vector<raftpb::Message> SortedMsgs(Raft& r) {
  auto msgs = TakeMessages(r);
  std::sort(msgs.begin(), msgs.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(a.to(), a.type()) < std::make_tuple(b.to(), b.type());
  });
  return msgs;
}

void CommitNoopEntry(TestNode& n) {
  // Every follower acknowledges the leader's empty entry.
  Raft& r = *n;
  ASSERT_EQ(r.state(), StateType::kLeader);
  const uint64_t li = r.log().LastIndex();
  for (uint64_t id : r.tracker().voters()) {
    if (id == r.id()) continue;
    raftpb::Message ack = MakeMsg(id, r.id(), raftpb::MsgAppResp, r.term());
    ack.set_index(li);
    ASSERT_TRUE(r.Step(ack).ok());
  }
  ASSERT_EQ(r.log().committed(), li);
  TakeMessages(r);
  PersistAndApply(n);
}

raftpb::Message AcceptAndReply(const raftpb::Message& m) {
  EXPECT_EQ(m.type(), raftpb::MsgApp);
  raftpb::Message r = MakeMsg(m.to(), m.from(), raftpb::MsgAppResp, m.term());
  r.set_index(m.index() + m.entries_size());
  return r;
}

// §5.1: "If one server's current term is smaller than the other's, then it
// updates its current term to the larger value. If a candidate or leader
// discovers that its term is out of date, it immediately reverts to follower
// state."
void CheckUpdateTermFromMessage(StateType state) {
  TestNode n = NewNode(1, {1, 2, 3});
  Raft& r = *n;
  switch (state) {
    case StateType::kFollower: r.BecomeFollower(1, 2); break;
    case StateType::kCandidate: r.BecomeCandidate(); break;
    case StateType::kLeader:
      r.BecomeCandidate();
      r.BecomeLeader();
      break;
    default: break;
  }
  ASSERT_TRUE(r.Step(MakeMsg(2, 1, raftpb::MsgApp, 2)).ok());
  EXPECT_EQ(r.term(), 2u);
  EXPECT_EQ(r.state(), StateType::kFollower);
}

TEST(RaftPaperTest, FollowerUpdateTermFromMessage) { CheckUpdateTermFromMessage(StateType::kFollower); }
TEST(RaftPaperTest, CandidateUpdateTermFromMessage) { CheckUpdateTermFromMessage(StateType::kCandidate); }
TEST(RaftPaperTest, LeaderUpdateTermFromMessage) { CheckUpdateTermFromMessage(StateType::kLeader); }

// §5.1: "If a server receives a request with a stale term number, it rejects
// the request." (Without pre-vote / check quorum, it is silently ignored.)
TEST(RaftPaperTest, RejectStaleTermMessage) {
  TestNode n = NewNode(1, {1, 2, 3});
  Raft& r = *n;
  raftpb::HardState hs;
  hs.set_term(2);
  r.LoadState(hs);
  raftpb::Message m = MakeMsg(2, 1, raftpb::MsgApp, 1);
  *m.add_entries() = MakeEntry(1, 1, "stale");
  ASSERT_TRUE(r.Step(m).ok());
  EXPECT_TRUE(TakeMessages(r).empty());
  EXPECT_EQ(r.log().LastIndex(), 0u);
  EXPECT_EQ(r.term(), 2u);
}

// §5.2: "When servers start up, they begin as followers."
TEST(RaftPaperTest, StartAsFollower) {
  TestNode n = NewNode(1, {1, 2, 3});
  EXPECT_EQ(n->state(), StateType::kFollower);
  EXPECT_EQ(n->term(), 0u);
}

// §5.2: "Leaders send periodic heartbeats (AppendEntries RPCs that carry no
// log entries) to all followers in order to maintain their authority."
TEST(RaftPaperTest, LeaderBcastBeat) {
  const int hi = 1;
  TestNode n = NewNode(1, {1, 2, 3}, 10, hi);
  Raft& r = *n;
  r.BecomeCandidate();
  r.BecomeLeader();
  for (int i = 0; i < 10; i++) {
    raftpb::Message p = MakeMsg(1, 1, raftpb::MsgProp);
    p.add_entries()->set_data("x");
    ASSERT_TRUE(r.Step(p).ok());
  }
  TakeMessages(r);
  for (int i = 0; i < hi; i++) r.Tick();
  auto msgs = SortedMsgs(r);
  ASSERT_EQ(msgs.size(), 2u);
  for (size_t i = 0; i < msgs.size(); i++) {
    EXPECT_EQ(msgs[i].type(), raftpb::MsgHeartbeat);
    EXPECT_EQ(msgs[i].to(), i + 2);
    EXPECT_EQ(msgs[i].term(), 1u);
    EXPECT_EQ(msgs[i].entries_size(), 0);
    EXPECT_EQ(msgs[i].commit(), 0u);  // min(match 0, committed)
  }
}

// §5.2: "If a follower receives no communication over a period of time
// called the election timeout, then it ... begins an election": it increments
// its term, votes for itself and sends RequestVote to every other server.
void CheckNonleaderStartElection(StateType state) {
  const int et = 10;
  TestNode n = NewNode(1, {1, 2, 3}, et);
  Raft& r = *n;
  if (state == StateType::kFollower) {
    r.BecomeFollower(1, 2);
  } else {
    r.BecomeCandidate();
  }
  for (int i = 1; i < 2 * et; i++) r.Tick();
  EXPECT_EQ(r.term(), 2u);
  EXPECT_EQ(r.state(), StateType::kCandidate);
  EXPECT_EQ(r.vote(), 1u);
  auto msgs = SortedMsgs(r);
  ASSERT_EQ(msgs.size(), 2u);
  for (size_t i = 0; i < msgs.size(); i++) {
    EXPECT_EQ(msgs[i].type(), raftpb::MsgVote);
    EXPECT_EQ(msgs[i].to(), i + 2);
    EXPECT_EQ(msgs[i].term(), 2u);
  }
}

TEST(RaftPaperTest, FollowerStartElection) { CheckNonleaderStartElection(StateType::kFollower); }
// §5.2: "A candidate ... [whose] election times out ... will start a new
// election by incrementing its term and initiating another round."
TEST(RaftPaperTest, CandidateStartNewElection) { CheckNonleaderStartElection(StateType::kCandidate); }

// §5.2: a candidate wins if it receives votes from a majority; it stays a
// candidate while the outcome is open, and falls back when it lost.
TEST(RaftPaperTest, LeaderElectionInOneRoundRPC) {
  struct Case {
    size_t size;
    std::map<uint64_t, bool> votes;
    StateType want;
  };
  const std::vector<Case> cases = {
      {1, {}, StateType::kLeader},
      {3, {{2, true}, {3, true}}, StateType::kLeader},
      {3, {{2, true}}, StateType::kLeader},
      {5, {{2, true}, {3, true}, {4, true}, {5, true}}, StateType::kLeader},
      {5, {{2, true}, {3, true}, {4, true}}, StateType::kLeader},
      {5, {{2, true}, {3, true}}, StateType::kLeader},
      {3, {{2, false}, {3, false}}, StateType::kFollower},
      {5, {{2, false}, {3, false}, {4, false}, {5, false}}, StateType::kFollower},
      {5, {{2, true}, {3, false}, {4, false}, {5, false}}, StateType::kFollower},
      {3, {}, StateType::kCandidate},
      {5, {{2, true}}, StateType::kCandidate},
      {5, {{2, false}, {3, false}}, StateType::kCandidate},
      {5, {{2, true}, {3, false}, {4, false}}, StateType::kCandidate},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    std::vector<uint64_t> ids;
    for (uint64_t id = 1; id <= cases[i].size; id++) ids.push_back(id);
    TestNode n = NewNode(1, ids);
    Raft& r = *n;
    ASSERT_TRUE(r.Step(MakeMsg(1, 1, raftpb::MsgHup)).ok());
    for (const auto& [id, granted] : cases[i].votes) {
      raftpb::Message m = MakeMsg(id, 1, raftpb::MsgVoteResp, r.term());
      m.set_reject(!granted);
      ASSERT_TRUE(r.Step(m).ok());
    }
    EXPECT_EQ(r.state(), cases[i].want) << "case " << i;
    EXPECT_EQ(r.term(), 1u) << "case " << i;
  }
}

// §5.2: "Each server will vote for at most one candidate in a given term, on
// a first-come-first-served basis."
TEST(RaftPaperTest, FollowerVote) {
  struct Case {
    uint64_t vote, nvote;
    bool reject;
  };
  const std::vector<Case> cases = {
      {kNone, 2, false}, {kNone, 3, false}, {2, 2, false},
      {3, 3, false},     {2, 3, true},      {3, 2, true},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    TestNode n = NewNode(1, {1, 2, 3});
    Raft& r = *n;
    raftpb::HardState hs;
    hs.set_term(1);
    hs.set_vote(cases[i].vote);
    r.LoadState(hs);
    ASSERT_TRUE(r.Step(MakeMsg(cases[i].nvote, 1, raftpb::MsgVote, 1)).ok());
    auto msgs = TakeMessages(r);
    ASSERT_EQ(msgs.size(), 1u) << "case " << i;
    EXPECT_EQ(msgs[0].type(), raftpb::MsgVoteResp);
    EXPECT_EQ(msgs[0].to(), cases[i].nvote);
    EXPECT_EQ(msgs[0].reject(), cases[i].reject) << "case " << i;
  }
}

// §5.2: "While waiting for votes, a candidate may receive an AppendEntries
// RPC from another server claiming to be leader. If the leader's term is at
// least as large as the candidate's current term, then the candidate
// recognizes the leader as legitimate and returns to follower state."
TEST(RaftPaperTest, CandidateFallback) {
  for (uint64_t term : {1u, 2u}) {
    TestNode n = NewNode(1, {1, 2, 3});
    Raft& r = *n;
    ASSERT_TRUE(r.Step(MakeMsg(1, 1, raftpb::MsgHup)).ok());
    ASSERT_EQ(r.state(), StateType::kCandidate);
    ASSERT_TRUE(r.Step(MakeMsg(2, 1, raftpb::MsgApp, term)).ok());
    EXPECT_EQ(r.state(), StateType::kFollower);
    EXPECT_EQ(r.term(), term);
    EXPECT_EQ(r.lead(), 2u);
  }
}

// §5.2: "Raft uses randomized election timeouts ... chosen randomly from a
// fixed interval (e.g., 150-300ms)": every value in [et, 2et) shows up.
void CheckNonleaderElectionTimeoutRandomized(StateType state) {
  const int et = 10;
  TestNode n = NewNode(1, {1, 2, 3}, et);
  Raft& r = *n;
  std::set<int> timeouts;
  for (int round = 0; round < 50 * et; round++) {
    if (state == StateType::kFollower) {
      r.BecomeFollower(r.term() + 1, 2);
    } else {
      r.BecomeCandidate();
    }
    int time = 0;
    while (TakeMessages(r).empty()) {
      r.Tick();
      time++;
    }
    timeouts.insert(time);
  }
  for (int d = et; d < 2 * et; d++) EXPECT_TRUE(timeouts.count(d)) << "timeout " << d;
  EXPECT_EQ(*timeouts.begin(), et);
  EXPECT_EQ(*timeouts.rbegin(), 2 * et - 1);
}

TEST(RaftPaperTest, FollowerElectionTimeoutRandomized) {
  CheckNonleaderElectionTimeoutRandomized(StateType::kFollower);
}
TEST(RaftPaperTest, CandidateElectionTimeoutRandomized) {
  CheckNonleaderElectionTimeoutRandomized(StateType::kCandidate);
}

// §5.2: "in most cases only a single server will time out": with different
// seeds, two nodes rarely time out on the same tick.
void CheckNonleadersElectionTimeoutNonconflict(StateType state) {
  const int et = 10;
  const size_t size = 5;
  std::vector<uint64_t> ids = {1, 2, 3, 4, 5};
  std::vector<TestNode> nodes;
  for (uint64_t id : ids) nodes.push_back(NewNode(id, ids, et));
  int conflicts = 0;
  const int rounds = 1000;
  for (int round = 0; round < rounds; round++) {
    for (auto& n : nodes) {
      if (state == StateType::kFollower) {
        n->BecomeFollower(n->term() + 1, kNone);
      } else {
        n->BecomeCandidate();
      }
    }
    size_t timed_out = 0;
    while (timed_out == 0) {
      for (auto& n : nodes) {
        n->Tick();
        if (!TakeMessages(*n).empty()) timed_out++;
      }
    }
    if (timed_out > 1) conflicts++;
  }
  (void)size;
  EXPECT_LE(static_cast<double>(conflicts) / rounds, 0.3);
}

TEST(RaftPaperTest, FollowersElectionTimeoutNonconflict) {
  CheckNonleadersElectionTimeoutNonconflict(StateType::kFollower);
}
TEST(RaftPaperTest, CandidatesElectionTimeoutNonconflict) {
  CheckNonleadersElectionTimeoutNonconflict(StateType::kCandidate);
}

// §5.3: "the leader appends the command to its log as a new entry, then
// issues AppendEntries RPCs in parallel to each of the other servers to
// replicate the entry."
TEST(RaftPaperTest, LeaderStartReplication) {
  TestNode n = NewNode(1, {1, 2, 3});
  Raft& r = *n;
  r.BecomeCandidate();
  r.BecomeLeader();
  CommitNoopEntry(n);
  const uint64_t li = r.log().LastIndex();
  raftpb::Message p = MakeMsg(1, 1, raftpb::MsgProp);
  p.add_entries()->set_data("some data");
  ASSERT_TRUE(r.Step(p).ok());
  EXPECT_EQ(r.log().LastIndex(), li + 1);
  EXPECT_EQ(r.log().committed(), li);
  auto msgs = SortedMsgs(r);
  ASSERT_EQ(msgs.size(), 2u);
  for (size_t i = 0; i < msgs.size(); i++) {
    EXPECT_EQ(msgs[i].type(), raftpb::MsgApp);
    EXPECT_EQ(msgs[i].to(), i + 2);
    EXPECT_EQ(msgs[i].index(), li);
    EXPECT_EQ(msgs[i].log_term(), 1u);
    EXPECT_EQ(msgs[i].commit(), li);
    ASSERT_EQ(msgs[i].entries_size(), 1);
    EXPECT_EQ(msgs[i].entries(0).index(), li + 1);
    EXPECT_EQ(msgs[i].entries(0).data(), "some data");
  }
  auto unstable = r.log().UnstableEntries();
  ASSERT_EQ(unstable.size(), 1u);
  EXPECT_EQ(unstable[0].data(), "some data");
}

// §5.3: "A log entry is committed once the leader that created the entry has
// replicated it on a majority of the servers ... the leader ... includes
// that index in future AppendEntries RPCs."
TEST(RaftPaperTest, LeaderCommitEntry) {
  TestNode n = NewNode(1, {1, 2, 3});
  Raft& r = *n;
  r.BecomeCandidate();
  r.BecomeLeader();
  CommitNoopEntry(n);
  const uint64_t li = r.log().LastIndex();
  raftpb::Message p = MakeMsg(1, 1, raftpb::MsgProp);
  p.add_entries()->set_data("some data");
  ASSERT_TRUE(r.Step(p).ok());
  for (const auto& m : TakeMessages(r)) ASSERT_TRUE(r.Step(AcceptAndReply(m)).ok());
  EXPECT_EQ(r.log().committed(), li + 1);
  auto applied = PersistAndApply(n);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].data(), "some data");
  auto msgs = SortedMsgs(r);
  ASSERT_EQ(msgs.size(), 2u);
  for (size_t i = 0; i < msgs.size(); i++) {
    EXPECT_EQ(msgs[i].to(), i + 2);
    EXPECT_EQ(msgs[i].type(), raftpb::MsgApp);
    EXPECT_EQ(msgs[i].commit(), li + 1);
  }
}

// §5.3: "A log entry is committed once the leader that created the entry has
// replicated it on a majority of the servers."
TEST(RaftPaperTest, LeaderAcknowledgeCommit) {
  struct Case {
    size_t size;
    std::set<uint64_t> acceptors;
    bool want_commit;
  };
  const std::vector<Case> cases = {
      {1, {}, true},         {3, {}, false},           {3, {2}, true},
      {3, {2, 3}, true},     {5, {}, false},           {5, {2}, false},
      {5, {2, 3}, true},     {5, {2, 3, 4}, true},     {5, {2, 3, 4, 5}, true},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    std::vector<uint64_t> ids;
    for (uint64_t id = 1; id <= cases[i].size; id++) ids.push_back(id);
    TestNode n = NewNode(1, ids);
    Raft& r = *n;
    r.BecomeCandidate();
    r.BecomeLeader();
    CommitNoopEntry(n);
    const uint64_t li = r.log().LastIndex();
    raftpb::Message p = MakeMsg(1, 1, raftpb::MsgProp);
    p.add_entries()->set_data("some data");
    ASSERT_TRUE(r.Step(p).ok());
    for (const auto& m : TakeMessages(r)) {
      if (cases[i].acceptors.count(m.to())) {
        ASSERT_TRUE(r.Step(AcceptAndReply(m)).ok());
      }
    }
    EXPECT_EQ(r.log().committed() > li, cases[i].want_commit) << "case " << i;
  }
}

// §5.3: "This also commits all preceding entries in the leader's log,
// including entries created by previous leaders."
TEST(RaftPaperTest, LeaderCommitPrecedingEntries) {
  const std::vector<std::vector<raftpb::Entry>> cases = {
      {},
      {MakeEntry(1, 2)},
      {MakeEntry(1, 1), MakeEntry(2, 2)},
      {MakeEntry(1, 1)},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    TestNode n = NewNode(1, {1, 2, 3}, 10, 1, cases[i]);
    Raft& r = *n;
    raftpb::HardState hs;
    hs.set_term(2);
    r.LoadState(hs);
    r.BecomeCandidate();
    r.BecomeLeader();
    raftpb::Message p = MakeMsg(1, 1, raftpb::MsgProp);
    p.add_entries()->set_data("some data");
    ASSERT_TRUE(r.Step(p).ok());
    for (const auto& m : TakeMessages(r)) ASSERT_TRUE(r.Step(AcceptAndReply(m)).ok());
    const uint64_t li = cases[i].size();
    auto applied = PersistAndApply(n);
    ASSERT_EQ(applied.size(), li + 2) << "case " << i;
    for (size_t k = 0; k < li; k++) EXPECT_EQ(applied[k].term(), cases[i][k].term());
    EXPECT_EQ(applied[li].term(), 3u);
    EXPECT_TRUE(applied[li].data().empty());
    EXPECT_EQ(applied[li + 1].data(), "some data");
  }
}

// §5.3: "Once a follower learns that a log entry is committed, it applies
// the entry to its local state machine (in log order)."
TEST(RaftPaperTest, FollowerCommitEntry) {
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t commit;
  };
  const std::vector<Case> cases = {
      {{MakeEntry(1, 1, "some data")}, 1},
      {{MakeEntry(1, 1, "some data"), MakeEntry(2, 1, "some data2")}, 2},
      {{MakeEntry(1, 1, "some data2"), MakeEntry(2, 1, "some data")}, 2},
      {{MakeEntry(1, 1, "some data"), MakeEntry(2, 1, "some data2")}, 1},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    TestNode n = NewNode(1, {1, 2, 3});
    Raft& r = *n;
    r.BecomeFollower(1, 2);
    raftpb::Message m = MakeMsg(2, 1, raftpb::MsgApp, 1);
    m.set_commit(cases[i].commit);
    for (const auto& e : cases[i].ents) *m.add_entries() = e;
    ASSERT_TRUE(r.Step(m).ok());
    EXPECT_EQ(r.log().committed(), cases[i].commit) << "case " << i;
    auto applied = PersistAndApply(n);
    ASSERT_EQ(applied.size(), cases[i].commit);
    for (size_t k = 0; k < applied.size(); k++) {
      EXPECT_EQ(applied[k].data(), cases[i].ents[k].data());
    }
  }
}

// §5.3: "When sending an AppendEntries RPC, the leader includes the index and
// term of the entry in its log that immediately precedes the new entries. If
// the follower does not find an entry in its log with the same index and
// term, then it refuses the new entries."
TEST(RaftPaperTest, FollowerCheckMsgApp) {
  const std::vector<raftpb::Entry> ents = {MakeEntry(1, 1), MakeEntry(2, 2)};
  struct Case {
    uint64_t term, index, windex;
    bool reject;
    uint64_t hint_index, hint_term;
  };
  const std::vector<Case> cases = {
      {0, 0, 1, false, 0, 0},  // match with committed entries
      {1, 1, 1, false, 0, 0},
      {2, 2, 2, false, 0, 0},  // match with uncommitted entries
      {1, 2, 2, true, 1, 1},   // unmatched: term differs at 2
      {3, 3, 3, true, 2, 2},   // unmatched: index 3 does not exist
  };
  for (size_t i = 0; i < cases.size(); i++) {
    TestNode n = NewNode(1, {1, 2, 3}, 10, 1, ents);
    Raft& r = *n;
    raftpb::HardState hs;
    hs.set_commit(1);
    r.LoadState(hs);
    r.BecomeFollower(2, 2);
    raftpb::Message m = MakeMsg(2, 1, raftpb::MsgApp, 2);
    m.set_log_term(cases[i].term);
    m.set_index(cases[i].index);
    ASSERT_TRUE(r.Step(m).ok());
    auto msgs = TakeMessages(r);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].type(), raftpb::MsgAppResp);
    EXPECT_EQ(msgs[0].index(), cases[i].windex) << "case " << i;
    EXPECT_EQ(msgs[0].reject(), cases[i].reject) << "case " << i;
    EXPECT_EQ(msgs[0].reject_hint(), cases[i].hint_index) << "case " << i;
    EXPECT_EQ(msgs[0].log_term(), cases[i].hint_term) << "case " << i;
  }
}

// §5.3: "If an existing entry conflicts with a new one (same index but
// different terms), delete the existing entry and all that follow it; append
// any new entries not already in the log."
TEST(RaftPaperTest, FollowerAppendEntries) {
  struct Case {
    uint64_t index, term;
    std::vector<raftpb::Entry> ents, want, want_unstable;
  };
  const std::vector<Case> cases = {
      {2, 2, {MakeEntry(3, 3)},
       {MakeEntry(1, 1), MakeEntry(2, 2), MakeEntry(3, 3)}, {MakeEntry(3, 3)}},
      {1, 1, {MakeEntry(2, 3), MakeEntry(3, 4)},
       {MakeEntry(1, 1), MakeEntry(2, 3), MakeEntry(3, 4)}, {MakeEntry(2, 3), MakeEntry(3, 4)}},
      {0, 0, {MakeEntry(1, 1)}, {MakeEntry(1, 1), MakeEntry(2, 2)}, {}},
      {0, 0, {MakeEntry(1, 3)}, {MakeEntry(1, 3)}, {MakeEntry(1, 3)}},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    TestNode n = NewNode(1, {1, 2, 3}, 10, 1, {MakeEntry(1, 1), MakeEntry(2, 2)});
    Raft& r = *n;
    r.BecomeFollower(2, 2);
    // The leader's term is at least that of the entries it sends.
    raftpb::Message m = MakeMsg(2, 1, raftpb::MsgApp, 4);
    m.set_log_term(cases[i].term);
    m.set_index(cases[i].index);
    for (const auto& e : cases[i].ents) *m.add_entries() = e;
    ASSERT_TRUE(r.Step(m).ok());
    auto all = AllEntries(r);
    ASSERT_EQ(all.size(), cases[i].want.size()) << "case " << i;
    for (size_t k = 0; k < all.size(); k++) {
      EXPECT_EQ(all[k].index(), cases[i].want[k].index());
      EXPECT_EQ(all[k].term(), cases[i].want[k].term()) << "case " << i << " entry " << k;
    }
    auto unstable = r.log().UnstableEntries();
    ASSERT_EQ(unstable.size(), cases[i].want_unstable.size()) << "case " << i;
    for (size_t k = 0; k < unstable.size(); k++) {
      EXPECT_EQ(unstable[k].term(), cases[i].want_unstable[k].term());
    }
  }
}

// Builds a log of (term) values starting at index 1.
std::vector<raftpb::Entry> LogOfTerms(std::vector<uint64_t> terms) {
  std::vector<raftpb::Entry> ents;
  for (size_t i = 0; i < terms.size(); i++) ents.push_back(MakeEntry(i + 1, terms[i]));
  return ents;
}

// §5.3 / Figure 7: "the leader handles inconsistencies by forcing the
// followers' logs to duplicate its own": missing entries, extra entries and
// conflicting entries from older terms all end up identical.
TEST(RaftPaperTest, LeaderSyncFollowerLog) {
  const std::vector<uint64_t> leader_terms = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  const std::vector<std::vector<uint64_t>> follower_logs = {
      {1, 1, 1, 4, 4, 5, 5, 6, 6},                // (a) missing one
      {1, 1, 1, 4},                               // (b) missing many
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},          // (c) one extra
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},       // (d) extra of a later term
      {1, 1, 1, 4, 4, 4, 4},                      // (e) conflicting term 4
      {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},          // (f) conflicting terms 2,3
  };
  for (size_t i = 0; i < follower_logs.size(); i++) {
    std::map<uint64_t, TestNode> nodes;
    nodes[1] = NewNode(1, {1, 2, 3}, 10, 1, LogOfTerms(leader_terms));
    nodes[2] = NewNode(2, {1, 2, 3}, 10, 1, LogOfTerms(follower_logs[i]));
    nodes[3] = TestNode{};  // a black hole: node 2 alone must sync
    raftpb::HardState lhs;
    lhs.set_term(8);
    lhs.set_commit(leader_terms.size());
    nodes[1]->LoadState(lhs);
    raftpb::HardState fhs;
    fhs.set_term(7);
    nodes[2]->LoadState(fhs);
    Network net(std::move(nodes));
    net.Campaign(1);
    // Node 3 is down, so node 1 needs node 2's vote, which it gets as its
    // log is up to date; then it syncs node 2's log.
    raftpb::Message vote = MakeMsg(3, 1, raftpb::MsgVoteResp, lhs.term() + 1);
    net.Send(vote);
    ASSERT_EQ(net.Peer(1)->state(), StateType::kLeader) << "case " << i;
    net.Propose(1, "");
    auto lead = AllEntries(*net.Peer(1));
    auto foll = AllEntries(*net.Peer(2));
    ASSERT_EQ(lead.size(), foll.size()) << "case " << i;
    for (size_t k = 0; k < lead.size(); k++) {
      EXPECT_EQ(lead[k].term(), foll[k].term()) << "case " << i << " index " << k + 1;
    }
  }
}

// §5.4.1: "RequestVote RPC ... includes information about the candidate's
// log": its last index and last term.
TEST(RaftPaperTest, VoteRequest) {
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t wterm;
  };
  const std::vector<Case> cases = {
      {{MakeEntry(1, 1)}, 2},
      {{MakeEntry(1, 1), MakeEntry(2, 2)}, 3},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    TestNode n = NewNode(1, {1, 2, 3});
    Raft& r = *n;
    raftpb::Message m = MakeMsg(2, 1, raftpb::MsgApp, cases[i].wterm - 1);
    for (const auto& e : cases[i].ents) *m.add_entries() = e;
    ASSERT_TRUE(r.Step(m).ok());
    TakeMessages(r);
    for (int t = 1; t < 2 * 10; t++) r.Tick();
    auto msgs = SortedMsgs(r);
    ASSERT_EQ(msgs.size(), 2u) << "case " << i;
    for (size_t k = 0; k < msgs.size(); k++) {
      EXPECT_EQ(msgs[k].type(), raftpb::MsgVote);
      EXPECT_EQ(msgs[k].to(), k + 2);
      EXPECT_EQ(msgs[k].term(), cases[i].wterm);
      EXPECT_EQ(msgs[k].index(), cases[i].ents.back().index());
      EXPECT_EQ(msgs[k].log_term(), cases[i].ents.back().term());
    }
  }
}

// §5.4.1: "The voter denies its vote if its own log is more up-to-date than
// that of the candidate": the later last term wins; with equal last terms,
// the longer log.
TEST(RaftPaperTest, Voter) {
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t log_term, index;
    bool reject;
  };
  const std::vector<Case> cases = {
      // same last term
      {{MakeEntry(1, 1)}, 1, 1, false},
      {{MakeEntry(1, 1)}, 1, 2, false},
      {{MakeEntry(1, 1), MakeEntry(2, 1)}, 1, 1, true},
      // candidate's last term is higher
      {{MakeEntry(1, 1)}, 2, 1, false},
      {{MakeEntry(1, 1)}, 2, 2, false},
      {{MakeEntry(1, 1), MakeEntry(2, 1)}, 2, 1, false},
      // voter's last term is higher
      {{MakeEntry(1, 2)}, 1, 1, true},
      {{MakeEntry(1, 2)}, 1, 2, true},
      {{MakeEntry(1, 2), MakeEntry(2, 1)}, 1, 1, true},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    TestNode n = NewNode(1, {1, 2}, 10, 1, cases[i].ents);
    Raft& r = *n;
    raftpb::Message m = MakeMsg(2, 1, raftpb::MsgVote, 3);
    m.set_log_term(cases[i].log_term);
    m.set_index(cases[i].index);
    ASSERT_TRUE(r.Step(m).ok());
    auto msgs = TakeMessages(r);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].type(), raftpb::MsgVoteResp);
    EXPECT_EQ(msgs[0].reject(), cases[i].reject) << "case " << i;
  }
}

// §5.4.2: "Raft never commits log entries from previous terms by counting
// replicas. Only log entries from the leader's current term are committed by
// counting replicas."
TEST(RaftPaperTest, LeaderOnlyCommitsLogFromCurrentTerm) {
  struct Case {
    uint64_t index, want_commit;
  };
  // Log: (1,1) (2,2); the leader is at term 3 and appends its empty entry 3.
  const std::vector<Case> cases = {{1, 0}, {2, 0}, {3, 3}};
  for (size_t i = 0; i < cases.size(); i++) {
    TestNode n = NewNode(1, {1, 2}, 10, 1, {MakeEntry(1, 1), MakeEntry(2, 2)});
    Raft& r = *n;
    raftpb::HardState hs;
    hs.set_term(2);
    r.LoadState(hs);
    r.BecomeCandidate();
    r.BecomeLeader();
    TakeMessages(r);
    raftpb::Message ack = MakeMsg(2, 1, raftpb::MsgAppResp, r.term());
    ack.set_index(cases[i].index);
    ASSERT_TRUE(r.Step(ack).ok());
    EXPECT_EQ(r.log().committed(), cases[i].want_commit) << "case " << i;
  }
}

}  // namespace
}  // namespace nokv::raft
