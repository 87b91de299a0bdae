// The topology loader: the example file, every validation rule, malformed
// files (broken JSON, missing fields, wrong types) and scope resolution.
#include "config/topology.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testutil/test_util.h"

namespace nokv::config {
namespace {

// A valid 3-store, 2-region topology; tests break one thing at a time.
const char kValid[] = R"({
  "max_retries": 7,
  "pd": {"addr": "127.0.0.1:2379", "docker_addr": "nokv-pd:2379",
         "work_dir": "pd", "docker_work_dir": "/var/lib/nokv-pd"},
  "store_work_dir_template": "data/store-{id}",
  "store_docker_work_dir_template": "/var/lib/nokv/store-{id}",
  "stores": [
    {"store_id": 1, "addr": "127.0.0.1:20170", "docker_addr": "nokv-node1:20160",
     "docker_listen_addr": "0.0.0.0:20160"},
    {"store_id": 2, "addr": "127.0.0.1:20171", "listen_addr": "127.0.0.1:30171",
     "work_dir": "/srv/two", "docker_work_dir": "/docker/two"},
    {"store_id": 3, "addr": "127.0.0.1:20172"}
  ],
  "regions": [
    {"id": 1, "start_key": "", "end_key": "m", "epoch": {"version": 1, "conf_version": 1},
     "peers": [{"store_id": 1, "peer_id": 101}, {"store_id": 2, "peer_id": 201},
               {"store_id": 3, "peer_id": 301}], "leader_store_id": 1},
    {"id": 2, "start_key": "m", "end_key": "-", "epoch": {"version": 1, "conf_version": 1},
     "peers": [{"store_id": 1, "peer_id": 102}, {"store_id": 2, "peer_id": 202},
               {"store_id": 3, "peer_id": 302}], "leader_store_id": 2}
  ]
})";

// kValid with the first occurrence of `from` replaced by `to`.
std::string Edit(const std::string& from, const std::string& to, std::string text = kValid) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: \"" << from << "\" not in the text";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The error message of parsing `text`, which must fail.
std::string ErrorOf(const std::string& text) {
  Result<Topology> t = ParseTopology(text, "t.json");
  EXPECT_FALSE(t.ok()) << "expected an error for:\n" << text;
  if (t.ok()) return "";
  EXPECT_TRUE(t.status().IsInvalidArgument()) << t.status().ToString();
  return t.status().message();
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

TEST(TopologyTest, LoadsEveryField) {
  Result<Topology> r = ParseTopology(kValid, "t.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Topology& t = r.value();
  EXPECT_EQ(t.max_retries, 7);
  ASSERT_TRUE(t.pd.has_value());
  EXPECT_EQ(t.pd->addr, "127.0.0.1:2379");
  EXPECT_EQ(t.pd->docker_work_dir, "/var/lib/nokv-pd");
  ASSERT_EQ(t.stores.size(), 3u);
  EXPECT_EQ(t.stores[1].store_id, 2u);
  EXPECT_EQ(t.stores[1].listen_addr, "127.0.0.1:30171");
  ASSERT_EQ(t.regions.size(), 2u);
  EXPECT_EQ(t.regions[0].start_key, "");
  EXPECT_EQ(t.regions[0].end_key, "m");
  EXPECT_EQ(t.regions[1].end_key, "");  // "-" is unbounded
  EXPECT_EQ(t.regions[1].epoch.conf_version, 1u);
  ASSERT_EQ(t.regions[1].peers.size(), 3u);
  EXPECT_EQ(t.regions[1].peers[2].peer_id, 302u);
  EXPECT_EQ(t.regions[1].leader_store_id, 2u);
  EXPECT_TRUE(t.warnings.empty()) << t.warnings.front();
  EXPECT_EQ(t.RegionsOfStore(3).size(), 2u);
  EXPECT_EQ(t.regions[0].PeerOnStore(2)->peer_id, 201u);
  EXPECT_EQ(t.FindStore(4), nullptr);
  EXPECT_EQ(t.MaxId(), 302u);
}

TEST(TopologyTest, TheExampleFileIsValid) {
  Result<Topology> t = LoadTopologyFile(NOKV_TESTDATA_DIR "/cluster/raft_config.example.json");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->stores.size(), 3u);
  EXPECT_EQ(t->regions.size(), 2u);
  EXPECT_TRUE(t->warnings.empty());
  for (const StoreConfig& s : t->stores) {
    EXPECT_EQ(Topology::StoreListenAddr(s, Scope::kHost).rfind("127.0.0.1:", 0), 0u);
  }
}

TEST(TopologyTest, DecodesHexKeys) {
  std::string text = Edit("\"end_key\": \"m\"", "\"end_key\": \"hex:00ff\"");
  text = Edit("\"start_key\": \"m\"", "\"start_key\": \"hex:00FF\"", text);
  Result<Topology> t = ParseTopology(text);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->regions[0].end_key, std::string("\x00\xff", 2));
  EXPECT_EQ(t->regions[1].start_key, std::string("\x00\xff", 2));
}

