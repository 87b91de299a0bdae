// Tests of LiveScan: merge order across tables and WAL, which entry of a
// (cf, key, version) is the candidate, range tombstones, rejected
// candidates handing over to the next older entry, and damaged inputs.
#include "tools/live_scan.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/internal_key.h"
#include "manifest/filenames.h"
#include "nokv/db.h"
#include "testutil/test_util.h"
#include "tools/fsck.h"

namespace nokv {
namespace {

struct Seen {
  std::string key;
  uint64_t version = 0, sequence = 0;
  bool candidate = false;
  std::string file;
};

class LiveScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = NewPosixFileSystem();
    Options o;
    o.memtable_size = 64 << 10;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, dir_.path(), &db).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "k", "v1").ok());  // seq 1
    ASSERT_TRUE(db->Put(WriteOptions(), "r1", "x").ok());  // seq 2
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "k", "v2").ok());  // seq 3
    ColumnFamilyHandle* write_cf = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily("write", &write_cf).ok());
    UpdateOptions at;
    at.column_family = write_cf;
    WriteBatch b;
    at.version = 5;
    b.Put(at, "m", "m5");
    at.version = 7;
    b.Put(at, "m", "m7");
    ASSERT_TRUE(db->Write(WriteOptions(), b).ok());  // seq 4, 5
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "k", "v3").ok());         // seq 6, WAL
    ASSERT_TRUE(db->DeleteRange(WriteOptions(), "r", "s").ok());  // seq 7, WAL
    ASSERT_TRUE(db->Put(WriteOptions(), "r2", "after").ok());     // seq 8, WAL
    ASSERT_TRUE(db->Close().ok());
  }

  // The live manifest's tables and the WAL segments recovery would replay.
  void AddWorkdir(LiveScan* scan) {
    std::vector<FsckProblem> problems;
    auto current = ReadCurrentFile(fs_.get(), dir_.path(), &problems);
    ASSERT_TRUE(current.has_value());
    ManifestState state;
    ASSERT_TRUE(ReplayManifestStrict(fs_.get(), dir_.path(), *current, &problems, &state));
    std::vector<std::pair<int, FileMeta>> tables;
    for (const auto& [n, entry] : state.files) tables.push_back(entry);
    scan->AddTables(tables);
    std::vector<std::string> names;
    ASSERT_TRUE(fs_->GetChildren(dir_.path(), &names).ok());
    std::vector<uint64_t> wals;
    for (const auto& name : names) {
      FileKind kind;
      uint64_t number = 0;
      if (ParseFileName(name, &kind, &number) && kind == FileKind::kWal &&
          number >= state.log_number) {
        wals.push_back(number);
      }
    }
    std::sort(wals.begin(), wals.end());
    scan->AddWalSegments(wals);
  }

  std::vector<Seen> Run(const std::function<ScanVerdict(const Seen&)>& verdict = nullptr) {
    LiveScan scan(fs_.get(), dir_.path());
    AddWorkdir(&scan);
    std::vector<Seen> seen;
    uint64_t last_progress = 0;
    EXPECT_TRUE(scan.Run(
                        [&](const ScannedEntry& e) {
                          ParsedInternalKey p;
                          EXPECT_TRUE(ParseInternalKey(e.ikey, &p));
                          EXPECT_TRUE(e.Offset().has_value());
                          seen.push_back(Seen{std::string(p.user_key), p.version, p.sequence,
                                              e.candidate, std::string(e.file)});
                          return verdict ? verdict(seen.back()) : ScanVerdict::kStands;
                        },
                        [&](uint64_t done) { last_progress = done; })
                    .ok());
    EXPECT_TRUE(scan.errors().empty()) << scan.errors().front().ToString();
    EXPECT_EQ(scan.range_tombstones(), 1u);
    EXPECT_EQ(last_progress, scan.total_bytes());
    return seen;
  }

  std::shared_ptr<FileSystem> fs_;
  testutil::TempDir dir_;
};

const Seen* Find(const std::vector<Seen>& seen, const std::string& key, uint64_t seq) {
  for (const auto& s : seen) {
    if (s.key == key && s.sequence == seq) return &s;
  }
  return nullptr;
}

TEST_F(LiveScanTest, NewestEntryOfEachKeyAndVersionIsTheCandidate) {
  auto seen = Run();
  // Internal-key order: default cf (k, r1, r2), then write cf (m@7, m@5).
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen[0].key, "k");
  EXPECT_EQ(seen[0].sequence, 6u);
  EXPECT_TRUE(seen[0].candidate);
  EXPECT_TRUE(seen[0].file.ends_with(".wal")) << seen[0].file;
  EXPECT_EQ(seen[1].sequence, 3u);
  EXPECT_FALSE(seen[1].candidate);
  EXPECT_TRUE(seen[1].file.ends_with(".sst"));
  EXPECT_EQ(seen[2].sequence, 1u);
  EXPECT_FALSE(seen[2].candidate);
  ASSERT_NE(Find(seen, "r1", 2), nullptr);
  EXPECT_FALSE(Find(seen, "r1", 2)->candidate) << "range-deleted";
  ASSERT_NE(Find(seen, "r2", 8), nullptr);
  EXPECT_TRUE(Find(seen, "r2", 8)->candidate) << "written after the range delete";
  // Each MVCC version is its own group.
  ASSERT_NE(Find(seen, "m", 5), nullptr);
  EXPECT_TRUE(Find(seen, "m", 5)->candidate);
  EXPECT_EQ(Find(seen, "m", 5)->version, 7u);
  EXPECT_TRUE(Find(seen, "m", 4)->candidate);
}

TEST_F(LiveScanTest, RejectedCandidateHandsOverToTheNextOlderEntry) {
  // Reject k's two newest entries: the oldest becomes the candidate.
  auto seen = Run([](const Seen& s) {
    return s.key == "k" && s.sequence >= 3 ? ScanVerdict::kRejected : ScanVerdict::kStands;
  });
  EXPECT_TRUE(Find(seen, "k", 6)->candidate);
  EXPECT_TRUE(Find(seen, "k", 3)->candidate);
  EXPECT_TRUE(Find(seen, "k", 1)->candidate);
  // A verdict on a non-candidate changes nothing.
  seen = Run(
      [](const Seen& s) { return s.candidate ? ScanVerdict::kStands : ScanVerdict::kRejected; });
  EXPECT_FALSE(Find(seen, "k", 1)->candidate);
}

TEST_F(LiveScanTest, DamagedTableIsAnErrorNotAStop) {
  std::vector<std::string> names;
  ASSERT_TRUE(fs_->GetChildren(dir_.path(), &names).ok());
  std::string sst;
  for (const auto& n : names) {
    if (n.ends_with(".sst") && (sst.empty() || n < sst)) sst = n;  // the first flush
  }
  ASSERT_FALSE(sst.empty());
  ASSERT_TRUE(fs_->WriteStringToFileAtomic(dir_.File(sst), "not a table").ok());
  LiveScan scan(fs_.get(), dir_.path());
  AddWorkdir(&scan);
  int visited = 0;
  ASSERT_TRUE(scan.Run(
                      [&](const ScannedEntry&) {
                        ++visited;
                        return ScanVerdict::kStands;
                      },
                      nullptr)
                  .ok());
  ASSERT_FALSE(scan.errors().empty());
  EXPECT_NE(scan.errors().front().ToString().find(sst), std::string::npos)
      << scan.errors().front().ToString();
  EXPECT_EQ(visited, 5);  // k@6, k@3, r2, m@7, m@5
}

}  // namespace
}  // namespace nokv
