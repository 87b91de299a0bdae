// The store bootstrap file: built from a topology, canonical text, atomic
// write, read back, and malformed files.
#include "config/bootstrap_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testutil/test_util.h"

namespace nokv::config {
namespace {

Topology Example() {
  Result<Topology> t = LoadTopologyFile(NOKV_TESTDATA_DIR "/cluster/raft_config.example.json");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(t).value() : Topology();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(BootstrapFileTest, HoldsTheRegionsWithAPeerOnTheStore) {
  Topology t = Example();
  // Move region 2 off store 3.
  t.regions[1].peers.pop_back();
  BootstrapFile one = BootstrapFromTopology(t, 1);
  EXPECT_EQ(one.store_id, 1u);
  ASSERT_EQ(one.regions.size(), 2u);
  EXPECT_EQ(one.regions[0].id, 1u);
  EXPECT_EQ(one.regions[0].end_key, "m");
  EXPECT_EQ(one.regions[1].start_key, "m");
  EXPECT_EQ(one.regions[1].leader_store_id, 2u);
  BootstrapFile three = BootstrapFromTopology(t, 3);
  ASSERT_EQ(three.regions.size(), 1u);
  EXPECT_EQ(three.regions[0].id, 1u);
  EXPECT_TRUE(BootstrapFromTopology(t, 9).regions.empty());
}

TEST(BootstrapFileTest, CanonicalTextIsReadable) {
  BootstrapFile file;
  file.store_id = 2;
  BootstrapRegion r;
  r.id = 7;
  r.start_key = std::string("\x00k", 2);
  r.end_key = "";
  r.epoch = {3, 2};
  r.peers = {{1, 71}, {2, 72}};
  r.state = BootstrapRegionState::kTombstone;
  UpsertBootstrapRegion(&file, r);
  EXPECT_EQ(BootstrapFileJson(file),
            "{\n"
            "  \"format\": \"nokv-store-bootstrap\",\n"
            "  \"version\": 1,\n"
            "  \"store_id\": 2,\n"
            "  \"regions\": [\n"
            "    {\"id\": 7, \"start_key\": \"hex:006b\", \"end_key\": \"\", \"epoch\": "
            "{\"version\": 3, \"conf_version\": 2},\n"
            "     \"peers\": [{\"store_id\": 1, \"peer_id\": 71}, {\"store_id\": 2, \"peer_id\": "
            "72}],\n"
            "     \"leader_store_id\": 0, \"state\": \"tombstone\"}\n"
            "  ]\n"
            "}\n");
}

TEST(BootstrapFileTest, WritesAndReadsBack) {
  testutil::TempDir dir;
  const std::string workdir = dir.File("store-1/nested");
  Result<std::optional<BootstrapFile>> none = ReadBootstrapFile(workdir);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  BootstrapFile file = BootstrapFromTopology(Example(), 1);
  file.regions[0].start_key = std::string("\x01 -", 3);
  ASSERT_TRUE(WriteBootstrapFile(workdir, file).ok());
  EXPECT_FALSE(std::filesystem::exists(workdir + "/BOOTSTRAP.json.tmp"));
  Result<std::optional<BootstrapFile>> back = ReadBootstrapFile(workdir);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ(BootstrapFileJson(**back), BootstrapFileJson(file));
  EXPECT_EQ((*back)->regions[0].start_key, std::string("\x01 -", 3));
  EXPECT_EQ((*back)->regions[1].peers[2].peer_id, 302u);

  // Overwriting replaces the whole file.
  file.regions.pop_back();
  ASSERT_TRUE(WriteBootstrapFile(workdir, file).ok());
  back = ReadBootstrapFile(workdir);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->regions.size(), 1u);
}

TEST(BootstrapFileTest, UpsertKeepsIdsSortedAndUnique) {
  BootstrapFile file;
  for (uint64_t id : {5, 1, 3, 1}) {
    BootstrapRegion r;
    r.id = id;
    r.epoch.version = id;
    UpsertBootstrapRegion(&file, r);
  }
  ASSERT_EQ(file.regions.size(), 3u);
  EXPECT_EQ(file.regions[0].id, 1u);
  EXPECT_EQ(file.regions[1].id, 3u);
  EXPECT_EQ(file.regions[2].id, 5u);
}

TEST(BootstrapFileTest, MalformedFilesAreCorruptionNamingFileAndField) {
  testutil::TempDir dir;
  const std::string path = dir.File(kBootstrapFileName);
  const std::string good = BootstrapFileJson(BootstrapFromTopology(Example(), 2));
  struct Case {
    std::string from, to, message;
  };
  const Case cases[] = {
      {"\"regions\": [", "\"regions\": [,", ": line 5, column 15: "},
      {"nokv-store-bootstrap", "something-else",
       ": format: \"something-else\" is not \"nokv-store-bootstrap\""},
      {"\"store_id\": 2,", "\"store_id\": \"2\",",
       ": store_id: expected an unsigned integer, got string \"2\""},
      {"\"end_key\": \"m\"", "\"end_key\": \"hex:6\"", ": regions[0].end_key: invalid hex key"},
      {"\"state\": \"running\"", "\"state\": \"paused\"",
       ": regions[0].state: invalid region state \"paused\" (expected running|tombstone)"},
      {"{\"id\": 2,", "{\"id\": 1,", ": regions[1].id: duplicate 1"},
      {"{\"id\": 2,", "{\"id\": 0,", ": regions[1].id: must be > 0"},
  };
  for (const Case& c : cases) {
    std::string text = good;
    ASSERT_NE(text.find(c.from), std::string::npos) << c.from;
    text.replace(text.find(c.from), c.from.size(), c.to);
    WriteText(path, text);
    Result<std::optional<BootstrapFile>> r = ReadBootstrapFile(dir.path());
    ASSERT_FALSE(r.ok()) << c.to;
    EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
    EXPECT_EQ(r.status().message().rfind(path + c.message, 0), 0u) << r.status().message();
  }

  std::string newer = good;
  newer.replace(newer.find("\"version\": 1,"), 13, "\"version\": 2,");
  WriteText(path, newer);
  Result<std::optional<BootstrapFile>> r = ReadBootstrapFile(dir.path());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotSupported()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("newer NoKV"), std::string::npos);
}

}  // namespace
}  // namespace nokv::config
