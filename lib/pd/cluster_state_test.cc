// ClusterState: commands persist before they apply, a restart restores
// everything, rejected commands change nothing, corrupt records are reported.
#include "pd/cluster_state.h"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "pd/pd_test_util.h"
#include "testutil/test_util.h"

namespace nokv::pd {
namespace {

using testing::MakeRegion;
using testing::MakeStore;

pdstatepb::Command PutRegion(const metapb::Region& r) {
  pdstatepb::Command c;
  *c.mutable_put_region()->mutable_region() = r;
  return c;
}

pdstatepb::Command Bootstrap() {
  pdstatepb::Command c;
  *c.mutable_bootstrap()->mutable_store() = MakeStore(1);
  *c.mutable_bootstrap()->mutable_region() = MakeRegion(2, "", "");
  return c;
}

TEST(ClusterStateTest, RestartRestoresEverything) {
  testutil::TempDir dir;
  {
    auto storage = PdStorage::Open(dir.path()).value();
    auto state = ClusterState::Load(storage.get()).value();
    ASSERT_TRUE(state->Apply(Bootstrap()).ok());
    pdstatepb::Command c;
    *c.mutable_put_store() = MakeStore(3);
    ASSERT_TRUE(state->Apply(c).ok());
    ASSERT_TRUE(state->Apply(PutRegion(MakeRegion(2, "", "m", 2))).ok());
    ASSERT_TRUE(state->Apply(PutRegion(MakeRegion(4, "m", "", 2))).ok());
    ASSERT_TRUE(state->Apply(PutRegion(MakeRegion(5, std::string("\x00\xff", 2), "b", 3))).ok());
    c.Clear();
    c.set_set_id_bound(1234);
    ASSERT_TRUE(state->Apply(c).ok());
    c.set_set_tso_bound(99999);
    ASSERT_TRUE(state->Apply(c).ok());
    c.set_set_tso_bound(5);  // bounds never go down
    ASSERT_TRUE(state->Apply(c).ok());
    EXPECT_EQ(state->tso_bound(), 99999u);
  }
  auto storage = PdStorage::Open(dir.path()).value();
  auto state = ClusterState::Load(storage.get()).value();
  EXPECT_TRUE(state->bootstrapped());
  EXPECT_EQ(state->id_bound(), 1234u);
  EXPECT_EQ(state->tso_bound(), 99999u);
  EXPECT_EQ(state->stores().size(), 2u);
  // Region 5 (version 3) overlapped region 2 (version 2) and replaced it.
  ASSERT_EQ(state->regions().size(), 2u);
  EXPECT_EQ(state->regions().ById(2), nullptr);
  EXPECT_EQ(state->regions().ByKey(""), nullptr);
  EXPECT_EQ(state->regions().ByKey("a")->meta.id(), 5u);
  EXPECT_EQ(state->regions().ByKey(std::string("\x00\xff\x01", 3))->meta.id(), 5u);
  EXPECT_EQ(state->regions().ByKey("zz")->meta.id(), 4u);
}

TEST(ClusterStateTest, RejectedCommandsChangeNothing) {
  testutil::TempDir dir;
  auto storage = PdStorage::Open(dir.path()).value();
  auto state = ClusterState::Load(storage.get()).value();
  ASSERT_TRUE(state->Apply(Bootstrap()).ok());
  EXPECT_TRUE(state->Apply(Bootstrap()).IsBusy());
  ASSERT_TRUE(state->Apply(PutRegion(MakeRegion(2, "", "", 5))).ok());
  EXPECT_TRUE(state->Apply(PutRegion(MakeRegion(2, "", "", 4))).IsAborted());
  EXPECT_TRUE(state->Apply(PutRegion(MakeRegion(0, "", ""))).IsInvalidArgument());
  pdstatepb::Command c;
  *c.mutable_put_store() = MakeStore(0);
  EXPECT_TRUE(state->Apply(c).IsInvalidArgument());
  metapb::Store dup = MakeStore(7);
  dup.set_address(MakeStore(1).address());
  *c.mutable_put_store() = dup;
  EXPECT_TRUE(state->Apply(c).IsInvalidArgument());  // address of store 1
  c.Clear();
  c.set_remove_region(42);
  EXPECT_TRUE(state->Apply(c).IsNotFound());
  EXPECT_TRUE(state->Apply(pdstatepb::Command()).IsInvalidArgument());
  EXPECT_EQ(state->regions().ById(2)->meta.region_epoch().version(), 5u);
  EXPECT_EQ(state->stores().size(), 1u);
}

TEST(ClusterStateTest, TombstoneStoreCannotComeBack) {
  auto storage = PdStorage::Open("").value();
  auto state = ClusterState::Load(storage.get()).value();
  pdstatepb::Command c;
  metapb::Store s = MakeStore(3);
  s.set_state(metapb::STORE_TOMBSTONE);
  *c.mutable_put_store() = s;
  ASSERT_TRUE(state->Apply(c).ok());
  *c.mutable_put_store() = MakeStore(3);
  EXPECT_TRUE(state->Apply(c).IsNotSupported());
  pdpb::StoreStats stats;
  stats.set_store_id(3);
  EXPECT_TRUE(state->UpdateStoreStats(stats, 1).IsNotSupported());
  stats.set_store_id(9);
  EXPECT_TRUE(state->UpdateStoreStats(stats, 1).IsNotFound());
}

TEST(ClusterStateTest, CorruptRecordIsReportedByKey) {
  testutil::TempDir dir;
  {
    auto storage = PdStorage::Open(dir.path()).value();
    auto state = ClusterState::Load(storage.get()).value();
    ASSERT_TRUE(state->Apply(Bootstrap()).ok());
  }
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(Options(), dir.path(), &db).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), RegionKey(2), "\xff\xff not a proto").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto storage = PdStorage::Open(dir.path()).value();
  Result<std::unique_ptr<ClusterState>> state = ClusterState::Load(storage.get());
  ASSERT_TRUE(state.status().IsCorruption());
  EXPECT_NE(state.status().message().find(RegionKey(2)), std::string::npos)
      << state.status().ToString();
}

