// Behavioural tests of the embedded DB: point operations, batches, reopen,
// iterators, snapshots, flush/compaction, errors and concurrency.
#include "nokv/db.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <chrono>
#include <map>
#include <thread>

#include "db/db_impl.h"
#include "db/db_stats.h"
#include "db/db_testutil.h"
#include "manifest/filenames.h"
#include "testutil/test_util.h"
#include "vfs/file_system.h"
#include "wal/wal_reader.h"

namespace nokv {
namespace {

using testutil::At;
using testutil::CreateFamily;
using testutil::EntryAt;
using testutil::In;
using testutil::Ttl;

class DBTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void TearDown() override {
    if (db_) {
      EXPECT_TRUE(db_->Close().ok());
    }
  }

  Options SmallOptions() {
    Options o;
    o.memtable_size = 64 << 10;
    o.max_bytes_for_level_base = 256 << 10;
    o.target_file_size = 64 << 10;
    o.l0_compaction_trigger = 2;
    o.l0_slowdown_trigger = 8;
    o.l0_stop_trigger = 12;
    return o;
  }

  void Reopen(Options o = Options()) {
    if (db_) {
      ASSERT_TRUE(db_->Close().ok());
    }
    db_.reset();
    options_ = o;
    Status s = DB::Open(o, dir_.path(), &db_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::string Get(std::string_view k) {
    std::string v;
    Status s = db_->Get(ReadOptions(), k, &v);
    if (s.IsNotFound()) return "NOT_FOUND";
    if (!s.ok()) return "ERROR: " + s.ToString();
    return v;
  }

  std::string Scan(ReadOptions ro = ReadOptions()) {
    std::string out;
    auto it = db_->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out += std::string(it->key()) + "=" + std::string(it->value()) + ";";
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    return out;
  }

  std::string ReverseScan(ReadOptions ro = ReadOptions()) {
    std::string out;
    auto it = db_->NewIterator(ro);
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      out += std::string(it->key()) + "=" + std::string(it->value()) + ";";
    }
    EXPECT_TRUE(it->status().ok());
    return out;
  }

  testutil::TempDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_F(DBTest, PutGetDelete) {
  WriteOptions wo;
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  ASSERT_TRUE(db_->Put(wo, "a", "1").ok());
  ASSERT_TRUE(db_->Put(wo, "b", "").ok());  // empty values are values
  EXPECT_EQ(Get("a"), "1");
  EXPECT_EQ(Get("b"), "");
  ASSERT_TRUE(db_->Put(wo, "a", "2").ok());
  EXPECT_EQ(Get("a"), "2");
  ASSERT_TRUE(db_->Delete(wo, "a").ok());
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  ASSERT_TRUE(db_->Delete(wo, "never-existed").ok());
}

TEST_F(DBTest, RejectsBadKeys) {
  WriteOptions wo;
  std::string v;
  EXPECT_TRUE(db_->Put(wo, "", "x").IsInvalidArgument());
  EXPECT_TRUE(db_->Get(ReadOptions(), "", &v).IsInvalidArgument());
  std::string huge(70000, 'k');
  EXPECT_TRUE(db_->Put(wo, huge, "x").IsInvalidArgument());
  WriteBatch batch;
  batch.Put("ok", "1");
  batch.Put("", "2");
  EXPECT_TRUE(db_->Write(wo, batch).IsInvalidArgument());
  EXPECT_EQ(Get("ok"), "NOT_FOUND");  // nothing of a rejected batch applies
}

TEST_F(DBTest, BatchIsAtomicAndOrdered) {
  WriteBatch batch;
  batch.Put("k", "v1");
  batch.Put("k", "v2");
  batch.Put("x", "y");
  batch.Delete("x");
  ASSERT_EQ(batch.Count(), 4u);
  ASSERT_TRUE(db_->Write(WriteOptions(), batch).ok());
  EXPECT_EQ(Get("k"), "v2");
  EXPECT_EQ(Get("x"), "NOT_FOUND");
  Reopen();
  EXPECT_EQ(Get("k"), "v2");
  EXPECT_EQ(Get("x"), "NOT_FOUND");
}

TEST_F(DBTest, ReopenRecoversFromWal) {
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "key" + std::to_string(i), "v" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(db_->Delete(WriteOptions(), "key5").ok());
  Reopen();
  EXPECT_EQ(Get("key0"), "v0");
  EXPECT_EQ(Get("key999"), "v999");
  EXPECT_EQ(Get("key5"), "NOT_FOUND");
  Reopen();  // a second reopen after the recovery flush
  EXPECT_EQ(Get("key998"), "v998");
  EXPECT_EQ(Get("key5"), "NOT_FOUND");
}

TEST_F(DBTest, FlushCompactAndReadBack) {
  Reopen(SmallOptions());
  std::map<std::string, std::string> model;
  Random rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string k = "k" + std::to_string(rng.Uniform(5000));
    if (rng.OneIn(5)) {
      ASSERT_TRUE(db_->Delete(WriteOptions(), k).ok());
      model.erase(k);
    } else {
      std::string v = testutil::RandomPrintable(&rng, 20 + rng.Uniform(100));
      ASSERT_TRUE(db_->Put(WriteOptions(), k, v).ok());
      model[k] = v;
    }
  }
  ASSERT_TRUE(db_->Flush().ok());
  DbStats st = CollectDbStats(*db_);
  EXPECT_GT(st.flushes, 0u);
  ASSERT_TRUE(db_->CompactAll().ok());
  st = CollectDbStats(*db_);
  EXPECT_EQ(st.levels[0].files, 0);
  EXPECT_TRUE(st.background_error.empty());
  for (int i = 0; i < 5000; ++i) {
    std::string k = "k" + std::to_string(i);
    auto it = model.find(k);
    ASSERT_EQ(Get(k), it == model.end() ? "NOT_FOUND" : it->second) << k;
  }
  std::string expect;
  for (auto& [k, v] : model) expect += k + "=" + v + ";";
  EXPECT_EQ(Scan(), expect);
  Reopen(SmallOptions());
  EXPECT_EQ(Scan(), expect);
}

TEST_F(DBTest, IteratorDirectionsSeekAndBounds) {
  for (std::string k : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(db_->Put(WriteOptions(), k, k + k).ok());
  ASSERT_TRUE(db_->Delete(WriteOptions(), "c").ok());
  EXPECT_EQ(Scan(), "a=aa;b=bb;d=dd;e=ee;");
  EXPECT_EQ(ReverseScan(), "e=ee;d=dd;b=bb;a=aa;");
  auto it = db_->NewIterator(ReadOptions());
  it->Seek("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "d");
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->Next();
  EXPECT_EQ(it->key(), "d");
  it->SeekForPrev("c");
  EXPECT_EQ(it->key(), "b");
  it->Seek("zzz");
  EXPECT_FALSE(it->Valid());
  ReadOptions ro;
  ro.lower_bound = "b";
  ro.upper_bound = "e";
  EXPECT_EQ(Scan(ro), "b=bb;d=dd;");
  EXPECT_EQ(ReverseScan(ro), "d=dd;b=bb;");
}

TEST_F(DBTest, IteratorIsASnapshot) {
  ASSERT_TRUE(db_->Put(WriteOptions(), "a", "1").ok());
  auto it = db_->NewIterator(ReadOptions());
  ASSERT_TRUE(db_->Put(WriteOptions(), "a", "2").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "b", "2").ok());
  ASSERT_TRUE(db_->Flush().ok());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "1");
  it->Next();
  EXPECT_FALSE(it->Valid());
}

TEST_F(DBTest, SnapshotsSurviveFlushAndCompaction) {
  Reopen(SmallOptions());
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "old").ok());
  const Snapshot* snap = db_->GetSnapshot();
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "new").ok());
  ASSERT_TRUE(db_->Delete(WriteOptions(), "gone").ok());
  ASSERT_TRUE(db_->CompactAll().ok());
  ReadOptions ro;
  ro.snapshot = snap;
  std::string v;
  ASSERT_TRUE(db_->Get(ro, "k", &v).ok());
  EXPECT_EQ(v, "old");
  EXPECT_EQ(Get("k"), "new");
  db_->ReleaseSnapshot(snap);
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "newer").ok());
  ASSERT_TRUE(db_->CompactAll().ok());
  EXPECT_EQ(Get("k"), "newer");
}

