// Region operations in an in-process cluster: split under concurrent
// writes, merge (and its rollback when the target changes first), adding a
// peer that catches up by snapshot, removing a peer.
#include <gtest/gtest.h>

#include "raftstore/store_testutil.h"
#include "testutil/test_util.h"

namespace nokv::raftstore {
namespace {

using ctest::ExpectReplicasEqual;
using ctest::Key;

class StoreRegionOpsTest : public ::testing::Test {
 protected:
  void SetUp() override { ctest::QuietLogs(); }
};

// The id of the region holding `key` on `store` (0 if none).
uint64_t RegionIdFor(TestCluster& c, uint64_t store, const std::string& key) {
  Result<RegionStatus> r = c.store(store)->RegionForKey(key);
  return r.ok() ? r->region.id() : 0;
}

// Splits region 1 at `key` and waits until every store has the new region;
// returns its id.
uint64_t SplitRegionOne(TestCluster& c, const std::string& key) {
  Status s = c.Split(1, key);
  EXPECT_TRUE(s.ok()) << s.ToString();
  uint64_t child = 0;
  EXPECT_TRUE(TestCluster::WaitFor(
      [&] {
        for (uint64_t id : c.store_ids()) {
          if (c.store(id) == nullptr) continue;
          child = RegionIdFor(c, id, key);
          if (child == 0 || child == 1) return false;
        }
        return true;
      },
      10000));
  return child;
}

TEST_F(StoreRegionOpsTest, SplitUnderConcurrentWritesLosesNothingAndBothHalvesServe) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_NE(c.WaitLeader(1), 0u);
  ctest::Writer left(&c, "a");     // keys "a000000"...: stay left of the split
  ctest::Writer right(&c, "key");  // keys "key000000"...: cross it
  ASSERT_TRUE(TestCluster::WaitFor([&] { return right.acked().size() >= 100; }, 20000));
  ASSERT_TRUE(c.Split(1, Key(50)).ok());
  // Both writers keep going through the split.
  const size_t at_split_left = left.acked().size(), at_split_right = right.acked().size();
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        return left.acked().size() >= at_split_left + 50 &&
               right.acked().size() >= at_split_right + 50;
      },
      20000));
  left.Stop();
  right.Stop();

  // Region 1 keeps [, key000050); the new region takes the rest, on every store.
  const uint64_t child = RegionIdFor(c, 1, Key(60));
  ASSERT_NE(child, 0u);
  ASSERT_NE(child, 1u);
  for (uint64_t id : c.store_ids()) {
    auto parent = c.RegionOn(id, 1);
    ASSERT_TRUE(parent.has_value());
    EXPECT_EQ(parent->region.end_key(), Key(50));
    EXPECT_EQ(parent->region.region_epoch().version(), 2u);
    auto ch = c.RegionOn(id, child);
    ASSERT_TRUE(ch.has_value()) << "store " << id;
    EXPECT_EQ(ch->region.start_key(), Key(50));
    EXPECT_EQ(ch->region.end_key(), "");
  }
  ASSERT_NE(c.WaitLeader(1), 0u);
  ASSERT_NE(c.WaitLeader(child), 0u);
  // Every acknowledged write reads back, through both halves.
  std::set<std::string> all = left.acked();
  for (const std::string& k : right.acked()) all.insert(k);
  for (const std::string& k : all) {
    auto v = c.Get(k);
    ASSERT_TRUE(v.ok() && v.value().has_value()) << k;
    EXPECT_EQ(*v.value(), k);
  }
  auto scanned = c.Scan("", "");
  ASSERT_TRUE(scanned.ok());
  std::set<std::string> seen;
  for (auto& [k, v] : scanned.value()) seen.insert(k);
  for (const std::string& k : all) EXPECT_TRUE(seen.count(k)) << k;
  // PD knows both halves.
  auto left_info = c.pd()->RegionByKey("a");
  auto right_info = c.pd()->RegionByKey(Key(99));
  ASSERT_TRUE(left_info.has_value() && right_info.has_value());
  EXPECT_EQ(left_info->meta.id(), 1u);
  EXPECT_EQ(right_info->meta.id(), child);
  ASSERT_TRUE(ctest::WaitLocalCount(c, "", "", c.LocalData(c.WaitLeader(1), "", "").size()));
  ExpectReplicasEqual(c, "", "");
}

