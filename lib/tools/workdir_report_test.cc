// Tests of InspectWorkdir against real workdirs built with nokv::DB.
#include "tools/workdir_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "base/internal_key.h"
#include "manifest/filenames.h"
#include "nokv/db.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

constexpr int kFlushedKeys = 1000;            // "key00000".."key00999", flushed to SSTs
constexpr int kWalPuts = 50;                  // "new000".."new049", left in the WAL
constexpr int kWalDeletes = 5;                // key00000..key00004, left in the WAL
const std::string kBinaryKey("\x00\xff", 2);  // flushed; sorts before "key..."

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

class WorkdirReportTest : public ::testing::Test {
 protected:
  void SetUp() override { fs_ = NewPosixFileSystem(); }

  Options SmallOptions() {
    Options o;
    o.memtable_size = 64 << 10;
    o.target_file_size = 64 << 10;
    return o;
  }

  // Writes kFlushedKeys + the binary key and flushes, then leaves kWalPuts
  // puts and kWalDeletes deletes in the WAL. Leaves the DB open in db_.
  void BuildOpen() {
    ASSERT_TRUE(DB::Open(SmallOptions(), dir_.path(), &db_).ok());
    const std::string value(100, 'v');
    for (int i = 0; i < kFlushedKeys; ++i) {
      ASSERT_TRUE(db_->Put(WriteOptions(), Key(i), value).ok());
    }
    ASSERT_TRUE(db_->Put(WriteOptions(), kBinaryKey, "bin").ok());
    ASSERT_TRUE(db_->Flush().ok());
    for (int i = 0; i < kWalPuts; ++i) {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "new%03d", i);
      ASSERT_TRUE(db_->Put(WriteOptions(), buf, "w").ok());
    }
    for (int i = 0; i < kWalDeletes; ++i) {
      ASSERT_TRUE(db_->Delete(WriteOptions(), Key(i)).ok());
    }
  }

  void Build() {
    BuildOpen();
    ASSERT_TRUE(db_->Close().ok());
    db_.reset();
  }

  // name -> size of every file in the workdir.
  std::map<std::string, uint64_t> Listing() {
    std::vector<std::string> names;
    EXPECT_TRUE(fs_->GetChildren(dir_.path(), &names).ok());
    std::map<std::string, uint64_t> out;
    for (const auto& n : names) {
      uint64_t size = 0;
      EXPECT_TRUE(fs_->GetFileSize(dir_.File(n), &size).ok());
      out[n] = size;
    }
    return out;
  }

  std::shared_ptr<FileSystem> fs_;
  testutil::TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(WorkdirReportTest, CountsLevelsKeyRangesAndWal) {
  Build();
  const auto before = Listing();
  WorkdirReport r;
  Status s = InspectWorkdir(fs_.get(), dir_.path(), &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(before, Listing()) << "InspectWorkdir must not write";

  // Manifest.
  EXPECT_EQ(r.dir, dir_.path());
  EXPECT_EQ(r.manifest_name, BaseName(ManifestFileName(dir_.path(), r.manifest_number)));
  EXPECT_GT(r.manifest_size, 0u);
  EXPECT_EQ(r.manifest_size, before.at(r.manifest_name));
  EXPECT_GT(r.log_number, 0u);
  EXPECT_GT(r.next_file_number, r.log_number);

  // Levels: every level listed; the flushed keys are all in SSTs (unique
  // keys, so compaction cannot shrink the count).
  ASSERT_EQ(r.levels.size(), 7u);
  uint64_t files = 0, bytes = 0, entries = 0;
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(r.levels[i].level, i);
    files += static_cast<uint64_t>(r.levels[i].files);
    bytes += r.levels[i].bytes;
    entries += r.levels[i].entries;
  }
  EXPECT_EQ(r.sst_entries, static_cast<uint64_t>(kFlushedKeys + 1));
  EXPECT_EQ(entries, r.sst_entries);
  EXPECT_EQ(r.sst_deletions, 0u);
  EXPECT_EQ(files, r.files.size());
  EXPECT_EQ(r.sst_files, r.files.size());
  EXPECT_GE(r.files.size(), 1u);
  EXPECT_EQ(bytes, r.sst_bytes);
  EXPECT_EQ(r.missing_sst_files, 0u);

  // Files: sizes match the disk, key ranges cover the flushed keys.
  std::string smallest_user, largest_user;
  bool first = true;
  uint64_t sst_max_seq = 0;
  for (const auto& f : r.files) {
    EXPECT_TRUE(f.present);
    EXPECT_EQ(f.size, f.size_on_disk);
    EXPECT_EQ(f.size, before.at(BaseName(TableFileName(dir_.path(), f.number))));
    ASSERT_TRUE(f.smallest.valid);
    ASSERT_TRUE(f.largest.valid);
    EXPECT_EQ(f.smallest.cf, "default");
    EXPECT_EQ(f.smallest.version, kMaxVersion);
    EXPECT_GT(f.num_entries, 0u);
    EXPECT_LE(f.smallest.user_key, f.largest.user_key);
    EXPECT_LE(f.smallest_seq, f.largest_seq);
    if (first || f.smallest.user_key < smallest_user) smallest_user = f.smallest.user_key;
    if (first || f.largest.user_key > largest_user) largest_user = f.largest.user_key;
    first = false;
    sst_max_seq = std::max(sst_max_seq, f.largest_seq);
  }
  EXPECT_EQ(smallest_user, "\\x00\\xff");  // non-printable bytes escaped
  EXPECT_EQ(largest_user, Key(kFlushedKeys - 1));

  // WAL: the unflushed writes are pending in the newest segment.
  ASSERT_FALSE(r.wal_segments.empty());
  const WalSegmentReport& newest = r.wal_segments.back();
  EXPECT_TRUE(newest.newest);
  EXPECT_TRUE(newest.pending);
  EXPECT_TRUE(newest.problem.empty()) << newest.problem;
  EXPECT_EQ(newest.entries, static_cast<uint64_t>(kWalPuts + kWalDeletes));
  EXPECT_EQ(newest.puts, static_cast<uint64_t>(kWalPuts));
  EXPECT_EQ(newest.deletes, static_cast<uint64_t>(kWalDeletes));
  EXPECT_GE(newest.records, 1u);
  EXPECT_EQ(newest.last_sequence - newest.first_sequence + 1,
            static_cast<uint64_t>(kWalPuts + kWalDeletes));
  EXPECT_GT(newest.first_sequence, sst_max_seq);
  EXPECT_EQ(newest.bytes, before.at(newest.name));
  EXPECT_EQ(newest.valid_bytes, newest.bytes);
  EXPECT_FALSE(newest.tail_dropped);
  for (const auto& seg : r.wal_segments) EXPECT_EQ(seg.pending, seg.number >= r.log_number);

  EXPECT_EQ(r.wal_pending_entries, static_cast<uint64_t>(kWalPuts + kWalDeletes));
  EXPECT_EQ(r.total_entries, r.sst_entries + r.wal_pending_entries);
  EXPECT_EQ(r.wal_max_sequence, newest.last_sequence);
  EXPECT_EQ(r.effective_last_sequence, std::max(r.last_sequence, newest.last_sequence));
  EXPECT_EQ(r.total_bytes, r.sst_bytes + r.wal_bytes + r.manifest_size);
  EXPECT_EQ(r.wal_problems, 0u);
  EXPECT_EQ(r.other_files, 0u);
}