TEST_F(DBTest, ColumnFamiliesAreIsolated) {
  ColumnFamilyHandle* lock_cf = CreateFamily(db_.get(), "lock");
  ColumnFamilyHandle* write_cf = CreateFamily(db_.get(), "write");
  WriteBatch b;
  b.Put(In(lock_cf), "k", "lock");
  b.Put(In(write_cf), "k", "write");
  b.Put("k", "default");
  ASSERT_TRUE(db_->Write(WriteOptions(), b).ok());
  std::string v;
  ASSERT_TRUE(db_->Get(At(lock_cf), "k", &v).ok());
  EXPECT_EQ(v, "lock");
  ASSERT_TRUE(db_->Get(At(write_cf), "k", &v).ok());
  EXPECT_EQ(v, "write");
  EXPECT_EQ(Scan(), "k=default;");
  auto it = db_->NewIterator(At(lock_cf));
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "lock");
  it->Next();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "lock");
}

// PrefetchForGets is a hint: whatever keys it gets (present, absent, empty,
// too long, another family's), reads and writes after it see exactly what
// they would have, and a closed DB ignores it.
TEST_F(DBTest, PrefetchForGetsChangesNothing) {
  ASSERT_GE(options_.memtable_size, size_t{16} << 20);  // huge-page memtable blocks
  ColumnFamilyHandle* other_cf = CreateFamily(db_.get(), "other");
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "k" + std::to_string(i), "v" + std::to_string(i)).ok());
  }
  WriteBatch b;
  b.Put(In(other_cf), "k1", "other");
  ASSERT_TRUE(db_->Write(WriteOptions(), b).ok());
  const std::string too_long(kMaxUserKeySize + 10, 'x');
  const std::vector<std::string_view> keys = {"k1", "k999", "absent", "", too_long, "k1"};
  db_->PrefetchForGets(ReadOptions(), keys);
  db_->PrefetchForGets(At(other_cf), keys);
  db_->PrefetchForGets(ReadOptions(), {});
  EXPECT_EQ(Get("k1"), "v1");
  EXPECT_EQ(Get("k999"), "v999");
  EXPECT_EQ(Get("absent"), "NOT_FOUND");
  std::string v;
  ASSERT_TRUE(db_->Get(At(other_cf), "k1", &v).ok());
  EXPECT_EQ(v, "other");
  ASSERT_TRUE(db_->Put(WriteOptions(), "k1", "v1b").ok());
  EXPECT_EQ(Get("k1"), "v1b");
  ASSERT_TRUE(db_->Close().ok());
  db_->PrefetchForGets(ReadOptions(), keys);
  db_.reset();
}