TEST_F(StoreRegionOpsTest, SplitWithoutAKeyUsesTheMiddleKeyAndBigRegionsSplitThemselves) {
  testutil::TempDir dir;
  TestClusterOptions o;
  o.store.region_size_scan_interval_ms = 100;
  TestCluster c(dir.path(), o);
  ASSERT_TRUE(c.Start().ok());
  ASSERT_NE(c.WaitLeader(1), 0u);
  for (int i = 0; i < 100; i++) ASSERT_TRUE(c.Put(Key(i), std::string(100, 'v')).ok());
  ASSERT_TRUE(c.Split(1, "").ok());  // PD's split step without keys
  auto r = c.RegionOn(c.WaitLeader(1), 1);
  ASSERT_TRUE(r.has_value());
  EXPECT_GE(r->region.end_key(), Key(40));
  EXPECT_LE(r->region.end_key(), Key(60));
  // With a size limit, a leader splits its region once a size scan sees it
  // grow past the limit.
  testutil::TempDir dir2;
  TestClusterOptions o2 = o;
  o2.store.region_split_size = 4000;
  TestCluster c2(dir2.path(), o2);
  ASSERT_TRUE(c2.Start().ok());
  ASSERT_NE(c2.WaitLeader(1), 0u);
  for (int i = 0; i < 100; i++) ASSERT_TRUE(c2.Put(Key(i), std::string(100, 'v')).ok());
  ASSERT_TRUE(TestCluster::WaitFor([&] { return c2.store(1)->Regions().size() >= 2; }, 10000));
  for (int i = 0; i < 100; i++) ASSERT_TRUE(c2.Get(Key(i)).value().has_value()) << i;
}

TEST_F(StoreRegionOpsTest, MergeJoinsAdjacentRegionsAndTombstonesTheSource) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_NE(c.WaitLeader(1), 0u);
  for (int i = 0; i < 100; i++) ASSERT_TRUE(c.Put(Key(i), "v").ok());
  const uint64_t right = SplitRegionOne(c, Key(50));
  ASSERT_NE(c.WaitLeader(right), 0u);
  for (int i = 100; i < 120; i++) ASSERT_TRUE(c.Put(Key(i), "w").ok());
  // Merge the right half (source) into region 1 (target) while a writer
  // keeps writing into the source: writes that race with the prepare are
  // either applied before it everywhere or refused everywhere.
  ctest::Writer racer(&c, "racer");
  ASSERT_TRUE(TestCluster::WaitFor([&] { return racer.acked().size() >= 20; }, 10000));
  Status s = c.Merge(right, 1);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(c.WaitMergedAtTheEnd(right, 1));
  for (uint64_t id : c.store_ids()) {
    auto r = c.RegionOn(id, 1);
    EXPECT_EQ(r->region.start_key(), "");
    EXPECT_EQ(r->region.region_epoch().version(), 4u);  // split 2, prepare 3 (source), max + 1
  }
  for (int i = 0; i < 120; i++) {
    auto v = c.Get(Key(i));
    ASSERT_TRUE(v.ok() && v.value().has_value()) << i;
    EXPECT_EQ(*v.value(), i < 100 ? "v" : "w");
  }
  ASSERT_TRUE(c.Put("zzz", "after").ok());  // the merged range takes writes
  racer.Stop();
  for (const std::string& k : racer.acked()) {
    auto v = c.Get(k);
    ASSERT_TRUE(v.ok() && v.value().has_value()) << k;
  }
  const size_t total = c.LocalData(c.WaitLeader(1), "", "").size();
  EXPECT_GE(total, 121 + racer.acked().size());
  ASSERT_TRUE(ctest::WaitLocalCount(c, "", "", total));
  ExpectReplicasEqual(c, "", "");
  // Messages for the merged-away region never bring it back.
  c.StopStore(2);
  ASSERT_TRUE(c.StartStore(2).ok());
  EXPECT_FALSE(c.RegionOn(2, right).has_value());
  EXPECT_TRUE(c.RegionOn(2, 1).has_value());
}