TEST_F(WorkdirReportTest, WorksWhileTheDbIsOpen) {
  BuildOpen();
  WorkdirReport r;
  Status s = InspectWorkdir(fs_.get(), dir_.path(), &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(r.sst_entries, static_cast<uint64_t>(kFlushedKeys + 1));
  EXPECT_EQ(r.wal_pending_entries, static_cast<uint64_t>(kWalPuts + kWalDeletes));
  // The DB is unaffected: it still reads and closes cleanly.
  std::string value;
  EXPECT_TRUE(db_->Get(ReadOptions(), "new000", &value).ok());
  EXPECT_TRUE(db_->Close().ok());
}

TEST_F(WorkdirReportTest, TornTailIsReportedNotFailed) {
  Build();
  WorkdirReport r;
  ASSERT_TRUE(InspectWorkdir(fs_.get(), dir_.path(), &r).ok());
  ASSERT_FALSE(r.wal_segments.empty());
  const WalSegmentReport newest = r.wal_segments.back();
  ASSERT_GT(newest.bytes, 3u);
  ASSERT_TRUE(fs_->Truncate(dir_.File(newest.name), newest.bytes - 3).ok());

  WorkdirReport torn;
  Status s = InspectWorkdir(fs_.get(), dir_.path(), &torn);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const WalSegmentReport& seg = torn.wal_segments.back();
  EXPECT_TRUE(seg.tail_dropped);
  EXPECT_GT(seg.dropped_bytes, 0u);
  EXPECT_TRUE(seg.problem.empty()) << seg.problem;
  EXPECT_EQ(seg.records, newest.records - 1);
  EXPECT_LT(seg.entries, newest.entries);
}

TEST_F(WorkdirReportTest, DamagedOldSegmentIsAProblemNotAFailure) {
  Build();
  // Segment 0 sorts first (so it is not the newest) and is below log_number.
  auto f = fs_->NewWritableFile(WalFileName(dir_.path(), 0));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f.value()->Append(std::string(64, '\x7f')).ok());
  ASSERT_TRUE(f.value()->Close().ok());

  WorkdirReport r;
  Status s = InspectWorkdir(fs_.get(), dir_.path(), &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_GE(r.wal_segments.size(), 2u);
  const WalSegmentReport& bad = r.wal_segments.front();
  EXPECT_EQ(bad.number, 0u);
  EXPECT_FALSE(bad.pending);
  EXPECT_FALSE(bad.newest);
  EXPECT_FALSE(bad.problem.empty());
  EXPECT_EQ(r.wal_problems, 1u);
  // Not pending, so it does not count toward what the next open replays.
  EXPECT_EQ(r.wal_pending_entries, static_cast<uint64_t>(kWalPuts + kWalDeletes));
}

// Range deletes in the WAL count as deletes; a workdir without a value log
// reports none (and the scan does not create the vlog directory).
TEST_F(WorkdirReportTest, RangeDeletesCountAsDeletesAndNoValueLog) {
  Options o = SmallOptions();
  o.value_threshold = 0;
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, dir_.path(), &db).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "a", "1").ok());
    ASSERT_TRUE(db->DeleteRange(WriteOptions(), "a", "c").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  ASSERT_FALSE(fs_->FileExists(dir_.File("vlog")));
  WorkdirReport r;
  ASSERT_TRUE(InspectWorkdir(fs_.get(), dir_.path(), &r).ok());
  ASSERT_FALSE(r.wal_segments.empty());
  EXPECT_EQ(r.wal_segments.back().puts, 1u);
  EXPECT_EQ(r.wal_segments.back().deletes, 1u);
  EXPECT_EQ(r.wal_segments.back().last_sequence - r.wal_segments.back().first_sequence, 1u);
  EXPECT_TRUE(r.vlog_segments.empty());
  EXPECT_EQ(r.vlog_head, 0u);
  EXPECT_FALSE(fs_->FileExists(dir_.File("vlog")));
}

