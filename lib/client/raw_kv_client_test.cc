// RawKvClient against a fake cluster (fake stores and a real PD on
// loopback): routing, every region error's handling, bounded retries,
// per-region splitting of batches and ranges, and scans across regions.
#include "client/raw_kv_client.h"

#include <gtest/gtest.h>

#include <chrono>

#include "client/fake_cluster_testutil.h"

namespace nokv::client {
namespace {

using testing::FakeCluster;

class RawKvClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<FakeCluster>(3, std::vector<std::pair<std::string, std::string>>{
                                                    {"", "g"}, {"g", "p"}, {"p", ""}});
    client_ = MakeClient();
  }

  std::unique_ptr<RawKvClient> MakeClient(RawKvClientOptions o = {}) {
    o.pd_endpoints = {cluster_->pd_address()};
    o.backoff_initial_ms = 5;
    o.backoff_max_ms = 50;
    Result<std::unique_ptr<RawKvClient>> c = RawKvClient::Create(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c.value());
  }

  static errorpb::RegionError Busy(uint64_t backoff_ms) {
    errorpb::RegionError e;
    e.set_message("busy");
    e.mutable_server_is_busy()->set_backoff_ms(backoff_ms);
    return e;
  }

  std::unique_ptr<FakeCluster> cluster_;
  std::unique_ptr<RawKvClient> client_;
};

TEST_F(RawKvClientTest, PutGetDeleteInEveryRegion) {
  for (char c = 'a'; c <= 'z'; ++c) {
    Status s = client_->Put(std::string(1, c), std::string("v") + c);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(cluster_->Data().size(), 26u);
  std::string v;
  ASSERT_TRUE(client_->Get("h", &v).ok());
  EXPECT_EQ(v, "vh");
  ASSERT_TRUE(client_->Get("z", &v).ok());
  EXPECT_EQ(v, "vz");
  EXPECT_TRUE(client_->Get("missing", &v).IsNotFound());
  ASSERT_TRUE(client_->Delete("h").ok());
  EXPECT_TRUE(client_->Get("h", &v).IsNotFound());
  ASSERT_TRUE(client_->Delete("never-there").ok());
  // Column families are separate.
  ASSERT_TRUE(client_->Put("a", "lock-a", "lock").ok());
  ASSERT_TRUE(client_->Get("a", &v, "lock").ok());
  EXPECT_EQ(v, "lock-a");
  ASSERT_TRUE(client_->Get("a", &v).ok());
  EXPECT_EQ(v, "va");
  // Three regions, each looked up in PD once.
  EXPECT_EQ(client_->Stats().pd_lookups, 3u);
  EXPECT_EQ(client_->region_cache()->size(), 3u);
}

TEST_F(RawKvClientTest, FollowsNotLeaderToTheNamedLeader) {
  ASSERT_TRUE(client_->Put("a", "1").ok());
  cluster_->SetLeader(1, 3, /*tell_pd=*/false);
  const uint64_t before = cluster_->requests(3);
  ASSERT_TRUE(client_->Put("b", "2").ok());
  EXPECT_EQ(client_->Stats().not_leader, 1u);
  EXPECT_EQ(cluster_->requests(3), before + 1);
  EXPECT_EQ(client_->region_cache()->Find("a")->target.store_id(), 3u);
  // The cache now points at the leader: no more NotLeader.
  std::string v;
  ASSERT_TRUE(client_->Get("b", &v).ok());
  EXPECT_EQ(client_->Stats().not_leader, 1u);
}

TEST_F(RawKvClientTest, EpochNotMatchTakesTheStoresRegionsWithoutAskingPd) {
  ASSERT_TRUE(client_->Put("a", "1").ok());
  const uint64_t child = cluster_->Split(1, "c", /*tell_pd=*/false);
  const uint64_t lookups = client_->Stats().pd_lookups;
  ASSERT_TRUE(client_->Put("d", "2").ok());  // now in the child region
  EXPECT_EQ(client_->Stats().epoch_not_match, 1u);
  EXPECT_EQ(client_->Stats().pd_lookups, lookups);
  EXPECT_EQ(client_->region_cache()->Find("d")->region.id(), child);
  EXPECT_EQ(client_->region_cache()->Find("a")->region.end_key(), "c");
  EXPECT_EQ(cluster_->Data().at("d"), "2");
}

TEST_F(RawKvClientTest, KeyNotInRegionRefetchesFromPd) {
  ASSERT_TRUE(client_->Put("a", "1").ok());
  errorpb::RegionError e;
  e.set_message("key not in region");
  e.mutable_key_not_in_region()->set_region_id(1);
  cluster_->InjectError(1, e);
  const uint64_t lookups = client_->Stats().pd_lookups;
  ASSERT_TRUE(client_->Put("b", "2").ok());
  EXPECT_EQ(client_->Stats().key_not_in_region, 1u);
  EXPECT_EQ(client_->Stats().pd_lookups, lookups + 1);
}

TEST_F(RawKvClientTest, RegionNotFoundTriesAnotherPeer) {
  ASSERT_TRUE(client_->Put("a", "1").ok());
  errorpb::RegionError e;
  e.set_message("region not found");
  e.mutable_region_not_found()->set_region_id(1);
  cluster_->InjectError(1, e);
  ASSERT_TRUE(client_->Put("b", "2").ok());
  // Store 1 said RegionNotFound, the next peer named store 1 as leader.
  EXPECT_EQ(client_->Stats().region_not_found, 1u);
  EXPECT_EQ(client_->Stats().not_leader, 1u);
  EXPECT_EQ(cluster_->Data().at("b"), "2");
}

TEST_F(RawKvClientTest, ServerIsBusyBacksOffAsAsked) {
  ASSERT_TRUE(client_->Put("a", "1").ok());
  cluster_->InjectError(1, Busy(150));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(client_->Put("b", "2").ok());
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, std::chrono::milliseconds(150));
  EXPECT_EQ(client_->Stats().server_is_busy, 1u);
}

