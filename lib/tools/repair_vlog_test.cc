// Tests of repair's value-log salvage (repair_vlog.h): after a vlog segment
// is damaged, RepairWorkdir keeps its intact records, drops (or falls back
// from) live entries whose value is lost, and leaves a workdir that opens,
// reads every intact value back and passes fsck.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "base/random.h"
#include "nokv/db.h"
#include "testutil/test_util.h"
#include "tools/fsck.h"
#include "tools/repair.h"
#include "tools/vlog_testutil.h"
#include "vfs/fault_file_system.h"

namespace nokv {
namespace {

std::string Key(int i) { return "key" + std::to_string(10000 + i); }
std::string Value(int i, int round) {
  return std::string(2000, static_cast<char>('a' + round)) + std::to_string(i);
}

class RepairVlogTest : public ::testing::Test {
 protected:
  void SetUp() override { fs_ = NewPosixFileSystem(); }

  // kKeys keys in round 0; keys below kOverwritten again in round 1 (their
  // round-0 values become shadowed); some WAL-only writes. No GC.
  void Build() {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(testutil::SmallVlogOptions(), dir_->path(), &db).ok());
    for (int round = 0; round < 2; ++round) {
      for (int i = 0; i < (round == 0 ? kKeys : kOverwritten); ++i) {
        ASSERT_TRUE(db->Put(WriteOptions(), Key(i), Value(i, round)).ok());
        expected_[Key(i)] = Value(i, round);
        older_[Key(i)].push_back(Value(i, round));
      }
      ASSERT_TRUE(db->Flush().ok());
    }
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), "wal" + std::to_string(i), Value(i, 3)).ok());
      expected_["wal" + std::to_string(i)] = Value(i, 3);
    }
    ASSERT_TRUE(db->Close().ok());
  }

  // Damages the record of segment `seg` at index `index` (flips a byte in
  // its middle); returns its user key.
  std::string DamageRecord(uint64_t seg, size_t index) {
    auto contents = testutil::VlogContents(fs_.get(), dir_->path());
    EXPECT_LT(index, contents[seg].size());
    const auto& rec = contents[seg][index];
    const std::string path = testutil::VlogSegmentPath(dir_->path(), seg);
    std::string data;
    EXPECT_TRUE(fs_->ReadFileToString(path, &data).ok());
    data[rec.offset + rec.size / 2] ^= 0x21;
    EXPECT_TRUE(fs_->WriteStringToFileAtomic(path, data).ok());
    return rec.user_key;
  }

  RepairReport Repair() {
    RepairReport r;
    Status s = RepairWorkdir(fs_.get(), dir_->path(), RepairOptions(), &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }

  void ExpectFsckClean() {
    FsckReport r;
    ASSERT_TRUE(RunFsck(fs_.get(), dir_->path(), FsckOptions(), &r).ok());
    std::string problems;
    for (const auto& p : r.problems) problems += p.path + ": " + p.message + "\n";
    EXPECT_TRUE(r.clean()) << problems;
    EXPECT_TRUE(r.pointers_checked);
  }

  // Opens the DB; every key not in `lost` must read its expected value; a
  // key in `lost` must read an older value of its own or be NotFound.
  // Returns how many lost keys fell back to an older value.
  int CheckData(const std::set<std::string>& lost) {
    std::unique_ptr<DB> db;
    Status s = DB::Open(testutil::SmallVlogOptions(), dir_->path(), &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return -1;
    int fell_back = 0;
    for (const auto& [k, v] : expected_) {
      std::string got;
      Status g = db->Get(ReadOptions(), k, &got);
      if (lost.count(k) == 0) {
        EXPECT_TRUE(g.ok()) << k << ": " << g.ToString();
        EXPECT_TRUE(got == v) << k << " reads a wrong value";
        continue;
      }
      if (g.IsNotFound()) continue;
      EXPECT_TRUE(g.ok()) << k << ": " << g.ToString();
      const auto& olds = older_[k];
      EXPECT_TRUE(got != v && std::find(olds.begin(), olds.end(), got) != olds.end())
          << k << " reads neither an older value nor NotFound";
      ++fell_back;
    }
    EXPECT_TRUE(db->Close().ok());
    return fell_back;
  }

  static constexpr int kKeys = 1500;        // ~3 MiB of values: several segments
  static constexpr int kOverwritten = 300;  // round-1 overwrites
  std::shared_ptr<FileSystem> fs_;
  std::unique_ptr<testutil::TempDir> dir_ = std::make_unique<testutil::TempDir>();
  std::map<std::string, std::string> expected_;
  std::map<std::string, std::vector<std::string>> older_;
};

TEST_F(RepairVlogTest, CleanValueLogIsLeftAlone) {
  Build();
  auto before = testutil::VlogContents(fs_.get(), dir_->path());
  RepairReport r = Repair();
  EXPECT_TRUE(r.vlog_truncated.empty());
  EXPECT_TRUE(r.vlog_copied.empty());
  EXPECT_EQ(r.dropped_entries, 0u);
  EXPECT_EQ(r.remapped_pointers, 0u);
  EXPECT_FALSE(fs_->FileExists(JoinPath(r.backup_dir, "vlog")));
  auto after = testutil::VlogContents(fs_.get(), dir_->path());
  EXPECT_EQ(before.size(), after.size());
  ExpectFsckClean();
  EXPECT_EQ(CheckData({}), 0);
}

// A record in the middle of a sealed segment is damaged: the intact records
// move to a fresh segment, the damaged key falls back to its older value.
TEST_F(RepairVlogTest, DamagedMiddleRecordIsSalvagedAndFallsBack) {
  Build();
  auto contents = testutil::VlogContents(fs_.get(), dir_->path());
  ASSERT_GE(contents.size(), 3u);
  // The segment holding round-1 values (the overwrites) of the first keys.
  uint64_t seg = 0;
  size_t index = 0;
  for (const auto& [n, recs] : contents) {
    for (size_t i = 0; i < recs.size() && seg == 0; ++i) {
      if (recs[i].user_key == Key(10) && recs[i].sequence > static_cast<uint64_t>(kKeys)) {
        seg = n;
        index = i;
      }
    }
  }
  ASSERT_NE(seg, 0u);
  ASSERT_NE(index + 1, contents[seg].size()) << "want intact records after the damage";
  const std::string victim = DamageRecord(seg, index);
  ASSERT_EQ(victim, Key(10));

  RepairReport r = Repair();
  ASSERT_EQ(r.vlog_copied.size(), 1u);
  EXPECT_EQ(r.vlog_copied[0], testutil::VlogSegmentName(seg));
  EXPECT_EQ(r.vlog_written.size(), 1u);
  EXPECT_EQ(r.vlog_records_copied, contents[seg].size() - 1);
  EXPECT_EQ(r.dropped_entries, 1u);
  EXPECT_EQ(r.fell_back_entries, 1u);
  EXPECT_EQ(r.remapped_pointers, contents[seg].size() - 1);
  EXPECT_FALSE(fs_->FileExists(testutil::VlogSegmentPath(dir_->path(), seg)));
  // The damaged original is in the backup.
  EXPECT_TRUE(fs_->FileExists(JoinPath(r.backup_dir, testutil::VlogSegmentName(seg))));
  ExpectFsckClean();
  EXPECT_EQ(CheckData({victim}), 1);
  ExpectFsckClean();
}

// A key written once whose only value is lost is dropped: NotFound.
TEST_F(RepairVlogTest, LostValueWithoutOlderVersionIsDropped) {
  Build();
  auto contents = testutil::VlogContents(fs_.get(), dir_->path());
  uint64_t seg = 0;
  size_t index = 0;
  for (const auto& [n, recs] : contents) {
    for (size_t i = 0; i + 1 < recs.size() && seg == 0; ++i) {
      if (recs[i].user_key == Key(kKeys - 100)) {
        seg = n;
        index = i;
      }
    }
  }
  ASSERT_NE(seg, 0u);
  const std::string victim = DamageRecord(seg, index);
  RepairReport r = Repair();
  EXPECT_EQ(r.dropped_entries, 1u);
  EXPECT_EQ(r.fell_back_entries, 0u);
  ExpectFsckClean();
  EXPECT_EQ(CheckData({victim}), 0);
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(testutil::SmallVlogOptions(), dir_->path(), &db).ok());
  std::string got;
  EXPECT_TRUE(db->Get(ReadOptions(), victim, &got).IsNotFound());
  ASSERT_TRUE(db->Close().ok());
}