TEST(TopologyTest, BadJsonNamesLineAndColumn) {
  EXPECT_EQ(ErrorOf(Edit("\"max_retries\": 7,", "\"max_retries\": 7,,")),
            "t.json: line 2, column 20: unexpected ',' (expected a member name in double quotes)");
  EXPECT_CONTAINS(ErrorOf(Edit("\"leader_store_id\": 2}", "\"leader_store_id\": 2,}")),
                  "line 20, column");
  EXPECT_CONTAINS(ErrorOf(Edit("\"addr\": \"127.0.0.1:20172\"",
                               "\"addr\": \"a\", \"addr\": \"127.0.0.1:20172\"")),
                  "duplicate key \"addr\"");
  EXPECT_EQ(ErrorOf(""), "t.json: line 1, column 1: empty document (expected a JSON value)");
  EXPECT_EQ(ErrorOf("[1]"), "t.json: expected a JSON object at the top level, got an array");
}

TEST(TopologyTest, MissingRequiredFields) {
  EXPECT_EQ(ErrorOf(Edit("{\"store_id\": 3, ", "{")), "t.json: stores[2].store_id: missing (required)");
  EXPECT_EQ(ErrorOf(Edit(", \"addr\": \"127.0.0.1:20171\"", "")),
            "t.json: stores[1].addr: missing (required)");
  EXPECT_EQ(ErrorOf(Edit("\"start_key\": \"m\", ", "")),
            "t.json: regions[1].start_key: missing (required)");
  EXPECT_EQ(ErrorOf(Edit("{\"id\": 2, ", "{")), "t.json: regions[1].id: missing (required)");
  EXPECT_EQ(ErrorOf(Edit("\"epoch\": {\"version\": 1, \"conf_version\": 1},", "")),
            "t.json: regions[0].epoch: missing (required)");
  EXPECT_EQ(ErrorOf(Edit("{\"version\": 1, \"conf_version\": 1}", "{\"version\": 1}")),
            "t.json: regions[0].epoch.conf_version: missing (required)");
  EXPECT_EQ(ErrorOf("{\"regions\": []}"), "t.json: stores: missing (required)");
  EXPECT_EQ(ErrorOf("{\"stores\": []}"), "t.json: regions: missing (required)");
  EXPECT_EQ(ErrorOf(Edit("{\"store_id\": 3, \"peer_id\": 302}", "{\"store_id\": 3}")),
            "t.json: regions[1].peers[2].peer_id: missing (required)");
  // null counts as missing.
  EXPECT_EQ(ErrorOf(Edit("{\"store_id\": 3, ", "{\"store_id\": null, ")),
            "t.json: stores[2].store_id: missing (required)");
}

