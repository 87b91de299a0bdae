// Tests of RangeTombstoneSet: the fragment index against a linear reference,
// and the LSM entry encoding.
#include "lsm/range_tombstones.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "testutil/test_util.h"

namespace nokv {
namespace {

// The definition, one tombstone at a time.
bool LinearCovers(const std::vector<RangeTombstone>& all, ColumnFamily cf, std::string_view key,
                  uint64_t version, uint64_t sequence, uint64_t snapshot) {
  return std::any_of(all.begin(), all.end(), [&](const RangeTombstone& t) {
    return t.cf == cf && t.begin <= key && key < t.end && t.sequence > sequence &&
           t.sequence <= snapshot && version <= t.version;
  });
}

std::string SmallKey(Random* rng) {
  // Short keys over a small alphabet: many shared and touching bounds.
  std::string k(1 + rng->Uniform(3), 'a');
  for (char& c : k) c = static_cast<char>('a' + rng->Uniform(4));
  return k;
}

TEST(RangeTombstoneSetTest, MatchesLinearDefinition) {
  const uint64_t seed = testutil::TestSeed(77);
  SCOPED_TRACE("NOKV_TEST_SEED=" + std::to_string(seed));
  Random rng(seed);
  for (int round = 0; round < 40; ++round) {
    std::vector<RangeTombstone> all;
    const int n = static_cast<int>(rng.Uniform(60));
    for (int i = 0; i < n; ++i) {
      RangeTombstone t;
      t.cf = static_cast<ColumnFamily>(rng.Uniform(3));
      t.begin = SmallKey(&rng);
      t.end = SmallKey(&rng);
      if (t.end < t.begin) std::swap(t.begin, t.end);  // begin == end: covers nothing
      t.version = rng.OneIn(4) ? rng.Uniform(10) : kMaxVersion;
      t.sequence = 1 + rng.Uniform(200) * 100 + static_cast<uint64_t>(i);  // unique
      all.push_back(t);
    }
    // Built in two steps, and with a few dropped again.
    std::vector<RangeTombstone> first(all.begin(), all.begin() + n / 2);
    std::vector<RangeTombstone> second(all.begin() + n / 2, all.end());
    auto set = RangeTombstoneSet(first).With(second);
    std::vector<RangeTombstone> gone;
    for (const auto& t : all) {
      if (rng.OneIn(5)) gone.push_back(t);
    }
    auto smaller = set->Without(gone);
    std::vector<RangeTombstone> kept;
    for (const auto& t : all) {
      if (std::none_of(gone.begin(), gone.end(),
                       [&](const RangeTombstone& g) { return g.sequence == t.sequence; })) {
        kept.push_back(t);
      }
    }
    ASSERT_EQ(set->size(), all.size());
    ASSERT_EQ(smaller->size(), kept.size());
    for (int q = 0; q < 2000; ++q) {
      const auto cf = static_cast<ColumnFamily>(rng.Uniform(3));
      const std::string key = rng.OneIn(10) ? std::string() : SmallKey(&rng);
      const uint64_t version = rng.OneIn(3) ? kMaxVersion : rng.Uniform(12);
      const uint64_t sequence = rng.Uniform(20200);
      const uint64_t snapshot = rng.OneIn(3) ? kMaxSequence : rng.Uniform(20200);
      ASSERT_EQ(set->Covers(cf, key, version, sequence, snapshot),
                LinearCovers(all, cf, key, version, sequence, snapshot))
          << "round " << round << " key '" << key << "' seq " << sequence << " snap " << snapshot;
      ASSERT_EQ(smaller->Covers(cf, key, version, sequence, snapshot),
                LinearCovers(kept, cf, key, version, sequence, snapshot))
          << "round " << round << " (after Without)";
    }
  }
}

// UpToSequence keeps exactly the tombstones at or below the bound (what a
// compaction may apply), and the kept ones still cover.
TEST(RangeTombstoneSetTest, UpToSequenceKeepsOnlyOlderTombstones) {
  auto make = [](std::string begin, std::string end, uint64_t seq) {
    RangeTombstone t;
    t.begin = std::move(begin);
    t.end = std::move(end);
    t.sequence = seq;
    return t;
  };
  const RangeTombstoneSet all({make("a", "c", 10), make("b", "d", 20), make("x", "z", 30)});
  auto up_to_20 = all.UpToSequence(20);
  ASSERT_EQ(up_to_20->size(), 2u);
  for (const auto& t : up_to_20->tombstones()) EXPECT_LE(t.sequence, 20u);
  EXPECT_TRUE(up_to_20->Covers(ColumnFamily::kDefault, "c", kMaxVersion, 5, 100));
  EXPECT_FALSE(up_to_20->Covers(ColumnFamily::kDefault, "y", kMaxVersion, 5, 100));
  EXPECT_TRUE(all.Covers(ColumnFamily::kDefault, "y", kMaxVersion, 5, 100));
  EXPECT_EQ(all.UpToSequence(9)->size(), 0u);
  EXPECT_EQ(all.UpToSequence(30)->size(), 3u);
}

TEST(RangeTombstoneSetTest, EncodeDecodeRoundTrip) {
  RangeTombstone t;
  t.cf = ColumnFamily::kWrite;
  t.begin = std::string("a\0b", 3);
  t.end = "zz";
  t.sequence = 42;
  std::string ikey, value;
  RangeTombstoneSet::EncodeKey(t, &ikey);
  AppendValueRecord(&value, ValueRecord{kMetaRangeDelete, 0, t.end});
  EXPECT_TRUE(RangeTombstoneSet::IsTombstoneKey(ikey));
  RangeTombstone back;
  ASSERT_TRUE(RangeTombstoneSet::Decode(ikey, value, &back));
  EXPECT_EQ(back.cf, t.cf);
  EXPECT_EQ(back.begin, t.begin);
  EXPECT_EQ(back.end, t.end);
  EXPECT_EQ(back.sequence, 42u);
  EXPECT_EQ(back.version, kMaxVersion);
  EXPECT_FALSE(RangeTombstoneSet::IsTombstoneKey(MakeInternalKey(ColumnFamily::kWrite, "a", 1, 1)));
}

}  // namespace
}  // namespace nokv