// A torn tail (the head segment cut mid-record): truncated in place, so no
// pointer moves; the WAL entries pointing past the cut are dropped.
TEST_F(RepairVlogTest, TornTailIsTruncatedInPlace) {
  Build();
  auto contents = testutil::VlogContents(fs_.get(), dir_->path());
  const uint64_t head = contents.rbegin()->first;
  const auto& recs = contents.rbegin()->second;
  ASSERT_GE(recs.size(), 3u);
  const auto& cut = recs[recs.size() - 2];  // the last two records are lost
  const std::string path = testutil::VlogSegmentPath(dir_->path(), head);
  ASSERT_TRUE(fs_->Truncate(path, cut.offset + 10).ok());
  std::set<std::string> lost = {recs[recs.size() - 2].user_key, recs.back().user_key};

  RepairReport r = Repair();
  ASSERT_EQ(r.vlog_truncated.size(), 1u);
  EXPECT_TRUE(r.vlog_copied.empty());
  EXPECT_EQ(r.remapped_pointers, 0u);
  EXPECT_EQ(r.dropped_entries, 2u);
  uint64_t size = 0;
  ASSERT_TRUE(fs_->GetFileSize(path, &size).ok());
  EXPECT_EQ(size, cut.offset);
  ExpectFsckClean();
  EXPECT_EQ(CheckData(lost), 0);
}

