// In-process cluster scenarios: elections, replication, reads, partitions,
// leader transfer, restarts (TestCluster: several stores, MemNetwork, an
// in-process PD).
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "raftstore/store_testutil.h"
#include "testutil/test_util.h"

namespace nokv::raftstore {
namespace {

using ctest::ExpectReplicasEqual;
using ctest::Key;

class StoreClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { ctest::QuietLogs(); }
};

TEST_F(StoreClusterTest, ElectsOneLeaderAndReplicatesWrites) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  int leaders = 0;
  for (uint64_t id : c.store_ids()) {
    auto r = c.RegionOn(id, 1);
    ASSERT_TRUE(r.has_value());
    leaders += r->is_leader ? 1 : 0;
  }
  EXPECT_EQ(leaders, 1);
  for (int i = 0; i < 100; i++) ASSERT_TRUE(c.Put(Key(i), "v" + std::to_string(i)).ok()) << i;
  for (int i = 0; i < 100; i++) {
    auto v = c.Get(Key(i));
    ASSERT_TRUE(v.ok());
    ASSERT_TRUE(v.value().has_value());
    EXPECT_EQ(*v.value(), "v" + std::to_string(i));
  }
  auto missing = c.Get("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing.value().has_value());
  // Followers apply too.
  auto lr = c.RegionOn(leader, 1);
  ASSERT_TRUE(c.WaitApplied(1, lr->applied_index));
  ExpectReplicasEqual(c, "", "");
  EXPECT_EQ(c.LocalData(leader, "", "").size(), 100u);
}

TEST_F(StoreClusterTest, LeaderFailoverKeepsAcknowledgedWrites) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  for (int i = 0; i < 50; i++) ASSERT_TRUE(c.Put(Key(i), "a").ok());
  c.StopStore(leader);
  const uint64_t next = c.WaitLeader(1);
  ASSERT_NE(next, 0u);
  EXPECT_NE(next, leader);
  for (int i = 50; i < 100; i++) ASSERT_TRUE(c.Put(Key(i), "b").ok());
  for (int i = 0; i < 100; i++) {
    auto v = c.Get(Key(i));
    ASSERT_TRUE(v.ok() && v.value().has_value()) << i;
    EXPECT_EQ(*v.value(), i < 50 ? "a" : "b");
  }
  // The old leader comes back as a follower and catches up.
  ASSERT_TRUE(c.StartStore(leader).ok());
  ASSERT_TRUE(
      TestCluster::WaitFor([&] { return c.LocalData(leader, "", "").size() == 100; }, 10000));
  ExpectReplicasEqual(c, "", "");
}

TEST_F(StoreClusterTest, MinorityPartitionCannotWriteAndConvergesAfterHeal) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  ASSERT_TRUE(c.Put("before", "1").ok());
  // Cut the leader off: the other two elect a new leader.
  c.net().Isolate(leader, true);
  uint64_t next = 0;
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        for (uint64_t id : c.store_ids()) {
          auto r = c.RegionOn(id, 1);
          if (id != leader && r && r->is_leader) next = id;
        }
        return next != 0;
      },
      10000));
  // The isolated old leader steps down (check quorum) and cannot commit.
  ASSERT_TRUE(TestCluster::WaitFor([&] { return !c.RegionOn(leader, 1)->is_leader; }, 10000));
  ASSERT_TRUE(c.Put("during", "2").ok());
  EXPECT_TRUE(c.LocalData(leader, "during", "during\x01").empty());
  c.net().Heal();
  ASSERT_TRUE(TestCluster::WaitFor([&] { return c.LocalData(leader, "", "").size() == 2; }, 10000));
  ExpectReplicasEqual(c, "", "");
  EXPECT_EQ(*c.Get("during").value(), "2");
}

TEST_F(StoreClusterTest, LeaderTransferMovesLeadership) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  const uint64_t target = leader % 3 + 1;
  ASSERT_TRUE(c.TransferLeader(1, target).ok());
  EXPECT_EQ(c.WaitLeader(1), target);
  ASSERT_TRUE(c.Put("k", "v").ok());
  EXPECT_EQ(*c.Get("k").value(), "v");
}

class StoreReadModeTest : public ::testing::TestWithParam<ReadMode> {
 protected:
  void SetUp() override { ctest::QuietLogs(); }
};

TEST_P(StoreReadModeTest, ReadsSeeEveryAcknowledgedWriteAndShareReadIndexes) {
  testutil::TempDir dir;
  TestClusterOptions o;
  o.store.read_mode = GetParam();
  TestCluster c(dir.path(), o);
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  for (int i = 0; i < 20; i++) {
    ASSERT_TRUE(c.Put("k", std::to_string(i)).ok());
    auto v = c.Get("k");
    ASSERT_TRUE(v.ok() && v.value().has_value());
    EXPECT_EQ(*v.value(), std::to_string(i));  // linearizable: the write just acknowledged
  }
  // Reads arriving together share one ReadIndex.
  Store* s = c.store(leader);
  RegionStatus r = *c.RegionOn(leader, 1);
  const uint64_t before = s->Stats().read_index_requests;
  std::atomic<int> ok{0};
  for (int i = 0; i < 200; i++) {
    kvrpcpb::RawGetRequest req;
    req.mutable_context()->set_region_id(1);
    *req.mutable_context()->mutable_region_epoch() = r.region.region_epoch();
    req.set_key("k");
    s->RawGet(req, [&ok](kvrpcpb::RawGetResponse resp) {
      if (!resp.has_region_error() && resp.value() == "19") ok++;
    });
  }
  ASSERT_TRUE(TestCluster::WaitFor([&] { return ok.load() == 200; }, 5000));
  EXPECT_LT(s->Stats().read_index_requests - before, 100u);
}

INSTANTIATE_TEST_SUITE_P(Modes, StoreReadModeTest,
                         ::testing::Values(ReadMode::kReadIndex, ReadMode::kLease),
                         [](const ::testing::TestParamInfo<ReadMode>& i) {
                           return i.param == ReadMode::kLease ? "Lease" : "ReadIndex";
                         });

TEST_F(StoreClusterTest, RestartedStoresKeepSplitRegionsAndServeThem) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_NE(c.WaitLeader(1), 0u);
  for (int i = 0; i < 60; i++) ASSERT_TRUE(c.Put(Key(i), "v").ok());
  ASSERT_TRUE(c.Split(1, Key(30)).ok());
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        for (uint64_t id : c.store_ids()) {
          if (c.store(id)->Regions().size() != 2) return false;
        }
        return true;
      },
      10000));
  for (uint64_t id : c.store_ids()) c.StopStore(id);
  for (uint64_t id : c.store_ids()) ASSERT_TRUE(c.StartStore(id).ok());
  for (uint64_t id : c.store_ids()) EXPECT_EQ(c.store(id)->Regions().size(), 2u);
  for (int i = 0; i < 60; i++) {
    auto v = c.Get(Key(i));
    ASSERT_TRUE(v.ok() && v.value().has_value()) << i;
  }
  ASSERT_TRUE(c.Put(Key(10), "w").ok());
  ASSERT_TRUE(c.Put(Key(50), "w").ok());
  EXPECT_EQ(*c.Get(Key(50)).value(), "w");
}

}  // namespace
}  // namespace nokv::raftstore
