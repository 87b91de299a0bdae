// Column families through the public API: created by name, listed, looked
// up, recorded in the manifest (they survive a reopen), dropped (their keys
// vanish, compaction removes their data, their ids are never reused), and
// the per-update options (family, version, expiry, TTL) of one write call.
#include <gtest/gtest.h>

#include <set>

#include "db/db_impl.h"
#include "db/db_testutil.h"
#include "nokv/db.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

using testutil::At;
using testutil::CreateFamily;
using testutil::EntryAt;
using testutil::In;
using testutil::Prop;

class ColumnFamilyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.memtable_size = 64 << 10;
    options_.clock_ms = [this] { return now_.load(); };
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
    Status s = DB::Open(options_, dir_.path(), &db_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string Get(ColumnFamilyHandle* cf, std::string_view key) {
    std::string v;
    Status s = db_->Get(At(cf), key, &v);
    if (s.IsNotFound()) return "NOT_FOUND";
    return s.ok() ? v : "ERROR " + s.ToString();
  }
  // Ids of the families that still have entries stored in the LSM.
  std::set<uint32_t> StoredFamilies() {
    std::set<uint32_t> ids;
    auto it = static_cast<DBImpl*>(db_.get())->NewInternalIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ids.insert(static_cast<uint8_t>(it->key()[0]));
    }
    EXPECT_TRUE(it->status().ok());
    return ids;
  }

  testutil::TempDir dir_;
  Options options_;
  std::atomic<uint64_t> now_{1'000'000};
  std::unique_ptr<DB> db_;
};

TEST_F(ColumnFamilyTest, CreateListLookUpAndReopen) {
  // A new DB has only the default family.
  EXPECT_EQ(db_->ListColumnFamilies(), std::vector<std::string>{"default"});
  ASSERT_NE(db_->DefaultColumnFamily(), nullptr);
  EXPECT_EQ(db_->DefaultColumnFamily()->id(), 0u);
  EXPECT_EQ(db_->DefaultColumnFamily()->name(), "default");
  EXPECT_EQ(db_->GetColumnFamily("default"), db_->DefaultColumnFamily());
  ColumnFamilyHandle* raft = CreateFamily(db_.get(), "raft");
  ColumnFamilyHandle* meta = CreateFamily(db_.get(), "region-meta");
  ColumnFamilyHandle* locks = CreateFamily(db_.get(), "locks");
  EXPECT_EQ(raft->id(), 1u);
  EXPECT_EQ(meta->id(), 2u);
  EXPECT_EQ(locks->id(), 4u);  // 3 is the range-tombstone keyspace
  EXPECT_EQ(db_->GetColumnFamily("raft"), raft);
  EXPECT_EQ(db_->GetColumnFamily("nope"), nullptr);
  ColumnFamilyHandle* h = nullptr;
  EXPECT_TRUE(db_->CreateColumnFamily("raft", &h).IsInvalidArgument());
  EXPECT_EQ(h, nullptr);
  EXPECT_TRUE(db_->CreateColumnFamily("", &h).IsInvalidArgument());
  EXPECT_EQ(Prop(db_.get(), "nokv.num-column-families"), 4u);
  std::string list;
  ASSERT_TRUE(db_->GetProperty("nokv.column-families", &list));
  EXPECT_EQ(list, "0 default\n1 raft\n2 region-meta\n4 locks\n");

  ASSERT_TRUE(db_->Put(WriteOptions(), In(raft), "k", "raft").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), In(locks), "k", "locks").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "default").ok());
  for (int pass = 0; pass < 3; ++pass) {
    raft = db_->GetColumnFamily("raft");
    locks = db_->GetColumnFamily("locks");
    ASSERT_NE(raft, nullptr) << pass;
    ASSERT_NE(locks, nullptr) << pass;
    EXPECT_EQ(raft->id(), 1u);
    EXPECT_EQ(locks->id(), 4u);
    EXPECT_EQ(Get(raft, "k"), "raft");
    EXPECT_EQ(Get(locks, "k"), "locks");
    EXPECT_EQ(Get(nullptr, "k"), "default");
    EXPECT_EQ(Get(db_->GetColumnFamily("region-meta"), "k"), "NOT_FOUND");
    EXPECT_EQ(db_->ListColumnFamilies(),
              (std::vector<std::string>{"default", "raft", "region-meta", "locks"}));
    if (pass == 1) {
      ASSERT_TRUE(db_->Flush().ok());
    }
    ASSERT_NO_FATAL_FAILURE(Reopen());
  }
}