TEST_F(StoreRegionOpsTest, MergeCatchesALaggingSourceUpFromItsOwnLog) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_NE(c.WaitLeader(1), 0u);
  const uint64_t source = SplitRegionOne(c, "m");
  ASSERT_NE(c.WaitLeader(source), 0u);
  // Lead both regions from one store so the commit follows the prepare at once.
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_TRUE(c.TransferLeader(source, leader).ok());
  ASSERT_TRUE(c.Put("x1", "1").ok());
  // Store `slow` gets the source's entries (the prepare entry included) but
  // never learns that they committed: when the target's commit applies
  // there, its source peer is behind and catches up from its own log.
  const uint64_t slow = leader % 3 + 1;
  const uint64_t slow_peer = c.RegionOn(slow, source)->peer_id;
  c.failpoints(leader)->FreezeCommitTo(slow_peer, true);
  // Writes race with the prepare (queued right behind it): whatever lands
  // after it in the log must be refused everywhere, or the lagging replica,
  // caught up only to the prepare, would miss it.
  const RegionStatus src = *c.RegionOn(leader, source);
  std::mutex mu;
  std::vector<std::string> acked;
  Status merge_status;
  // A merge is refused while a source follower lags ("behind; retry").
  for (int attempt = 0; attempt < 50; attempt++) {
    std::promise<Status> merged;
    c.store(leader)->MergeRegion(source, 1, [&merged](Status s) { merged.set_value(s); });
    std::atomic<int> answered{0};
    for (int i = 0; i < 50; i++) {
      kvrpcpb::RawPutRequest req;
      req.mutable_context()->set_region_id(source);
      *req.mutable_context()->mutable_region_epoch() = src.region.region_epoch();
      req.set_key("race" + std::to_string(attempt) + "-" + std::to_string(i));
      req.set_value("v");
      c.store(leader)->RawPut(req, [&, key = req.key()](kvrpcpb::RawPutResponse r) {
        if (!r.has_region_error() && r.error().empty()) {
          std::lock_guard<std::mutex> l(mu);
          acked.push_back(key);
        }
        answered++;
      });
    }
    merge_status = merged.get_future().get();
    ASSERT_TRUE(TestCluster::WaitFor([&] { return answered.load() == 50; }, 5000));
    if (merge_status.ok() || merge_status.message().find("behind") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(merge_status.ok()) << merge_status.ToString();
  ASSERT_TRUE(c.WaitMergedAtTheEnd(source, 1));
  c.failpoints(leader)->FreezeCommitTo(slow_peer, false);
  // Stats are published at the end of the round that did the work.
  EXPECT_TRUE(TestCluster::WaitFor(
      [&] { return c.store(slow)->Stats().merge_catch_up_entries >= 1; }, 5000));
  EXPECT_EQ(*c.Get("x1").value(), "1");
  ASSERT_TRUE(c.Put("x2", "2").ok());
  const size_t total = c.LocalData(c.WaitLeader(1), "", "").size();
  ASSERT_TRUE(ctest::WaitLocalCount(c, "", "", total));
  ExpectReplicasEqual(c, "", "");
  for (const std::string& k : acked) EXPECT_TRUE(c.Get(k).value().has_value()) << k;
}

TEST_F(StoreRegionOpsTest, MergeMovesSourceLeadershipToTheTargetLeadersStore) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_NE(c.WaitLeader(1), 0u);
  const uint64_t right = SplitRegionOne(c, "m");
  ASSERT_TRUE(c.Put("a", "1").ok());
  ASSERT_TRUE(c.Put("x", "2").ok());
  // Lead the two regions from different stores.
  const uint64_t target_leader = c.WaitLeader(1);
  const uint64_t elsewhere = target_leader % 3 + 1;
  ASSERT_TRUE(c.TransferLeader(right, elsewhere).ok());
  ASSERT_NE(c.WaitLeader(right), c.WaitLeader(1));
  ASSERT_TRUE(c.Merge(right, 1).ok());
  ASSERT_TRUE(c.WaitMergedAtTheEnd(right, 1));
  EXPECT_EQ(*c.Get("x").value(), "2");
  EXPECT_EQ(*c.Get("a").value(), "1");
}