// Repair changes a damaged segment in place only after its backup copy is
// durable: a machine crash right after repair keeps both the repaired
// workdir and backup-*/vlog/<segment> (regression test: backup-*/vlog/ and
// the copy's entry in it were never synced, so a crash lost the only copy
// of the cut tail).
TEST_F(RepairVlogTest, BackupOfACutSegmentSurvivesAMachineCrash) {
  Build();
  auto contents = testutil::VlogContents(fs_.get(), dir_->path());
  const uint64_t head = contents.rbegin()->first;
  const auto& recs = contents.rbegin()->second;
  ASSERT_GE(recs.size(), 3u);
  const std::string path = testutil::VlogSegmentPath(dir_->path(), head);
  ASSERT_TRUE(fs_->Truncate(path, recs.back().offset + 10).ok());
  std::string original;
  ASSERT_TRUE(fs_->ReadFileToString(path, &original).ok());

  FaultFileSystem::Options fo;
  fo.forward_syncs = false;
  auto faulty = std::make_shared<FaultFileSystem>(fs_, fo);
  RepairReport r;
  ASSERT_TRUE(RepairWorkdir(faulty.get(), dir_->path(), RepairOptions(), &r).ok());
  ASSERT_EQ(r.vlog_truncated.size(), 1u);
  ASSERT_TRUE(faulty->SimulateCrash(CrashMode::kDropUnsyncedData).ok());

  std::string backup;
  Status s = fs_->ReadFileToString(
      JoinPath(r.backup_dir, testutil::VlogSegmentName(head)), &backup);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(backup, original);
  ExpectFsckClean();
  EXPECT_EQ(CheckData({recs.back().user_key}), 0);
}

// A segment whose header is damaged still gives up its intact records.
TEST_F(RepairVlogTest, DamagedHeaderKeepsTheRecords) {
  Build();
  auto contents = testutil::VlogContents(fs_.get(), dir_->path());
  const uint64_t seg = contents.begin()->first;
  const std::string path = testutil::VlogSegmentPath(dir_->path(), seg);
  std::string data;
  ASSERT_TRUE(fs_->ReadFileToString(path, &data).ok());
  data[12] ^= 0x01;  // inside the header record
  ASSERT_TRUE(fs_->WriteStringToFileAtomic(path, data).ok());
  RepairReport r = Repair();
  EXPECT_EQ(r.vlog_copied.size(), 1u);
  EXPECT_EQ(r.vlog_records_copied, contents[seg].size());
  EXPECT_EQ(r.dropped_entries, 0u);
  ExpectFsckClean();
  EXPECT_EQ(CheckData({}), 0);
}