TEST_F(DBTest, SecondOpenIsBusyAndClosedDbRejectsCalls) {
  std::unique_ptr<DB> other;
  Status s = DB::Open(Options(), dir_.path(), &other);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  ASSERT_TRUE(db_->Close().ok());
  EXPECT_TRUE(db_->Close().ok());  // idempotent
  std::string v;
  EXPECT_TRUE(db_->Put(WriteOptions(), "a", "b").IsClosed());
  EXPECT_TRUE(db_->Get(ReadOptions(), "a", &v).IsClosed());
  EXPECT_TRUE(db_->NewIterator(ReadOptions())->status().IsClosed());
  db_.reset();
}

TEST_F(DBTest, RefusesToStartOverDataWithoutCurrent) {
  ASSERT_TRUE(db_->Put(WriteOptions(), "a", "1").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  auto fs = NewPosixFileSystem();
  ASSERT_TRUE(fs->RemoveFile(CurrentFileName(dir_.path())).ok());
  std::unique_ptr<DB> db;
  Status s = DB::Open(Options(), dir_.path(), &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("CURRENT"), std::string::npos);
}

TEST_F(DBTest, CreateIfMissingAndErrorIfExists) {
  testutil::TempDir other;
  Options o;
  o.create_if_missing = false;
  std::unique_ptr<DB> db;
  EXPECT_TRUE(DB::Open(o, other.path() + "/sub", &db).IsInvalidArgument());
  o = Options();
  o.error_if_exists = true;
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  EXPECT_TRUE(DB::Open(o, dir_.path(), &db).IsInvalidArgument());
  o.memtable_size = 10;
  EXPECT_TRUE(DB::Open(o, other.path(), &db).IsInvalidArgument());
}

TEST_F(DBTest, ConcurrentWritersAndReaders) {
  Options o = SmallOptions();
  o.sync_writes = true;
  Reopen(o);
  constexpr int kWriters = 4, kPerWriter = 1500;
  std::atomic<bool> stop{false};
  std::atomic<int> read_errors{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        std::string k = "w" + std::to_string(w) + "-" + std::to_string(i);
        if (!db_->Put(WriteOptions(), k, k + "-value").ok()) read_errors++;
      }
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      Random rng(r + 1);
      while (!stop) {
        std::string k = "w" + std::to_string(rng.Uniform(kWriters)) + "-" +
                        std::to_string(rng.Uniform(kPerWriter));
        std::string v;
        Status s = db_->Get(ReadOptions(), k, &v);
        if (s.ok() && v != k + "-value") read_errors++;
        if (!s.ok() && !s.IsNotFound()) read_errors++;
        auto it = db_->NewIterator(ReadOptions());
        std::string prev;
        int n = 0;
        for (it->SeekToFirst(); it->Valid() && n < 200; it->Next(), ++n) {
          if (!prev.empty() && std::string(it->key()) <= prev) read_errors++;
          prev = std::string(it->key());
        }
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  stop = true;
  for (size_t i = kWriters; i < threads.size(); ++i) threads[i].join();
  EXPECT_EQ(read_errors.load(), 0);
  DbStats st = CollectDbStats(*db_);
  EXPECT_EQ(st.writes, static_cast<uint64_t>(kWriters * kPerWriter));
  EXPECT_LE(st.wal_syncs, st.writes);
  Reopen(SmallOptions());
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kPerWriter; i += 97) {
      std::string k = "w" + std::to_string(w) + "-" + std::to_string(i);
      EXPECT_EQ(Get(k), k + "-value");
    }
  }
}

}  // namespace
}  // namespace nokv

namespace nokv {
namespace {

class FakeClockDBTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.clock_ms = [this] { return now_.load(); };
    o.memtable_size = 64 << 10;
    o.l0_compaction_trigger = 2;
    options_ = o;
    ASSERT_TRUE(DB::Open(o, dir_.path(), &db_).ok());
    write_cf = CreateFamily(db_.get(), "write");
  }
  void TearDown() override { EXPECT_TRUE(db_->Close().ok()); }

  testutil::TempDir dir_;
  Options options_;
  std::atomic<uint64_t> now_{1'000'000};
  std::unique_ptr<DB> db_;
  ColumnFamilyHandle* write_cf = nullptr;
};

