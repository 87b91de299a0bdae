// OperatorController: steps advance as heartbeats show them done; operators
// finish, time out, or are dropped when the epoch moves on without them.
#include "pd/operator.h"

#include <gtest/gtest.h>

#include "pd/pd_test_util.h"

namespace nokv::pd {
namespace {

using testing::Info;
using testing::MakeRegion;
using Kind = OperatorStep::Kind;

Operator ReplacePeer3With4() {
  Operator op;
  op.region_id = 10;
  op.epoch.set_version(1);
  op.epoch.set_conf_ver(1);
  op.desc = "replace-down-peer";
  op.timeout_ms = 1000;
  OperatorStep add;
  add.kind = Kind::kAddLearner;
  add.peer.set_id(14);
  add.peer.set_store_id(4);
  OperatorStep promote = add;
  promote.kind = Kind::kPromoteLearner;
  OperatorStep remove;
  remove.kind = Kind::kRemovePeer;
  remove.peer.set_id(13);
  remove.peer.set_store_id(3);
  op.steps = {add, promote, remove};
  return op;
}

TEST(OperatorTest, StepsAdvanceWithHeartbeatsUntilFinished) {
  OperatorController c;
  ASSERT_TRUE(c.Add(ReplacePeer3With4(), 0).ok());
  EXPECT_TRUE(c.Add(ReplacePeer3With4(), 0).IsBusy());
  RegionInfo r = Info(MakeRegion(10, "", "", 1, 1, {{11, 1}, {12, 2}, {13, 3}}), 1);
  std::optional<Operator> op = c.OnHeartbeat(r, 10);
  ASSERT_TRUE(op.has_value());
  pdpb::RegionHeartbeatResponse resp;
  StepToResponse(*op, &resp);
  EXPECT_EQ(resp.change_peer().change_type(), pdpb::ADD_LEARNER_NODE);
  EXPECT_EQ(resp.change_peer().peer().store_id(), 4u);
  // Learner added (conf_ver 2).
  r = Info(MakeRegion(10, "", "", 1, 2, {{11, 1}, {12, 2}, {13, 3}, {14, 4}}, {14}), 1);
  op = c.OnHeartbeat(r, 20);
  ASSERT_TRUE(op.has_value());
  resp.Clear();
  StepToResponse(*op, &resp);
  EXPECT_EQ(resp.change_peer().change_type(), pdpb::ADD_NODE);
  EXPECT_EQ(resp.region_epoch().conf_ver(), 2u);
  // Promoted and removed in one go (conf_ver 4): finished.
  r = Info(MakeRegion(10, "", "", 1, 4, {{11, 1}, {12, 2}, {14, 4}}), 1);
  EXPECT_FALSE(c.OnHeartbeat(r, 30).has_value());
  EXPECT_FALSE(c.HasOperator(10));
  EXPECT_EQ(c.counters().finished, 1u);
}

TEST(OperatorTest, TimesOut) {
  OperatorController c;
  ASSERT_TRUE(c.Add(ReplacePeer3With4(), 0).ok());
  RegionInfo r = Info(MakeRegion(10, "", "", 1, 1, {{11, 1}, {12, 2}, {13, 3}}), 1);
  ASSERT_TRUE(c.OnHeartbeat(r, 999).has_value());
  EXPECT_FALSE(c.OnHeartbeat(r, 1000).has_value());
  EXPECT_EQ(c.counters().timed_out, 1u);
  // Sweep drops operators of regions that went silent.
  ASSERT_TRUE(c.Add(ReplacePeer3With4(), 5000).ok());
  c.Sweep(5999);
  EXPECT_TRUE(c.HasOperator(10));
  c.Sweep(6000);
  EXPECT_FALSE(c.HasOperator(10));
  EXPECT_EQ(c.counters().timed_out, 2u);
}

TEST(OperatorTest, DroppedWhenTheEpochMovesOn) {
  OperatorController c;
  ASSERT_TRUE(c.Add(ReplacePeer3With4(), 0).ok());
  // Someone else split the region (version 2): the plan is stale.
  RegionInfo r = Info(MakeRegion(10, "", "m", 2, 1, {{11, 1}, {12, 2}, {13, 3}}), 1);
  EXPECT_FALSE(c.OnHeartbeat(r, 10).has_value());
  EXPECT_EQ(c.counters().stale, 1u);
  // A membership change that is not ours (conf_ver moved, step not done).
  ASSERT_TRUE(c.Add(ReplacePeer3With4(), 0).ok());
  r = Info(MakeRegion(10, "", "", 1, 2, {{11, 1}, {12, 2}, {13, 3}, {15, 5}}), 1);
  EXPECT_FALSE(c.OnHeartbeat(r, 10).has_value());
  EXPECT_EQ(c.counters().stale, 2u);
}

TEST(OperatorTest, SplitFinishesWhenTheVersionGrows) {
  OperatorController c;
  Operator op;
  op.region_id = 10;
  op.epoch.set_version(3);
  op.epoch.set_conf_ver(1);
  op.timeout_ms = 1000;
  OperatorStep split;
  split.kind = Kind::kSplit;
  split.split_keys = {"k"};
  op.steps = {split};
  ASSERT_TRUE(c.Add(op, 0).ok());
  RegionInfo r = Info(MakeRegion(10, "", "", 3, 1), 1);
  std::optional<Operator> pending = c.OnHeartbeat(r, 1);
  ASSERT_TRUE(pending.has_value());
  pdpb::RegionHeartbeatResponse resp;
  StepToResponse(*pending, &resp);
  ASSERT_EQ(resp.split_region().split_keys_size(), 1);
  EXPECT_EQ(resp.split_region().split_keys(0), "k");
  r = Info(MakeRegion(10, "", "k", 4, 1), 1);
  EXPECT_FALSE(c.OnHeartbeat(r, 2).has_value());
  EXPECT_EQ(c.counters().finished, 1u);
}

}  // namespace
}  // namespace nokv::pd
