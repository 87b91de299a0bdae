// Bad input to a store: requests for unknown regions, other stores, stale
// epochs, keys outside the region, followers; malformed snapshots and
// snapshot streams; workdirs of another store; bootstrap mistakes; messages
// for regions PD does not place here. Each gets a clear error and nothing
// is lost.
#include <gtest/gtest.h>

#include <future>

#include "base/crc32c.h"
#include "raft/raftpb.pb.h"
#include "raftstore/peer.h"
#include "raftstore/snapshot_chunks.h"
#include "raftstore/store_testutil.h"
#include "testutil/test_util.h"
#include "vfs/file_system.h"

namespace nokv::raftstore {
namespace {

class StoreBadInputTest : public ::testing::Test {
 protected:
  void SetUp() override { ctest::QuietLogs(); }
};

kvrpcpb::RawGetResponse Get(Store* s, const kvrpcpb::Context& ctx, const std::string& key,
                            const std::string& cf = "") {
  kvrpcpb::RawGetRequest req;
  *req.mutable_context() = ctx;
  req.set_key(key);
  req.set_cf(cf);
  std::promise<kvrpcpb::RawGetResponse> p;
  std::future<kvrpcpb::RawGetResponse> f = p.get_future();
  s->RawGet(req, [&p](kvrpcpb::RawGetResponse r) { p.set_value(std::move(r)); });
  EXPECT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  return f.get();
}

kvrpcpb::RawPutResponse Put(Store* s, const kvrpcpb::Context& ctx, const std::string& key) {
  kvrpcpb::RawPutRequest req;
  *req.mutable_context() = ctx;
  req.set_key(key);
  req.set_value("v");
  std::promise<kvrpcpb::RawPutResponse> p;
  std::future<kvrpcpb::RawPutResponse> f = p.get_future();
  s->RawPut(req, [&p](kvrpcpb::RawPutResponse r) { p.set_value(std::move(r)); });
  EXPECT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  return f.get();
}

kvrpcpb::Context ContextOf(const RegionStatus& r, uint64_t store_id) {
  kvrpcpb::Context ctx;
  ctx.set_region_id(r.region.id());
  *ctx.mutable_region_epoch() = r.region.region_epoch();
  ctx.mutable_peer()->set_id(r.peer_id);
  ctx.mutable_peer()->set_store_id(store_id);
  return ctx;
}

TEST_F(StoreBadInputTest, RequestsGetTheRegionErrorThatSaysWhatToDo) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  Store* s = c.store(leader);
  RegionStatus r = *c.RegionOn(leader, 1);
  ASSERT_TRUE(c.Put("a", "1").ok());
  const kvrpcpb::Context good = ContextOf(r, leader);
  EXPECT_EQ(Get(s, good, "a").value(), "1");

  kvrpcpb::Context ctx = good;
  ctx.set_region_id(999);
  EXPECT_TRUE(Get(s, ctx, "a").region_error().has_region_not_found());

  ctx = good;
  ctx.mutable_peer()->set_store_id(42);
  auto resp = Get(s, ctx, "a");
  ASSERT_TRUE(resp.region_error().has_store_not_match());
  EXPECT_EQ(resp.region_error().store_not_match().actual_store_id(), leader);

  ctx = good;
  ctx.mutable_region_epoch()->set_version(0);
  resp = Get(s, ctx, "a");
  ASSERT_TRUE(resp.region_error().has_epoch_not_match());
  EXPECT_EQ(resp.region_error().epoch_not_match().current_regions(0).region_epoch().version(), 1u);
  ctx.clear_region_epoch();  // a missing epoch never matches
  EXPECT_TRUE(Get(s, ctx, "a").region_error().has_epoch_not_match());

  ctx = good;
  ctx.set_region_id(0);
  resp = Get(s, ctx, "a");
  EXPECT_FALSE(resp.has_region_error());
  EXPECT_NE(resp.error().find("region id missing"), std::string::npos);

