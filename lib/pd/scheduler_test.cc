// Each scheduling decision on a fake cluster.
#include "pd/scheduler.h"

#include <gtest/gtest.h>

#include "pd/manual_operator.h"
#include "pd/pd_test_util.h"

namespace nokv::pd {
namespace {

using testing::Info;
using testing::MakeRegion;
using testing::View;
using Kind = OperatorStep::Kind;

std::vector<Kind> Kinds(const Operator& op) {
  std::vector<Kind> out;
  for (const OperatorStep& s : op.steps) out.push_back(s.kind);
  return out;
}

// Three replicas on stores 1-3; store 4 empty.
ClusterSnapshot FourStores() {
  ClusterSnapshot snap;
  snap.now_ms = 100'000;
  for (uint64_t id = 1; id <= 4; ++id) snap.stores.push_back(View(id, id == 4 ? 0 : 1));
  snap.regions.push_back(Info(MakeRegion(10, "", "", 1, 1, {{11, 1}, {12, 2}, {13, 3}}), 1));
  return snap;
}

TEST(SchedulerTest, ReplaceDownPeer) {
  ClusterSnapshot snap = FourStores();
  ScheduleOptions o;
  EXPECT_FALSE(CheckReplicas(snap, snap.regions[0], o).has_value());  // healthy
  snap.stores[2].down = true;  // store 3
  snap.stores[2].schedulable = false;
  std::optional<Operator> op = CheckReplicas(snap, snap.regions[0], o);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->desc, "replace-down-peer");
  ASSERT_EQ(Kinds(*op), (std::vector<Kind>{Kind::kAddLearner, Kind::kPromoteLearner,
                                           Kind::kRemovePeer}));
  EXPECT_EQ(op->steps[0].peer.store_id(), 4u);
  EXPECT_EQ(op->steps[2].peer.id(), 13u);
  // New peers get one id per store.
  uint64_t next = 100;
  ASSERT_TRUE(AssignPeerIds(&*op, [&]() -> Result<uint64_t> { return next++; }).ok());
  EXPECT_EQ(op->steps[0].peer.id(), 100u);
  EXPECT_EQ(op->steps[1].peer.id(), 100u);
  EXPECT_EQ(op->steps[2].peer.id(), 13u);
}

TEST(SchedulerTest, NoRepairBelowQuorumOrWithoutTarget) {
  ClusterSnapshot snap = FourStores();
  ScheduleOptions o;
  snap.stores[1].down = snap.stores[2].down = true;  // 2 of 3 voters down
  snap.stores[1].schedulable = snap.stores[2].schedulable = false;
  EXPECT_FALSE(CheckReplicas(snap, snap.regions[0], o).has_value());
  ClusterSnapshot three = FourStores();
  three.stores.pop_back();  // no store 4 to move to
  three.stores[2].down = true;
  three.stores[2].schedulable = false;
  EXPECT_FALSE(CheckReplicas(three, three.regions[0], o).has_value());
}

TEST(SchedulerTest, OfflineLeaderIsMovedAfterHandingOverLeadership) {
  ClusterSnapshot snap = FourStores();
  snap.stores[0].offline = true;  // store 1 holds the leader
  snap.stores[0].schedulable = false;
  std::optional<Operator> op = CheckReplicas(snap, snap.regions[0], ScheduleOptions());
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->desc, "replace-offline-peer");
  EXPECT_EQ(Kinds(*op), (std::vector<Kind>{Kind::kAddLearner, Kind::kPromoteLearner,
                                           Kind::kTransferLeader, Kind::kRemovePeer}));
}

TEST(SchedulerTest, AddMissingReplica) {
  ClusterSnapshot snap = FourStores();
  snap.regions[0] = Info(MakeRegion(10, "", "", 1, 1, {{11, 1}, {12, 2}}), 1);
  std::optional<Operator> op = CheckReplicas(snap, snap.regions[0], ScheduleOptions());
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(Kinds(*op), (std::vector<Kind>{Kind::kAddLearner, Kind::kPromoteLearner}));
  EXPECT_EQ(op->steps[0].peer.store_id(), 4u);  // fewest regions
}

