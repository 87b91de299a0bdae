// Read-only opens (Options::read_only): everything a writable open would
// show is readable — flushed tables, writes only in the WAL, separated
// values, range deletes, column families — while the workdir is left
// byte-for-byte as found and every mutating call is refused.
#include <gtest/gtest.h>

#include <filesystem>

#include "db/db_testutil.h"
#include "nokv/db.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

using testutil::At;
using testutil::CreateFamily;
using testutil::In;

class ReadOnlyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.memtable_size = 64 << 10;
    options_.value_threshold = 512;
  }
  std::unique_ptr<DB> OpenReadOnly() {
    Options ro = options_;
    ro.read_only = true;
    std::unique_ptr<DB> db;
    Status s = DB::Open(ro, dir_.path(), &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return db;
  }
  // Writes flushed data, WAL-only data, separated values, a range delete and
  // a family's key; closes without a flush of the last memtable.
  void Populate() {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(options_, dir_.path(), &db).ok());
    ColumnFamilyHandle* lock = CreateFamily(db.get(), "locks");
    for (int i = 0; i < 2000; i++) {
      ASSERT_TRUE(db->Put(WriteOptions(), "flushed" + std::to_string(i), std::string(100, 'f')).ok());
    }
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "big", std::string(4096, 'b')).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "walonly", "w").ok());
    ASSERT_TRUE(db->Put(WriteOptions(), In(lock), "held", "by-1").ok());
    ASSERT_TRUE(db->DeleteRange(WriteOptions(), "flushed1", "flushed2").ok());
    ASSERT_TRUE(db->Close().ok());
  }

  testutil::TempDir dir_;
  Options options_;
};

TEST_F(ReadOnlyTest, ReadsEverythingAndLeavesTheWorkdirAsFound) {
  Populate();
  const auto before = testutil::DirectoryContents(dir_.path());
  ASSERT_FALSE(before.empty());
  {
    std::unique_ptr<DB> db = OpenReadOnly();
    ASSERT_TRUE(db);
    std::string v;
    ASSERT_TRUE(db->Get(ReadOptions(), "walonly", &v).ok());
    EXPECT_EQ(v, "w");
    ASSERT_TRUE(db->Get(ReadOptions(), "big", &v).ok());
    EXPECT_EQ(v, std::string(4096, 'b'));
    ASSERT_TRUE(db->Get(ReadOptions(), "flushed7", &v).ok());
    EXPECT_EQ(v, std::string(100, 'f'));
    EXPECT_TRUE(db->Get(ReadOptions(), "flushed1500", &v).IsNotFound());  // range-deleted
    ColumnFamilyHandle* lock = db->GetColumnFamily("locks");
    ASSERT_NE(lock, nullptr);
    ASSERT_TRUE(db->Get(At(lock), "held", &v).ok());
    EXPECT_EQ(v, "by-1");
    int keys = 0;
    auto it = db->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys++;
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    it.reset();
    // 2000 flushed - 1111 range-deleted ("flushed1", "flushed1x", "flushed1xx",
    // "flushed1xxx") + big + walonly.
    EXPECT_EQ(keys, 2000 - 1111 + 2);
    EXPECT_TRUE(db->Close().ok());
  }
  EXPECT_EQ(testutil::DirectoryContents(dir_.path()), before) << "a read-only open changed the workdir";
  // And a writable open afterwards still sees it all.
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options_, dir_.path(), &db).ok());
  std::string v;
  ASSERT_TRUE(db->Get(ReadOptions(), "walonly", &v).ok());
  EXPECT_EQ(v, "w");
}

TEST_F(ReadOnlyTest, EveryMutatingCallIsRefused) {
  Populate();
  std::unique_ptr<DB> db = OpenReadOnly();
  ASSERT_TRUE(db);
  EXPECT_TRUE(db->Put(WriteOptions(), "k", "v").IsNotSupported());
  EXPECT_TRUE(db->Delete(WriteOptions(), "walonly").IsNotSupported());
  EXPECT_TRUE(db->DeleteRange(WriteOptions(), "a", "z").IsNotSupported());
  EXPECT_TRUE(db->Flush().IsNotSupported());
  EXPECT_TRUE(db->FlushWAL(true).IsNotSupported());
  EXPECT_TRUE(db->CompactAll().IsNotSupported());
  EXPECT_TRUE(db->RunValueLogGC(0.5).IsNotSupported());
  ColumnFamilyHandle* h = nullptr;
  EXPECT_TRUE(db->CreateColumnFamily("new", &h).IsNotSupported());
  EXPECT_TRUE(db->DropColumnFamily(db->GetColumnFamily("locks")).IsNotSupported());
  Status put = db->Put(WriteOptions(), "k", "v");
  EXPECT_NE(put.ToString().find("read-only"), std::string::npos) << put.ToString();
  std::string v;
  EXPECT_TRUE(db->Get(ReadOptions(), "k", &v).IsNotFound());
}

TEST_F(ReadOnlyTest, CreatesNothingWhereThereIsNoDatabase) {
  Options ro = options_;
  ro.read_only = true;
  std::unique_ptr<DB> db;
  const std::string missing = dir_.path() + "/missing";
  Status s = DB::Open(ro, missing, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists(missing));
  const std::string empty = dir_.path() + "/empty";
  std::filesystem::create_directory(empty);
  s = DB::Open(ro, empty, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.ToString().find("no database"), std::string::npos) << s.ToString();
  EXPECT_TRUE(testutil::DirectoryContents(empty).empty() || testutil::DirectoryContents(empty).size() == 1)  // at most the LOCK file
      << testutil::DirectoryContents(empty).size();
}

TEST_F(ReadOnlyTest, ARunningDatabaseIsRefused) {
  Populate();
  std::unique_ptr<DB> writer;
  ASSERT_TRUE(DB::Open(options_, dir_.path(), &writer).ok());
  Options ro = options_;
  ro.read_only = true;
  std::unique_ptr<DB> db;
  Status s = DB::Open(ro, dir_.path(), &db);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(db, nullptr);
}

}  // namespace
}  // namespace nokv