TEST_F(StoreRegionOpsTest, MergeRollsBackWhenTheTargetChangesFirst) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_NE(c.WaitLeader(1), 0u);
  const uint64_t right = SplitRegionOne(c, "m");
  ASSERT_NE(c.WaitLeader(right), 0u);
  ASSERT_TRUE(c.Put("a", "1").ok());
  ASSERT_TRUE(c.Put("x", "1").ok());
  // Every replica holds the whole log first (a merge is refused otherwise).
  ASSERT_TRUE(TestCluster::WaitFor([&] {
    auto l = c.RegionOn(c.WaitLeader(1), 1);
    for (uint64_t id : c.store_ids()) {
      auto r = c.RegionOn(id, 1);
      if (!l || !r || r->last_index != l->last_index || r->applied_index != l->last_index) {
        return false;
      }
    }
    return true;
  }, 10000));
  // Hold back one source follower (no store may send to it) so the commit
  // must wait for it.
  const uint64_t src_leader = c.WaitLeader(1);
  uint64_t lagging_store = 0;
  for (uint64_t id : c.store_ids()) {
    if (id != src_leader) lagging_store = id;
  }
  const uint64_t lagging_peer = c.RegionOn(lagging_store, 1)->peer_id;
  for (uint64_t id : c.store_ids()) c.failpoints(id)->DropMessagesTo(lagging_peer, true);
  // One attempt (the harness's Merge would retry after the rollback).
  std::promise<Status> merged;
  std::future<Status> merge = merged.get_future();
  c.store(src_leader)->MergeRegion(1, right, [&merged](Status s) { merged.set_value(s); });
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        for (uint64_t id : c.store_ids()) {
          auto r = c.RegionOn(id, 1);
          if (r && r->state == raft_serverpb::MERGING) return true;
        }
        return false;
      },
      10000));
  // The target splits before the commit: it can never accept it now.
  ASSERT_TRUE(c.Split(right, "t").ok());
  for (uint64_t id : c.store_ids()) c.failpoints(id)->DropMessagesTo(lagging_peer, false);
  ASSERT_EQ(merge.wait_for(std::chrono::seconds(15)), std::future_status::ready);
  Status s = merge.get();
  EXPECT_TRUE(s.IsAborted()) << s.ToString();
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        for (uint64_t id : c.store_ids()) {
          auto r = c.RegionOn(id, 1);
          if (!r || r->state != raft_serverpb::NORMAL || r->region.end_key() != "m") return false;
        }
        return true;
      },
      10000));
  ASSERT_TRUE(c.Put("b", "2").ok());  // the source takes writes again
  EXPECT_EQ(*c.Get("x").value(), "1");
}

TEST_F(StoreRegionOpsTest, AddedPeerCatchesUpBySnapshotAndRemovedPeerIsCleared) {
  testutil::TempDir dir;
  TestClusterOptions o;
  o.regions.push_back(MakeTestRegion(1, "", "", {{101, 1}, {201, 2}}));
  TestCluster c(dir.path(), o);
  ASSERT_TRUE(c.Start().ok());
  ASSERT_NE(c.WaitLeader(1), 0u);
  EXPECT_FALSE(c.RegionOn(3, 1).has_value());
  for (int i = 0; i < 200; i++) ASSERT_TRUE(c.Put(Key(i), "v").ok());

  // PD style: a learner first, then promoted.
  metapb::Peer p3;
  p3.set_id(c.pd()->AllocOneId().value());
  p3.set_store_id(3);
  p3.set_role(metapb::LEARNER);
  ASSERT_TRUE(c.ChangePeer(1, true, p3).ok());
  ASSERT_TRUE(TestCluster::WaitFor([&] { return c.LocalData(3, "", "").size() == 200; }, 15000));
  // Stats are published at the end of the round that did the work.
  EXPECT_TRUE(
      TestCluster::WaitFor([&] { return c.store(3)->Stats().snapshots_applied >= 1; }, 5000));
  p3.set_role(metapb::VOTER);
  ASSERT_TRUE(c.ChangePeer(1, true, p3).ok());
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        auto r = c.RegionOn(3, 1);
        return r && r->region.peers_size() == 3 && r->region.region_epoch().conf_ver() == 3;
      },
      10000));
  ExpectReplicasEqual(c, "", "");

  // Remove store 1's peer (leadership moves away first).
  ASSERT_TRUE(c.TransferLeader(1, 2).ok());
  metapb::Peer p1;
  p1.set_id(101);
  p1.set_store_id(1);
  ASSERT_TRUE(c.ChangePeer(1, false, p1).ok());
  ASSERT_TRUE(TestCluster::WaitFor([&] { return !c.RegionOn(1, 1).has_value(); }, 15000));
  EXPECT_TRUE(c.LocalData(1, "", "").empty());
  ASSERT_TRUE(c.Put("after", "1").ok());
  ASSERT_TRUE(TestCluster::WaitFor([&] { return c.LocalData(3, "", "").size() == 201; }, 10000));
  // The removed peer stays gone across a restart.
  c.StopStore(1);
  ASSERT_TRUE(c.StartStore(1).ok());
  EXPECT_FALSE(c.RegionOn(1, 1).has_value());
}

}  // namespace
}  // namespace nokv::raftstore
