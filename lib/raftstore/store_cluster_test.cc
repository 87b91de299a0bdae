// In-process cluster scenarios: elections, replication, reads, partitions,
// leader transfer, restarts (TestCluster: several stores, MemNetwork, an
// in-process PD).
#include <gtest/gtest.h>

#include "raftstore/test_cluster.h"
#include "testutil/test_util.h"

namespace nokv::raftstore {
namespace {

std::string Key(int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// Every running store holds the same data for [start, end).
void ExpectReplicasEqual(TestCluster& c, const std::string& start, const std::string& end) {
  std::vector<std::pair<std::string, std::string>> first;
  bool have = false;
  for (uint64_t id : c.store_ids()) {
    if (c.store(id) == nullptr) continue;
    auto data = c.LocalData(id, start, end);
    if (!have) {
      first = data;
      have = true;
      continue;
    }
    EXPECT_EQ(data.size(), first.size()) << "store " << id;
    EXPECT_TRUE(data == first) << "store " << id << " differs";
  }
}

TEST(StoreClusterTest, ElectsOneLeaderAndReplicatesWrites) {
  testutil::TempDir dir;
  TestCluster c(dir.path());
  ASSERT_TRUE(c.Start().ok());
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  int leaders = 0;
  for (uint64_t id : c.store_ids()) {
    auto r = c.RegionOn(id, 1);
    ASSERT_TRUE(r.has_value());
    leaders += r->is_leader ? 1 : 0;
  }
  EXPECT_EQ(leaders, 1);
  for (int i = 0; i < 100; i++) ASSERT_TRUE(c.Put(Key(i), "v" + std::to_string(i)).ok()) << i;
  for (int i = 0; i < 100; i++) {
    auto v = c.Get(Key(i));
    ASSERT_TRUE(v.ok());
    ASSERT_TRUE(v.value().has_value());
    EXPECT_EQ(*v.value(), "v" + std::to_string(i));
  }
  auto missing = c.Get("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing.value().has_value());
  // Followers apply too.
  auto lr = c.RegionOn(leader, 1);
  ASSERT_TRUE(c.WaitApplied(1, lr->applied_index));
  ExpectReplicasEqual(c, "", "");
  EXPECT_EQ(c.LocalData(leader, "", "").size(), 100u);
}

}  // namespace
}  // namespace nokv::raftstore
