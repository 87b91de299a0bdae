// RegionCache: lookups by key, replacement of overlapping regions, leader
// targeting and moving off a failed store.
#include "client/region_cache.h"

#include <gtest/gtest.h>

namespace nokv::client {
namespace {

metapb::Region R(uint64_t id, std::string start, std::string end, uint64_t version = 1) {
  metapb::Region r;
  r.set_id(id);
  r.set_start_key(std::move(start));
  r.set_end_key(std::move(end));
  r.mutable_region_epoch()->set_version(version);
  for (uint64_t s = 1; s <= 3; ++s) {
    metapb::Peer* p = r.add_peers();
    p->set_id(s * 100 + id);
    p->set_store_id(s);
  }
  return r;
}

metapb::Peer P(uint64_t store, uint64_t region) {
  metapb::Peer p;
  p.set_id(store * 100 + region);
  p.set_store_id(store);
  return p;
}

TEST(RegionCacheTest, FindsTheRegionHoldingAKey) {
  RegionCache c;
  c.Put(R(1, "", "g"), P(1, 1));
  c.Put(R(2, "g", "p"), P(2, 2));
  c.Put(R(3, "p", ""), metapb::Peer());
  EXPECT_EQ(c.Find("")->region.id(), 1u);
  EXPECT_EQ(c.Find("f\xff")->region.id(), 1u);
  EXPECT_EQ(c.Find("g")->region.id(), 2u);
  EXPECT_EQ(c.Find("g")->target.store_id(), 2u);
  EXPECT_EQ(c.Find("zzz")->region.id(), 3u);
  EXPECT_EQ(c.Find("zzz")->target.store_id(), 1u);  // leader unknown: first peer
  c.Drop(2);
  EXPECT_FALSE(c.Find("h").has_value());
  EXPECT_EQ(c.Find("a")->region.id(), 1u);
  EXPECT_EQ(c.size(), 2u);
}

TEST(RegionCacheTest, HolesAreMisses) {
  RegionCache c;
  c.Put(R(2, "g", "p"), P(1, 2));
  EXPECT_FALSE(c.Find("a").has_value());
  EXPECT_FALSE(c.Find("p").has_value());
  EXPECT_TRUE(c.Find("o").has_value());
}

TEST(RegionCacheTest, ANewRegionReplacesEveryRegionItOverlaps) {
  RegionCache c;
  c.Put(R(1, "", "c"), P(1, 1));
  c.Put(R(2, "c", "g"), P(1, 2));
  c.Put(R(3, "g", "p"), P(1, 3));
  c.Put(R(4, "p", ""), P(1, 4));
  // A merge seen through one region: [b, q) covers the tail of 1, 2, 3, the
  // head of 4.
  c.Put(R(9, "b", "q", 5), P(3, 9));
  EXPECT_EQ(c.Find("c")->region.id(), 9u);
  EXPECT_EQ(c.Find("p")->region.id(), 9u);
  EXPECT_FALSE(c.FindById(1).has_value());
  EXPECT_FALSE(c.FindById(4).has_value());
  EXPECT_FALSE(c.Find("a").has_value());
  EXPECT_FALSE(c.Find("x").has_value());
  EXPECT_EQ(c.size(), 1u);
  // A split seen from one side: [b, h) replaces the whole of 9.
  c.Put(R(9, "b", "h", 6), P(1, 9));
  EXPECT_EQ(c.Find("g")->region.region_epoch().version(), 6u);
  EXPECT_FALSE(c.Find("h").has_value());
  // Same id again with another range: the old entry goes.
  c.Put(R(9, "a", "b", 7), P(1, 9));
  EXPECT_EQ(c.size(), 1u);
  EXPECT_FALSE(c.Find("c").has_value());
}

TEST(RegionCacheTest, SetLeaderAcceptsOnlyPeers) {
  RegionCache c;
  c.Put(R(1, "", ""), P(1, 1));
  EXPECT_TRUE(c.SetLeader(1, P(3, 1)));
  EXPECT_EQ(c.Find("k")->target.store_id(), 3u);
  metapb::Peer stranger = P(4, 1);
  EXPECT_FALSE(c.SetLeader(1, stranger));
  EXPECT_FALSE(c.SetLeader(7, P(1, 7)));
  EXPECT_EQ(c.Find("k")->target.store_id(), 3u);
}

TEST(RegionCacheTest, MoveOffStoreRotatesThroughThePeers) {
  RegionCache c;
  c.Put(R(1, "", ""), P(2, 1));
  EXPECT_EQ(c.MoveOffStore(1, 2)->store_id(), 3u);
  EXPECT_EQ(c.MoveOffStore(1, 3)->store_id(), 1u);
  EXPECT_EQ(c.MoveOffStore(1, 1)->store_id(), 2u);
  EXPECT_FALSE(c.MoveOffStore(5, 1).has_value());
}

TEST(RegionCacheTest, IgnoresRegionsWithoutIdOrPeers) {
  RegionCache c;
  metapb::Region r = R(1, "", "");
  r.clear_peers();
  c.Put(r, metapb::Peer());
  c.Put(R(0, "", ""), metapb::Peer());
  EXPECT_EQ(c.size(), 0u);
}

}  // namespace
}  // namespace nokv::client
