// The topology's regions as metapb::Region: every field carried over.
#include "config/topology_proto.h"

#include <gtest/gtest.h>

namespace nokv::config {
namespace {

TEST(TopologyProtoTest, CarriesRangeEpochAndPeers) {
  Result<Topology> t = LoadTopologyFile(NOKV_TESTDATA_DIR "/cluster/raft_config.example.json");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  t->regions[1].start_key = std::string("m\0x", 3);
  t->regions[1].epoch = {4, 7};
  std::vector<metapb::Region> regions = BootstrapRegions(t.value());
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_EQ(regions[0].id(), 1u);
  EXPECT_EQ(regions[0].start_key(), "");
  EXPECT_EQ(regions[0].end_key(), "m");
  EXPECT_EQ(regions[1].start_key(), std::string("m\0x", 3));
  EXPECT_EQ(regions[1].end_key(), "");
  EXPECT_EQ(regions[1].region_epoch().version(), 4u);
  EXPECT_EQ(regions[1].region_epoch().conf_ver(), 7u);
  ASSERT_EQ(regions[1].peers_size(), 3);
  EXPECT_EQ(regions[1].peers(2).id(), 302u);
  EXPECT_EQ(regions[1].peers(2).store_id(), 3u);
  EXPECT_EQ(regions[1].peers(2).role(), metapb::VOTER);
}

}  // namespace
}  // namespace nokv::config