TEST_F(WorkdirReportTest, ValueLogSegmentsHeadAndTornTail) {
  Options o = SmallOptions();
  o.value_threshold = 100;
  o.value_log_segment_size = 1 << 20;
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, dir_.path(), &db).ok());
    for (int i = 0; i < 1100; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), Key(i), std::string(2000, 'v')).ok());
    }
    ASSERT_TRUE(db->Close().ok());
  }
  WorkdirReport r;
  ASSERT_TRUE(InspectWorkdir(fs_.get(), dir_.path(), &r).ok());
  ASSERT_GE(r.vlog_segments.size(), 3u);
  EXPECT_EQ(r.vlog_records, 1100u);
  EXPECT_EQ(r.vlog_problems, 0u);
  EXPECT_EQ(r.vlog_head, r.vlog_segments.back().number);
  uint64_t bytes = 0;
  for (const auto& v : r.vlog_segments) {
    EXPECT_EQ(v.newest, v.number == r.vlog_head);
    EXPECT_TRUE(v.ok()) << v.problem;
    EXPECT_EQ(v.valid_bytes, v.bytes);
    EXPECT_TRUE(v.path.starts_with("vlog/") && v.path.ends_with(".vlog")) << v.path;
    EXPECT_GE(v.value_bytes, v.records * 2000);
    bytes += v.bytes;
  }
  EXPECT_EQ(r.vlog_bytes, bytes);
  EXPECT_EQ(r.total_bytes, r.sst_bytes + r.wal_bytes + r.manifest_size + r.vlog_bytes);

  const VlogSegmentReport first = r.vlog_segments.front();
  ASSERT_TRUE(fs_->Truncate(JoinPath(dir_.path(), first.path), first.bytes - 5).ok());
  ASSERT_TRUE(InspectWorkdir(fs_.get(), dir_.path(), &r).ok());
  const VlogSegmentReport& cut = r.vlog_segments.front();
  EXPECT_FALSE(cut.ok());
  EXPECT_EQ(cut.records, first.records - 1);
  EXPECT_LT(cut.valid_bytes, cut.bytes);
  EXPECT_NE(cut.problem.find("torn tail"), std::string::npos) << cut.problem;
  EXPECT_EQ(r.vlog_problems, 1u);
}

