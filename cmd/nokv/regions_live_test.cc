// nokv regions --pd-addr's reader (ReadLiveRegions) against a real PD
// server on loopback: regions sorted with their leaders and sizes, stores,
// an unbootstrapped PD, an unreachable one.
#include <gtest/gtest.h>

#include "pd/pd_client.h"
#include "pd/pd_service.h"
#include "pd/placement_driver.h"
#include "region_listing.h"

namespace nokv::cli {
namespace {

metapb::Region Region(uint64_t id, std::string start, std::string end) {
  metapb::Region r;
  r.set_id(id);
  r.set_start_key(std::move(start));
  r.set_end_key(std::move(end));
  r.mutable_region_epoch()->set_version(3);
  r.mutable_region_epoch()->set_conf_ver(2);
  for (uint64_t store = 1; store <= 3; ++store) {
    metapb::Peer* p = r.add_peers();
    p->set_id(store * 100 + id);
    p->set_store_id(store);
    if (store == 3) p->set_role(metapb::LEARNER);
  }
  return r;
}

metapb::Store Store(uint64_t id) {
  metapb::Store s;
  s.set_id(id);
  s.set_address("127.0.0.1:" + std::to_string(20170 + id));
  return s;
}

class LiveRegionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pd::PdOptions options;
    auto opened = pd::PlacementDriver::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    driver_ = std::move(opened).value();
    pd::PdServerOptions server_options;
    server_options.listen_address = "127.0.0.1:0";
    server_options.tick_interval_ms = 0;
    server_ = std::make_unique<pd::PdServer>(driver_.get(), server_options);
    ASSERT_TRUE(server_->Start().ok());
    pd::PdClientOptions client_options;
    client_options.endpoints = {server_->address()};
    auto client = pd::PdClient::Create(client_options);
    ASSERT_TRUE(client.ok());
    client_ = std::move(client).value();
  }
  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop();
  }

  void Heartbeat(const metapb::Region& r, uint64_t leader_store, uint64_t size) {
    pdpb::RegionHeartbeatRequest req;
    *req.mutable_region() = r;
    for (const metapb::Peer& p : r.peers()) {
      if (p.store_id() == leader_store) *req.mutable_leader() = p;
    }
    req.set_approximate_size(size);
    req.set_approximate_keys(size / 100);
    req.set_term(1);
    auto resp = client_->RegionHeartbeat(req);
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  }

  std::unique_ptr<pd::PlacementDriver> driver_;
  std::unique_ptr<pd::PdServer> server_;
  std::unique_ptr<pd::PdClient> client_;
};

TEST_F(LiveRegionsTest, ListsRegionsWithLeadersAndStores) {
  ASSERT_TRUE(client_->Bootstrap(Store(1), Region(1, "", "m")).ok());
  ASSERT_TRUE(client_->PutStore(Store(2)).ok());
  ASSERT_TRUE(client_->PutStore(Store(3)).ok());
  Heartbeat(Region(2, "m", ""), 2, 123456);
  Heartbeat(Region(1, "", "m"), 1, 4200);

  RegionListing l;
  ASSERT_TRUE(ReadLiveRegions(server_->address(), 2000, &l).ok());
  EXPECT_FALSE(l.offline);
  EXPECT_TRUE(l.bootstrapped);
  EXPECT_EQ(l.pd_addr, server_->address());
  ASSERT_EQ(l.stores.size(), 3u);
  EXPECT_EQ(l.stores[1].store_id, 2u);
  EXPECT_EQ(l.stores[1].address, "127.0.0.1:20172");
  EXPECT_EQ(l.stores[1].state, "up");
  ASSERT_EQ(l.regions.size(), 2u);
  const RegionRow& first = l.regions[0].id == 1 ? l.regions[0] : l.regions[1];
  const RegionRow& second = l.regions[0].id == 1 ? l.regions[1] : l.regions[0];
  EXPECT_EQ(first.end_key, "m");
  EXPECT_EQ(first.epoch_version, 3u);
  EXPECT_EQ(first.epoch_conf_version, 2u);
  ASSERT_EQ(first.peers.size(), 3u);
  EXPECT_TRUE(first.peers[2].learner);
  EXPECT_EQ(first.leader.peer_id, 101u);
  EXPECT_EQ(first.approximate_size, 4200u);
  EXPECT_EQ(second.start_key, "m");
  EXPECT_EQ(second.leader.store_id, 2u);
  EXPECT_EQ(second.leader.peer_id, 202u);
  EXPECT_EQ(second.approximate_keys, 1234u);
}

TEST_F(LiveRegionsTest, UnbootstrappedPdListsNothing) {
  RegionListing l;
  ASSERT_TRUE(ReadLiveRegions(server_->address(), 2000, &l).ok());
  EXPECT_FALSE(l.bootstrapped);
  EXPECT_TRUE(l.regions.empty());
}

TEST_F(LiveRegionsTest, UnreachablePdIsAnError) {
  const std::string addr = server_->address();
  server_->Stop();
  RegionListing l;
  Status s = ReadLiveRegions(addr, 300, &l);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("PD " + addr), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace nokv::cli