TEST_F(ColumnFamilyTest, DropHidesTheFamilyAndCompactionRemovesItsData) {
  ColumnFamilyHandle* gone = CreateFamily(db_.get(), "gone");
  ColumnFamilyHandle* kept = CreateFamily(db_.get(), "kept");
  for (int i = 0; i < 200; ++i) {
    const std::string k = "k" + std::to_string(i);
    ASSERT_TRUE(db_->Put(WriteOptions(), In(gone), k, "g").ok());
    ASSERT_TRUE(db_->Put(WriteOptions(), In(kept), k, "k").ok());
  }
  ASSERT_TRUE(db_->DeleteRange(WriteOptions(), gone, "k1", "k2").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), In(gone), "in-memtable", "g").ok());
  EXPECT_EQ(StoredFamilies(), (std::set<uint32_t>{1, 2, 3}));  // 3: the range tombstone

  EXPECT_TRUE(db_->DropColumnFamily(db_->DefaultColumnFamily()).IsInvalidArgument());
  ASSERT_TRUE(db_->DropColumnFamily(gone).ok());
  EXPECT_TRUE(db_->DropColumnFamily(gone).IsInvalidArgument());
  EXPECT_EQ(db_->GetColumnFamily("gone"), nullptr);
  EXPECT_EQ(db_->ListColumnFamilies(), (std::vector<std::string>{"default", "kept"}));
  // The handle stays valid but refuses reads, writes and iterators.
  EXPECT_EQ(gone->name(), "gone");
  std::string v;
  EXPECT_TRUE(db_->Get(At(gone), "k5", &v).IsInvalidArgument());
  EXPECT_TRUE(db_->Put(WriteOptions(), In(gone), "k5", "x").IsInvalidArgument());
  auto it = db_->NewIterator(At(gone));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsInvalidArgument());
  it.reset();
  // A batch naming a dropped family is refused as a whole.
  WriteBatch mixed;
  mixed.Put(In(kept), "new", "x");
  mixed.Put(In(gone), "new", "x");
  EXPECT_TRUE(db_->Write(WriteOptions(), mixed).IsInvalidArgument());
  EXPECT_EQ(Get(kept, "new"), "NOT_FOUND");

  // Compaction removes the dropped family's data and its range tombstone.
  ASSERT_TRUE(db_->CompactAll().ok());
  EXPECT_EQ(StoredFamilies(), (std::set<uint32_t>{2}));
  EXPECT_EQ(Get(kept, "k150"), "k");
  // Its id is never handed out again, also after a reopen.
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(db_->GetColumnFamily("gone"), nullptr);
  ColumnFamilyHandle* again = CreateFamily(db_.get(), "gone");
  EXPECT_EQ(again->id(), 4u);
  EXPECT_EQ(Get(again, "k5"), "NOT_FOUND");
  EXPECT_EQ(Get(db_->GetColumnFamily("kept"), "k5"), "k");
}

TEST_F(ColumnFamilyTest, HandlesOfAnotherDbAreRefused) {
  testutil::TempDir other_dir;
  std::unique_ptr<DB> other;
  ASSERT_TRUE(DB::Open(Options(), other_dir.path(), &other).ok());
  ColumnFamilyHandle* theirs = CreateFamily(other.get(), "x");
  ColumnFamilyHandle* ours = CreateFamily(db_.get(), "x");
  ASSERT_EQ(theirs->id(), ours->id());
  std::string v;
  EXPECT_TRUE(db_->Get(At(theirs), "k", &v).IsInvalidArgument());
  EXPECT_TRUE(db_->DropColumnFamily(theirs).IsInvalidArgument());
  EXPECT_TRUE(other->Close().ok());
}

