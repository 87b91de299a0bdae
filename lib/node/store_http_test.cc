// The store node's HTTP endpoints from synthetic snapshots: routing, health,
// valid JSON, and Prometheus text that promtool accepts.
#include "node/store_http.h"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "testutil/test_util.h"

namespace nokv::node {
namespace {

StoreSnapshot Sample() {
  StoreSnapshot s;
  s.store_id = 2;
  s.address = "127.0.0.1:20171";
  s.running = true;
  s.stats.regions = 2;
  s.stats.regions_normal = 2;
  s.stats.leaders = 1;
  s.stats.raft_log_lag = 7;
  s.stats.proposals = 100;
  s.stats.apply_batches = 10;
  s.stats.apply_micros_total = 2500;
  s.stats.snapshots_sent = 3;
  s.transport.messages_sent = 40;
  s.transport.bytes_received = 4096;
  s.transport.send_busy = 5;
  for (uint64_t id : {1, 2}) {
    raftstore::RegionStatus r;
    r.region.set_id(id);
    r.region.set_start_key(id == 1 ? "" : "m\x01\"");
    r.region.set_end_key(id == 1 ? "m\x01\"" : "");
    metapb::Peer* p = r.region.add_peers();
    p->set_id(200 + id);
    p->set_store_id(2);
    r.is_leader = id == 1;
    r.applied_index = 10 * id;
    r.last_index = 10 * id + 3;
    s.regions.push_back(r);
  }
  return s;
}

server::HttpResponse Get(const StoreSnapshot& snap, const std::string& target,
                         const std::string& method = "GET") {
  server::HttpRequest r;
  r.method = method;
  r.target = target;
  return HandleStoreHttp([&] { return snap; }, r);
}

TEST(StoreHttpTest, HealthzSaysWhyNot) {
  StoreSnapshot s = Sample();
  server::HttpResponse r = Get(s, "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"ok\""), std::string::npos);
  s.regions[1].stopped = true;
  r = Get(s, "/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("region 2 is stopped"), std::string::npos) << r.body;
  s.running = false;
  EXPECT_EQ(Get(s, "/healthz").status, 503);
}

TEST(StoreHttpTest, RoutesAndMethods) {
  StoreSnapshot s = Sample();
  EXPECT_EQ(Get(s, "/nope").status, 404);
  server::HttpResponse r = Get(s, "/metrics", "POST");
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  r = Get(s, "/metrics", "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(Get(s, "/metrics?x=1").status, 200);
  r = Get(s, "/");
  EXPECT_NE(r.body.find("/debug/vars"), std::string::npos);
}

TEST(StoreHttpTest, DebugVarsIsJsonWithEveryRegion) {
  StoreSnapshot s = Sample();
  server::HttpResponse r = Get(s, "/debug/vars");
  ASSERT_EQ(r.status, 200);
  Poco::JSON::Parser parser;
  Poco::Dynamic::Var v = parser.parse(r.body);
  auto root = v.extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(root->getObject("NoKV.Store")->getValue<uint64_t>("store_id"), 2u);
  EXPECT_EQ(root->getObject("NoKV.Store.Stats")->getValue<uint64_t>("raft_log_lag"), 7u);
  EXPECT_EQ(root->getObject("NoKV.Transport")->getValue<uint64_t>("send_busy"), 5u);
  auto regions = root->getArray("NoKV.Regions");
  ASSERT_EQ(regions->size(), 2u);
  EXPECT_EQ(regions->getObject(0)->getValue<std::string>("end_key_hex"), "6d0122");
  EXPECT_TRUE(regions->getObject(0)->getValue<bool>("is_leader"));
}

TEST(StoreHttpTest, MetricsCarryTheCountersAndPassPromtool) {
  StoreSnapshot s = Sample();
  const std::string m = RenderStoreMetrics(s);
  for (const char* line :
       {"nokv_store_regions{state=\"normal\"} 2", "nokv_store_leaders 1",
        "nokv_store_raft_log_lag_entries 7", "nokv_store_proposals_total{kind=\"write\"} 100",
        "nokv_store_apply_seconds_total 0.002500", "nokv_store_apply_batches_total 10",
        "nokv_store_snapshots_total{event=\"sent\"} 3",
        "nokv_transport_messages_total{direction=\"sent\"} 40",
        "nokv_transport_bytes_total{direction=\"received\"} 4096",
        "nokv_transport_errors_total{direction=\"sent\",kind=\"queue_full\"} 5",
        "nokv_store_region_log_lag_entries{region=\"2\"} 3",
        "nokv_store_region_is_leader{region=\"1\"} 1"}) {
    EXPECT_NE(m.find(std::string(line) + "\n"), std::string::npos) << line << "\n" << m;
  }
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed";
  }
  testutil::TempDir dir;
  const std::string file = dir.File("metrics.txt");
  std::ofstream(file) << m;
  const std::string cmd = "promtool check metrics < " + file + " > " + dir.File("out") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream out(dir.File("out"));
  std::string report((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << report;
}

}  // namespace
}  // namespace nokv::node
