// Progress, Inflights and ProgressTracker (quorum arithmetic).
#include "raft/progress.h"

#include <gtest/gtest.h>

namespace nokv::raft {
namespace {

TEST(InflightsTest, AddFreeAndWrap) {
  Inflights in(10);
  for (uint64_t i = 0; i < 5; i++) in.Add(i);
  EXPECT_EQ(in.Count(), 5u);
  in.FreeLE(2);  // frees 0, 1, 2
  EXPECT_EQ(in.Count(), 2u);
  for (uint64_t i = 5; i < 13; i++) in.Add(i);  // wraps around the ring
  EXPECT_TRUE(in.Full());
  in.FreeLE(8);
  EXPECT_EQ(in.Count(), 4u);
  in.FreeLE(7);  // stale: nothing more to free
  EXPECT_EQ(in.Count(), 4u);
  in.FreeFirstOne();
  EXPECT_EQ(in.Count(), 3u);
  in.FreeLE(100);
  EXPECT_EQ(in.Count(), 0u);
  in.Add(200);
  EXPECT_EQ(in.Count(), 1u);
}

TEST(ProgressTest, IsPausedByState) {
  Progress pr(1);
  pr.state = ProgressState::kProbe;
  EXPECT_FALSE(pr.IsPaused());
  pr.probe_sent = true;
  EXPECT_TRUE(pr.IsPaused());
  pr.BecomeReplicate();
  EXPECT_FALSE(pr.IsPaused());
  pr.inflights.Add(1);
  EXPECT_TRUE(pr.IsPaused());  // window of 1 is full
  pr.BecomeSnapshot(10);
  EXPECT_TRUE(pr.IsPaused());
}

TEST(ProgressTest, BecomeProbeAfterSnapshotResumesAfterIt) {
  Progress pr(256);
  pr.match = 1;
  pr.next = 5;
  pr.BecomeSnapshot(10);
  pr.BecomeProbe();
  EXPECT_EQ(pr.next, 11u);
  pr.BecomeSnapshot(10);
  pr.pending_snapshot = 0;  // a failed snapshot
  pr.BecomeProbe();
  EXPECT_EQ(pr.next, 2u);
  pr.BecomeReplicate();
  EXPECT_EQ(pr.next, 2u);
}

TEST(ProgressTest, MaybeUpdate) {
  Progress pr(256);
  pr.match = 3;
  pr.next = 5;
  EXPECT_FALSE(pr.MaybeUpdate(2));  // stale
  EXPECT_EQ(pr.next, 5u);
  EXPECT_FALSE(pr.MaybeUpdate(3));
  EXPECT_TRUE(pr.MaybeUpdate(4));
  EXPECT_EQ(pr.match, 4u);
  EXPECT_EQ(pr.next, 5u);
  EXPECT_TRUE(pr.MaybeUpdate(6));
  EXPECT_EQ(pr.next, 7u);
}

TEST(ProgressTest, MaybeDecrTo) {
  struct Case {
    ProgressState state;
    uint64_t match, next, rejected, hint;
    bool ok;
    uint64_t want_next;
  };
  const std::vector<Case> cases = {
      // replicate: stale rejection (<= match)
      {ProgressState::kReplicate, 5, 10, 5, 5, false, 10},
      {ProgressState::kReplicate, 5, 10, 4, 4, false, 10},
      // replicate: real rejection goes back to match+1
      {ProgressState::kReplicate, 5, 10, 9, 9, true, 6},
      // probe: only next-1 rejections count
      {ProgressState::kProbe, 0, 0, 0, 0, false, 0},
      {ProgressState::kProbe, 0, 10, 5, 5, false, 10},
      // probe: use the hint, never below 1
      {ProgressState::kProbe, 0, 10, 9, 9, true, 9},
      {ProgressState::kProbe, 0, 2, 1, 1, true, 1},
      {ProgressState::kProbe, 0, 1, 0, 0, true, 1},
      {ProgressState::kProbe, 0, 10, 9, 2, true, 3},
      {ProgressState::kProbe, 0, 10, 9, 0, true, 1},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    Progress pr(256);
    pr.state = cases[i].state;
    pr.match = cases[i].match;
    pr.next = cases[i].next;
    pr.probe_sent = true;
    EXPECT_EQ(pr.MaybeDecrTo(cases[i].rejected, cases[i].hint), cases[i].ok) << "case " << i;
    EXPECT_EQ(pr.next, cases[i].want_next) << "case " << i;
    if (cases[i].ok && cases[i].state == ProgressState::kProbe) {
      EXPECT_FALSE(pr.probe_sent);
    }
  }
}

TEST(ProgressTrackerTest, CommittedIsTheMajorityMatch) {
  struct Case {
    std::vector<uint64_t> matches;
    uint64_t want;
  };
  const std::vector<Case> cases = {
      {{5}, 5},        {{5, 3}, 3},        {{5, 3, 1}, 3},
      {{1, 3, 5}, 3},  {{5, 5, 1, 1}, 1},  {{9, 8, 7, 2, 1}, 7},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    ProgressTracker trk(256);
    for (size_t k = 0; k < cases[i].matches.size(); k++) {
      ASSERT_TRUE(trk.AddVoter(k + 1, 1).ok());
      trk.Get(k + 1)->match = cases[i].matches[k];
    }
    EXPECT_EQ(trk.Committed(), cases[i].want) << "case " << i;
  }
}

TEST(ProgressTrackerTest, LearnersDoNotCount) {
  ProgressTracker trk(256);
  ASSERT_TRUE(trk.AddVoter(1, 1).ok());
  ASSERT_TRUE(trk.AddLearner(2, 1).ok());
  ASSERT_TRUE(trk.AddLearner(3, 1).ok());
  trk.Get(1)->match = 1;
  trk.Get(2)->match = 7;
  trk.Get(3)->match = 7;
  EXPECT_EQ(trk.Committed(), 1u);
  trk.RecordVote(2, true);
  EXPECT_EQ(trk.TallyVotes(nullptr, nullptr), VoteResult::kPending);
  trk.RecordVote(1, true);
  EXPECT_EQ(trk.TallyVotes(nullptr, nullptr), VoteResult::kWon);
  // A voter cannot be demoted; a learner can be promoted.
  EXPECT_TRUE(trk.AddLearner(1, 1).IsInvalidArgument());
  ASSERT_TRUE(trk.AddVoter(2, 1).ok());
  EXPECT_TRUE(trk.IsVoter(2));
  EXPECT_FALSE(trk.Get(2)->is_learner);
  EXPECT_EQ(trk.Get(2)->match, 7u);  // progress survives the promotion
}

TEST(ProgressTrackerTest, TallyVotes) {
  ProgressTracker trk(256);
  for (uint64_t id = 1; id <= 5; id++) ASSERT_TRUE(trk.AddVoter(id, 1).ok());
  trk.RecordVote(1, true);
  trk.RecordVote(2, false);
  trk.RecordVote(3, false);
  EXPECT_EQ(trk.TallyVotes(nullptr, nullptr), VoteResult::kPending);
  trk.RecordVote(3, true);  // the first vote sticks
  int granted = 0, rejected = 0;
  trk.RecordVote(4, false);
  EXPECT_EQ(trk.TallyVotes(&granted, &rejected), VoteResult::kLost);
  EXPECT_EQ(granted, 1);
  EXPECT_EQ(rejected, 3);
}

TEST(ProgressTrackerTest, QuorumActive) {
  ProgressTracker trk(256);
  for (uint64_t id = 1; id <= 3; id++) ASSERT_TRUE(trk.AddVoter(id, 1).ok());
  for (auto& [id, pr] : trk.progress()) pr.recent_active = false;
  trk.Get(1)->recent_active = true;
  EXPECT_FALSE(trk.QuorumActive());
  trk.Get(3)->recent_active = true;
  EXPECT_TRUE(trk.QuorumActive());
}

}  // namespace
}  // namespace nokv::raft
