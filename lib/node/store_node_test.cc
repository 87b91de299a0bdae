// Three StoreNodes (real stores, gRPC transport, NoKV service) and a PD on
// loopback, driven through lib/client: writes and reads across regions, a
// store stopped and restarted on a new port (its peers find it through PD),
// and the HTTP endpoints of a live store.
#include "node/store_node.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "client/raw_kv_client.h"
#include "pd/pd_service.h"
#include "pd/placement_driver.h"
#include "server/http_router.h"
#include "testutil/test_util.h"

namespace nokv::node {
namespace {

metapb::Region Region(uint64_t id, std::string start, std::string end) {
  metapb::Region r;
  r.set_id(id);
  r.set_start_key(std::move(start));
  r.set_end_key(std::move(end));
  r.mutable_region_epoch()->set_version(1);
  r.mutable_region_epoch()->set_conf_ver(1);
  for (uint64_t s = 1; s <= 3; ++s) {
    metapb::Peer* p = r.add_peers();
    p->set_id(s * 100 + id);
    p->set_store_id(s);
  }
  return r;
}

std::string Key(int i) {
  char buf[16];
  snprintf(buf, sizeof(buf), "%c%05d", 'a' + i % 26, i);
  return buf;
}

class StoreNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    pd::PdOptions po;
    po.id_start = 10000;
    pd_ = pd::PlacementDriver::Open(po).value();
    pd::PdServerOptions so;
    so.listen_address = "127.0.0.1:0";
    so.tick_interval_ms = 0;
    pd_server_ = std::make_unique<pd::PdServer>(pd_.get(), so);
    ASSERT_TRUE(pd_server_->Start().ok());
    regions_ = {Region(1, "", "m"), Region(2, "m", "")};
    for (uint64_t s = 1; s <= 3; ++s) {
      raftstore::StoreOptions so2 = StoreOptions(s);
      ASSERT_TRUE(raftstore::BootstrapStore(so2, regions_).ok());
      ASSERT_TRUE(StartNode(s).ok());
    }
    client::RawKvClientOptions co;
    co.pd_endpoints = {pd_server_->address()};
    co.request_timeout_ms = 20000;
    client_ = std::move(client::RawKvClient::Create(co).value());
  }

  void TearDown() override {
    client_.reset();
    for (auto& n : nodes_) n.reset();
    pd_server_->Stop();
  }

  raftstore::StoreOptions StoreOptions(uint64_t id) {
    raftstore::StoreOptions o;
    o.store_id = id;
    o.workdir = dir_.path() + "/store" + std::to_string(id);
    o.tick_interval_ms = 50;
    o.data_engine.memtable_size = 4 << 20;
    o.raft_log_memtable_size = 4 << 20;
    return o;
  }

  Status StartNode(uint64_t id) {
    StoreNodeOptions o;
    o.store = StoreOptions(id);
    o.listen_address = "127.0.0.1:0";
    o.pd_endpoints = {pd_server_->address()};
    o.metrics_address = "127.0.0.1:0";
    Result<std::unique_ptr<StoreNode>> n = StoreNode::Start(o);
    if (!n.ok()) return n.status();
    nodes_[id - 1] = std::move(n.value());
    return Status::OK();
  }

  testutil::TempDir dir_;
  std::unique_ptr<pd::PlacementDriver> pd_;
  std::unique_ptr<pd::PdServer> pd_server_;
  std::vector<metapb::Region> regions_;
  std::unique_ptr<StoreNode> nodes_[3];
  std::unique_ptr<client::RawKvClient> client_;
};