TEST(ClusterStateTest, UnknownFormatIsRefused) {
  testutil::TempDir dir;
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(Options(), dir.path(), &db).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "pd/v1/meta/format", "7").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  Result<std::unique_ptr<PdStorage>> storage = PdStorage::Open(dir.path());
  EXPECT_TRUE(storage.status().IsCorruption()) << storage.status().ToString();
}

}  // namespace
}  // namespace nokv::pd

namespace nokv::pd {
namespace {

TEST(PdStorageTest, ADatabaseThatLostPdStateIsRefused) {
  testutil::TempDir dir;
  {
    std::unique_ptr<DB> db;  // some other database, or one whose records were lost
    ASSERT_TRUE(DB::Open(Options(), dir.path(), &db).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  Result<std::unique_ptr<PdStorage>> storage = PdStorage::Open(dir.path());
  EXPECT_TRUE(storage.status().IsCorruption()) << storage.status().ToString();
}

TEST(ClusterStateTest, SnapshotRoundTripsTheDurableState) {
  auto storage = PdStorage::Open("").value();
  auto state = ClusterState::Load(storage.get()).value();
  ASSERT_TRUE(state->Apply(Bootstrap()).ok());
  pdstatepb::Command c;
  c.set_set_tso_bound(777);
  ASSERT_TRUE(state->Apply(c).ok());
  c.set_set_id_bound(5000);
  ASSERT_TRUE(state->Apply(c).ok());
  for (uint64_t s = 2; s <= 4; ++s) {
    *c.mutable_put_store() = MakeStore(s);
    ASSERT_TRUE(state->Apply(c).ok());
  }
  // 10,000 regions of 3 peers, 16-byte keys: the figure in docs/pd.md.
  constexpr int kRegions = 10000;
  for (int i = 1; i <= kRegions; ++i) {
    const std::string start = i == 1 ? "" : fmt::format("key-{:012}", i - 1);
    metapb::Region left = MakeRegion(i == 1 ? 2 : 100 + i - 1, start, fmt::format("key-{:012}", i),
                                     i + 1, 1, {{1, 1}, {2, 2}, {3, 3}});
    ASSERT_TRUE(state->Apply(PutRegion(left)).ok());
  }
  pdstatepb::StateSnapshot snap = state->ToSnapshot();
  EXPECT_EQ(snap.regions_size(), kRegions);
  EXPECT_EQ(snap.tso_bound(), 777u);
  EXPECT_EQ(snap.id_bound(), 5000u);
  EXPECT_TRUE(snap.bootstrapped());
  std::printf("pd snapshot: %d regions, 4 stores: %zu bytes\n", kRegions, snap.ByteSizeLong());

  auto restored = ClusterState::FromSnapshot(storage.get(), snap);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ((*restored)->ToSnapshot().SerializeAsString(), snap.SerializeAsString());
  EXPECT_EQ((*restored)->regions().size(), static_cast<size_t>(kRegions));
  EXPECT_EQ((*restored)->tso_bound(), 777u);

  // Overlapping regions in a snapshot are refused.
  *snap.add_regions()->mutable_region() = MakeRegion(99999, "a", "b");
  EXPECT_TRUE(ClusterState::FromSnapshot(storage.get(), snap).status().IsCorruption());
}

}  // namespace
}  // namespace nokv::pd
