// On-disk format compatibility: testdata/workdir-v1 is a workdir written by
// NoKV (tables, a WAL still to replay, value-log segments, manifest) with a
// known content. Every later build must open a copy of it and read exactly
// that content: a change that breaks reading existing workdirs fails here.
//
// Regenerate (only when the format version is bumped on purpose, with a
// migration story): NOKV_REGENERATE_TESTDATA=1 db_test --gtest_filter='FormatCompat*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "nokv/db.h"
#include "nokv/write_batch.h"
#include "testutil/test_util.h"

#ifndef NOKV_TESTDATA_DIR
#error "NOKV_TESTDATA_DIR must name the repository's testdata directory"
#endif

namespace nokv {
namespace {

namespace fs = std::filesystem;

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

Status WriteFixture(const std::string& dir) {
  std::unique_ptr<DB> db;
  NOKV_RETURN_IF_ERROR(DB::Open(FixtureOptions(), dir, &db));
  WriteOptions w;
  for (int i = 0; i < 100; ++i) NOKV_RETURN_IF_ERROR(db->Put(w, Key(i), Value(i, 'a')));
  NOKV_RETURN_IF_ERROR(db->Flush());  // these are in an SST (and the value log)
  WriteBatch batch;
  for (int i = 0; i < 20; ++i) batch.Put(Key(i), Value(i + 3, 'b') + "new");
  for (int i = 20; i < 25; ++i) batch.Delete(Key(i));
  batch.DeleteRange(Key(40), Key(50));
  batch.PutWithExpiry("ttl-live", "lives", kFixtureNowMs + 1'000'000'000'000);
  batch.PutWithExpiry("ttl-dead", "gone", kFixtureNowMs - 1);
  batch.PutCF(ColumnFamily::kLock, "lk", "lock-value");
  batch.PutVersioned(ColumnFamily::kWrite, "row", 10, "v10");
  batch.PutVersioned(ColumnFamily::kWrite, "row", 20, "v20");
  batch.DeleteVersioned(ColumnFamily::kWrite, "row", 30);
  NOKV_RETURN_IF_ERROR(db->Write(w, batch));  // left in the WAL
  return db->Close();
}

TEST(FormatCompatTest, OpensTheV1WorkdirAndReadsItsContent) {
  const fs::path fixture = fs::path(NOKV_TESTDATA_DIR) / "workdir-v1";
  if (std::getenv("NOKV_REGENERATE_TESTDATA") != nullptr) {
    fs::remove_all(fixture);
    ASSERT_TRUE(WriteFixture(fixture.string()).ok());
    fs::remove(fixture / "LOCK");
  }
  ASSERT_TRUE(fs::exists(fixture / "CURRENT")) << fixture << " is missing";
  testutil::TempDir tmp;
  const fs::path dir = fs::path(tmp.path()) / "db";
  fs::copy(fixture, dir, fs::copy_options::recursive);

  std::unique_ptr<DB> db;
  Status s = DB::Open(FixtureOptions(), dir.string(), &db);
  ASSERT_TRUE(s.ok()) << s.ToString();

  std::map<std::string, std::string> seen;
  auto it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) seen[std::string(it->key())] = std::string(it->value());
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  it.reset();
  EXPECT_EQ(seen, ExpectedDefault());

  std::string v;
  EXPECT_TRUE(db->Get(ReadOptions(), "ttl-dead", &v).IsNotFound());
  ASSERT_TRUE(db->Get(ReadOptions(), Key(87), &v).ok());  // 1400 bytes: from the value log
  EXPECT_EQ(v, Value(87, 'a'));
  ASSERT_TRUE(db->GetCF(ReadOptions(), ColumnFamily::kLock, "lk", &v).ok());
  EXPECT_EQ(v, "lock-value");
  Entry e;
  ASSERT_TRUE(db->GetEntry(ReadOptions(), ColumnFamily::kWrite, "row", 25, &e).ok());
  EXPECT_EQ(e.value, "v20");
  EXPECT_EQ(e.version, 20u);
  ASSERT_TRUE(db->GetEntry(ReadOptions(), ColumnFamily::kWrite, "row", 30, &e).ok());
  EXPECT_TRUE(e.deleted);
  ASSERT_TRUE(db->GetEntry(ReadOptions(), ColumnFamily::kWrite, "row", 15, &e).ok());
  EXPECT_EQ(e.value, "v10");
  EXPECT_TRUE(db->GetEntry(ReadOptions(), ColumnFamily::kWrite, "row", 5, &e).IsNotFound());

  // The fixture survives a flush and a full compaction in the new build.
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->CompactAll().ok());
  seen.clear();
  it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) seen[std::string(it->key())] = std::string(it->value());
  it.reset();
  EXPECT_EQ(seen, ExpectedDefault());
  EXPECT_TRUE(db->Close().ok());
}

}  // namespace
}  // namespace nokv