TEST_F(FakeClockDBTest, TtlHidesExpiredKeysEverywhere) {
  ASSERT_TRUE(db_->Put(WriteOptions(), Ttl(500), "short", "s").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), Ttl(5000), "long", "l").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "forever", "f").ok());
  std::string v;
  ReadResult r;
  ASSERT_TRUE(db_->Get(ReadOptions(), "short", &r).ok());
  EXPECT_EQ(r.expires_at_ms, 1'000'500u);
  EXPECT_EQ(r.value, "s");
  now_ = 1'000'500;  // expiry is inclusive: at the instant it is gone
  EXPECT_TRUE(db_->Get(ReadOptions(), "short", &v).IsNotFound());
  ASSERT_TRUE(db_->Get(ReadOptions(), "long", &v).ok());
  auto it = db_->NewIterator(ReadOptions());
  std::string keys;
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys += std::string(it->key()) + ",";
  EXPECT_EQ(keys, "forever,long,");
  keys.clear();
  for (it->SeekToLast(); it->Valid(); it->Prev()) keys += std::string(it->key()) + ",";
  EXPECT_EQ(keys, "long,forever,");
  it.reset();
  // An expired newer value hides an older live one, like a tombstone.
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "old").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), Ttl(10), "k", "new").ok());
  now_ = 1'000'600;
  EXPECT_TRUE(db_->Get(ReadOptions(), "k", &v).IsNotFound());
  // Survives flush, compaction and reopen; compaction drops expired data.
  ASSERT_TRUE(db_->CompactAll().ok());
  EXPECT_TRUE(db_->Get(ReadOptions(), "k", &v).IsNotFound());
  EXPECT_TRUE(db_->Get(ReadOptions(), "short", &v).IsNotFound());
  ASSERT_TRUE(db_->Get(ReadOptions(), "long", &v).ok());
  EXPECT_EQ(v, "l");
  EXPECT_EQ(CollectDbStats(*db_).sst_entries, 2u);  // "long" and "forever"
  ReadResult e;
  EXPECT_TRUE(db_->Get(EntryAt(nullptr), "short", &e).IsNotFound());
}

TEST_F(FakeClockDBTest, VersionedEntriesReadNewestAtOrBelow) {
  WriteBatch b;
  b.Put(In(write_cf, 10), "row", "v10");
  b.Put(In(write_cf, 20), "row", "v20");
  b.Put(In(write_cf, 30), "row", "v30");
  b.Delete(In(write_cf, 40), "row");
  ASSERT_TRUE(db_->Write(WriteOptions(), b).ok());
  auto check = [&](uint64_t at, const char* want, bool deleted) {
    ReadResult e;
    Status s = db_->Get(EntryAt(write_cf, at), "row", &e);
    if (want == nullptr) {
      EXPECT_TRUE(s.IsNotFound()) << at;
      return;
    }
    ASSERT_TRUE(s.ok()) << at << " " << s.ToString();
    EXPECT_EQ(e.value, want) << at;
    EXPECT_EQ(e.deleted, deleted) << at;
  };
  check(5, nullptr, false);
  check(10, "v10", false);
  check(25, "v20", false);
  check(39, "v30", false);
  check(45, "", true);
  // Versions spread over memtable, L0 and L1 must still pick the newest <= v.
  ASSERT_TRUE(db_->CompactAll().ok());
  WriteBatch b2;
  b2.Put(In(write_cf, 15), "row", "v15");
  ASSERT_TRUE(db_->Write(WriteOptions(), b2).ok());
  check(25, "v20", false);  // the older layer holds the higher version
  check(17, "v15", false);
  check(12, "v10", false);
  ASSERT_TRUE(db_->Flush().ok());
  check(25, "v20", false);
  check(17, "v15", false);
}

// distributed.md §20 item 13: a late tombstone at an old version (a rollback
// at its start_ts), written after a newer version reached an SST, must not
// hide that newer version from reads above it: the lookup takes the maximum
// version <= v over all layers, not the first layer's.
TEST_F(FakeClockDBTest, LateOldVersionInNewerLayerDoesNotHideNewerVersion) {
  WriteBatch b;
  b.Put(In(write_cf, 20), "row", "v20");
  ASSERT_TRUE(db_->Write(WriteOptions(), b).ok());
  ASSERT_TRUE(db_->CompactAll().ok());  // v20 now lives in L1
  WriteBatch late;
  late.Delete(In(write_cf, 10), "row");
  ASSERT_TRUE(db_->Write(WriteOptions(), late).ok());  // the memtable
  for (int pass = 0; pass < 2; ++pass) {
    ReadResult e;
    ASSERT_TRUE(db_->Get(EntryAt(write_cf, 25), "row", &e).ok());
    EXPECT_EQ(e.version, 20u) << "pass " << pass;
    EXPECT_EQ(e.value, "v20") << "pass " << pass;
    EXPECT_FALSE(e.deleted);
    ASSERT_TRUE(db_->Get(EntryAt(write_cf, 15), "row", &e).ok());
    EXPECT_EQ(e.version, 10u);
    EXPECT_TRUE(e.deleted);
    std::string v;
    ASSERT_TRUE(db_->Get(At(write_cf), "row", &v).ok());
    EXPECT_EQ(v, "v20");
    ASSERT_TRUE(db_->Flush().ok());  // now both in SSTs (L0 above L1)
  }
}

