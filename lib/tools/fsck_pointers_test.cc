// Tests of fsck's live value-pointer check (CheckLiveValuePointers) on real
// workdirs: live dangling pointers are reported naming the file that holds
// them; shadowed pointers into segments deleted by GC, range-deleted and
// expired entries are not.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "base/random.h"
#include "nokv/db.h"
#include "nokv/write_batch.h"
#include "testutil/test_util.h"
#include "tools/fsck.h"
#include "tools/vlog_testutil.h"

namespace nokv {
namespace {

class FsckPointersTest : public ::testing::Test {
 protected:
  void SetUp() override { fs_ = NewPosixFileSystem(); }

  std::unique_ptr<DB> Open() {
    std::unique_ptr<DB> db;
    Status s = DB::Open(testutil::SmallVlogOptions(), dir_.path(), &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return db;
  }

  FsckReport Fsck(uint64_t now_ms = 0) {
    FsckOptions o;
    o.now_ms = now_ms;
    FsckReport r;
    Status s = RunFsck(fs_.get(), dir_.path(), o, &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }

  static std::string Describe(const FsckReport& r) {
    std::string out;
    for (const auto& p : r.problems) {
      out += "  " + p.path + " @" + (p.offset ? std::to_string(*p.offset) : "-") + " " +
             FsckProblemKindName(p.kind) + ": " + p.message + "\n";
    }
    return out;
  }

  static std::vector<FsckProblem> Dangling(const FsckReport& r) {
    std::vector<FsckProblem> out;
    for (const auto& p : r.problems) {
      if (p.kind == FsckProblemKind::kDangling) out.push_back(p);
    }
    return out;
  }

  // The segment holding the newest record of user_key.
  uint64_t SegmentOf(const std::string& user_key) {
    uint64_t best_seq = 0, seg = 0;
    for (const auto& [n, recs] : testutil::VlogContents(fs_.get(), dir_.path())) {
      for (const auto& r : recs) {
        if (r.user_key == user_key && r.sequence >= best_seq) {
          best_seq = r.sequence;
          seg = n;
        }
      }
    }
    EXPECT_NE(seg, 0u) << user_key;
    return seg;
  }

  void RemoveSegment(uint64_t n) {
    ASSERT_TRUE(fs_->RemoveFile(testutil::VlogSegmentPath(dir_.path(), n)).ok());
  }

  std::shared_ptr<FileSystem> fs_;
  testutil::TempDir dir_;
};

std::string Key(int i) { return "key" + std::to_string(10000 + i); }
std::string Big(int i, char c = 'v') { return std::string(2000, c) + std::to_string(i); }

TEST_F(FsckPointersTest, CleanValueLogWorkdirHasNoDanglingPointer) {
  auto db = Open();
  for (int i = 0; i < 1200; ++i) ASSERT_TRUE(db->Put(WriteOptions(), Key(i), Big(i)).ok());
  ASSERT_TRUE(db->Flush().ok());
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(db->Put(WriteOptions(), "wal" + std::to_string(i), Big(i)).ok());
  ASSERT_TRUE(db->Close().ok());
  FsckReport r = Fsck();
  EXPECT_TRUE(r.clean()) << Describe(r);
  EXPECT_TRUE(r.pointers_checked);
  EXPECT_EQ(r.live_pointers_checked, 1250u);
  EXPECT_EQ(r.dangling_pointers, 0u);
  EXPECT_GE(r.live_entries_checked, 1250u);
}

// The GC scenario: overwritten values leave shadowed pointers in the tables
// (no compaction ran) into a segment GC deleted. They must not be reported.
TEST_F(FsckPointersTest, ShadowedPointersIntoGcDeletedSegmentAreNotReported) {
  auto db = Open();
  for (int i = 0; i < 600; ++i) ASSERT_TRUE(db->Put(WriteOptions(), Key(i), Big(i)).ok());
  ASSERT_TRUE(db->Flush().ok());
  const uint64_t first = testutil::VlogContents(fs_.get(), dir_.path()).begin()->first;
  for (int i = 0; i < 450; ++i) ASSERT_TRUE(db->Put(WriteOptions(), Key(i), Big(i, 'w')).ok());
  ASSERT_TRUE(db->Flush().ok());
  Status gc = db->RunValueLogGC(0.5);
  ASSERT_TRUE(gc.ok()) << gc.ToString();
  ASSERT_TRUE(db->Close().ok());
  ASSERT_FALSE(fs_->FileExists(testutil::VlogSegmentPath(dir_.path(), first)))
      << "GC did not delete the first segment";

  FsckReport r = Fsck();
  EXPECT_TRUE(r.clean()) << Describe(r);
  EXPECT_EQ(r.dangling_pointers, 0u);
  EXPECT_GE(r.live_pointers_checked, 600u);
  // The tables still hold the old entries: more entries than live keys.
  EXPECT_GT(r.live_entries_checked, 600u);
}

TEST_F(FsckPointersTest, LiveDanglingPointerInTableIsReported) {
  auto db = Open();
  for (int i = 0; i < 1200; ++i) ASSERT_TRUE(db->Put(WriteOptions(), Key(i), Big(i)).ok());
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->Close().ok());
  const uint64_t seg = SegmentOf(Key(0));
  const size_t records = testutil::VlogContents(fs_.get(), dir_.path())[seg].size();
  RemoveSegment(seg);

  FsckReport r = Fsck();
  auto dangling = Dangling(r);
  ASSERT_FALSE(dangling.empty()) << Describe(r);
  EXPECT_EQ(r.dangling_pointers, records);
  const std::string seg_name = testutil::VlogSegmentName(seg);
  // Listed up to the cap, then one line counting the rest.
  ASSERT_EQ(dangling.size(), static_cast<size_t>(kMaxDanglingReportsPerSegment) + 1);
  for (int i = 0; i < kMaxDanglingReportsPerSegment; ++i) {
    EXPECT_TRUE(dangling[i].path.ends_with(".sst")) << dangling[i].path;
    EXPECT_TRUE(dangling[i].offset.has_value());
    EXPECT_NE(dangling[i].message.find(seg_name), std::string::npos) << dangling[i].message;
    EXPECT_NE(dangling[i].message.find("does not exist"), std::string::npos);
  }
  EXPECT_EQ(dangling.back().path, seg_name);
  EXPECT_NE(dangling.back().message.find(std::to_string(records - kMaxDanglingReportsPerSegment) +
                                         " more"),
            std::string::npos);
}

TEST_F(FsckPointersTest, LiveDanglingPointerInWalIsReported) {
  {
    auto db = Open();
    ASSERT_TRUE(db->Put(WriteOptions(), "a", "small").ok());
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "walkey", Big(1)).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  RemoveSegment(SegmentOf("walkey"));
  FsckReport r = Fsck();
  auto dangling = Dangling(r);
  ASSERT_EQ(dangling.size(), 1u) << Describe(r);
  EXPECT_TRUE(dangling[0].path.ends_with(".wal")) << dangling[0].path;
  ASSERT_TRUE(dangling[0].offset.has_value());
  EXPECT_NE(dangling[0].message.find("walkey"), std::string::npos);
}

TEST_F(FsckPointersTest, CorruptValueRecordIsReportedAtBothEnds) {
  {
    auto db = Open();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(db->Put(WriteOptions(), Key(i), Big(i)).ok());
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto contents = testutil::VlogContents(fs_.get(), dir_.path());
  const auto& [seg, recs] = *contents.begin();
  const auto& victim = recs[5];
  const std::string path = testutil::VlogSegmentPath(dir_.path(), seg);
  std::string data;
  ASSERT_TRUE(fs_->ReadFileToString(path, &data).ok());
  data[victim.offset + victim.size / 2] ^= 0x40;
  ASSERT_TRUE(fs_->WriteStringToFileAtomic(path, data).ok());

  FsckReport r = Fsck();
  auto dangling = Dangling(r);
  ASSERT_EQ(dangling.size(), 1u) << Describe(r);
  EXPECT_TRUE(dangling[0].path.ends_with(".sst"));
  EXPECT_NE(dangling[0].message.find(victim.user_key), std::string::npos);
  EXPECT_NE(dangling[0].message.find("checksum"), std::string::npos) << dangling[0].message;
  // The segment scan reports the damage in the segment itself too.
  bool segment_named = false;
  for (const auto& p : r.problems) {
    if (p.path == testutil::VlogSegmentName(seg) && p.kind != FsckProblemKind::kDangling) {
      segment_named = true;
    }
  }
  EXPECT_TRUE(segment_named) << Describe(r);
}

// Pointers of range-deleted entries and of expired entries may dangle.
TEST_F(FsckPointersTest, RangeDeletedAndExpiredPointersAreNotLive) {
  const std::string big(600 << 10, 'x');  // two per 1 MiB segment
  uint64_t expires_at = 0;
  {
    auto db = Open();
    ASSERT_TRUE(db->Put(WriteOptions(), "a1", big).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "a2", big).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "t1", big).ok());  // a new segment
    UpdateOptions ttl;
    ttl.ttl_ms = 60000;
    ASSERT_TRUE(db->Put(WriteOptions(), ttl, "t2", big).ok());
    expires_at = db->NowMs() + 60000;
    ASSERT_TRUE(db->Put(WriteOptions(), "z", big).ok());
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->DeleteRange(WriteOptions(), "a", "b").ok());  // stays in the WAL
    ASSERT_TRUE(db->Close().ok());
  }
  const uint64_t range_seg = SegmentOf("a1");
  ASSERT_EQ(range_seg, SegmentOf("a2"));
  const uint64_t ttl_seg = SegmentOf("t2");
  ASSERT_NE(ttl_seg, SegmentOf("z"));
  RemoveSegment(range_seg);
  FsckReport r = Fsck();
  EXPECT_EQ(r.dangling_pointers, 0u) << Describe(r);

