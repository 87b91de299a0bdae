// Stores and PD: leaders heartbeat their regions (followers do not), store
// heartbeats carry capacity, and the operators PD answers with — transfer
// leader, split (ids from PD), merge, add a peer on a new store (learner,
// then promoted; it catches up by snapshot), remove a peer — are executed.
#include <gtest/gtest.h>

#include "pd/manual_operator.h"
#include "raftstore/store_testutil.h"
#include "testutil/test_util.h"

namespace nokv::raftstore {
namespace {

using ctest::Key;
using Kind = pd::ManualOperatorRequest::Kind;

class StorePdTest : public ::testing::Test {
 protected:
  void SetUp() override { ctest::QuietLogs(); }
};

Status Operator(TestCluster& c, Kind kind, uint64_t region, uint64_t store = 0,
                std::string key = "", uint64_t target = 0) {
  pd::ManualOperatorRequest req;
  req.kind = kind;
  req.region_id = region;
  req.store_id = store;
  req.split_key = std::move(key);
  req.target_region_id = target;
  // PD plans against what heartbeats told it: wait until it has the region
  // as its leader sees it now.
  TestCluster::WaitFor(
      [&] {
        const uint64_t leader = c.WaitLeader(region, 100);
        auto local = leader == 0 ? std::nullopt : c.RegionOn(leader, region);
        for (const pd::RegionInfo& info : c.pd()->Regions()) {
          if (local && info.meta.id() == region && info.leader.store_id() == leader &&
              info.meta.region_epoch().SerializeAsString() ==
                  local->region.region_epoch().SerializeAsString()) {
            return true;
          }
        }
        return false;
      },
      5000);
  Result<pd::Operator> op = Status::NotFound("");
  TestCluster::WaitFor(
      [&] {
        op = c.pd()->AddManualOperator(req);
        return op.ok();
      },
      5000);
  return op.status();
}

TEST_F(StorePdTest, LeadersHeartbeatAndPdOperatorsAreExecuted) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  for (int i = 0; i < 100; i++) ASSERT_TRUE(c.Put(Key(i), "v").ok());
  // PD learns the leader from its heartbeats; only the leader sends them.
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        auto info = c.pd()->RegionByKey("a");
        return info && info->leader.store_id() == leader;
      },
      5000));
  for (uint64_t id : c.store_ids()) {
    const StoreStats st = c.store(id)->Stats();
    EXPECT_GE(st.store_heartbeats, 1u);
    if (id != leader) {
      EXPECT_EQ(st.region_heartbeats, 0u) << "follower store " << id;
    }
  }
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        for (const pd::StoreInfo& s : c.pd()->Stores()) {
          if (s.stats.capacity() == 0) return false;
        }
        return c.pd()->Stores().size() == 3;
      },
      5000));

  // Transfer leader.
  const uint64_t target = leader % 3 + 1;
  ASSERT_TRUE(Operator(c, Kind::kTransferLeader, 1, target).ok());
  ASSERT_TRUE(TestCluster::WaitFor([&] { return c.WaitLeader(1, 100) == target; }, 10000));

  // Split at a key: the new region's ids come from PD.
  ASSERT_TRUE(Operator(c, Kind::kSplit, 1, 0, Key(50)).ok());
  uint64_t child = 0;
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        auto info = c.pd()->RegionByKey(Key(60));
        if (!info || info->meta.id() == 1) return false;
        child = info->meta.id();
        for (uint64_t id : c.store_ids()) {
          if (!c.RegionOn(id, child)) return false;
        }
        return true;
      },
      10000));
  EXPECT_GE(child, 100000u);  // PD's id range in the harness
  ASSERT_NE(c.WaitLeader(child), 0u);

  // Merge it back.
  ASSERT_TRUE(Operator(c, Kind::kMerge, child, 0, "", 1).ok());
  ASSERT_TRUE(c.WaitMergedAtTheEnd(child, 1));

  // A new store gets a peer (learner, promoted) that catches up by snapshot.
  ASSERT_TRUE(c.AddStore(4).ok());
  ASSERT_TRUE(TestCluster::WaitFor([&] { return c.pd()->Stores().size() == 4; }, 5000));
  ASSERT_TRUE(Operator(c, Kind::kAddPeer, 1, 4).ok());
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        auto r = c.RegionOn(4, 1);
        if (!r || !r->initialized) return false;
        for (const metapb::Peer& p : r->region.peers()) {
          if (p.store_id() == 4 && p.role() == metapb::VOTER) return true;
        }
        return false;
      },
      15000));
  ASSERT_TRUE(ctest::WaitLocalCount(c, "", "", 100));
  // Stats are published at the end of the round that did the work.
  EXPECT_TRUE(
      TestCluster::WaitFor([&] { return c.store(4)->Stats().snapshots_applied >= 1; }, 5000));

  // And a peer is removed (PD moves leadership first if it must).
  const uint64_t victim = c.WaitLeader(1) % 4 + 1;
  ASSERT_TRUE(Operator(c, Kind::kRemovePeer, 1, victim).ok());
  ASSERT_TRUE(TestCluster::WaitFor([&] { return !c.RegionOn(victim, 1).has_value(); }, 15000));
  ASSERT_TRUE(c.Put("after", "1").ok());
  EXPECT_TRUE(c.LocalData(victim, "", "").empty());  // its replica's data went with it
  std::vector<std::pair<std::string, std::string>> first;
  for (uint64_t id : c.store_ids()) {
    if (id == victim) continue;
    ASSERT_TRUE(TestCluster::WaitFor([&] { return c.LocalData(id, "", "").size() == 101; }, 5000));
    if (first.empty()) first = c.LocalData(id, "", "");
    EXPECT_TRUE(c.LocalData(id, "", "") == first) << "store " << id;
  }
}

}  // namespace
}  // namespace nokv::raftstore