// Regression (found by the model test): compaction dropped a versioned
// tombstone, or an expired versioned entry, at the bottom level when nothing
// older of its key was left. A later write at a lower version then showed
// through to reads at or above the dropped entry's version.
TEST_F(FakeClockDBTest, VersionedTombstonesAndExpiryOutliveCompaction) {
  WriteBatch b;
  b.Delete(In(write_cf, 18), "del");
  b.Put(In(write_cf, 39, now_.load() + 100), "ttl", "short-lived");
  ASSERT_TRUE(db_->Write(WriteOptions(), b).ok());
  now_ += 200;
  ASSERT_TRUE(db_->CompactAll().ok());
  WriteBatch later;
  later.Put(In(write_cf, 1), "del", "old-version");
  later.Put(In(write_cf, 4), "ttl", "old-version");
  ASSERT_TRUE(db_->Write(WriteOptions(), later).ok());
  for (int pass = 0; pass < 2; ++pass) {
    for (const char* key : {"del", "ttl"}) {
      ReadResult e;
      Status s = db_->Get(EntryAt(write_cf), key, &e);
      ASSERT_TRUE(s.ok()) << key << " " << s.ToString();
      EXPECT_TRUE(e.deleted || e.expired)
          << key << " pass " << pass << " got @" << e.version.value_or(UINT64_MAX);
      // Below the newer entry, the old version is there.
      ASSERT_TRUE(db_->Get(EntryAt(write_cf, 4), key, &e).ok()) << key;
      EXPECT_EQ(e.value, "old-version");
      std::string v;
      EXPECT_TRUE(db_->Get(At(write_cf), key, &v).IsNotFound()) << key;
    }
    auto it = db_->NewIterator(At(write_cf));
    it->SeekToFirst();
    EXPECT_FALSE(it->Valid()) << it->key();
    it.reset();
    ASSERT_TRUE(db_->CompactAll().ok());
  }
}

// Regression (found by the model test): an entry hidden by a range delete
// hid the whole key from reads, while compaction drops it and so lets an
// older version that the tombstone does not hide show through. Now reads
// skip a hidden entry as if it did not exist, before and after compaction.
TEST_F(FakeClockDBTest, RangeDeletedVersionLetsAnOlderVersionShow) {
  WriteBatch b;
  b.Put(In(write_cf, 5), "row", "v5");
  b.Put(In(write_cf, 5), "gone", "g5");
  b.DeleteRange(write_cf, "a", "z");
  b.Put(In(write_cf, 3), "row", "v3");  // after the range delete
  ASSERT_TRUE(db_->Write(WriteOptions(), b).ok());
  for (int pass = 0; pass < 3; ++pass) {
    ReadResult e;
    Status s = db_->Get(EntryAt(write_cf), "row", &e);
    ASSERT_TRUE(s.ok()) << "pass " << pass << " " << s.ToString();
    EXPECT_EQ(e.version, 3u) << "pass " << pass;
    EXPECT_EQ(e.value, "v3") << "pass " << pass;
    auto it = db_->NewIterator(At(write_cf));
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid()) << "pass " << pass;
    EXPECT_EQ(it->value(), "v3");
    it->SeekToLast();
    ASSERT_TRUE(it->Valid()) << "pass " << pass;
    EXPECT_EQ(it->value(), "v3");
    it.reset();
    // Fully hidden: NotFound, as after compaction.
    EXPECT_TRUE(db_->Get(EntryAt(write_cf), "gone", &e).IsNotFound())
        << "pass " << pass << " got @" << e.version.value_or(UINT64_MAX);
    ASSERT_TRUE(pass == 0 ? db_->Flush().ok() : db_->CompactAll().ok());
  }
}

}  // namespace
}  // namespace nokv

namespace nokv {
namespace {

TEST(DBHotKeys, TracksHotKeysAndThrottlesWhenAsked) {
  testutil::TempDir dir;
  Options o;
  o.hot_key_tracking = true;
  o.write_hot_key_limit = 20;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, dir.path(), &db).ok());
  int accepted = 0;
  Status last;
  for (int i = 0; i < 50; ++i) {
    last = db->Put(WriteOptions(), "hot", std::to_string(i));
    if (last.ok()) ++accepted;
  }
  EXPECT_EQ(accepted, 19);  // the 20th write within the window is refused
  EXPECT_TRUE(last.IsBusy()) << last.ToString();
  EXPECT_NE(last.message().find("hot key"), std::string::npos);
  ASSERT_TRUE(db->Put(WriteOptions(), "cold", "x").ok());  // other keys unaffected
  std::string v;
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(db->Get(ReadOptions(), "cold", &v).ok());
  const DbStats st = CollectDbStats(*db);
  EXPECT_EQ(st.hot_key_limited_writes, 31u);
  ASSERT_FALSE(st.hot_write_keys.empty());
  EXPECT_EQ(st.hot_write_keys[0].first, "hot");
  ASSERT_FALSE(st.hot_read_keys.empty());
  EXPECT_EQ(st.hot_read_keys[0].first, "cold");
  EXPECT_EQ(st.hot_read_keys[0].second, 30u);
  ASSERT_TRUE(db->Close().ok());
}