TEST(SchedulerTest, SplitOverSizeOrKeys) {
  ScheduleOptions o;
  o.region_max_size = 1000;
  o.region_max_keys = 50;
  RegionInfo r = Info(MakeRegion(1, "", ""), 1);
  r.approximate_size = 1000;
  r.approximate_keys = 50;
  EXPECT_FALSE(CheckSplit(r, o).has_value());
  r.approximate_size = 1001;
  ASSERT_TRUE(CheckSplit(r, o).has_value());
  EXPECT_EQ(CheckSplit(r, o)->desc, "split-oversized");
  r.approximate_size = 10;
  r.approximate_keys = 51;
  ASSERT_TRUE(CheckSplit(r, o).has_value());
  EXPECT_EQ(CheckSplit(r, o)->steps[0].kind, Kind::kSplit);
}

TEST(SchedulerTest, MergeSmallAdjacentRegionsOnTheSameStores) {
  ScheduleOptions o;
  o.enable_merge = true;
  o.merge_max_size = 100;
  RegionInfo left = Info(MakeRegion(1, "", "m", 1, 1, {{11, 1}, {12, 2}}), 1);
  RegionInfo right = Info(MakeRegion(2, "m", "", 1, 1, {{21, 2}, {22, 1}}), 2);
  left.approximate_size = right.approximate_size = 10;
  std::optional<Operator> op = CheckMerge(left, &right, o);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->steps[0].merge_target.id(), 2u);
  right.approximate_size = 100;  // not small
  EXPECT_FALSE(CheckMerge(left, &right, o).has_value());
  right.approximate_size = 10;
  RegionInfo elsewhere = Info(MakeRegion(2, "m", "", 1, 1, {{21, 3}, {22, 1}}), 3);
  EXPECT_FALSE(CheckMerge(left, &elsewhere, o).has_value());
  o.enable_merge = false;
  EXPECT_FALSE(CheckMerge(left, &right, o).has_value());
}

TEST(SchedulerTest, BalanceLeaders) {
  ClusterSnapshot snap;
  for (uint64_t id = 1; id <= 3; ++id) snap.stores.push_back(View(id, 3, id == 1 ? 3 : 0));
  for (uint64_t r = 1; r <= 3; ++r) {
    snap.regions.push_back(Info(MakeRegion(r, std::string(1, 'a' + r), std::string(1, 'b' + r),
                                           1, 1, {{r * 10 + 1, 1}, {r * 10 + 2, 2}, {r * 10 + 3, 3}}),
                                1));
  }
  ScheduleOptions o;
  std::optional<Operator> op = BalanceLeaders(snap, o);
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->steps[0].kind, Kind::kTransferLeader);
  EXPECT_EQ(op->steps[0].peer.store_id(), 2u);  // fewest leaders, lowest id
  EXPECT_EQ(op->region_id, 1u);
  snap.busy_regions.insert(1);
  EXPECT_EQ(BalanceLeaders(snap, o)->region_id, 2u);  // busy regions are skipped
  // Within tolerance: nothing to do.
  snap.stores[0].leader_count = 1;
  snap.stores[1].leader_count = 1;
  snap.stores[2].leader_count = 0;
  EXPECT_FALSE(BalanceLeaders(snap, o).has_value());
}

TEST(SchedulerTest, BalanceRegions) {
  ClusterSnapshot snap;
  snap.stores = {View(1, 5), View(2, 5), View(3, 5), View(4, 0)};
  for (uint64_t r = 1; r <= 5; ++r) {
    snap.regions.push_back(Info(MakeRegion(r, std::string(1, 'a' + r), std::string(1, 'b' + r),
                                           1, 1, {{r * 10 + 1, 1}, {r * 10 + 2, 2}, {r * 10 + 3, 3}}),
                                1));
  }
  std::optional<Operator> op = BalanceRegions(snap, ScheduleOptions());
  ASSERT_TRUE(op.has_value());
  EXPECT_EQ(op->desc, "balance-region");
  EXPECT_EQ(op->steps[0].peer.store_id(), 4u);
  EXPECT_EQ(op->steps.back().kind, Kind::kRemovePeer);
  EXPECT_EQ(op->steps.back().peer.store_id(), 1u);  // lowest id among the fullest
  // The leader lives on store 1: it is handed to the new peer first.
  EXPECT_EQ(op->steps[2].kind, Kind::kTransferLeader);
  snap.stores[3].region_count = 3;  // within tolerance
  EXPECT_FALSE(BalanceRegions(snap, ScheduleOptions()).has_value());
  snap.stores[3].region_count = 0;
  snap.stores[3].schedulable = false;  // a down store is no target
  EXPECT_FALSE(BalanceRegions(snap, ScheduleOptions()).has_value());
}

