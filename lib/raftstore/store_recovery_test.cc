// Recovery in an in-process cluster: a follower cut off while the leader
// compacts its log catches up by snapshot; a store crashed (machine crash on
// its FaultFileSystem) at every failpoint of the persist/apply path comes
// back with nothing acknowledged lost and nothing applied twice or out of
// order; the catch-up time of a far-behind follower (a figure, logged).
#include <gtest/gtest.h>

#include <chrono>

#include "raftstore/store_testutil.h"
#include "testutil/test_util.h"

namespace nokv::raftstore {
namespace {

using ctest::ExpectReplicasEqual;
using ctest::Key;

class StoreRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override { ctest::QuietLogs(); }
};

TestClusterOptions CompactingOptions() {
  TestClusterOptions o;
  o.store.raft_log_gc_threshold = 20;
  o.store.raft_log_retain_entries = 5;
  o.store.raft_log_gc_count_limit = 50;
  return o;
}

uint64_t AnyFollower(TestCluster& c, uint64_t leader) {
  for (uint64_t id : c.store_ids()) {
    if (id != leader) return id;
  }
  return 0;
}

TEST_F(StoreRecoveryTest, FollowerCutOffWhileLeaderCompactsCatchesUpBySnapshot) {
  testutil::TempDir dir;
  TestCluster c(dir.path(), CompactingOptions());
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  const uint64_t follower = AnyFollower(c, leader);
  ASSERT_TRUE(c.Put("first", "1").ok());
  c.net().Isolate(follower, true);
  for (int i = 0; i < 300; i++) ASSERT_TRUE(c.Put(Key(i), "v" + std::to_string(i)).ok());
  // The leader compacted past everything the follower has.
  const uint64_t behind = c.RegionOn(follower, 1)->last_index;
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        auto l = c.RegionOn(c.WaitLeader(1), 1);
        return l && l->first_index > behind + 1;
      },
      10000));
  c.net().Heal();
  ASSERT_TRUE(ctest::WaitLocalCount(c, "", "", 301));
  // Stats are published at the end of the round that did the work.
  EXPECT_TRUE(TestCluster::WaitFor(
      [&] { return c.store(follower)->Stats().snapshots_applied >= 1; }, 5000));
  ExpectReplicasEqual(c, "", "");
  // And it keeps up normally afterwards.
  ASSERT_TRUE(c.Put("last", "1").ok());
  ASSERT_TRUE(ctest::WaitLocalCount(c, "", "", 302));
}

TEST_F(StoreRecoveryTest, CorruptSnapshotChunkIsRefusedAndTheRetryInstalls) {
  testutil::TempDir dir;
  TestCluster c(dir.path(), CompactingOptions());
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  const uint64_t follower = AnyFollower(c, leader);
  c.net().Isolate(follower, true);
  for (int i = 0; i < 200; i++) ASSERT_TRUE(c.Put(Key(i), std::string(100, 'x')).ok());
  const uint64_t behind = c.RegionOn(follower, 1)->last_index;
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        auto l = c.RegionOn(c.WaitLeader(1), 1);
        return l && l->first_index > behind + 1;
      },
      10000));
  c.net().SetSnapshotChunkSize(1024);
  c.net().CorruptNextSnapshot(3);
  c.net().Heal();
  ASSERT_TRUE(ctest::WaitLocalCount(c, "", "", 200));
  EXPECT_GE(c.net().snapshots_failed(), 1u);
  EXPECT_TRUE(c.net().last_snapshot_error().IsCorruption())
      << c.net().last_snapshot_error().ToString();
  EXPECT_NE(c.net().last_snapshot_error().message().find("checksum"), std::string::npos);
  ExpectReplicasEqual(c, "", "");
}

// Writes unique keys and a counter key, each put waited for; returns the
// last acknowledged counter value. Stops at the first failure after the
// store under test halted (its failpoint fired).
struct Progress {
  std::set<std::string> acked;
  int last_counter = -1;
  int attempts = 0;
};

