// On-disk format compatibility: testdata/workdir-v1 and testdata/workdir-v2
// are workdirs written by NoKV (tables, a WAL still to replay, value-log
// segments, manifest) with a known content. Every later build must open a
// copy of each and read exactly that content: a change that breaks reading
// existing workdirs fails here.
//
// workdir-v1 has a format-1 manifest: no column-family records, so ids 0/1/2
// are the implicit families "default"/"lock"/"write". Opening it upgrades
// the manifest to format 2 (the families recorded by name). It is frozen:
// never regenerate it.
//
// workdir-v2 has a format-2 manifest with column-family records, including a
// dropped family (its id stays used) and one created after it (id 5: 3 is
// reserved). Regenerate it only when the format version is bumped on
// purpose, with a migration story:
//   NOKV_REGENERATE_TESTDATA=1 db_test --gtest_filter='FormatCompat*V2*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "db/db_testutil.h"
#include "nokv/db.h"
#include "nokv/write_batch.h"
#include "testutil/test_util.h"

#ifndef NOKV_TESTDATA_DIR
#error "NOKV_TESTDATA_DIR must name the repository's testdata directory"
#endif

namespace nokv {
namespace {

namespace fs = std::filesystem;
using testutil::At;
using testutil::EntryAt;
using testutil::In;

constexpr uint64_t kFixtureNowMs = 1'800'000'000'000;  // the fixture's fixed clock

Options FixtureOptions() {
  Options o;
  o.memtable_size = 64 << 10;
  o.value_threshold = 512;
  o.clock_ms = [] { return kFixtureNowMs; };
  return o;
}

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%03d", i);
  return buf;
}
// Sizes cycle through 0..1400 bytes: some values go to the value log.
std::string Value(int i, char tag) { return std::string(static_cast<size_t>(i % 8) * 200, tag); }

// The default column family's expected content after the fixture's writes.
std::map<std::string, std::string> ExpectedDefault() {
  std::map<std::string, std::string> m;
  for (int i = 0; i < 100; ++i) m[Key(i)] = Value(i, 'a');
  for (int i = 0; i < 20; ++i) m[Key(i)] = Value(i + 3, 'b') + "new";  // overwritten in the WAL
  for (int i = 20; i < 25; ++i) m.erase(Key(i));                      // point deletes
  for (int i = 40; i < 50; ++i) m.erase(Key(i));                      // DeleteRange [40, 50)
  m["ttl-live"] = "lives";                                            // expires after "now"
  return m;
}

// Writes the v2 fixture (the v1 content, plus families created by name).
Status WriteV2Fixture(const std::string& dir) {
  std::unique_ptr<DB> db;
  NOKV_RETURN_IF_ERROR(DB::Open(FixtureOptions(), dir, &db));
  ColumnFamilyHandle *lock_cf = nullptr, *write_cf = nullptr, *gone_cf = nullptr,
                     *raft_cf = nullptr;
  NOKV_RETURN_IF_ERROR(db->CreateColumnFamily("lock", &lock_cf));    // id 1
  NOKV_RETURN_IF_ERROR(db->CreateColumnFamily("write", &write_cf));  // id 2
  NOKV_RETURN_IF_ERROR(db->CreateColumnFamily("gone", &gone_cf));    // id 4
  WriteOptions w;
  for (int i = 0; i < 100; ++i) NOKV_RETURN_IF_ERROR(db->Put(w, Key(i), Value(i, 'a')));
  NOKV_RETURN_IF_ERROR(db->Put(w, In(gone_cf), "g", "dropped with its family"));
  NOKV_RETURN_IF_ERROR(db->Flush());  // these are in an SST (and the value log)
  NOKV_RETURN_IF_ERROR(db->DropColumnFamily(gone_cf));
  NOKV_RETURN_IF_ERROR(db->CreateColumnFamily("raft", &raft_cf));  // id 5
  WriteBatch batch;
  for (int i = 0; i < 20; ++i) batch.Put(Key(i), Value(i + 3, 'b') + "new");
  for (int i = 20; i < 25; ++i) batch.Delete(Key(i));
  batch.DeleteRange(Key(40), Key(50));
  batch.Put(In(nullptr, std::nullopt, kFixtureNowMs + 1'000'000'000'000), "ttl-live", "lives");
  batch.Put(In(nullptr, std::nullopt, kFixtureNowMs - 1), "ttl-dead", "gone");
  batch.Put(In(lock_cf), "lk", "lock-value");
  batch.Put(In(write_cf, 10), "row", "v10");
  batch.Put(In(write_cf, 20), "row", "v20");
  batch.Delete(In(write_cf, 30), "row");
  batch.Put(In(raft_cf), "applied", "42");
  NOKV_RETURN_IF_ERROR(db->Write(w, batch));  // left in the WAL
  return db->Close();
}

// Opens a copy of testdata/<name> (regenerating it first if asked and
// `regenerate` is given).
void OpenCopy(const std::string& name, testutil::TempDir* tmp, std::unique_ptr<DB>* db,
              Status (*regenerate)(const std::string&) = nullptr) {
  const fs::path fixture = fs::path(NOKV_TESTDATA_DIR) / name;
  if (regenerate != nullptr && std::getenv("NOKV_REGENERATE_TESTDATA") != nullptr) {
    fs::remove_all(fixture);
    ASSERT_TRUE(regenerate(fixture.string()).ok());
    fs::remove(fixture / "LOCK");
  }
  ASSERT_TRUE(fs::exists(fixture / "CURRENT")) << fixture << " is missing";
  const fs::path dir = fs::path(tmp->path()) / "db";
  fs::copy(fixture, dir, fs::copy_options::recursive);
  Status s = DB::Open(FixtureOptions(), dir.string(), db);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

std::map<std::string, std::string> ScanDefault(DB* db) {
  std::map<std::string, std::string> seen;
  auto it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    seen[std::string(it->key())] = std::string(it->value());
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return seen;
}

// The content both fixtures share.
void CheckSharedContent(DB* db) {
  EXPECT_EQ(ScanDefault(db), ExpectedDefault());
  std::string v;
  EXPECT_TRUE(db->Get(ReadOptions(), "ttl-dead", &v).IsNotFound());
  ASSERT_TRUE(db->Get(ReadOptions(), Key(87), &v).ok());  // 1400 bytes: from the value log
  EXPECT_EQ(v, Value(87, 'a'));
  ColumnFamilyHandle* lock_cf = db->GetColumnFamily("lock");
  ColumnFamilyHandle* write_cf = db->GetColumnFamily("write");
  ASSERT_NE(lock_cf, nullptr);
  ASSERT_NE(write_cf, nullptr);
  EXPECT_EQ(lock_cf->id(), 1u);
  EXPECT_EQ(write_cf->id(), 2u);
  ASSERT_TRUE(db->Get(At(lock_cf), "lk", &v).ok());
  EXPECT_EQ(v, "lock-value");
  ReadResult e;
  ASSERT_TRUE(db->Get(EntryAt(write_cf, 25), "row", &e).ok());
  EXPECT_EQ(e.value, "v20");
  EXPECT_EQ(e.version, 20u);
  ASSERT_TRUE(db->Get(EntryAt(write_cf, 30), "row", &e).ok());
  EXPECT_TRUE(e.deleted);
  ASSERT_TRUE(db->Get(EntryAt(write_cf, 15), "row", &e).ok());
  EXPECT_EQ(e.value, "v10");
  EXPECT_TRUE(db->Get(EntryAt(write_cf, 5), "row", &e).IsNotFound());
}

TEST(FormatCompatTest, OpensTheV1WorkdirAndReadsItsContent) {
  testutil::TempDir tmp;
  std::unique_ptr<DB> db;
  ASSERT_NO_FATAL_FAILURE(OpenCopy("workdir-v1", &tmp, &db));
  // Format 1: the implicit families.
  EXPECT_EQ(db->ListColumnFamilies(), (std::vector<std::string>{"default", "lock", "write"}));
  ASSERT_NO_FATAL_FAILURE(CheckSharedContent(db.get()));

  // The fixture survives a flush and a full compaction in the new build.
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->CompactAll().ok());
  EXPECT_EQ(ScanDefault(db.get()), ExpectedDefault());

  // The upgrade: the manifest now records the families (format 2), so they
  // survive a reopen by name, and the next id skips the reserved 3.
  ASSERT_TRUE(db->Close().ok());
  const std::string dir = (fs::path(tmp.path()) / "db").string();
  ASSERT_TRUE(DB::Open(FixtureOptions(), dir, &db).ok());
  EXPECT_EQ(db->ListColumnFamilies(), (std::vector<std::string>{"default", "lock", "write"}));
  ASSERT_NO_FATAL_FAILURE(CheckSharedContent(db.get()));
  ColumnFamilyHandle* raft = nullptr;
  ASSERT_TRUE(db->CreateColumnFamily("raft", &raft).ok());
  EXPECT_EQ(raft->id(), 4u);
  EXPECT_TRUE(db->Close().ok());
}

TEST(FormatCompatTest, OpensTheV2WorkdirAndReadsItsContent) {
  testutil::TempDir tmp;
  std::unique_ptr<DB> db;
  ASSERT_NO_FATAL_FAILURE(OpenCopy("workdir-v2", &tmp, &db, WriteV2Fixture));
  EXPECT_EQ(db->ListColumnFamilies(),
            (std::vector<std::string>{"default", "lock", "write", "raft"}));
  EXPECT_EQ(db->GetColumnFamily("gone"), nullptr);
  ColumnFamilyHandle* raft = db->GetColumnFamily("raft");
  ASSERT_NE(raft, nullptr);
  EXPECT_EQ(raft->id(), 5u);  // after the dropped family's 4
  std::string v;
  ASSERT_TRUE(db->Get(At(raft), "applied", &v).ok());
  EXPECT_EQ(v, "42");
  ASSERT_NO_FATAL_FAILURE(CheckSharedContent(db.get()));
  // The dropped family's id is never handed out again.
  ColumnFamilyHandle* next = nullptr;
  ASSERT_TRUE(db->CreateColumnFamily("next", &next).ok());
  EXPECT_EQ(next->id(), 6u);
  ASSERT_TRUE(db->CompactAll().ok());
  EXPECT_EQ(ScanDefault(db.get()), ExpectedDefault());
  EXPECT_TRUE(db->Close().ok());
}

}  // namespace
}  // namespace nokv