TEST_F(WorkdirReportTest, MissingDirectoryIsAClearError) {
  WorkdirReport r;
  const std::string missing = dir_.File("does-not-exist");
  Status s = InspectWorkdir(fs_.get(), missing, &r);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find(missing), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("no such directory"), std::string::npos) << s.ToString();
}

TEST_F(WorkdirReportTest, DirectoryWithoutCurrentIsAClearError) {
  auto f = fs_->NewWritableFile(dir_.File("notes.txt"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f.value()->Close().ok());
  const auto before = Listing();
  WorkdirReport r;
  Status s = InspectWorkdir(fs_.get(), dir_.path(), &r);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find(dir_.path()), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("no CURRENT"), std::string::npos) << s.ToString();
  EXPECT_EQ(before, Listing());
}

TEST_F(WorkdirReportTest, GarbledCurrentIsCorruption) {
  ASSERT_TRUE(fs_->WriteStringToFileAtomic(dir_.File("CURRENT"), "garbage").ok());
  WorkdirReport r;
  Status s = InspectWorkdir(fs_.get(), dir_.path(), &r);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(dir_.path()), std::string::npos) << s.ToString();
}

TEST(DescribeInternalKeyTest, DecodesAndEscapes) {
  KeyReport k = DescribeInternalKey(MakeInternalKey(ColumnFamily::kWrite, "a\\b\x01", 7, 42));
  ASSERT_TRUE(k.valid);
  EXPECT_EQ(k.cf, "cf2");  // names live in the manifest
  EXPECT_EQ(k.user_key, "a\\x5cb\\x01");
  EXPECT_EQ(k.version, 7u);
  EXPECT_EQ(k.sequence, 42u);

  KeyReport bad = DescribeInternalKey("short");
  EXPECT_FALSE(bad.valid);
  EXPECT_EQ(bad.raw, "short");
}

}  // namespace
}  // namespace nokv