  // t1 and t2 share a segment: t1 is live, so remove... only after it is
  // deleted; t2 alone decides by its expiry.
  {
    auto db = Open();
    ASSERT_TRUE(db->Delete(WriteOptions(), "t1").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  RemoveSegment(ttl_seg);
  r = Fsck(expires_at - 1000);  // before the expiry: t2 is live
  auto dangling = Dangling(r);
  ASSERT_EQ(dangling.size(), 1u) << Describe(r);
  EXPECT_NE(dangling[0].message.find("t2"), std::string::npos);
  r = Fsck(expires_at + 1000);  // after: skipped
  EXPECT_EQ(r.dangling_pointers, 0u) << Describe(r);
  EXPECT_EQ(r.expired_pointers_skipped, 1u);
}

// Versions are live each: an older version's pointer still counts.
TEST_F(FsckPointersTest, EveryVersionIsLive) {
  const std::string big(600 << 10, 'x');
  {
    auto db = Open();
    ColumnFamilyHandle* write_cf = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily("write", &write_cf).ok());
    UpdateOptions at;
    at.column_family = write_cf;
    at.version = 5;
    ASSERT_TRUE(db->Put(WriteOptions(), at, "m", big).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "filler", big).ok());
    at.version = 7;
    ASSERT_TRUE(db->Put(WriteOptions(), at, "m", big).ok());
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->Delete(WriteOptions(), "filler").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto contents = testutil::VlogContents(fs_.get(), dir_.path());
  ASSERT_GE(contents.size(), 2u);
  RemoveSegment(contents.begin()->first);  // holds m@5 and filler
  FsckReport r = Fsck();
  auto dangling = Dangling(r);
  ASSERT_EQ(dangling.size(), 1u) << Describe(r);
  EXPECT_NE(dangling[0].message.find("m"), std::string::npos);
}

// With overwrites spread over segments, removing any one segment yields
// exactly as many dangling pointers as it holds newest values of keys.
TEST_F(FsckPointersTest, DanglingCountIsTheLiveRecordsOfTheLostSegment) {
  const uint64_t seed = testutil::TestSeed(77);
  Random rng(seed);
  {
    auto db = Open();
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 600; ++i) {
        if (round > 0 && rng.OneIn(2)) continue;
        ASSERT_TRUE(db->Put(WriteOptions(), Key(i), Big(i, static_cast<char>('a' + round))).ok());
      }
      if (round < 2) {
        ASSERT_TRUE(db->Flush().ok());  // the last round stays in the WAL
      }
    }
    ASSERT_TRUE(db->Close().ok());
  }
  auto contents = testutil::VlogContents(fs_.get(), dir_.path());
  std::map<std::string, std::pair<uint64_t, uint64_t>> newest;  // key -> (sequence, segment)
  for (const auto& [seg, recs] : contents) {
    for (const auto& r : recs) {
      auto& slot = newest[r.user_key];
      if (r.sequence >= slot.first) slot = {r.sequence, seg};
    }
  }
  std::vector<uint64_t> segs;
  for (const auto& [n, recs] : contents) segs.push_back(n);
  const uint64_t victim = segs[rng.Uniform(segs.size())];
  uint64_t live = 0;
  for (const auto& [k, v] : newest) live += v.second == victim ? 1 : 0;
  RemoveSegment(victim);
  FsckReport r = Fsck();
  EXPECT_EQ(r.dangling_pointers, live) << "seed " << seed << " segment " << victim;
  EXPECT_EQ(r.live_pointers_checked, newest.size()) << "seed " << seed;
}

TEST_F(FsckPointersTest, UnreadableManifestSkipsThePointerCheck) {
  {
    auto db = Open();
    ASSERT_TRUE(db->Put(WriteOptions(), "k", Big(1)).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  ASSERT_TRUE(fs_->RemoveFile(dir_.File("CURRENT")).ok());
  FsckReport r = Fsck();
  EXPECT_FALSE(r.pointers_checked);
  EXPECT_FALSE(r.clean());
}

}  // namespace
}  // namespace nokv
