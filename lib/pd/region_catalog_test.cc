// RegionCatalog: lookup at range edges, binary keys, stale epochs, overlap
// replacement, scans.
#include "pd/region_catalog.h"

#include <gtest/gtest.h>

#include "pd/pd_test_util.h"

namespace nokv::pd {
namespace {

using testing::MakeRegion;

uint64_t IdAt(const RegionCatalog& c, std::string_view key) {
  const RegionInfo* r = c.ByKey(key);
  return r == nullptr ? 0 : r->meta.id();
}

TEST(RegionCatalogTest, LookupAtRangeEdges) {
  RegionCatalog c;
  ASSERT_TRUE(c.Put(MakeRegion(1, "", "b"), {}).ok());
  ASSERT_TRUE(c.Put(MakeRegion(2, "b", "d"), {}).ok());
  ASSERT_TRUE(c.Put(MakeRegion(3, "f", ""), {}).ok());
  EXPECT_EQ(IdAt(c, ""), 1u);                     // -inf
  EXPECT_EQ(IdAt(c, "a"), 1u);
  EXPECT_EQ(IdAt(c, "az\xff"), 1u);
  EXPECT_EQ(IdAt(c, "b"), 2u);                    // start is inclusive
  EXPECT_EQ(IdAt(c, "c"), 2u);
  EXPECT_EQ(IdAt(c, "d"), 0u);                    // end is exclusive; hole [d, f)
  EXPECT_EQ(IdAt(c, "e"), 0u);
  EXPECT_EQ(IdAt(c, "f"), 3u);
  EXPECT_EQ(IdAt(c, std::string(1000, '\xff')), 3u);  // +inf
}

TEST(RegionCatalogTest, BinaryKeys) {
  RegionCatalog c;
  const std::string zero("\x00", 1), zero_zero("\x00\x00", 2), high("\xff\x00", 2);
  ASSERT_TRUE(c.Put(MakeRegion(1, "", zero_zero), {}).ok());
  ASSERT_TRUE(c.Put(MakeRegion(2, zero_zero, high), {}).ok());
  ASSERT_TRUE(c.Put(MakeRegion(3, high, ""), {}).ok());
  EXPECT_EQ(IdAt(c, zero), 1u);
  EXPECT_EQ(IdAt(c, zero_zero), 2u);
  EXPECT_EQ(IdAt(c, std::string("\x00\x00\x00", 3)), 2u);
  EXPECT_EQ(IdAt(c, "\x7f"), 2u);
  EXPECT_EQ(IdAt(c, std::string("\xff", 1)), 2u);
  EXPECT_EQ(IdAt(c, high), 3u);
}

TEST(RegionCatalogTest, StaleEpochIsRejected) {
  RegionCatalog c;
  ASSERT_TRUE(c.Put(MakeRegion(1, "a", "z", /*version=*/5, /*conf_ver=*/3), {}).ok());
  EXPECT_TRUE(c.Check(MakeRegion(1, "a", "z", 4, 3)).IsAborted());
  EXPECT_TRUE(c.Check(MakeRegion(1, "a", "z", 5, 2)).IsAborted());
  EXPECT_TRUE(c.Check(MakeRegion(1, "a", "z", 5, 3)).ok());  // equal: accepted
  EXPECT_TRUE(c.Check(MakeRegion(1, "a", "m", 6, 3)).ok());
  // A stale region that overlaps a newer one under another id.
  EXPECT_TRUE(c.Put(MakeRegion(2, "m", "zz", 4, 1), {}).IsAborted());
  EXPECT_EQ(c.size(), 1u);
}

TEST(RegionCatalogTest, NewerRegionReplacesTheOnesItOverlaps) {
  RegionCatalog c;
  ASSERT_TRUE(c.Put(MakeRegion(1, "", "c", 2), {}).ok());
  ASSERT_TRUE(c.Put(MakeRegion(2, "c", "f", 2), {}).ok());
  ASSERT_TRUE(c.Put(MakeRegion(3, "f", "", 2), {}).ok());
  std::vector<uint64_t> removed;
  // Region 1 after merging region 2 into it.
  ASSERT_TRUE(c.Put(MakeRegion(1, "", "f", 3), {}, &removed).ok());
  EXPECT_EQ(removed, std::vector<uint64_t>{2});
  EXPECT_EQ(IdAt(c, "d"), 1u);
  EXPECT_EQ(c.size(), 2u);
  // A split: region 3 keeps [f, k), the new region 4 takes [k, +inf).
  ASSERT_TRUE(c.Put(MakeRegion(4, "k", "", 3), {}).ok());
  EXPECT_EQ(IdAt(c, "z"), 4u);
  EXPECT_EQ(c.size(), 2u);  // region 3 was overlapped and dropped until it reports
  ASSERT_TRUE(c.Put(MakeRegion(3, "f", "k", 3), {}).ok());
  EXPECT_EQ(IdAt(c, "g"), 3u);
  EXPECT_EQ(IdAt(c, "k"), 4u);
}

TEST(RegionCatalogTest, ScanFromTheRegionHoldingStart) {
  RegionCatalog c;
  ASSERT_TRUE(c.Put(MakeRegion(1, "", "c"), {}).ok());
  ASSERT_TRUE(c.Put(MakeRegion(2, "c", "f"), {}).ok());
  ASSERT_TRUE(c.Put(MakeRegion(3, "f", ""), {}).ok());
  auto ids = [](const std::vector<const RegionInfo*>& v) {
    std::vector<uint64_t> out;
    for (const RegionInfo* r : v) out.push_back(r->meta.id());
    return out;
  };
  EXPECT_EQ(ids(c.Scan("d", "", 0)), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(ids(c.Scan("", "f", 0)), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(ids(c.Scan("a", "", 2)), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(c.Overlapping("b", "c"), std::vector<uint64_t>{1});
  EXPECT_EQ(c.Overlapping("b", "c\x01"), (std::vector<uint64_t>{1, 2}));
}

TEST(RegionCatalogTest, MalformedRegionsAreRejected) {
  RegionCatalog c;
  EXPECT_TRUE(c.Put(MakeRegion(0, "a", "b"), {}).IsInvalidArgument());
  EXPECT_TRUE(c.Put(MakeRegion(1, "b", "a"), {}).IsInvalidArgument());
  EXPECT_TRUE(c.Put(MakeRegion(1, "b", "b"), {}).IsInvalidArgument());
  EXPECT_TRUE(c.Put(MakeRegion(1, "a", "b", 1, 1, {{5, 1}, {6, 1}}), {}).IsInvalidArgument());
  EXPECT_TRUE(c.Put(MakeRegion(1, "a", "b", 1, 1, {{0, 1}}), {}).IsInvalidArgument());
  EXPECT_EQ(c.size(), 0u);
}

TEST(RegionCatalogTest, WouldChangeOnlyForDurableFields) {
  RegionCatalog c;
  metapb::Region r = MakeRegion(1, "a", "b", 1, 1, {{11, 1}, {12, 2}});
  ASSERT_TRUE(c.Put(r, testing::PeerOf(r, 1)).ok());
  EXPECT_FALSE(c.WouldChange(r, testing::PeerOf(r, 1)));
  EXPECT_TRUE(c.WouldChange(r, testing::PeerOf(r, 2)));  // leader moved
  EXPECT_TRUE(c.WouldChange(MakeRegion(1, "a", "b", 1, 2, {{11, 1}}), testing::PeerOf(r, 1)));
}

}  // namespace
}  // namespace nokv::pd
