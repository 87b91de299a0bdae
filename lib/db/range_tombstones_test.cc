// Tests of range tombstones: the fragment index of RangeTombstoneSet against
// a linear reference, and compaction dropping a tombstone only once no
// snapshot and no remaining data can need it.
#include "db/range_tombstones.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "nokv/db.h"
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
      t.cf = static_cast<ColumnFamily>(rng.Uniform(kNumColumnFamilies));
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
      const auto cf = static_cast<ColumnFamily>(rng.Uniform(kNumColumnFamilies));
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

// ------------------------------------------------ compaction and tombstones

class RangeTombstoneCompactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.memtable_size = 64 << 10;
    options_.target_file_size = 64 << 10;
    options_.max_bytes_for_level_base = 1 << 20;
    options_.l0_compaction_trigger = 4;
    options_.value_threshold = 0;
    Reopen();
  }
  void TearDown() override {
    if (db_) {
      EXPECT_TRUE(db_->Close().ok());
    }
  }
  void Reopen() {
    if (db_) {
      ASSERT_TRUE(db_->Close().ok());
    }
    db_.reset();
    ASSERT_TRUE(DB::Open(options_, dir_.path(), &db_).ok());
  }
  static std::string Key(int i) {
    char k[16];
    std::snprintf(k, sizeof(k), "k%04d", i);
    return k;
  }
  void PutRange(int from, int to, const std::string& value) {
    for (int i = from; i < to; ++i) ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), value).ok());
  }
  std::string Get(int i, const Snapshot* snap = nullptr) {
    ReadOptions ro;
    ro.snapshot = snap;
    std::string v;
    Status s = db_->Get(ro, Key(i), &v);
    return s.IsNotFound() ? "NOT_FOUND" : (s.ok() ? v : "ERROR " + s.ToString());
  }
  // Range tombstone entries still stored in the LSM.
  int StoredTombstones() {
    auto it = db_->NewInternalIterator(ReadOptions());
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (RangeTombstoneSet::IsTombstoneKey(it->key())) ++n;
    }
    EXPECT_TRUE(it->status().ok());
    return n;
  }

  Options options_;
  testutil::TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(RangeTombstoneCompactionTest, DroppedAtTheBottomOnceNoSnapshotNeedsIt) {
  PutRange(0, 100, "v");
  ASSERT_TRUE(db_->Flush().ok());
  const Snapshot* before = db_->GetSnapshot();
  ASSERT_TRUE(db_->DeleteRange(WriteOptions(), Key(20), Key(60)).ok());
  ASSERT_TRUE(db_->CompactAll().ok());
  // The snapshot predates the tombstone: both it and the data it hides stay.
  EXPECT_EQ(StoredTombstones(), 1);
  EXPECT_EQ(Get(30), "NOT_FOUND");
  EXPECT_EQ(Get(30, before), "v");
  db_->ReleaseSnapshot(before);

  // The next compaction that takes in the tombstone's file drops it, and
  // the data it hid.
  ASSERT_TRUE(db_->Put(WriteOptions(), Key(40), "back").ok());
  ASSERT_TRUE(db_->CompactAll().ok());
  EXPECT_EQ(StoredTombstones(), 0);
  EXPECT_EQ(db_->GetStats().sst_entries, 100u - 40u + 1u);
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < 100; ++i) {
      const std::string want = i == 40 ? "back" : (i >= 20 && i < 60 ? "NOT_FOUND" : "v");
      ASSERT_EQ(Get(i), want) << Key(i) << " pass " << pass;
    }
    Reopen();  // nothing comes back from the files either
  }
  ASSERT_TRUE(db_->Put(WriteOptions(), Key(30), "again").ok());
  EXPECT_EQ(Get(30), "again");
}

TEST_F(RangeTombstoneCompactionTest, KeptWhileCoveredDataLiesOutsideTheCompaction) {
  // L1 holds several files of old (incompressible) data.
  Random rng(5);
  const std::string big = testutil::RandomPrintable(&rng, 300);
  PutRange(0, 2000, big);
  ASSERT_TRUE(db_->CompactAll().ok());
  ASSERT_GE(db_->GetStats().levels[1].files, 2);
  // One L0 file holds k1999 and a tombstone over k0000..k0499: its key range
  // (k1999 up to the tombstone keyspace) overlaps only the last L1 file, so
  // the compaction leaves the covered L1 files alone and must keep the
  // tombstone.
  ASSERT_TRUE(db_->Put(WriteOptions(), Key(1999), "new").ok());
  ASSERT_TRUE(db_->DeleteRange(WriteOptions(), Key(0), Key(500)).ok());
  ASSERT_TRUE(db_->CompactAll().ok());
  EXPECT_EQ(StoredTombstones(), 1);
  for (int pass = 0; pass < 2; ++pass) {
    ASSERT_EQ(Get(1999), "new");
    for (int i = 0; i < 2000; i += 7) {
      const std::string want = i == 1999 ? "new" : (i < 500 ? "NOT_FOUND" : big);
      ASSERT_EQ(Get(i), want) << Key(i) << " pass " << pass;
    }
    auto it = db_->NewIterator(ReadOptions());
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), Key(500));
    it.reset();
    Reopen();
  }
}

}  // namespace
}  // namespace nokv