void WriteUntilHalt(TestCluster& c, Failpoints* fp, Progress* p, int max) {
  for (int i = p->attempts; i < max; i++) {
    p->attempts = i + 1;
    if (c.Put(Key(i), "v" + std::to_string(i), 2000).ok()) p->acked.insert(Key(i));
    if (c.Put("counter", std::to_string(i), 2000).ok()) p->last_counter = i;
    if (fp->fired() != CrashPoint::kCount) return;
  }
}

TEST_F(StoreRecoveryTest, StoreCrashedAtEveryFailpointRecoversWithoutLossOrRepeat) {
  for (int point = 0; point < static_cast<int>(CrashPoint::kCount); point++) {
    for (bool crash_leader : {true, false}) {
      const CrashPoint cp = static_cast<CrashPoint>(point);
      SCOPED_TRACE(std::string(CrashPointName(cp)) +
                   (crash_leader ? " on the leader" : " on a follower"));
      testutil::TempDir dir;
      TestCluster c(dir.path(), CompactingOptions());
      ASSERT_TRUE(c.Start().ok());
      const uint64_t leader = c.WaitLeader(1);
      ASSERT_NE(leader, 0u);
      const uint64_t victim = crash_leader ? leader : AnyFollower(c, leader);
      Progress p;
      WriteUntilHalt(c, c.failpoints(victim), &p, 20);
      // Snapshot points need a snapshot: cut the victim off while the log
      // is compacted, then let it back.
      if (cp == CrashPoint::kBeforePersistSnapshot) {
        if (crash_leader) continue;  // a leader never installs snapshots
        c.net().Isolate(victim, true);
        WriteUntilHalt(c, c.failpoints(victim), &p, 120);
        const uint64_t behind = c.RegionOn(victim, 1)->last_index;
        ASSERT_TRUE(TestCluster::WaitFor(
            [&] {
              auto l = c.RegionOn(c.WaitLeader(1), 1);
              return l && l->first_index > behind + 1;
            },
            10000))
            << "the leader did not compact past the cut-off follower";
        c.failpoints(victim)->Arm(cp, 1);
        c.net().Isolate(victim, false);
      } else {
        c.failpoints(victim)->Arm(cp, 8);
      }
      WriteUntilHalt(c, c.failpoints(victim), &p, 400);
      ASSERT_TRUE(TestCluster::WaitFor([&] { return c.failpoints(victim)->fired() == cp; }, 10000));
      ASSERT_TRUE(c.CrashStore(victim).ok());
      ASSERT_TRUE(c.StartStore(victim).ok());
      ASSERT_NE(c.WaitLeader(1), 0u);
      const int before = p.attempts;
      WriteUntilHalt(c, c.failpoints(victim), &p, before + 20);
      // Nothing acknowledged is lost.
      for (const std::string& k : p.acked) {
        auto v = c.Get(k);
        ASSERT_TRUE(v.ok() && v.value().has_value()) << k;
      }
      // Nothing applied out of order or twice: the counter holds the last
      // acknowledged value or a later attempted one, never an older one.
      auto counter = c.Get("counter");
      ASSERT_TRUE(counter.ok() && counter.value().has_value());
      EXPECT_GE(std::stoi(*counter.value()), p.last_counter);
      // Every replica converges, none stopped.
      ASSERT_TRUE(ctest::WaitLocalCount(c, "", "", c.LocalData(c.WaitLeader(1), "", "").size()));
      ExpectReplicasEqual(c, "", "");
      for (uint64_t id : c.store_ids()) EXPECT_EQ(c.store(id)->Stats().regions_stopped, 0u);
    }
  }
}