TEST_F(StoreNodeTest, ServesClientsAndSurvivesAStoreRestartOnANewPort) {
  // Exactly one store bootstrapped PD.
  int bootstrappers = 0;
  for (auto& n : nodes_) bootstrappers += n->bootstrapped_pd();
  EXPECT_EQ(bootstrappers, 1);

  for (int i = 0; i < 200; ++i) {
    Status s = client_->Put(Key(i), "v" + std::to_string(i));
    ASSERT_TRUE(s.ok()) << i << ": " << s.ToString();
  }
  client::KvPairs all;
  ASSERT_TRUE(client_->Scan("", "", 1000, &all).ok());
  EXPECT_EQ(all.size(), 200u);

  // Stop the store leading region 1, keep writing, bring it back on
  // another port: the others learn its new address from PD.
  uint64_t leader = 0;
  for (auto& n : nodes_) {
    for (const auto& r : n->store()->Regions()) {
      if (r.region.id() == 1 && r.is_leader) leader = n->store_id();
    }
  }
  ASSERT_NE(leader, 0u);
  const std::string old_address = nodes_[leader - 1]->address();
  nodes_[leader - 1].reset();
  for (int i = 200; i < 300; ++i) {
    Status s = client_->Put(Key(i), "v" + std::to_string(i));
    ASSERT_TRUE(s.ok()) << i << ": " << s.ToString();
  }
  ASSERT_TRUE(StartNode(leader).ok());
  EXPECT_NE(nodes_[leader - 1]->address(), old_address);
  for (int i = 300; i < 400; ++i) {
    Status s = client_->Put(Key(i), "v" + std::to_string(i));
    ASSERT_TRUE(s.ok()) << i << ": " << s.ToString();
  }
  for (int i = 0; i < 400; ++i) {
    std::string v;
    Status s = client_->Get(Key(i), &v);
    ASSERT_TRUE(s.ok()) << i << ": " << s.ToString();
    EXPECT_EQ(v, "v" + std::to_string(i));
  }
  // The restarted store catches up: its local copy gets every key.
  StoreNode* back = nodes_[leader - 1].get();
  bool caught_up = false;
  for (int i = 0; i < 200 && !caught_up; ++i) {
    std::vector<std::pair<std::string, std::string>> local;
    ASSERT_TRUE(back->store()->DebugScan("default", "", "", &local).ok());
    caught_up = local.size() == 400;
    if (!caught_up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(caught_up);

  // Its transport counted traffic both ways; the endpoints show it.
  StoreSnapshot snap = back->Snapshot();
  EXPECT_GT(snap.transport.messages_sent, 0u);
  EXPECT_GT(snap.transport.messages_received, 0u);
  EXPECT_EQ(snap.stats.regions, 2u);
  server::HttpRequest req;
  req.method = "GET";
  req.target = "/metrics";
  server::HttpResponse m = HandleStoreHttp([&] { return back->Snapshot(); }, req);
  EXPECT_NE(m.body.find("nokv_store_regions{state=\"normal\"} 2"), std::string::npos) << m.body;
  EXPECT_FALSE(back->metrics_address().empty());
}

TEST_F(StoreNodeTest, BatchesScansAndRangeDeletesSpanRegions) {
  client::KvPairs pairs;
  for (int i = 0; i < 300; ++i) pairs.emplace_back(Key(i), "b" + std::to_string(i));
  ASSERT_TRUE(client_->BatchPut(pairs).ok());
  std::vector<std::string> keys;
  for (const auto& [k, v] : pairs) keys.push_back(k);
  keys.push_back("zzz-missing");
  std::map<std::string, std::string> found;
  ASSERT_TRUE(client_->BatchGet(keys, &found).ok());
  EXPECT_EQ(found.size(), 300u);
  client::KvPairs scanned;
  ASSERT_TRUE(client_->Scan("c", "p", 1000, &scanned).ok());
  size_t expect = 0;
  for (const auto& [k, v] : pairs) expect += k >= "c" && k < "p";
  EXPECT_EQ(scanned.size(), expect);
  ASSERT_TRUE(client_->DeleteRange("f", "r").ok());
  ASSERT_TRUE(client_->Scan("", "", 1000, &scanned).ok());
  for (const auto& [k, v] : scanned) EXPECT_TRUE(k < "f" || k >= "r") << k;
  size_t kept = 0;
  for (const auto& [k, v] : pairs) kept += k < "f" || k >= "r";
  EXPECT_EQ(scanned.size(), kept);
}

TEST(StoreNodeStartTest, UnreachablePdIsNamed) {
  testutil::TempDir dir;
  StoreNodeOptions o;
  o.store.store_id = 1;
  o.store.workdir = dir.path() + "/s1";
  o.listen_address = "127.0.0.1:0";
  o.pd_endpoints = {"127.0.0.1:1"};
  o.pd_timeout_ms = 200;
  o.pd_ready_timeout_ms = 500;
  Result<std::unique_ptr<StoreNode>> n = StoreNode::Start(o);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("dial pd \"127.0.0.1:1\""), std::string::npos)
      << n.status().ToString();
}

}  // namespace
}  // namespace nokv::node