TEST(TopologyTest, WrongTypes) {
  EXPECT_EQ(ErrorOf(Edit("{\"store_id\": 3, ", "{\"store_id\": \"3\", ")),
            "t.json: stores[2].store_id: expected an unsigned integer, got string \"3\"");
  EXPECT_EQ(ErrorOf(Edit("{\"store_id\": 3, ", "{\"store_id\": -3, ")),
            "t.json: stores[2].store_id: expected an unsigned integer, got -3");
  EXPECT_EQ(ErrorOf(Edit("{\"store_id\": 3, ", "{\"store_id\": 3.5, ")),
            "t.json: stores[2].store_id: expected an unsigned integer, got 3.5");
  EXPECT_EQ(ErrorOf(Edit("{\"store_id\": 3, ", "{\"store_id\": true, ")),
            "t.json: stores[2].store_id: expected an unsigned integer, got true");
  EXPECT_EQ(ErrorOf(Edit("\"addr\": \"127.0.0.1:20172\"", "\"addr\": 20172")),
            "t.json: stores[2].addr: expected a string, got 20172");
  EXPECT_EQ(ErrorOf(Edit("\"end_key\": \"m\"", "\"end_key\": 109")),
            "t.json: regions[0].end_key: expected a string, got 109");
  EXPECT_EQ(ErrorOf(Edit("\"max_retries\": 7", "\"max_retries\": \"7\"")),
            "t.json: max_retries: expected an integer, got string \"7\"");
  EXPECT_EQ(ErrorOf(Edit("\"pd\": {", "\"pd\": [], \"pd_old\": {")),
            "t.json: pd: expected an object, got an array");
  EXPECT_EQ(ErrorOf("{\"stores\": {}, \"regions\": []}"),
            "t.json: stores: expected an array, got an object");
  EXPECT_EQ(ErrorOf(Edit("{\"store_id\": 3, \"addr\": \"127.0.0.1:20172\"}", "7")),
            "t.json: stores[2]: expected an object, got 7");
  // A uint64 beyond int64 is still an unsigned integer.
  Result<Topology> big = ParseTopology(
      Edit("\"leader_store_id\": 1", "\"leader_store_id\": 0",
           Edit("{\"id\": 1,", "{\"id\": 18446744073709551615,")));
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->regions[0].id, 18446744073709551615ull);
}

TEST(TopologyTest, ReportsEveryProblemAtOnce) {
  std::string text = Edit("{\"store_id\": 3, ", "{\"store_id\": \"x\", ");
  text = Edit("\"start_key\": \"m\"", "\"start_key\": 5", text);
  const std::string e = ErrorOf(text);
  EXPECT_EQ(e,
            "t.json: 2 problems:\n"
            "  stores[2].store_id: expected an unsigned integer, got string \"x\"\n"
            "  regions[1].start_key: expected a string, got 5");
}

TEST(TopologyTest, DuplicateStoreIds) {
  EXPECT_EQ(ErrorOf(Edit("{\"store_id\": 3, ", "{\"store_id\": 2, ")),
            "t.json: 3 problems:\n"
            "  stores[2].store_id: duplicate 2 (also stores[1])\n"
            "  regions[0].peers[2].store_id: unknown store 3 (not in stores[])\n"
            "  regions[1].peers[2].store_id: unknown store 3 (not in stores[])");
}

TEST(TopologyTest, StoreIdZero) {
  std::string text = Edit("{\"store_id\": 3, ", "{\"store_id\": 0, ");
  EXPECT_CONTAINS(ErrorOf(text), "stores[2].store_id: must be > 0");
}

TEST(TopologyTest, DuplicatePeerIds) {
  EXPECT_EQ(ErrorOf(Edit("\"peer_id\": 302", "\"peer_id\": 101")),
            "t.json: regions[1].peers[2].peer_id: duplicate 101 (also regions[0].peers[0]); "
            "peer ids are unique in the cluster");
  EXPECT_EQ(ErrorOf(Edit("\"peer_id\": 302", "\"peer_id\": 0")),
            "t.json: regions[1].peers[2].peer_id: must be > 0");
}