TEST(SchedulerTest, MakeSnapshotCountsAndDownStores) {
  auto storage = PdStorage::Open("").value();
  auto state = ClusterState::Load(storage.get()).value();
  for (uint64_t id = 1; id <= 2; ++id) {
    pdstatepb::Command c;
    *c.mutable_put_store() = testing::MakeStore(id);
    ASSERT_TRUE(state->Apply(c).ok());
  }
  pdstatepb::Command c;
  metapb::Region r = MakeRegion(5, "", "", 1, 1, {{51, 1}, {52, 2}});
  *c.mutable_put_region()->mutable_region() = r;
  *c.mutable_put_region()->mutable_leader() = testing::PeerOf(r, 2);
  ASSERT_TRUE(state->Apply(c).ok());
  pdpb::StoreStats stats;
  stats.set_store_id(1);
  ASSERT_TRUE(state->UpdateStoreStats(stats, 1000).ok());
  ScheduleOptions o;
  o.max_store_down_ms = 500;
  // Store 2 never heartbeated: counted from PD's start (900), so not down at 1200.
  ClusterSnapshot snap = MakeSnapshot(*state, 1200, 900, o);
  ASSERT_EQ(snap.stores.size(), 2u);
  EXPECT_FALSE(snap.stores[0].down);
  EXPECT_TRUE(snap.stores[0].schedulable);
  EXPECT_FALSE(snap.stores[1].down);
  EXPECT_FALSE(snap.stores[1].schedulable);  // no heartbeat yet
  EXPECT_EQ(snap.stores[1].leader_count, 1u);
  EXPECT_EQ(snap.stores[0].region_count, 1u);
  snap = MakeSnapshot(*state, 1501, 900, o);
  EXPECT_TRUE(snap.stores[0].down);
  EXPECT_TRUE(snap.stores[1].down);
}

TEST(ManualOperatorTest, PlansAndRejects) {
  ClusterSnapshot snap = FourStores();
  snap.regions[0] = Info(MakeRegion(10, "", "m", 1, 1, {{11, 1}, {12, 2}, {13, 3}}), 1);
  snap.regions.push_back(Info(MakeRegion(20, "m", "", 1, 1, {{21, 1}, {22, 2}, {23, 3}}), 1));
  ScheduleOptions o;
  using K = ManualOperatorRequest::Kind;
  ManualOperatorRequest req;
  req.kind = K::kSplit;
  req.region_id = 10;
  req.split_key = "c";
  ASSERT_TRUE(PlanManualOperator(snap, req, o).ok());
  req.split_key = "m";  // the end key is not inside
  EXPECT_TRUE(PlanManualOperator(snap, req, o).status().IsInvalidArgument());
  req = {K::kMerge, 10, "", 20, 0};
  ASSERT_TRUE(PlanManualOperator(snap, req, o).ok());
  req.target_region_id = 10;
  EXPECT_FALSE(PlanManualOperator(snap, req, o).ok());
  req = {K::kTransferLeader, 10, "", 0, 3};
  EXPECT_EQ(PlanManualOperator(snap, req, o).value().steps[0].peer.id(), 13u);
  req.store_id = 4;
  EXPECT_TRUE(PlanManualOperator(snap, req, o).status().IsInvalidArgument());
  req = {K::kAddPeer, 10, "", 0, 4};
  EXPECT_EQ(PlanManualOperator(snap, req, o).value().steps.size(), 2u);
  req = {K::kRemovePeer, 10, "", 0, 1};  // the leader's store: transfer first
  EXPECT_EQ(PlanManualOperator(snap, req, o).value().steps.size(), 2u);
  req = {K::kRemovePeer, 99, "", 0, 1};
  EXPECT_TRUE(PlanManualOperator(snap, req, o).status().IsNotFound());
  req = {K::kRemovePeer, 0, "", 0, 1};
  EXPECT_TRUE(PlanManualOperator(snap, req, o).status().IsInvalidArgument());
  EXPECT_FALSE(ParseManualKind("explode").ok());
}

}  // namespace
}  // namespace nokv::pd