  EXPECT_NE(Get(s, good, "a", "nosuchcf").error().find("unknown column family"), std::string::npos);
  EXPECT_NE(Put(s, good, "").error().find("empty key"), std::string::npos);

  // A follower names the leader (and, once PD told it, the leader's address).
  uint64_t follower = leader % 3 + 1;
  RegionStatus fr = *c.RegionOn(follower, 1);
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        auto e = Get(c.store(follower), ContextOf(fr, follower), "a").region_error();
        return e.has_not_leader() && e.not_leader().leader().store_id() == leader &&
               e.not_leader().leader_address() == "mem://" + std::to_string(leader);
      },
      5000));

  // After a split the old epoch is stale (the answer lists both halves) and
  // a key of the other half is not in the region.
  ASSERT_TRUE(c.Split(1, "m").ok());
  ASSERT_TRUE(TestCluster::WaitFor([&] { return c.LocalData(leader, "", "").size() == 1; }, 1000));
  resp = Get(s, good, "x");
  ASSERT_TRUE(resp.region_error().has_epoch_not_match());
  EXPECT_EQ(resp.region_error().epoch_not_match().current_regions_size(), 2);
  RegionStatus now = *c.RegionOn(leader, 1);
  resp = Get(s, ContextOf(now, leader), "x");
  ASSERT_TRUE(resp.region_error().has_key_not_in_region());
  EXPECT_EQ(resp.region_error().key_not_in_region().end_key(), "m");
  EXPECT_EQ(Get(s, ContextOf(now, leader), "a").value(), "1");  // nothing lost
}

// A store that stops answers what it still holds, and what arrives after,
// with "server is busy" (a region error the client retries), never with a
// bare error string the client would return to its caller.
TEST_F(StoreBadInputTest, RequestsPendingAtStopAndAfterItAreAnsweredServerIsBusy) {
  testutil::TempDir dir;
  TestClusterOptions o;
  o.store.election_ticks = 100;  // the cut-off leader keeps leading for 2 s
  TestCluster c(dir.path(), o);
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  const RegionStatus r = *c.RegionOn(leader, 1);
  for (uint64_t id : c.store_ids()) {
    if (id != leader) c.net().Isolate(id, true);
  }
  Store* s = c.store(leader);
  kvrpcpb::RawPutRequest req;
  *req.mutable_context() = ContextOf(r, leader);
  req.set_key("k");
  req.set_value("v");
  std::promise<kvrpcpb::RawPutResponse> pending;
  std::future<kvrpcpb::RawPutResponse> f = pending.get_future();
  s->RawPut(req, [&pending](kvrpcpb::RawPutResponse resp) { pending.set_value(std::move(resp)); });
  // No quorum: the write waits.
  ASSERT_EQ(f.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  s->Stop();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  kvrpcpb::RawPutResponse stopped = f.get();
  EXPECT_TRUE(stopped.error().empty()) << stopped.error();
  ASSERT_TRUE(stopped.region_error().has_server_is_busy()) << stopped.DebugString();
  EXPECT_NE(stopped.region_error().message().find("store is stopping"), std::string::npos);
  EXPECT_GT(stopped.region_error().server_is_busy().backoff_ms(), 0u);

  kvrpcpb::RawGetResponse after = Get(s, ContextOf(r, leader), "k");
  EXPECT_TRUE(after.error().empty()) << after.error();
  ASSERT_TRUE(after.region_error().has_server_is_busy()) << after.DebugString();
  EXPECT_NE(after.region_error().message().find("not running"), std::string::npos);
}

TEST_F(StoreBadInputTest, MalformedSnapshotsAreRefusedWithClearErrors) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_TRUE(c.Put("a", "1").ok());
  const uint64_t follower = leader % 3 + 1;
  Store* f = c.store(follower);

  raft_serverpb::RaftMessage env;
  env.set_region_id(1);
  env.mutable_to_peer()->set_id(c.RegionOn(follower, 1)->peer_id);
  env.mutable_to_peer()->set_store_id(follower);
  env.mutable_from_peer()->set_id(c.RegionOn(leader, 1)->peer_id);
  env.mutable_from_peer()->set_store_id(leader);
  raftpb::Message m;
  m.set_type(raftpb::MsgHeartbeat);
  env.set_message(m.SerializeAsString());
  Status s = f->OnSnapshot(env, "data");
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();  // not a MsgSnap

  m.set_type(raftpb::MsgSnap);
  m.mutable_snapshot()->mutable_metadata()->set_index(100);
  m.mutable_snapshot()->set_data("not a SnapshotMeta \xff\xff");
  env.set_message(m.SerializeAsString());
  s = f->OnSnapshot(env, "data");
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  raft_serverpb::SnapshotMeta meta;
  *meta.mutable_region() = c.RegionOn(follower, 1)->region;
  meta.set_data_size(4);
  meta.set_data_crc32c(crc32c::Value("DATA"));
  m.mutable_snapshot()->set_data(meta.SerializeAsString());
  env.set_message(m.SerializeAsString());
  s = f->OnSnapshot(env, "data");  // checksum differs
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("does not match"), std::string::npos);

  env.mutable_to_peer()->set_store_id(42);
  EXPECT_TRUE(f->OnSnapshot(env, "DATA").IsInvalidArgument());

  // The follower is unharmed.
  ASSERT_TRUE(c.Put("b", "2").ok());
  ASSERT_TRUE(ctest::WaitLocalCount(c, "", "", 2));
}