TEST(TopologyTest, UnknownStores) {
  EXPECT_EQ(ErrorOf(Edit("{\"store_id\": 3, \"peer_id\": 302}", "{\"store_id\": 9, \"peer_id\": 302}")),
            "t.json: regions[1].peers[2].store_id: unknown store 9 (not in stores[])");
  EXPECT_EQ(ErrorOf(Edit("\"leader_store_id\": 2", "\"leader_store_id\": 4")),
            "t.json: regions[1].leader_store_id: unknown store 4");
  EXPECT_EQ(ErrorOf(Edit("{\"store_id\": 3, \"peer_id\": 302}",
                         "{\"store_id\": 2, \"peer_id\": 203}")),
            "t.json: regions[1].peers[2].store_id: store 2 already holds a peer of this region "
            "(regions[1].peers[1])");
  std::string text = Edit(",\n               {\"store_id\": 3, \"peer_id\": 302}", "");
  text = Edit("\"leader_store_id\": 2", "\"leader_store_id\": 3", text);
  EXPECT_EQ(ErrorOf(text), "t.json: regions[1].leader_store_id: store 3 holds no peer of this region");
}

TEST(TopologyTest, EmptyListsAreErrors) {
  EXPECT_EQ(ErrorOf("{\"stores\": [], \"regions\": []}"),
            "t.json: 2 problems:\n  stores: empty (at least one store is required)\n"
            "  regions: empty (at least one bootstrap region is required)");
  std::string text = Edit(
      "[{\"store_id\": 1, \"peer_id\": 102}, {\"store_id\": 2, \"peer_id\": 202},\n"
      "               {\"store_id\": 3, \"peer_id\": 302}], \"leader_store_id\": 2",
      "[]");
  EXPECT_EQ(ErrorOf(text), "t.json: regions[1].peers: empty (at least one peer is required)");
}

TEST(TopologyTest, RegionIds) {
  EXPECT_EQ(ErrorOf(Edit("{\"id\": 2,", "{\"id\": 1,")),
            "t.json: regions[1].id: duplicate 1 (also regions[0])");
  EXPECT_EQ(ErrorOf(Edit("{\"id\": 2,", "{\"id\": 0,")), "t.json: regions[1].id: must be > 0");
  EXPECT_EQ(ErrorOf(Edit("{\"version\": 1, \"conf_version\": 1}",
                         "{\"version\": 0, \"conf_version\": 1}")),
            "t.json: regions[0].epoch.version: must be > 0");
}

TEST(TopologyTest, OverlappingRegionsNameBoth) {
  EXPECT_EQ(ErrorOf(Edit("\"start_key\": \"m\"", "\"start_key\": \"k\"")),
            "t.json: regions[1] (id 2, [\"k\", +inf)) overlaps regions[0] (id 1, [-inf, \"m\"))");
  // Unbounded ends overlap everything after them.
  EXPECT_EQ(ErrorOf(Edit("\"end_key\": \"m\"", "\"end_key\": \"\"")),
            "t.json: regions[1] (id 2, [\"m\", +inf)) overlaps regions[0] (id 1, [-inf, +inf))");
  // Binary keys appear in hex.
  EXPECT_EQ(ErrorOf(Edit("\"end_key\": \"m\"", "\"end_key\": \"hex:6e00\"")),
            "t.json: regions[1] (id 2, [\"m\", +inf)) overlaps regions[0] (id 1, [-inf, "
            "\"hex:6e00\"))");
  EXPECT_EQ(ErrorOf(Edit("\"start_key\": \"m\", \"end_key\": \"-\"",
                         "\"start_key\": \"z\", \"end_key\": \"n\"")),
            "t.json: regions[1]: start_key \"z\" is not below end_key \"n\" (empty range)");
}

TEST(TopologyTest, GapsAndUnknownFieldsAreWarnings) {
  std::string text = Edit("\"start_key\": \"m\"", "\"start_key\": \"p\"");
  text = Edit("\"start_key\": \"\"", "\"start_key\": \"b\"", text);
  text = Edit("\"addr\": \"127.0.0.1:20172\"", "\"addr\": \"127.0.0.1:20172\", \"adr\": 1", text);
  text = Edit("\"max_retries\"", "\"store_work_dir_templte\": \"x\", \"max_retries\"", text);
  Result<Topology> t = ParseTopology(text);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->warnings, (std::vector<std::string>{
                             "store_work_dir_templte: unknown field (ignored)",
                             "stores[2].adr: unknown field (ignored)",
                             "regions: no bootstrap region covers keys below \"b\"",
                             "regions: no bootstrap region covers [\"m\", \"p\")",
                         }));
}

