// PlacementDriver without sockets: bootstrap, heartbeats, routing, splits,
// restarts, bad input, scheduling end to end on a fake clock, followers.
#include "pd/placement_driver.h"

#include <gtest/gtest.h>

#include <set>

#include "pd/pd_test_util.h"
#include "testutil/test_util.h"

namespace nokv::pd {
namespace {

using testing::MakeRegion;
using testing::MakeStore;

class PlacementDriverTest : public ::testing::Test {
 protected:
  std::unique_ptr<PlacementDriver> Open(std::string workdir = "") {
    PdOptions o;
    o.workdir = std::move(workdir);
    o.clock_ms = [this] { return now_; };
    o.schedule.max_store_down_ms = 30'000;
    o.schedule.operator_timeout_ms = 10'000;
    auto pd = PlacementDriver::Open(o);
    EXPECT_TRUE(pd.ok()) << pd.status().ToString();
    return std::move(pd).value();
  }

  static void Bootstrap(PlacementDriver* pd, metapb::Region region) {
    pdpb::BootstrapRequest req;
    *req.mutable_store() = MakeStore(1);
    *req.mutable_region() = std::move(region);
    ASSERT_EQ(pd->Bootstrap(req).header().error().type(), pdpb::OK);
  }

  static pdpb::ErrorType PutStore(PlacementDriver* pd, metapb::Store s) {
    pdpb::PutStoreRequest req;
    *req.mutable_store() = std::move(s);
    return pd->PutStore(req).header().error().type();
  }

  pdpb::RegionHeartbeatResponse Heartbeat(PlacementDriver* pd, const metapb::Region& r,
                                          uint64_t leader_store, uint64_t size = 0) {
    pdpb::RegionHeartbeatRequest req;
    *req.mutable_region() = r;
    *req.mutable_leader() = testing::PeerOf(r, leader_store);
    req.set_approximate_size(size);
    return pd->RegionHeartbeat(req);
  }

  void StoreHeartbeat(PlacementDriver* pd, uint64_t store) {
    pdpb::StoreHeartbeatRequest req;
    req.mutable_stats()->set_store_id(store);
    req.mutable_stats()->set_available(1 << 30);
    ASSERT_EQ(pd->StoreHeartbeat(req).header().error().type(), pdpb::OK);
  }