// The figure: how long a follower N entries behind takes to catch up by
// snapshot (N = $NOKV_SNAPSHOT_CATCHUP_ENTRIES, default 20000; the closing
// note reports 100000). Logged, not asserted.
TEST_F(StoreRecoveryTest, FarBehindFollowerCatchUpTime) {
  const char* env = std::getenv("NOKV_SNAPSHOT_CATCHUP_ENTRIES");
  const int n = env ? std::atoi(env) : 20000;
  testutil::TempDir dir;
  TestClusterOptions o;
  o.store.raft_log_gc_threshold = 1000;
  o.store.raft_log_retain_entries = 100;
  o.store.raft_log_gc_count_limit = 1000;
  o.store.tick_interval_ms = 100;  // production tick
  o.fault_fs = false;              // real fsyncs
  TestCluster c(dir.path(), o);
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  const uint64_t follower = AnyFollower(c, leader);
  c.net().Isolate(follower, true);
  auto r = c.RegionOn(leader, 1);
  const auto w0 = std::chrono::steady_clock::now();
  const int acked = ctest::PipelinedPuts(c.store(leader), *r, n, 256, "k");
  const double write_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  ASSERT_EQ(acked, n);
  const auto t0 = std::chrono::steady_clock::now();
  c.net().Isolate(follower, false);
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] { return c.LocalData(follower, "", "").size() == static_cast<size_t>(n); }, 120000));
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(TestCluster::WaitFor(
      [&] { return c.store(follower)->Stats().snapshots_applied >= 1; }, 5000));
  const StoreStats st = c.store(follower)->Stats();
  std::printf(
      "[figure] follower %d entries behind caught up by snapshot in %.3f s "
      "(%llu bytes received; leader wrote them at %.0f puts/s)\n",
      n, s, static_cast<unsigned long long>(st.snapshot_bytes_received), n / write_s);
}

}  // namespace
}  // namespace nokv::raftstore

namespace nokv::raftstore {
namespace {

// The figure: time from a leader store's crash to the first acknowledged
// write to its region, with production ticks (100 ms, election after 10-20
// ticks). Logged, not asserted beyond "it happens".
TEST_F(StoreRecoveryTest, LeaderCrashToFirstWriteTime) {
  testutil::TempDir dir;
  TestClusterOptions o;
  o.store.tick_interval_ms = 100;
  TestCluster c(dir.path(), o);
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  ASSERT_TRUE(c.Put("k", "before").ok());
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.CrashStore(leader).ok());
  ASSERT_TRUE(c.Put("k", "after", 20000).ok());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "[figure] leader store crash to first acknowledged write: %.3f s (100 ms ticks, "
      "election timeout 10-20 ticks)\n",
      s);
  EXPECT_NE(c.WaitLeader(1), leader);
}

}  // namespace
}  // namespace nokv::raftstore

namespace nokv::raftstore {
namespace {

// The figure: raw put and get rates of one region on a 3-store in-process
// cluster (real file system, 64 requests in flight, no network). Logged.
TEST_F(StoreRecoveryTest, InProcessThroughputFigure) {
  testutil::TempDir dir;
  TestClusterOptions o;
  o.fault_fs = false;
  o.store.tick_interval_ms = 100;
  TestCluster c(dir.path(), o);
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  const RegionStatus r = *c.RegionOn(leader, 1);
  const int n = 20000;
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(ctest::PipelinedPuts(c.store(leader), r, n, 64, "t"), n);
  const double put_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::atomic<int> in_flight{0}, found{0};
  std::mutex mu;
  std::condition_variable cv;
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; i++) {
    {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return in_flight.load() < 64; });
    }
    kvrpcpb::RawGetRequest req;
    req.mutable_context()->set_region_id(1);
    *req.mutable_context()->mutable_region_epoch() = r.region.region_epoch();
    char key[32];
    snprintf(key, sizeof(key), "t%07d", i);
    req.set_key(key);
    in_flight++;
    c.store(leader)->RawGet(req, [&](kvrpcpb::RawGetResponse resp) {
      if (!resp.has_region_error() && !resp.not_found()) found++;
      std::lock_guard<std::mutex> l(mu);
      in_flight--;
      cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return in_flight.load() == 0; });
  }
  const double get_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(found.load(), n);
  const StoreStats st = c.store(leader)->Stats();
  std::printf("[figure] one region, 3 stores in process, 64 in flight: %.0f puts/s, %.0f gets/s "
              "(%llu raft-log writes for %d puts; %llu read indexes for %d gets)\n",
              n / put_s, n / get_s, static_cast<unsigned long long>(st.raft_log_writes), n,
              static_cast<unsigned long long>(st.read_index_requests), n);
}

}  // namespace
}  // namespace nokv::raftstore