// A batch refused by the throttle counts none of its keys: a caller that
// then writes them one by one (the Redis gateway's pipelined runs) is
// counted once per write, not twice.
TEST(DBHotKeys, RefusedBatchCountsNothing) {
  testutil::TempDir dir;
  Options o;
  o.write_hot_key_limit = 3;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, dir.path(), &db).ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "a", "1").ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "a", "2").ok());
  WriteBatch both;
  both.Put("b", "1");
  both.Put("a", "3");  // a's third write reaches the limit
  Status s = db->Write(WriteOptions(), both);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  std::string v;
  EXPECT_TRUE(db->Get(ReadOptions(), "b", &v).IsNotFound()) << "a refused batch writes nothing";
  // b was not counted by the refused batch: two writes pass, the third is refused.
  EXPECT_TRUE(db->Put(WriteOptions(), "b", "1").ok());
  EXPECT_TRUE(db->Put(WriteOptions(), "b", "2").ok());
  EXPECT_TRUE(db->Put(WriteOptions(), "b", "3").IsBusy());
  // Two writes of one key in a batch count as two.
  WriteBatch twice;
  twice.Put("c", "1");
  twice.Put("c", "2");
  ASSERT_TRUE(db->Write(WriteOptions(), twice).ok());
  EXPECT_TRUE(db->Put(WriteOptions(), "c", "3").IsBusy());
  EXPECT_EQ(CollectDbStats(*db).hot_key_limited_writes, 3u);
  ASSERT_TRUE(db->Close().ok());
}

}  // namespace
}  // namespace nokv

namespace nokv {
namespace {

class DBRangeDeleteTest : public DBTest {};

TEST_F(DBRangeDeleteTest, HidesRangeAndWritesAfterAreVisible) {
  Reopen(SmallOptions());
  for (int i = 0; i < 100; ++i) {
    char k[8];
    std::snprintf(k, sizeof(k), "k%03d", i);
    ASSERT_TRUE(db_->Put(WriteOptions(), k, "v").ok());
  }
  ColumnFamilyHandle* lock_cf = CreateFamily(db_.get(), "lock");
  WriteBatch lock;
  lock.Put(In(lock_cf), "k050", "lock");  // another CF is not touched
  ASSERT_TRUE(db_->Write(WriteOptions(), lock).ok());
  ASSERT_TRUE(db_->Delete(WriteOptions(), "k030").ok());  // already point-deleted inside
  const Snapshot* before = db_->GetSnapshot();
  ASSERT_TRUE(db_->DeleteRange(WriteOptions(), "k020", "k060").ok());
  ASSERT_TRUE(db_->DeleteRange(WriteOptions(), "k050", "k070").ok());  // overlapping
  ASSERT_TRUE(db_->Put(WriteOptions(), "k040", "back").ok());          // written after
  EXPECT_TRUE(db_->DeleteRange(WriteOptions(), "b", "a").IsInvalidArgument());
  EXPECT_TRUE(db_->DeleteRange(WriteOptions(), "a", "a").IsInvalidArgument());
  EXPECT_TRUE(db_->DeleteRange(WriteOptions(), "", "a").IsInvalidArgument());

  auto expect_state = [&](const std::string& when) {
    for (int i = 0; i < 100; ++i) {
      char k[8];
      std::snprintf(k, sizeof(k), "k%03d", i);
      std::string want = (i >= 20 && i < 70) ? "NOT_FOUND" : "v";
      if (i == 40) want = "back";
      EXPECT_EQ(Get(k), want) << when << " " << k;
    }
    std::string v;
    // Handles live as long as their DB: look the family up again after a reopen.
    ASSERT_TRUE(db_->Get(At(db_->GetColumnFamily("lock")), "k050", &v).ok()) << when;
    std::string scan = Scan();
    EXPECT_EQ(scan.find("k020="), std::string::npos) << when;
    EXPECT_NE(scan.find("k040=back;"), std::string::npos) << when;
    EXPECT_NE(scan.find("k019=v;k040=back;k070=v;"), std::string::npos) << when << scan;
    std::string rscan = ReverseScan();
    EXPECT_NE(rscan.find("k070=v;k040=back;k019=v;"), std::string::npos) << when;
  };
  expect_state("memtable");
  ReadOptions ro;
  ro.snapshot = before;
  std::string v;
  ASSERT_TRUE(db_->Get(ro, "k025", &v).ok());  // the snapshot predates the range delete
  db_->ReleaseSnapshot(before);
  ASSERT_TRUE(db_->Flush().ok());
  expect_state("after flush");
  ASSERT_TRUE(db_->CompactAll().ok());
  expect_state("after compaction");
  Reopen(SmallOptions());
  expect_state("after reopen");
  ASSERT_TRUE(db_->Put(WriteOptions(), "k025", "again").ok());
  EXPECT_EQ(Get("k025"), "again");
}

}  // namespace
}  // namespace nokv