TEST_F(RawKvClientTest, RetriesAreBoundedByAttempts) {
  RawKvClientOptions o;
  o.max_attempts = 5;
  auto client = MakeClient(o);
  ASSERT_TRUE(client->Put("a", "1").ok());
  for (int i = 0; i < 100; ++i) cluster_->InjectError(1, Busy(1));
  const uint64_t before = cluster_->requests(1);
  Status s = client->Put("b", "2");
  ASSERT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("gave up after 5 attempt(s)"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("busy"), std::string::npos) << s.ToString();
  EXPECT_EQ(cluster_->requests(1), before + 5);
}

TEST_F(RawKvClientTest, RetriesAreBoundedInTime) {
  RawKvClientOptions o;
  o.request_timeout_ms = 400;
  auto client = MakeClient(o);
  ASSERT_TRUE(client->Put("a", "1").ok());
  for (int i = 0; i < 100; ++i) cluster_->InjectError(1, Busy(100));
  const auto t0 = std::chrono::steady_clock::now();
  Status s = client->Put("b", "2");
  EXPECT_FALSE(s.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1500));
}

TEST_F(RawKvClientTest, DeadStoreMovesTheRegionToAnotherPeer) {
  ASSERT_TRUE(client_->Put("a", "1").ok());
  cluster_->StopStore(1);
  cluster_->SetLeader(1, 3, /*tell_pd=*/false);  // elected elsewhere
  ASSERT_TRUE(client_->Put("b", "2").ok());
  const ClientStats st = client_->Stats();
  EXPECT_GE(st.rpc_failures, 1u);
  EXPECT_EQ(cluster_->Data().at("b"), "2");
  EXPECT_EQ(client_->region_cache()->Find("b")->target.store_id(), 3u);
  // The store comes back and leads again: found through NotLeader.
  cluster_->StartStore(1);
  cluster_->SetLeader(1, 1, /*tell_pd=*/false);
  ASSERT_TRUE(client_->Put("c", "3").ok());
}

TEST_F(RawKvClientTest, BatchGetSendsOneRequestPerRegion) {
  std::vector<std::string> keys;
  KvPairs pairs;
  for (char c = 'a'; c <= 'z'; ++c) {
    keys.push_back(std::string(1, c));
    if (c % 2 == 0) pairs.emplace_back(std::string(1, c), std::string("v") + c);
  }
  ASSERT_TRUE(client_->BatchPut(pairs).ok());
  const uint64_t before = cluster_->requests(1);
  std::map<std::string, std::string> found;
  keys.push_back("b");  // a duplicate
  ASSERT_TRUE(client_->BatchGet(keys, &found).ok());
  EXPECT_EQ(cluster_->requests(1), before + 3);
  EXPECT_EQ(found.size(), pairs.size());
  EXPECT_EQ(found.at("b"), "vb");
  EXPECT_EQ(found.count("a"), 0u);
}

TEST_F(RawKvClientTest, BatchesSurviveASplitAndALeaderMove) {
  KvPairs pairs;
  for (int i = 0; i < 60; ++i) pairs.emplace_back(std::string(1, 'a' + i % 26) + std::to_string(i), "x");
  ASSERT_TRUE(client_->Put("a", "warm the cache").ok());
  ASSERT_TRUE(client_->Put("h", "warm the cache").ok());
  cluster_->Split(1, "d", /*tell_pd=*/false);
  cluster_->SetLeader(2, 2, /*tell_pd=*/false);
  ASSERT_TRUE(client_->BatchPut(pairs).ok());
  for (const auto& [k, v] : pairs) EXPECT_EQ(cluster_->Data().count(k), 1u) << k;
  std::vector<std::string> keys;
  for (const auto& [k, v] : pairs) keys.push_back(k);
  cluster_->Split(2, "k", /*tell_pd=*/false);
  std::map<std::string, std::string> found;
  ASSERT_TRUE(client_->BatchGet(keys, &found).ok());
  EXPECT_EQ(found.size(), pairs.size());
}