TEST_F(ColumnFamilyTest, IdsRunOutAfter254FamiliesAndTheLastIdWorks) {
  ColumnFamilyHandle* last = nullptr;
  for (int i = 1; i <= 254; ++i) last = CreateFamily(db_.get(), "f" + std::to_string(i));
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->id(), 255u);
  ColumnFamilyHandle* h = nullptr;
  EXPECT_TRUE(db_->CreateColumnFamily("one-too-many", &h).IsTooBig());
  // The family with id 255 is the end of the keyspace: scans in both
  // directions stop at its edges.
  ASSERT_TRUE(db_->Put(WriteOptions(), In(last), "a", "1").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), In(last), "b", "2").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), In(db_->GetColumnFamily("f253")), "z", "other").ok());
  auto it = db_->NewIterator(At(last));
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->Prev();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "a");
  it->Prev();
  EXPECT_FALSE(it->Valid());
}

// One write call with options: family, version, absolute expiry, TTL.
TEST_F(ColumnFamilyTest, UpdateOptionsVersionsExpiryAndTtl) {
  ColumnFamilyHandle* mvcc = CreateFamily(db_.get(), "mvcc");
  WriteBatch b;
  b.Put(In(mvcc, 10), "row", "v10");
  b.Put(In(mvcc, 20), "row", "v20");
  b.Delete(In(mvcc, 30), "row");
  b.Put(In(mvcc, 10), "other", "o10");
  UpdateOptions ttl;
  ttl.ttl_ms = 500;
  b.Put(ttl, "ttl", "t");
  b.Put(In(nullptr, std::nullopt, 1'000'700), "abs", "a");
  ASSERT_TRUE(db_->Write(WriteOptions(), b).ok());

  ReadResult r;
  ASSERT_TRUE(db_->Get(ReadOptions(), "ttl", &r).ok());
  EXPECT_EQ(r.expires_at_ms, 1'000'500u);  // counted from the write
  EXPECT_FALSE(r.version.has_value());
  ASSERT_TRUE(db_->Get(At(mvcc, 25), "row", &r).ok());
  EXPECT_EQ(r.value, "v20");
  EXPECT_EQ(r.version, 20u);
  EXPECT_TRUE(db_->Get(At(mvcc, 35), "row", &r).IsNotFound());
  ASSERT_TRUE(db_->Get(EntryAt(mvcc, 35), "row", &r).ok());
  EXPECT_TRUE(r.deleted);
  EXPECT_EQ(r.version, 30u);

  // A versioned scan shows each key's newest version <= v, with its version.
  for (uint64_t at : {15u, 25u, 35u}) {
    auto it = db_->NewIterator(At(mvcc, at));
    std::string seen;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      seen += std::string(it->key()) + "@" + std::to_string(it->version().value_or(0)) + "=" +
              std::string(it->value()) + ";";
    }
    std::string back;
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      back += std::string(it->key()) + "@" + std::to_string(it->version().value_or(0)) + ";";
    }
    if (at == 15) {
      EXPECT_EQ(seen, "other@10=o10;row@10=v10;");
      EXPECT_EQ(back, "row@10;other@10;");
    } else if (at == 25) {
      EXPECT_EQ(seen, "other@10=o10;row@20=v20;");
      EXPECT_EQ(back, "row@20;other@10;");
    } else {
      EXPECT_EQ(seen, "other@10=o10;");  // row is deleted at 30
      EXPECT_EQ(back, "other@10;");
    }
  }

  // The TTL was turned into an expiry time before the WAL: a reopen later
  // does not extend it.
  now_ = 1'000'400;
  ASSERT_NO_FATAL_FAILURE(Reopen());
  ASSERT_TRUE(db_->Get(ReadOptions(), "ttl", &r).ok());
  EXPECT_EQ(r.expires_at_ms, 1'000'500u);
  now_ = 1'000'500;
  EXPECT_TRUE(db_->Get(ReadOptions(), "ttl", &r).IsNotFound());
  ASSERT_TRUE(db_->Get(ReadOptions(), "abs", &r).ok());
  now_ = 1'000'700;
  EXPECT_TRUE(db_->Get(ReadOptions(), "abs", &r).IsNotFound());
  // A TTL of 0 is already expired.
  UpdateOptions zero;
  zero.ttl_ms = 0;
  ASSERT_TRUE(db_->Put(WriteOptions(), zero, "zero", "z").ok());
  EXPECT_TRUE(db_->Get(ReadOptions(), "zero", &r).IsNotFound());
}

}  // namespace
}  // namespace nokv
