// Tests of RepairWorkdir: after repair the DB opens, fsck is clean, the
// originals are in the backup, and every entry outside the damage survives
// with its newest value.
#include "tools/repair.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "nokv/db.h"
#include "testutil/test_util.h"
#include "tools/fsck.h"

namespace nokv {
namespace {

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

class RepairTest : public ::testing::Test {
 protected:
  void SetUp() override { fs_ = NewPosixFileSystem(); }

  Options SmallOptions() {
    Options o;
    o.memtable_size = 64 << 10;
    o.target_file_size = 32 << 10;
    o.table.block_size = 1024;
    return o;
  }

  // Three rounds of overwrites (flushed and compacted, so older values sit in
  // deeper levels than newer ones), a delete, and WAL-only writes.
  void Build() {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(SmallOptions(), dir_.path(), &db).ok());
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < kKeys; i += 1 + round) {
        const std::string v = "r" + std::to_string(round) + std::string(80, 'v');
        ASSERT_TRUE(db->Put(WriteOptions(), Key(i), v).ok());
        expected_[Key(i)] = v;
      }
      ASSERT_TRUE(db->Flush().ok());
      if (round < 2) {
        ASSERT_TRUE(db->CompactAll().ok());
      }
    }
    ASSERT_TRUE(db->Delete(WriteOptions(), Key(7)).ok());
    expected_.erase(Key(7));
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), "wal" + std::to_string(i), "w").ok());
      expected_["wal" + std::to_string(i)] = "w";
    }
    ASSERT_TRUE(db->Close().ok());
  }

  std::vector<std::string> Names(FsckFileKind want) {
    std::vector<std::string> names, out;
    EXPECT_TRUE(fs_->GetChildren(dir_.path(), &names).ok());
    for (const auto& n : names) {
      uint64_t number = 0;
      if (ClassifyWorkdirEntry(n, &number) == want) out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void Flip(const std::string& name, size_t pos) {
    std::string data;
    ASSERT_TRUE(fs_->ReadFileToString(dir_.File(name), &data).ok());
    ASSERT_LT(pos, data.size());
    data[pos] = static_cast<char>(data[pos] ^ 0x5a);
    auto f = fs_->NewWritableFile(dir_.File(name));
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(data).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }

  RepairReport Repair() {
    RepairReport r;
    Status s = RepairWorkdir(fs_.get(), dir_.path(), RepairOptions(), &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }

  void ExpectClean() {
    FsckReport r;
    ASSERT_TRUE(RunFsck(fs_.get(), dir_.path(), FsckOptions(), &r).ok());
    std::string problems;
    for (const auto& p : r.problems) problems += p.path + ": " + p.message + "\n";
    EXPECT_TRUE(r.clean()) << problems;
  }

  // What a reopened DB returns for the expected keys.
  struct DataCheck {
    int missing = 0;              // NotFound although a value was written
    std::set<std::string> lost;   // those keys
    std::vector<std::string> bad; // stale or foreign values, read errors
  };

  // Opens the DB and reads every expected key. Values must never be stale:
  // a key reads its newest value, or NotFound if repair had to drop it; an
  // older value, a value never written for it, or a read error is recorded
  // in `bad` (every caller expects it empty). The deleted key stays deleted.
  DataCheck CheckData() {
    DataCheck out;
    std::unique_ptr<DB> db;
    Status s = DB::Open(SmallOptions(), dir_.path(), &db);
    if (!s.ok()) {
      out.bad.push_back("open: " + s.ToString());
      return out;
    }
    for (const auto& [k, v] : expected_) {
      std::string got;
      Status g = db->Get(ReadOptions(), k, &got);
      if (g.IsNotFound()) {
        ++out.missing;
        out.lost.insert(k);
      } else if (!g.ok()) {
        out.bad.push_back(k + ": " + g.ToString());
      } else if (got != v) {
        out.bad.push_back(k + ": stale or wrong value " + got.substr(0, 4) + ", want " +
                          v.substr(0, 4));
      }
    }
    std::string got;
    Status g = db->Get(ReadOptions(), Key(7), &got);
    if (!g.IsNotFound()) out.bad.push_back(Key(7) + " (deleted) reads " + g.ToString() + " " + got);
    s = db->Close();
    if (!s.ok()) out.bad.push_back("close: " + s.ToString());
    return out;
  }

  // Every key reads its newest value.
  void ExpectAllData() {
    const DataCheck c = CheckData();
    EXPECT_EQ(c.missing, 0) << "first lost: " << (c.lost.empty() ? "" : *c.lost.begin());
    EXPECT_TRUE(c.bad.empty()) << c.bad.size() << " bad reads, first: " << c.bad.front();
  }

  static constexpr int kKeys = 2000;
  std::shared_ptr<FileSystem> fs_;
  testutil::TempDir dir_;
  std::map<std::string, std::string> expected_;
};

TEST_F(RepairTest, CleanWorkdirKeepsEverything) {
  Build();
  RepairReport r = Repair();
  EXPECT_TRUE(r.used_old_manifest);
  EXPECT_TRUE(r.salvaged.empty());
  EXPECT_TRUE(r.dropped.empty());
  EXPECT_EQ(r.wal_entries, 31u);  // 30 puts + the delete
  EXPECT_TRUE(fs_->FileExists(r.backup_dir));
  ExpectClean();
  ExpectAllData();
  ExpectClean();
}

TEST_F(RepairTest, BackupHoldsTheOriginals) {
  Build();
  std::map<std::string, std::string> before;
  std::vector<std::string> names;
  ASSERT_TRUE(fs_->GetChildren(dir_.path(), &names).ok());
  for (const auto& n : names) {
    if (n == "LOCK") continue;
    std::vector<std::string> sub;
    if (fs_->GetChildren(dir_.File(n), &sub).ok()) continue;
    ASSERT_TRUE(fs_->ReadFileToString(dir_.File(n), &before[n]).ok());
  }
  RepairReport r = Repair();
  for (const auto& [n, data] : before) {
    std::string copy;
    ASSERT_TRUE(fs_->ReadFileToString(JoinPath(r.backup_dir, n), &copy).ok()) << n;
    EXPECT_EQ(copy, data) << n;
  }
}

TEST_F(RepairTest, DamagedTableIsSalvaged) {
  Build();
  auto tables = Names(FsckFileKind::kSst);
  ASSERT_FALSE(tables.empty());
  Flip(tables.front(), 100);  // inside the first data block
  RepairReport r = Repair();
  ASSERT_EQ(r.salvaged.size(), 1u);
  EXPECT_GT(r.salvaged_entries, 0u);
  ExpectClean();
  const DataCheck c = CheckData();
  EXPECT_TRUE(c.bad.empty()) << c.bad.size() << " bad reads, first: " << c.bad.front();
  // The damaged block's keys are gone (those not rewritten by a newer
  // table), never more than one 1 KiB block of ~90-byte entries holds.
  EXPECT_GT(c.missing, 0) << "the damaged block lost nothing";
  EXPECT_LT(c.missing, 12) << "more keys lost than one 1 KiB block holds";
  ExpectClean();
}

TEST_F(RepairTest, DamagedWalKeepsIntactRecords) {
  Build();
  auto wals = Names(FsckFileKind::kWal);
  ASSERT_FALSE(wals.empty());
  std::string data;
  ASSERT_TRUE(fs_->ReadFileToString(dir_.File(wals.back()), &data).ok());
  Flip(wals.back(), data.size() - 3);  // the last record
  RepairReport r = Repair();
  EXPECT_EQ(r.wal_records, 30u);
  ExpectClean();
  const DataCheck c = CheckData();
  EXPECT_TRUE(c.bad.empty()) << c.bad.size() << " bad reads, first: " << c.bad.front();
  EXPECT_EQ(c.missing, 1);
  EXPECT_EQ(c.lost, std::set<std::string>{"wal29"});
}

TEST_F(RepairTest, LostManifestMergesEverything) {
  Build();
  for (const auto& m : Names(FsckFileKind::kManifest)) Flip(m, 20);
  RepairReport r = Repair();
  EXPECT_FALSE(r.used_old_manifest);
  ExpectClean();
  // Overwritten keys live in several tables; the merge must keep the newest.
  ExpectAllData();
}

TEST_F(RepairTest, MissingCurrentIsRepaired) {
  Build();
  ASSERT_TRUE(fs_->RemoveFile(dir_.File("CURRENT")).ok());
  {
    std::unique_ptr<DB> db;
    EXPECT_FALSE(DB::Open(SmallOptions(), dir_.path(), &db).ok());
  }
  Repair();
  ExpectClean();
  ExpectAllData();
}

// A range delete still in the WAL stays a range delete in the rebuilt
// tables (it once came back as a put of its begin key).
TEST_F(RepairTest, WalRangeDeleteSurvivesRepair) {
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(SmallOptions(), dir_.path(), &db).ok());
    for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(db->Put(WriteOptions(), k, "v").ok());
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->DeleteRange(WriteOptions(), "a", "c").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  RepairReport r = Repair();
  EXPECT_EQ(r.wal_entries, 1u);
  ExpectClean();
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(SmallOptions(), dir_.path(), &db).ok());
  std::string got;
  EXPECT_TRUE(db->Get(ReadOptions(), "a", &got).IsNotFound()) << got;
  EXPECT_TRUE(db->Get(ReadOptions(), "b", &got).IsNotFound()) << got;
  ASSERT_TRUE(db->Get(ReadOptions(), "c", &got).ok());
  EXPECT_EQ(got, "v");
  ASSERT_TRUE(db->Close().ok());
}

TEST_F(RepairTest, RefusesAnOpenWorkdir) {
  Build();
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(SmallOptions(), dir_.path(), &db).ok());
  RepairReport r;
  EXPECT_TRUE(RepairWorkdir(fs_.get(), dir_.path(), RepairOptions(), &r).IsBusy());
  ASSERT_TRUE(db->Close().ok());
}

}  // namespace
}  // namespace nokv