  uint64_t now_ = 1'700'000'000'000;
};

TEST_F(PlacementDriverTest, NotBootstrappedAndBadInput) {
  auto pd = Open();
  pdpb::GetRegionRequest get;
  EXPECT_EQ(pd->GetRegion(get).header().error().type(), pdpb::NOT_BOOTSTRAPPED);
  EXPECT_FALSE(pd->IsBootstrapped({}).bootstrapped());
  Bootstrap(pd.get(), MakeRegion(2, "", ""));
  EXPECT_TRUE(pd->IsBootstrapped({}).bootstrapped());
  pdpb::BootstrapRequest again;
  *again.mutable_store() = MakeStore(1);
  *again.mutable_region() = MakeRegion(2, "", "");
  EXPECT_EQ(pd->Bootstrap(again).header().error().type(), pdpb::ALREADY_BOOTSTRAPPED);

  pdpb::RegionHeartbeatRequest hb;  // no region
  EXPECT_EQ(pd->RegionHeartbeat(hb).header().error().type(), pdpb::INVALID_ARGUMENT);
  EXPECT_EQ(Heartbeat(pd.get(), MakeRegion(0, "", ""), 1).header().error().type(),
            pdpb::INVALID_ARGUMENT);
  pdpb::GetRegionByIDRequest by_id;
  EXPECT_EQ(pd->GetRegionByID(by_id).header().error().type(), pdpb::INVALID_ARGUMENT);
  by_id.set_region_id(77);
  pdpb::GetRegionResponse missing = pd->GetRegionByID(by_id);
  EXPECT_EQ(missing.header().error().type(), pdpb::NOT_FOUND);
  EXPECT_NE(missing.header().error().message().find("77"), std::string::npos);
  pdpb::StoreHeartbeatRequest shb;  // store id 0
  EXPECT_EQ(pd->StoreHeartbeat(shb).header().error().type(), pdpb::INVALID_ARGUMENT);
  EXPECT_EQ(PutStore(pd.get(), MakeStore(0)), pdpb::INVALID_ARGUMENT);
  pdpb::RemoveRegionRequest rm;
  EXPECT_EQ(pd->RemoveRegion(rm).header().error().type(), pdpb::INVALID_ARGUMENT);
  rm.set_region_id(77);
  EXPECT_FALSE(pd->RemoveRegion(rm).removed());
  pdpb::TsoRequest tso;
  tso.set_count(kMaxTsoCount + 1);
  EXPECT_EQ(pd->Tso(tso).header().error().type(), pdpb::INVALID_ARGUMENT);
  // Nothing was lost.
  get.set_region_key("k");
  EXPECT_EQ(pd->GetRegion(get).region().id(), 2u);
}

TEST_F(PlacementDriverTest, HeartbeatsRouteAndRejectStaleEpochs) {
  auto pd = Open();
  Bootstrap(pd.get(), MakeRegion(2, "", "", 1, 1));
  EXPECT_EQ(Heartbeat(pd.get(), MakeRegion(2, "", "m", 2, 1), 1).header().error().type(),
            pdpb::OK);
  EXPECT_EQ(Heartbeat(pd.get(), MakeRegion(3, "m", "", 2, 1), 1).header().error().type(),
            pdpb::OK);
  pdpb::RegionHeartbeatResponse stale = Heartbeat(pd.get(), MakeRegion(2, "", "", 1, 1), 1);
  EXPECT_EQ(stale.header().error().type(), pdpb::STALE_EPOCH);
  pdpb::GetRegionRequest get;
  get.set_region_key("m");
  pdpb::GetRegionResponse r = pd->GetRegion(get);
  EXPECT_EQ(r.region().id(), 3u);
  EXPECT_EQ(r.leader().store_id(), 1u);
  pdpb::ScanRegionsRequest scan;
  EXPECT_EQ(pd->ScanRegions(scan).regions_size(), 2);
  // A leader that is not a peer is bad input.
  pdpb::RegionHeartbeatRequest bad;
  *bad.mutable_region() = MakeRegion(3, "m", "", 2, 1);
  bad.mutable_leader()->set_id(999);
  bad.mutable_leader()->set_store_id(1);
  EXPECT_EQ(pd->RegionHeartbeat(bad).header().error().type(), pdpb::INVALID_ARGUMENT);
}

TEST_F(PlacementDriverTest, AskAndReportSplit) {
  auto pd = Open();
  metapb::Region r = MakeRegion(2, "", "", 1, 1, {{21, 1}});
  Bootstrap(pd.get(), r);
  pdpb::AskSplitRequest ask;
  *ask.mutable_region() = r;
  pdpb::AskSplitResponse ids = pd->AskSplit(ask);
  ASSERT_EQ(ids.header().error().type(), pdpb::OK);
  ASSERT_EQ(ids.new_peer_ids_size(), 1);
  EXPECT_NE(ids.new_region_id(), ids.new_peer_ids(0));
  pdpb::ReportSplitRequest report;
  *report.mutable_left() = MakeRegion(2, "", "k", 2, 1, {{21, 1}});
  *report.mutable_right() =
      MakeRegion(ids.new_region_id(), "k", "", 2, 1, {{ids.new_peer_ids(0), 1}});
  ASSERT_EQ(pd->ReportSplit(report).header().error().type(), pdpb::OK);
  pdpb::GetRegionRequest get;
  get.set_region_key("k");
  EXPECT_EQ(pd->GetRegion(get).region().id(), ids.new_region_id());
  get.set_region_key("j");
  EXPECT_EQ(pd->GetRegion(get).region().id(), 2u);
  // Not adjacent halves.
  *report.mutable_right() = MakeRegion(9, "l", "", 2, 1);
  EXPECT_EQ(pd->ReportSplit(report).header().error().type(), pdpb::INVALID_ARGUMENT);
}

TEST_F(PlacementDriverTest, RestartKeepsCatalogTimestampsAndIds) {
  testutil::TempDir dir;
  uint64_t last_ts = 0;
  std::set<uint64_t> ids;
  for (int restart = 0; restart < 3; ++restart) {
    auto pd = Open(dir.path());
    if (restart == 0) {
      Bootstrap(pd.get(), MakeRegion(2, "", ""));
      ASSERT_EQ(PutStore(pd.get(), MakeStore(5)), pdpb::OK);
      ASSERT_EQ(Heartbeat(pd.get(), MakeRegion(2, "", "q", 2, 1), 1).header().error().type(),
                pdpb::OK);
    }
    EXPECT_TRUE(pd->IsBootstrapped({}).bootstrapped());
    EXPECT_EQ(pd->Stores().size(), 2u);
    ASSERT_EQ(pd->Regions().size(), 1u);
    EXPECT_EQ(pd->Regions()[0].meta.end_key(), "q");
    for (int i = 0; i < 50; ++i) {
      pdpb::TsoRequest t;
      t.set_count(3);
      pdpb::TsoResponse ts = pd->Tso(t);
      ASSERT_GT(ts.first(), last_ts);
      last_ts = ts.first() + 2;
      pdpb::AllocIDResponse id = pd->AllocID({});
      ASSERT_TRUE(ids.insert(id.id()).second);
    }
    now_ -= 5000;  // the clock even steps back across restarts
  }
}

TEST_F(PlacementDriverTest, DownStoreIsRepairedThroughHeartbeats) {
  auto pd = Open();
  metapb::Region r = MakeRegion(2, "", "", 1, 1, {{21, 1}, {22, 2}, {23, 3}});
  Bootstrap(pd.get(), r);
  for (uint64_t s = 2; s <= 4; ++s) ASSERT_EQ(PutStore(pd.get(), MakeStore(s)), pdpb::OK);
  for (uint64_t s = 1; s <= 4; ++s) StoreHeartbeat(pd.get(), s);
  ASSERT_EQ(Heartbeat(pd.get(), r, 1).header().error().type(), pdpb::OK);
  pd->Tick();
  EXPECT_TRUE(pd->Operators().empty());  // healthy
  // Store 3 goes silent for longer than max-store-down-time.
  now_ += 31'000;
  for (uint64_t s : {1, 2, 4}) StoreHeartbeat(pd.get(), s);
  pd->Tick();
  ASSERT_EQ(pd->Operators().size(), 1u);
  EXPECT_EQ(pd->Operators()[0].desc, "replace-down-peer");
  pdpb::RegionHeartbeatResponse step = Heartbeat(pd.get(), r, 1);
  ASSERT_EQ(step.change_peer().change_type(), pdpb::ADD_LEARNER_NODE);
  const metapb::Peer learner = step.change_peer().peer();
  EXPECT_EQ(learner.store_id(), 4u);
  EXPECT_NE(learner.id(), 0u);
  // The leader applies each step; PD sends the next.
  metapb::Region r2 = MakeRegion(2, "", "", 1, 2, {{21, 1}, {22, 2}, {23, 3}, {learner.id(), 4}},
                                 {learner.id()});
  step = Heartbeat(pd.get(), r2, 1);
  ASSERT_EQ(step.change_peer().change_type(), pdpb::ADD_NODE);
  metapb::Region r3 = MakeRegion(2, "", "", 1, 3, {{21, 1}, {22, 2}, {23, 3}, {learner.id(), 4}});
  step = Heartbeat(pd.get(), r3, 1);
  ASSERT_EQ(step.change_peer().change_type(), pdpb::REMOVE_NODE);
  EXPECT_EQ(step.change_peer().peer().store_id(), 3u);
  metapb::Region r4 = MakeRegion(2, "", "", 1, 4, {{21, 1}, {22, 2}, {learner.id(), 4}});
  step = Heartbeat(pd.get(), r4, 1);
  EXPECT_FALSE(step.has_change_peer());
  EXPECT_TRUE(pd->Operators().empty());
  EXPECT_EQ(pd->operator_counters().finished, 1u);
}

TEST_F(PlacementDriverTest, OversizedRegionGetsASplitInItsHeartbeat) {
  auto pd = Open();
  metapb::Region r = MakeRegion(2, "", "");
  Bootstrap(pd.get(), r);
  pdpb::RegionHeartbeatResponse resp = Heartbeat(pd.get(), r, 1, 145ull << 20);
  EXPECT_TRUE(resp.has_split_region());
  EXPECT_EQ(resp.split_region().split_keys_size(), 0);
  // The operator times out if nothing happens.
  now_ += 10'001;
  pd->Tick();
  EXPECT_EQ(pd->operator_counters().timed_out, 1u);
}

TEST_F(PlacementDriverTest, FollowerAnswersNotLeaderWithTheLeaderAddress) {
  auto pd = Open();
  pd->SetLeadership(false, "10.0.0.7:2379");
  pdpb::TsoResponse ts = pd->Tso({});
  EXPECT_EQ(ts.header().error().type(), pdpb::NOT_LEADER);
  EXPECT_EQ(ts.header().leader_address(), "10.0.0.7:2379");
  EXPECT_EQ(pd->AllocID({}).header().error().type(), pdpb::NOT_LEADER);
  EXPECT_EQ(pd->GetMembers({}).leader().address(), "10.0.0.7:2379");
}

TEST_F(PlacementDriverTest, ManualOperators) {
  auto pd = Open();
  metapb::Region r = MakeRegion(2, "", "", 1, 1, {{21, 1}});
  Bootstrap(pd.get(), r);
  ManualOperatorRequest req;
  req.kind = ManualOperatorRequest::Kind::kSplit;
  req.region_id = 2;
  req.split_key = "g";
  Result<Operator> op = pd->AddManualOperator(req);
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  pdpb::RegionHeartbeatResponse resp = Heartbeat(pd.get(), r, 1);
  ASSERT_TRUE(resp.has_split_region());
  EXPECT_EQ(resp.split_region().split_keys(0), "g");
  req.region_id = 3;
  EXPECT_TRUE(pd->AddManualOperator(req).status().IsNotFound());
}

}  // namespace
}  // namespace nokv::pd