TEST_F(StoreBadInputTest, SnapshotStreamChecksEveryChunkAndTheTotal) {
  raft_serverpb::RaftMessage env;
  env.set_region_id(7);
  const std::string data(10000, 'q');
  auto chunks = SplitSnapshot(env, data, 1000);
  ASSERT_EQ(chunks.size(), 11u);
  {
    SnapshotAssembler a;
    for (auto& ch : chunks) ASSERT_TRUE(a.Add(ch).ok());
    ASSERT_TRUE(a.Finish().ok());
    EXPECT_EQ(a.TakeData(), data);
  }
  {
    SnapshotAssembler a;
    Status s = a.Add(chunks[1]);
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.message().find("before the header"), std::string::npos);
  }
  {
    auto bad = chunks;
    (*bad[4].mutable_data())[7] ^= 1;
    SnapshotAssembler a;
    Status s;
    for (auto& ch : bad) {
      s = a.Add(ch);
      if (!s.ok()) break;
    }
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.message().find("chunk 4 checksum mismatch"), std::string::npos) << s.ToString();
    EXPECT_FALSE(a.Add(chunks[5]).ok());  // refuses everything after an error
  }
  {
    SnapshotAssembler a;  // a chunk missing: the total does not add up
    for (size_t i = 0; i < chunks.size(); i++) {
      if (i != 6) {
        ASSERT_TRUE(a.Add(chunks[i]).ok());
      }
    }
    Status s = a.Finish();
    EXPECT_TRUE(s.IsCorruption());
    EXPECT_NE(s.message().find("header announced"), std::string::npos);
  }
  {
    SnapshotAssembler a;
    EXPECT_TRUE(a.Finish().IsCorruption());  // no header at all
  }
}