TEST_F(RawKvClientTest, ScanContinuesAfterTheLastKeyNotPastItsExtensions) {
  // Keys that extend one another: incrementing the last byte of "a" would
  // jump to "b" and lose "a\0", "a\0\0", "a\x01", "ab".
  const std::vector<std::string> keys = {"a", std::string("a\0", 2), std::string("a\0\0", 3),
                                         "a\x01", "ab", "b", "f", "g", "h", "o\xff", "p",
                                         "q", "zz"};
  for (const std::string& k : keys) ASSERT_TRUE(client_->Put(k, "v" + k).ok());
  RawKvClientOptions o;
  o.scan_batch = 1;  // every key is its own batch: the cursor rule matters
  auto client = MakeClient(o);
  KvPairs out;
  ASSERT_TRUE(client->Scan("", "", 100, &out).ok());
  ASSERT_EQ(out.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(out[i].first, keys[i]) << i;
    EXPECT_EQ(out[i].second, "v" + keys[i]);
  }
  o.scan_batch = 2;
  client = MakeClient(o);
  ASSERT_TRUE(client->Scan("", "", 100, &out).ok());
  EXPECT_EQ(out.size(), keys.size());
}

TEST_F(RawKvClientTest, ScanStopsAtTheEndKeyAndTheLimit) {
  for (char c = 'a'; c <= 'z'; ++c) ASSERT_TRUE(client_->Put(std::string(1, c), "v").ok());
  KvPairs out;
  ASSERT_TRUE(client_->Scan("e", "r", 100, &out).ok());
  ASSERT_EQ(out.size(), 13u);  // e..q, across three regions
  EXPECT_EQ(out.front().first, "e");
  EXPECT_EQ(out.back().first, "q");
  ASSERT_TRUE(client_->Scan("e", "", 4, &out).ok());
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out.back().first, "h");  // crossed into region 2 for the last two
  ASSERT_TRUE(client_->Scan("x", "", 100, &out, "", /*key_only=*/true).ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].second, "");
  ASSERT_TRUE(client_->Scan("g", "g", 10, &out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(client_->Scan("a", "", 0, &out).IsInvalidArgument());
}

TEST_F(RawKvClientTest, ScanAcrossASplitThePdDoesNotKnow) {
  for (char c = 'a'; c <= 'z'; ++c) ASSERT_TRUE(client_->Put(std::string(1, c), "v").ok());
  cluster_->Split(2, "k", /*tell_pd=*/false);
  cluster_->Split(3, "t", /*tell_pd=*/false);
  KvPairs out;
  ASSERT_TRUE(client_->Scan("", "", 1000, &out).ok());
  EXPECT_EQ(out.size(), 26u);
}

TEST_F(RawKvClientTest, DeleteRangeGoesRegionByRegion) {
  for (char c = 'a'; c <= 'z'; ++c) ASSERT_TRUE(client_->Put(std::string(1, c), "v").ok());
  ASSERT_TRUE(client_->DeleteRange("c", "r").ok());
  std::map<std::string, std::string> left = cluster_->Data();
  EXPECT_EQ(left.size(), 26u - 15u);
  EXPECT_EQ(left.count("b"), 1u);
  EXPECT_EQ(left.count("c"), 0u);
  EXPECT_EQ(left.count("q"), 0u);
  EXPECT_EQ(left.count("r"), 1u);
  ASSERT_TRUE(client_->DeleteRange("x", "").ok());
  EXPECT_EQ(cluster_->Data().count("z"), 0u);
  EXPECT_EQ(cluster_->Data().count("w"), 1u);
  EXPECT_TRUE(client_->DeleteRange("z", "a").IsInvalidArgument());
}

TEST(RawKvClientCreateTest, NeedsPd) {
  Result<std::unique_ptr<RawKvClient>> c = RawKvClient::Create(RawKvClientOptions{});
  EXPECT_TRUE(c.status().IsInvalidArgument());
}

TEST(RawKvClientCreateTest, UnreachablePdIsAnError) {
  RawKvClientOptions o;
  o.pd_endpoints = {"127.0.0.1:1"};
  o.request_timeout_ms = 2000;
  Result<std::unique_ptr<RawKvClient>> c = RawKvClient::Create(o);
  ASSERT_TRUE(c.ok());
  std::string v;
  Status s = (*c)->Get("a", &v);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.IsNotFound());
}

}  // namespace
}  // namespace nokv::client
