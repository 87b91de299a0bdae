// Tests of DataEngine's column families: a fresh engine gets "lock" and
// "write" with the ids DataWriteBatch encodes, updates land in the family
// they name and survive a reopen, and an engine whose families carry other
// ids is refused rather than written into the wrong keyspace.
#include "raftstore/engine_adapter.h"

#include <gtest/gtest.h>

#include "testutil/test_util.h"

namespace nokv::raftstore {
namespace {

TEST(DataEngineTest, FamiliesByIdAcrossReopen) {
  testutil::TempDir dir;
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<DataEngine> engine;
    ASSERT_TRUE(DataEngine::Open(Options(), dir.path(), &engine).ok());
    if (round == 0) {
      DataWriteBatch b;
      b.Put(ColumnFamily::kDefault, "k", "default");
      b.Put(ColumnFamily::kLock, "k", "lock");
      b.Put(ColumnFamily::kWrite, "k", "write");
      ASSERT_TRUE(engine->Write(&b, /*sync=*/true).ok());
    }
    for (const auto& [cf, want] : {std::pair{ColumnFamily::kDefault, "default"},
                                   std::pair{ColumnFamily::kLock, "lock"},
                                   std::pair{ColumnFamily::kWrite, "write"}}) {
      std::string v;
      ASSERT_TRUE(engine->Get(cf, "k", &v).ok()) << want;
      EXPECT_EQ(v, want);
      auto it = engine->NewIterator(cf, "", "");
      it->SeekToFirst();
      ASSERT_TRUE(it->Valid()) << want;
      EXPECT_EQ(it->key(), "k");
      EXPECT_EQ(it->value(), want);
      it->Next();
      EXPECT_FALSE(it->Valid()) << want;
    }
    ASSERT_TRUE(engine->Close().ok());
  }
}

TEST(DataEngineTest, RefusesAnEngineWithOtherFamilyIds) {
  testutil::TempDir dir;
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(Options(), dir.path(), &db).ok());
    ColumnFamilyHandle* h = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily("write", &h).ok());  // takes id 1
    ASSERT_TRUE(db->Close().ok());
  }
  std::unique_ptr<DataEngine> engine;
  Status s = DataEngine::Open(Options(), dir.path(), &engine);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_EQ(engine, nullptr);
}

}  // namespace
}  // namespace nokv::raftstore