namespace nokv {
namespace {

TEST(DBInternalIterator, SeesAllVersionsAndCfsAtASnapshot) {
  testutil::TempDir dir;
  Options o;
  o.value_threshold = 64;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, dir.path(), &db).ok());
  ColumnFamilyHandle* lock_cf = CreateFamily(db.get(), "lock");
  ColumnFamilyHandle* write_cf = CreateFamily(db.get(), "write");
  WriteBatch b;
  b.Put(In(write_cf, 10), "row", "v10");
  b.Put(In(write_cf, 20), "row", std::string(100, 'L'));  // in the value log
  b.Delete(In(write_cf, 30), "row");
  b.Put(In(lock_cf), "row", "lock");
  b.Put("plain", "p");
  ASSERT_TRUE(db->Write(WriteOptions(), b).ok());
  const Snapshot* snap = db->GetSnapshot();
  ASSERT_TRUE(db->Put(WriteOptions(), "later", "x").ok());  // after the snapshot
  ReadOptions ro;
  ro.snapshot = snap;
  for (int pass = 0; pass < 2; ++pass) {
    auto it = static_cast<DBImpl*>(db.get())->NewInternalIterator(ro);
    std::vector<std::string> seen;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ParsedInternalKey p;
      ASSERT_TRUE(ParseInternalKey(it->key(), &p));
      ValueRecord r;
      ASSERT_TRUE(DecodeValueRecord(it->value(), &r));
      EXPECT_EQ(r.meta & kMetaValuePointer, 0);  // resolved
      seen.push_back(ColumnFamilyName(p.cf) + "/" + std::string(p.user_key) + "@" +
                     (p.version == kMaxVersion ? "max" : std::to_string(p.version)) + "=" +
                     (r.IsDelete() ? "DEL" : std::string(r.value.substr(0, 3))));
    }
    ASSERT_TRUE(it->status().ok());
    // Families created first get ids 1 ("lock") and 2 ("write").
    std::vector<std::string> want = {"default/plain@max=p", "cf1/row@max=loc", "cf2/row@30=DEL",
                                     "cf2/row@20=LLL", "cf2/row@10=v10"};
    EXPECT_EQ(seen, want) << "pass " << pass;
    // Backwards gives the same entries in reverse.
    std::vector<std::string> back;
    for (it->SeekToLast(); it->Valid(); it->Prev()) back.push_back(std::string(it->key()));
    EXPECT_EQ(back.size(), want.size());
    it.reset();
    ASSERT_TRUE(db->CompactAll().ok());  // second pass reads tables
  }
  db->ReleaseSnapshot(snap);
  ASSERT_TRUE(db->Close().ok());
}

}  // namespace
}  // namespace nokv

namespace nokv {
namespace {

// Group commit respects max_write_group_count, a batch over the limit still
// commits (alone), and the coalescing wait gathers writers into full groups.
class WriteGroupTest : public ::testing::Test {
 protected:
  // `threads` writers each put `per_thread` keys, pausing `pause_us` between
  // puts; checks every key reads back and returns the stats.
  DbStats RunWriters(const Options& o, int threads, int per_thread, int pause_us = 0) {
    std::unique_ptr<DB> db;
    Status s = DB::Open(o, dir_.path(), &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return {};
    std::vector<std::thread> writers;
    std::atomic<int> errors{0};
    for (int t = 0; t < threads; ++t) {
      writers.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          const std::string k = "t" + std::to_string(t) + "-" + std::to_string(i);
          if (!db->Put(WriteOptions(), k, "v" + k).ok()) errors++;
          if (pause_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(pause_us));
        }
      });
    }
    for (auto& w : writers) w.join();
    EXPECT_EQ(errors.load(), 0);
    for (int t = 0; t < threads; ++t) {
      for (int i = 0; i < per_thread; ++i) {
        const std::string k = "t" + std::to_string(t) + "-" + std::to_string(i);
        std::string v;
        EXPECT_TRUE(db->Get(ReadOptions(), k, &v).ok()) << k;
        EXPECT_EQ(v, "v" + k);
      }
    }
    DbStats stats = CollectDbStats(*db);
    EXPECT_TRUE(db->Close().ok());
    return stats;
  }

  testutil::TempDir dir_;
};

TEST_F(WriteGroupTest, CountLimitOfOneMeansOneWritePerGroup) {
  Options o;
  o.sync_writes = true;
  o.max_write_group_count = 1;
  const DbStats stats = RunWriters(o, 4, 100);
  EXPECT_EQ(stats.writes, 400u);
  EXPECT_EQ(stats.write_groups, 400u);
}

TEST_F(WriteGroupTest, BatchLargerThanTheCountLimitCommitsAlone) {
  Options o;
  o.max_write_group_count = 4;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, dir_.path(), &db).ok());
  WriteBatch batch;
  for (int i = 0; i < 10; ++i) batch.Put("k" + std::to_string(i), "v");
  ASSERT_TRUE(db->Write(WriteOptions(), batch).ok());
  std::string v;
  EXPECT_TRUE(db->Get(ReadOptions(), "k9", &v).ok());
  EXPECT_EQ(CollectDbStats(*db).write_groups, 1u);
  EXPECT_TRUE(db->Close().ok());
}

// Two writers that pause between puts rarely meet in the queue, so without
// the wait almost every write is its own group; with it, each leader waits
// for the other writer and every group holds two.
TEST_F(WriteGroupTest, CoalescingWaitFillsGroups) {
  Options o;
  o.max_write_group_count = 2;
  o.write_coalesce_wait_us = 200000;  // far longer than the 1 ms pause
  const DbStats stats = RunWriters(o, 2, 50, 1000);
  EXPECT_EQ(stats.writes, 100u);
  EXPECT_LE(stats.write_groups, 60u) << "groups were not coalesced";
}