TEST(TopologyTest, TemplatesMustContainId) {
  EXPECT_EQ(ErrorOf(Edit("data/store-{id}", "data/store")),
            "t.json: store_work_dir_template: \"data/store\" must contain {id} (replaced by "
            "each store's id)");
  EXPECT_CONTAINS(ErrorOf(Edit("/var/lib/nokv/store-{id}", "/var/lib/nokv/store-{ID}")),
                  "store_docker_work_dir_template: \"/var/lib/nokv/store-{ID}\" must contain {id}");
}

TEST(TopologyTest, Addresses) {
  EXPECT_EQ(ErrorOf(Edit("\"addr\": \"127.0.0.1:20172\"", "\"addr\": \"\"")),
            "t.json: stores[2].addr: empty (want HOST:PORT)");
  EXPECT_EQ(ErrorOf(Edit("\"addr\": \"127.0.0.1:20172\"", "\"addr\": \"localhost\"")),
            "t.json: stores[2].addr: \"localhost\" is not HOST:PORT (port 1-65535)");
  EXPECT_EQ(ErrorOf(Edit("\"addr\": \"127.0.0.1:20172\"", "\"addr\": \"127.0.0.1:20170\"")),
            "t.json: stores[2].addr: 127.0.0.1:20170 is already used by stores[0].addr");
  EXPECT_EQ(ErrorOf(Edit("\"addr\": \"127.0.0.1:20172\"", "\"addr\": \"127.0.0.1:2379\"")),
            "t.json: stores[2].addr: 127.0.0.1:2379 is already used by pd.addr");
  EXPECT_EQ(ErrorOf(Edit("\"addr\": \"127.0.0.1:20172\"", "\"addr\": \"127.0.0.1:30171\"")),
            "t.json: stores[2].addr: 127.0.0.1:30171 is already used by stores[1].listen_addr");
  EXPECT_EQ(ErrorOf(Edit("\"docker_addr\": \"nokv-pd:2379\"", "\"docker_addr\": \"nokv-pd:0\"")),
            "t.json: pd.docker_addr: \"nokv-pd:0\" is not HOST:PORT (port 1-65535)");
  // Containers all bind 0.0.0.0:20160: docker listen addresses may repeat.
  EXPECT_TRUE(ParseTopology(Edit("{\"store_id\": 3, \"addr\": \"127.0.0.1:20172\"}",
                                 "{\"store_id\": 3, \"addr\": \"127.0.0.1:20172\", "
                                 "\"docker_listen_addr\": \"0.0.0.0:20160\"}"))
                  .ok());
  EXPECT_TRUE(IsHostPort("[::1]:20160"));
  EXPECT_FALSE(IsHostPort("::1:20160"));
  EXPECT_FALSE(IsHostPort(":20160"));
  EXPECT_FALSE(IsHostPort("host:65536"));
  EXPECT_FALSE(IsHostPort("host:12a"));
}