TEST_F(StoreBadInputTest, WorkdirsAndBootstrapRefuseWhatIsNotTheirs) {
  testutil::TempDir dir;
  StoreOptions o;
  o.store_id = 1;
  o.workdir = dir.File("s1");
  // Overlapping bootstrap regions and duplicate peer ids are refused.
  Status s = BootstrapStore(
      o, {MakeTestRegion(1, "", "m", {{11, 1}}), MakeTestRegion(2, "k", "", {{12, 1}})});
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("overlaps"), std::string::npos) << s.ToString();
  s = BootstrapStore(
      o, {MakeTestRegion(1, "", "m", {{11, 1}}), MakeTestRegion(2, "m", "", {{11, 1}})});
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("not unique"), std::string::npos) << s.ToString();
  ASSERT_TRUE(BootstrapStore(o, {MakeTestRegion(1, "", "m", {{11, 1}, {21, 2}}),
                                 MakeTestRegion(2, "m", "", {{12, 1}})})
                  .ok());
  EXPECT_TRUE(BootstrapStore(o, {}).IsBusy());  // already a store
  // Read offline, writing nothing (the bootstrap's writes are still in the
  // engines' WALs: a normal open would flush them and start new segments).
  const auto before = testutil::DirectoryContents(o.workdir);
  uint64_t store_id = 0;
  std::vector<RegionStatus> regions;
  ASSERT_TRUE(ReadStoreRegions(o.workdir, nullptr, &store_id, &regions).ok());
  EXPECT_EQ(testutil::DirectoryContents(o.workdir), before) << "the offline read changed files";
  EXPECT_EQ(store_id, 1u);
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_EQ(regions[0].peer_id, 11u);
  EXPECT_EQ(regions[0].applied_index, kInitIndex);
  EXPECT_TRUE(ReadStoreRegions(dir.path(), nullptr, &store_id, &regions).IsInvalidArgument());
  // Store 2 may not open store 1's workdir.
  StoreOptions other = o;
  other.store_id = 2;
  std::unique_ptr<Store> st;
  s = Store::Open(other, nullptr, nullptr, &st);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("belongs to store 1"), std::string::npos) << s.ToString();
  ASSERT_TRUE(Store::Open(o, nullptr, nullptr, &st).ok());
  EXPECT_EQ(st->Regions().size(), 2u);
}

TEST_F(StoreBadInputTest, MessagesForRegionsPdDoesNotPlaceHereCreateNothing) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_NE(c.WaitLeader(1), 0u);
  ASSERT_TRUE(c.AddStore(4).ok());
  raft_serverpb::RaftMessage env;
  env.set_region_id(1);
  env.mutable_to_peer()->set_id(401);
  env.mutable_to_peer()->set_store_id(4);
  env.mutable_from_peer()->set_id(101);
  env.mutable_from_peer()->set_store_id(1);
  env.mutable_region_epoch()->set_conf_ver(1);
  env.mutable_region_epoch()->set_version(1);
  raftpb::Message m;
  m.set_type(raftpb::MsgHeartbeat);
  m.set_to(401);
  m.set_from(101);
  env.set_message(m.SerializeAsString());
  c.store(4)->OnRaftMessage(env);
  env.set_region_id(77);  // a region PD never heard of
  c.store(4)->OnRaftMessage(env);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(c.store(4)->Regions().empty());
  // A message for another store is dropped too.
  env.set_region_id(1);
  env.mutable_to_peer()->set_store_id(3);
  c.store(4)->OnRaftMessage(env);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(c.store(4)->Regions().empty());
  EXPECT_TRUE(c.Put("k", "v").ok());
}

