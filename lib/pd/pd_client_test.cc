// PdClient against in-process PD servers on 127.0.0.1:0: TSO strictly
// increasing for many concurrent callers (batched and not), leader following,
// retries past a dead endpoint, the region cache, errors as Status.
#include "pd/pd_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "pd/pd_service.h"
#include "pd/pd_test_util.h"

namespace nokv::pd {
namespace {

using testing::MakeRegion;
using testing::MakeStore;

struct RunningPd {
  std::unique_ptr<PlacementDriver> pd;
  std::unique_ptr<PdServer> server;

  explicit RunningPd(PdOptions o = PdOptions()) {
    pd = PlacementDriver::Open(o).value();
    PdServerOptions so;
    so.listen_address = "127.0.0.1:0";
    so.tick_interval_ms = 0;
    server = std::make_unique<PdServer>(pd.get(), so);
    EXPECT_TRUE(server->Start().ok());
  }
  std::string address() const { return server->address(); }
};

PdClientOptions FastOptions(std::vector<std::string> endpoints) {
  PdClientOptions o;
  o.endpoints = std::move(endpoints);
  o.rpc_timeout_ms = 1000;
  o.backoff_initial_ms = 5;
  o.backoff_max_ms = 50;
  return o;
}

void ConcurrentTso(bool batch) {
  RunningPd pd;
  PdClientOptions o = FastOptions({pd.address()});
  o.batch_tso = batch;
  auto client = PdClient::Create(o).value();
  constexpr int kThreads = 16, kPerThread = 300;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      uint64_t last = 0;
      for (int i = 0; i < kPerThread; ++i) {
        Result<uint64_t> ts = client->GetTimestamp();
        ASSERT_TRUE(ts.ok()) << ts.status().ToString();
        ASSERT_GT(*ts, last);
        last = *ts;
        got[t].push_back(*ts);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<uint64_t> all;
  for (auto& v : got) all.insert(all.end(), v.begin(), v.end());
  ASSERT_EQ(all.size(), size_t{kThreads * kPerThread});
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a timestamp was repeated";
  if (batch) {  // batching must have merged requests
    EXPECT_LT(pd.pd->counters().tso_requests.load(), uint64_t{kThreads * kPerThread});
  }
}

TEST(PdClientTest, ConcurrentTimestampsBatched) { ConcurrentTso(true); }
TEST(PdClientTest, ConcurrentTimestampsUnbatched) { ConcurrentTso(false); }

TEST(PdClientTest, RangeAndIds) {
  RunningPd pd;
  auto client = PdClient::Create(FastOptions({pd.address()})).value();
  Result<uint64_t> a = client->GetTimestamps(100);
  Result<uint64_t> b = client->GetTimestamp();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GE(*b, *a + 100);
  EXPECT_TRUE(client->GetTimestamps(0).status().IsInvalidArgument());
  Result<uint64_t> id1 = client->AllocID();
  Result<uint64_t> id2 = client->AllocID();
  ASSERT_TRUE(id1.ok() && id2.ok());
  EXPECT_GT(*id2, *id1);
}

TEST(PdClientTest, CatalogCallsAndRegionCache) {
  RunningPd pd;
  auto client = PdClient::Create(FastOptions({pd.address()})).value();
  EXPECT_FALSE(client->IsBootstrapped().value());
  EXPECT_TRUE(client->GetRegion("a").status().IsNotSupported());  // not bootstrapped
  ASSERT_TRUE(client->Bootstrap(MakeStore(1), MakeRegion(2, "", "")).ok());
  EXPECT_TRUE(client->Bootstrap(MakeStore(1), MakeRegion(2, "", "")).IsBusy());
  ASSERT_TRUE(client->PutStore(MakeStore(3)).ok());
  EXPECT_EQ(client->GetAllStores().value().size(), 2u);
  EXPECT_EQ(client->GetStore(3).value().address(), MakeStore(3).address());
  EXPECT_TRUE(client->GetStore(9).status().IsNotFound());
  EXPECT_TRUE(client->GetStore(0).status().IsInvalidArgument());
  EXPECT_EQ(client->GetRegion("zz").value().region.id(), 2u);
  // PD splits the region; the cache still answers the old range until told.
  pdpb::RegionHeartbeatRequest hb;
  *hb.mutable_region() = MakeRegion(2, "", "m", 2, 1);
  *hb.mutable_leader() = testing::PeerOf(hb.region(), 1);
  ASSERT_TRUE(client->RegionHeartbeat(hb).ok());
  *hb.mutable_region() = MakeRegion(4, "m", "", 2, 1);
  *hb.mutable_leader() = testing::PeerOf(hb.region(), 1);
  ASSERT_TRUE(client->RegionHeartbeat(hb).ok());
  EXPECT_EQ(client->GetRegion("zz").value().region.id(), 2u);  // cached
  client->InvalidateRegion(2);
  EXPECT_EQ(client->GetRegion("zz").value().region.id(), 4u);
  EXPECT_EQ(client->GetRegion("a").value().region.end_key(), "m");
  EXPECT_EQ(client->ScanRegions("", "", 0).value().size(), 2u);
  // A stale heartbeat is an Aborted status naming the PD error.
  *hb.mutable_region() = MakeRegion(4, "m", "", 1, 1);
  Result<pdpb::RegionHeartbeatResponse> stale = client->RegionHeartbeat(hb);
  EXPECT_TRUE(stale.status().IsAborted());
  EXPECT_NE(stale.status().message().find("STALE_EPOCH"), std::string::npos);
  EXPECT_TRUE(client->RemoveRegion(4).value());
  EXPECT_FALSE(client->RemoveRegion(4).value());
}

TEST(PdClientTest, FollowsTheLeaderNamedByAFollower) {
  RunningPd leader;
  RunningPd follower;
  follower.pd->SetLeadership(false, leader.address());
  PdClientOptions o = FastOptions({follower.address()});
  for (bool batch : {true, false}) {
    o.batch_tso = batch;
    auto client = PdClient::Create(o).value();
    ASSERT_TRUE(client->AllocID().ok());
    EXPECT_EQ(client->current_endpoint(), leader.address());
    auto client2 = PdClient::Create(o).value();
    ASSERT_TRUE(client2->GetTimestamp().ok());  // over the Tso stream
    EXPECT_EQ(client2->current_endpoint(), leader.address());
  }
  EXPECT_EQ(follower.pd->counters().tso_requests.load(), 0u);
  EXPECT_EQ(leader.pd->counters().tso_requests.load(), 2u);
}

TEST(PdClientTest, RetriesPastADeadEndpoint) {
  RunningPd pd;
  // Nothing listens on the first endpoint (a server started and stopped).
  std::string dead;
  {
    RunningPd gone;
    dead = gone.address();
    gone.server->Stop();
  }
  auto client = PdClient::Create(FastOptions({dead, pd.address()})).value();
  Result<uint64_t> id = client->AllocID();
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(client->current_endpoint(), pd.address());
  ASSERT_TRUE(client->GetTimestamp().ok());
}

TEST(PdClientTest, GivesUpWithAnIOErrorWhenNoPdAnswers) {
  std::string dead;
  {
    RunningPd gone;
    dead = gone.address();
    gone.server->Stop();
  }
  PdClientOptions o = FastOptions({dead});
  o.max_attempts = 3;
  auto client = PdClient::Create(o).value();
  EXPECT_TRUE(client->AllocID().status().IsIOError());
  EXPECT_TRUE(client->GetTimestamp().status().IsIOError());
  EXPECT_TRUE(PdClient::Create(PdClientOptions()).status().IsInvalidArgument());
  EXPECT_TRUE(PdClient::Create(FastOptions({"nohostport"})).status().IsInvalidArgument());
}

}  // namespace
}  // namespace nokv::pd