TEST(TopologyTest, ResolvesByScope) {
  Result<Topology> r = ParseTopology(kValid, "/etc/nokv/raft_config.json");
  ASSERT_TRUE(r.ok());
  const Topology& t = r.value();
  EXPECT_EQ(t.ResolvePdAddr(Scope::kHost).value(), "127.0.0.1:2379");
  EXPECT_EQ(t.ResolvePdAddr(Scope::kDocker).value(), "nokv-pd:2379");
  EXPECT_EQ(t.ResolvePdWorkDir(Scope::kHost).value(), "pd");
  EXPECT_EQ(t.ResolvePdWorkDir(Scope::kDocker).value(), "/var/lib/nokv-pd");
  EXPECT_EQ(t.ResolveStoreWorkDir(1, Scope::kHost), "data/store-1");
  EXPECT_EQ(t.ResolveStoreWorkDir(1, Scope::kDocker), "/var/lib/nokv/store-1");
  EXPECT_EQ(t.ResolveStoreWorkDir(2, Scope::kHost), "/srv/two");
  EXPECT_EQ(t.ResolveStoreWorkDir(2, Scope::kDocker), "/docker/two");
  EXPECT_EQ(t.ResolveStoreWorkDir(9, Scope::kHost), "");
  EXPECT_EQ(Topology::StoreListenAddr(t.stores[0], Scope::kHost), "127.0.0.1:20170");
  EXPECT_EQ(Topology::StoreListenAddr(t.stores[0], Scope::kDocker), "0.0.0.0:20160");
  EXPECT_EQ(Topology::StoreListenAddr(t.stores[1], Scope::kHost), "127.0.0.1:30171");
  EXPECT_EQ(Topology::StoreListenAddr(t.stores[1], Scope::kDocker), "127.0.0.1:30171");
  EXPECT_EQ(Topology::StoreAdvertiseAddr(t.stores[0], Scope::kDocker), "nokv-node1:20160");
  EXPECT_EQ(Topology::StoreAdvertiseAddr(t.stores[1], Scope::kDocker), "127.0.0.1:20171");
  EXPECT_EQ(t.PathFromConfig("pd"), "/etc/nokv/pd");
  EXPECT_EQ(t.PathFromConfig("../../x/store-1"), "/x/store-1");
  EXPECT_EQ(t.PathFromConfig("/abs"), "/abs");
  EXPECT_EQ(t.PathFromConfig(""), "");
}

TEST(TopologyTest, ResolutionErrorsAndFallbacks) {
  // Docker scope falls back to the host fields and the host template.
  std::string text = Edit(", \"docker_addr\": \"nokv-pd:2379\"", "");
  text = Edit(", \"docker_work_dir\": \"/var/lib/nokv-pd\"", "", text);
  text = Edit("\"store_docker_work_dir_template\": \"/var/lib/nokv/store-{id}\",", "", text);
  Result<Topology> t = ParseTopology(text);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->ResolvePdAddr(Scope::kDocker).value(), "127.0.0.1:2379");
  EXPECT_EQ(t->ResolvePdWorkDir(Scope::kDocker).value(), "pd");
  EXPECT_EQ(t->ResolveStoreWorkDir(3, Scope::kDocker), "data/store-3");

  Result<Topology> no_pd = ParseTopology(Edit("\"pd\": {", "\"pd_old\": {"));
  ASSERT_TRUE(no_pd.ok());
  EXPECT_EQ(no_pd->ResolvePdAddr(Scope::kHost).status().message(),
            "pd block missing from configuration");
  Result<Topology> no_addr = ParseTopology(Edit("\"addr\": \"127.0.0.1:2379\", ", ""));
  ASSERT_TRUE(no_addr.ok());
  EXPECT_EQ(no_addr->ResolvePdAddr(Scope::kHost).status().message(),
            "pd address missing for scope \"host\"");
  EXPECT_EQ(ParseScope("DOCKER").value(), Scope::kDocker);
  EXPECT_EQ(ParseScope("local").value(), Scope::kHost);
  EXPECT_EQ(ParseScope("k8s").status().message(), "invalid scope \"k8s\" (expected host|docker)");
}

TEST(TopologyTest, FileErrors) {
  testutil::TempDir dir;
  Result<Topology> missing = LoadTopologyFile(dir.File("nope.json"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsIOError());
  EXPECT_CONTAINS(missing.status().message(), "nope.json: cannot open the topology file");
  Result<Topology> directory = LoadTopologyFile(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_CONTAINS(directory.status().message(), "is a directory");

  std::ofstream(dir.File("bad.json")) << "{\n  \"stores\": [\n    {\"store_id\": 1,}\n  ]\n}\n";
  Result<Topology> bad = LoadTopologyFile(dir.File("bad.json"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            dir.File("bad.json") + ": line 3, column 20: trailing comma before '}'");
}

}  // namespace
}  // namespace nokv::config