// An empty peer (created by a message, never given its snapshot) whose
// region stops listing it — removed before it caught up — is found by the
// periodic PD check and destroyed; while PD lists it, it stays.
TEST_F(StoreBadInputTest, EmptyPeerThatPdNoLongerListsIsDestroyed) {
  testutil::TempDir dir;
  TestClusterOptions o;
  o.store.empty_peer_check_interval_ms = 200;
  TestCluster c(dir.path(), o);
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  ASSERT_TRUE(c.AddStore(4).ok());
  const RegionStatus r = *c.RegionOn(leader, 1);
  // PD is told the region has a learner 401 on store 4 (an epoch ahead of
  // the real leader's, whose heartbeats are then stale and ignored).
  auto tell_pd = [&](bool with_401, uint64_t conf_ver) {
    pdpb::RegionHeartbeatRequest hb;
    *hb.mutable_region() = r.region;
    hb.mutable_region()->mutable_region_epoch()->set_conf_ver(conf_ver);
    if (with_401) {
      metapb::Peer* p = hb.mutable_region()->add_peers();
      p->set_id(401);
      p->set_store_id(4);
      p->set_role(metapb::LEARNER);
    }
    hb.mutable_leader()->set_id(r.peer_id);
    hb.mutable_leader()->set_store_id(leader);
    ASSERT_FALSE(c.pd()->RegionHeartbeat(hb).header().has_error());
  };
  const uint64_t conf_ver = r.region.region_epoch().conf_ver();
  tell_pd(true, conf_ver + 10);
  raft_serverpb::RaftMessage env;
  env.set_region_id(1);
  env.mutable_to_peer()->set_id(401);
  env.mutable_to_peer()->set_store_id(4);
  env.mutable_from_peer()->set_id(r.peer_id);
  env.mutable_from_peer()->set_store_id(leader);
  *env.mutable_region_epoch() = r.region.region_epoch();
  raftpb::Message m;
  m.set_type(raftpb::MsgHeartbeat);
  m.set_to(401);
  m.set_from(r.peer_id);
  m.set_term(r.term);
  env.set_message(m.SerializeAsString());
  c.store(4)->OnRaftMessage(env);
  ASSERT_TRUE(TestCluster::WaitFor(
      [&] {
        auto e = c.RegionOn(4, 1);
        return e && !e->initialized;
      },
      5000));
  // Several check intervals: PD still lists it, so it stays.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  ASSERT_TRUE(c.RegionOn(4, 1).has_value());
  EXPECT_EQ(c.store(4)->Stats().peers_destroyed, 0u);
  // Removed from the region before it ever caught up: PD stops listing it.
  tell_pd(false, conf_ver + 11);
  ASSERT_TRUE(TestCluster::WaitFor([&] { return !c.RegionOn(4, 1).has_value(); }, 5000));
  EXPECT_TRUE(
      TestCluster::WaitFor([&] { return c.store(4)->Stats().peers_destroyed == 1u; }, 2000));
  // It stays gone across a restart, and the region is unharmed.
  c.StopStore(4);
  ASSERT_TRUE(c.StartStore(4).ok());
  EXPECT_FALSE(c.RegionOn(4, 1).has_value());
  EXPECT_TRUE(c.Put("k", "v").ok());
}

}  // namespace
}  // namespace nokv::raftstore

namespace nokv::raftstore {
namespace {

TEST_F(StoreBadInputTest, TruncatedRaftLogRestartsAtTheAppliedPointWithNothingLost) {
  testutil::TempDir dir;
  TestClusterOptions o;
  o.fault_fs = false;
  TestCluster c(dir.path(), o);
  ASSERT_TRUE(c.Start().ok());
  ASSERT_NE(c.WaitLeader(1), 0u);
  for (int i = 0; i < 200; i++) ASSERT_TRUE(c.Put(ctest::Key(i), std::string(50, 'v')).ok());
  const uint64_t victim = c.WaitLeader(1) % 3 + 1;
  ASSERT_TRUE(ctest::WaitLocalCount(c, "", "", 200));
  c.StopStore(victim);
  // Cut every file of its raft log engine in half.
  const std::string raft_dir = dir.path() + "/store" + std::to_string(victim) + "/raft";
  std::vector<std::string> names;
  std::shared_ptr<FileSystem> fs = NewPosixFileSystem();
  ASSERT_TRUE(fs->GetChildren(raft_dir, &names).ok());
  int cut = 0;
  for (const std::string& n : names) {
    if (n.find(".log") == std::string::npos && n.find("wal") == std::string::npos) continue;
    uint64_t size = 0;
    ASSERT_TRUE(fs->GetFileSize(raft_dir + "/" + n, &size).ok());
    ASSERT_TRUE(fs->Truncate(raft_dir + "/" + n, size / 2).ok());
    cut++;
  }
  ASSERT_GT(cut, 0) << "no WAL file found in " << raft_dir;
  // The data engine still holds what the store applied (its applied index
  // is above what is left of the log): the raft log restarts there, and the
  // store catches up with the others.
  Status s = c.StartStore(victim);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(c.Put("after", "1").ok());
  ASSERT_TRUE(ctest::WaitLocalCount(c, "", "", 201));
  ctest::ExpectReplicasEqual(c, "", "");
}

}  // namespace
}  // namespace nokv::raftstore