// A whole segment is gone: every live key in it falls back or disappears.
TEST_F(RepairVlogTest, MissingSegmentDropsItsLiveEntries) {
  Build();
  auto contents = testutil::VlogContents(fs_.get(), dir_->path());
  auto it = std::next(contents.begin());
  std::set<std::string> lost;
  for (const auto& rec : it->second) lost.insert(rec.user_key);
  ASSERT_TRUE(fs_->RemoveFile(testutil::VlogSegmentPath(dir_->path(), it->first)).ok());
  RepairReport r = Repair();
  EXPECT_GT(r.dropped_entries, 0u);
  EXPECT_LE(r.dropped_entries, it->second.size());
  ExpectFsckClean();
  EXPECT_EQ(CheckData(lost), static_cast<int>(r.fell_back_entries));
}

// Without a usable manifest everything is merged into one run first; the
// value-log repair then works on that run.
TEST_F(RepairVlogTest, LostManifestAndDamagedSegment) {
  Build();
  std::vector<std::string> names;
  ASSERT_TRUE(fs_->GetChildren(dir_->path(), &names).ok());
  for (const auto& n : names) {
    if (n.starts_with("MANIFEST-")) {
      ASSERT_TRUE(fs_->RemoveFile(JoinPath(dir_->path(), n)).ok());
    }
  }
  auto contents = testutil::VlogContents(fs_.get(), dir_->path());
  // Record 400 of the first segment: a key written once (not overwritten).
  ASSERT_GT(contents.begin()->second.size(), 400u);
  const std::string victim = DamageRecord(contents.begin()->first, 400);
  ASSERT_EQ(older_[victim].size(), 1u);
  RepairReport r = Repair();
  EXPECT_FALSE(r.used_old_manifest);
  EXPECT_EQ(r.vlog_copied.size(), 1u);
  EXPECT_EQ(r.dropped_entries, 1u);
  ExpectFsckClean();
  CheckData({victim});
}

// Random damage (byte flips anywhere, one segment cut short) over several
// trials: every key whose newest value record is untouched reads it back;
// any other key reads an older value of its own or nothing; fsck is clean.
TEST_F(RepairVlogTest, RandomDamageIsRepaired) {
  const uint64_t seed = testutil::TestSeed(4242);
  Random rng(seed);
  for (int trial = 0; trial < 6; ++trial) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " trial " + std::to_string(trial));
    dir_ = std::make_unique<testutil::TempDir>();
    expected_.clear();
    older_.clear();
    Build();
    auto contents = testutil::VlogContents(fs_.get(), dir_->path());
    std::vector<uint64_t> segs;
    for (const auto& [n, recs] : contents) segs.push_back(n);
    std::map<uint64_t, std::vector<std::pair<uint64_t, uint64_t>>> damaged;  // [begin, end)
    const int flips = 1 + static_cast<int>(rng.Uniform(4));
    for (int f = 0; f <= flips; ++f) {
      const uint64_t seg = segs[rng.Uniform(static_cast<uint32_t>(segs.size()))];
      const std::string path = testutil::VlogSegmentPath(dir_->path(), seg);
      std::string data;
      ASSERT_TRUE(fs_->ReadFileToString(path, &data).ok());
      const uint64_t pos = rng.Uniform(static_cast<uint32_t>(data.size()));
      if (f == flips) {  // the last damage cuts the segment short
        ASSERT_TRUE(fs_->Truncate(path, pos).ok());
        damaged[seg].emplace_back(pos, UINT64_MAX);
      } else {
        data[pos] = static_cast<char>(data[pos] ^ (1 + rng.Uniform(255)));
        ASSERT_TRUE(fs_->WriteStringToFileAtomic(path, data).ok());
        damaged[seg].emplace_back(pos, pos + 1);
      }
    }
    // The newest record of each key, and whether damage touches it.
    std::map<std::string, std::pair<uint64_t, bool>> newest;  // key -> (sequence, lost)
    for (const auto& [seg, recs] : contents) {
      for (const auto& r : recs) {
        bool hit = false;
        for (const auto& [b, e] : damaged[seg]) hit |= b < r.offset + r.size && r.offset < e;
        auto& slot = newest[r.user_key];
        if (r.sequence >= slot.first) slot = {r.sequence, hit};
      }
    }
    std::set<std::string> lost;
    for (const auto& [k, v] : newest) {
      if (v.second) lost.insert(k);
    }
    RepairReport r = Repair();
    EXPECT_GE(r.dropped_entries, lost.size());
    ExpectFsckClean();
    CheckData(lost);
  }
}

}  // namespace
}  // namespace nokv
