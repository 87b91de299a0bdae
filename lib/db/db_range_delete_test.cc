// Range deletion through the DB: compaction drops a range tombstone only once
// no snapshot and no remaining data can need it.
#include <gtest/gtest.h>

#include <cstdio>

#include "db/db_impl.h"
#include "db/db_stats.h"
#include "lsm/range_tombstones.h"
#include "nokv/db.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

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
    auto it = static_cast<DBImpl*>(db_.get())->NewInternalIterator(ReadOptions());
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
  EXPECT_EQ(CollectDbStats(*db_).sst_entries, 100u - 40u + 1u);
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
  ASSERT_GE(CollectDbStats(*db_).levels[1].files, 2);
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