TEST_F(WriteGroupTest, BadGroupOptionsAreRejected) {
  std::unique_ptr<DB> db;
  Options o;
  o.max_write_group_count = 0;
  EXPECT_TRUE(DB::Open(o, dir_.path(), &db).IsInvalidArgument());
  o = Options();
  o.write_coalesce_wait_us = 5000000;
  EXPECT_TRUE(DB::Open(o, dir_.path(), &db).IsInvalidArgument());
  o = Options();
  o.memtable_hash_index_ratio = 0.5;
  EXPECT_TRUE(DB::Open(o, dir_.path(), &db).IsInvalidArgument());
}

}  // namespace
}  // namespace nokv

namespace nokv {
namespace {

// Bytes of the workdir's WAL segments on disk (what the OS has been given).
uint64_t WalBytesOnDisk(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".wal") total += e.file_size();
  }
  return total;
}

TEST(DeferredWalFlushTest, RecordsStayBufferedUntilFlushWal) {
  testutil::TempDir dir;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(Options(), dir.path(), &db).ok());
  WriteOptions deferred;
  deferred.defer_wal_flush = true;
  ASSERT_TRUE(db->Put(WriteOptions(), "plain", "v").ok());
  const uint64_t before = WalBytesOnDisk(dir.path());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(db->Put(deferred, "k" + std::to_string(i), "v").ok());
  std::string v;
  ASSERT_TRUE(db->Get(ReadOptions(), "k9", &v).ok());  // visible at once
  EXPECT_EQ(WalBytesOnDisk(dir.path()), before) << "deferred records reached the OS early";
  ASSERT_TRUE(db->FlushWAL(false).ok());
  const uint64_t flushed = WalBytesOnDisk(dir.path());
  EXPECT_GT(flushed, before);
  ASSERT_TRUE(db->FlushWAL(false).ok());  // nothing deferred: a no-op
  EXPECT_EQ(WalBytesOnDisk(dir.path()), flushed);

  // A plain write hands over the deferred records before it too.
  ASSERT_TRUE(db->Put(deferred, "d", "v").ok());
  ASSERT_TRUE(db->Put(WriteOptions(), "p", "v").ok());
  EXPECT_GT(WalBytesOnDisk(dir.path()), flushed);
  ASSERT_TRUE(db->FlushWAL(true).ok());  // sync works with nothing pending
  ASSERT_TRUE(db->Close().ok());

  // Everything is there after a reopen.
  ASSERT_TRUE(DB::Open(Options(), dir.path(), &db).ok());
  for (const char* k : {"plain", "k0", "k9", "d", "p"}) EXPECT_TRUE(db->Get(ReadOptions(), k, &v).ok()) << k;
  ASSERT_TRUE(db->Close().ok());
}

TEST(DeferredWalFlushTest, SyncedWritesIgnoreDeferral) {
  testutil::TempDir dir;
  Options o;
  o.sync_writes = true;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, dir.path(), &db).ok());
  const uint64_t before = WalBytesOnDisk(dir.path());
  WriteOptions deferred;
  deferred.defer_wal_flush = true;
  ASSERT_TRUE(db->Put(deferred, "k", "v").ok());
  EXPECT_GT(WalBytesOnDisk(dir.path()), before);
  ASSERT_TRUE(db->Close().ok());
  EXPECT_TRUE(db->FlushWAL(false).IsClosed());
}

// A manifest that lost its last edits (damage at its tail, which replay
// drops like a torn write) is refused: opening it would roll back or lose
// acknowledged data. Regression test: Open accepted it, and the writes of
// the lost flush were gone (their WAL segment had been deleted).
TEST(DBManifestCheckTest, ManifestMissingItsLastEditsIsRefused) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(Options(), dir.path(), &db).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "flushed", "1").ok());
    ASSERT_TRUE(db->Flush().ok());  // its edit: the table, and log_number past the old WAL
    ASSERT_TRUE(db->Put(WriteOptions(), "in-wal", "2").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  std::string manifest;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().filename().string().starts_with("MANIFEST-")) manifest = e.path().string();
  }
  ASSERT_FALSE(manifest.empty());
  std::vector<uint64_t> records;
  WalReplayResult r;
  ASSERT_TRUE(ReplayWalFile(fs.get(), manifest, true,
                            [&](uint8_t, std::string_view, uint64_t offset) {
                              records.push_back(offset);
                              return Status::OK();
                            },
                            &r)
                  .ok());
  ASSERT_GE(records.size(), 2u);
  const std::string copy = dir.File("manifest.orig");
  std::filesystem::copy_file(manifest, copy);
  // Without the flush edit: the table is unlisted and the WAL it replaced is gone.
  ASSERT_TRUE(fs->Truncate(manifest, records.back()).ok());
  std::unique_ptr<DB> db;
  Status s = DB::Open(Options(), dir.path(), &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("lost edits"), std::string::npos) << s.ToString();
  // A manifest listing a table that is gone is refused too.
  std::filesystem::copy_file(copy, manifest, std::filesystem::copy_options::overwrite_existing);
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().extension() == ".sst") std::filesystem::remove(e.path());
  }
  s = DB::Open(Options(), dir.path(), &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(".sst, which is missing"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace nokv
