// Tests for value-log segments: append/read round trips, rotation, scans,
// corruption detection and removal.
#include "vlog/value_log.h"

#include <gtest/gtest.h>

#include <atomic>

#include "base/internal_key.h"
#include "base/random.h"
#include "testutil/test_util.h"
#include "vfs/fault_file_system.h"

namespace nokv {
namespace {

class ValueLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<ValueLog> Make(uint64_t segment_size = 1 << 20) {
    ValueLogOptions o;
    o.segment_size = segment_size;
    auto v = std::make_unique<ValueLog>(fs_.get(), dir_.File("vlog"), o,
                                        [this] { return ++next_; });
    EXPECT_TRUE(v->Open().ok());
    return v;
  }
  testutil::TempDir dir_;
  std::shared_ptr<FileSystem> fs_ = NewPosixFileSystem();
  std::atomic<uint64_t> next_{10};
};

TEST_F(ValueLogTest, AppendReadAndRotate) {
  auto vlog = Make(64 << 10);
  Random rng(3);
  std::vector<std::pair<ValuePointer, std::string>> written;
  for (int i = 0; i < 100; ++i) {
    std::string key = MakeInternalKey(ColumnFamily::kDefault, "k" + std::to_string(i), kMaxVersion, i);
    std::string value = testutil::RandomBytes(&rng, 1000 + rng.Uniform(3000));
    ValuePointer ptr;
    ASSERT_TRUE(vlog->Append(key, value, &ptr).ok());
    written.emplace_back(ptr, value);
  }
  ASSERT_TRUE(vlog->Flush().ok());
  EXPECT_GT(vlog->Segments().size(), 3u);  // rotated at 64 KiB
  for (const auto& [ptr, value] : written) {
    std::string got, key;
    ASSERT_TRUE(vlog->Read(ptr, &key, &got).ok());
    EXPECT_EQ(got, value);
    ValuePointer decoded;
    std::string enc;
    ptr.EncodeTo(&enc);
    ASSERT_TRUE(decoded.DecodeFrom(enc));
    EXPECT_EQ(decoded, ptr);
  }
  // Scans return every record of a sealed segment, with matching pointers.
  uint64_t first = vlog->Segments().front().number;
  int n = 0;
  ASSERT_TRUE(vlog->ForEachRecord(first, [&](std::string_view, std::string_view value,
                                            const ValuePointer& p) {
                EXPECT_EQ(p, written[n].first);
                EXPECT_EQ(value, written[n].second);
                ++n;
                return Status::OK();
              }).ok());
  EXPECT_GT(n, 0);
}

// Reads of the active segment interleave with appends: the segment's
// reader is opened at the first read and serves every later append (read
// once with pread, then from its mapping). Every record reads back exactly,
// old and new.
TEST_F(ValueLogTest, ReadsKeepUpWithAGrowingSegment) {
  auto vlog = Make(64 << 20);
  Random rng(11);
  std::vector<std::pair<ValuePointer, std::string>> written;
  for (int i = 0; i < 3000; ++i) {
    std::string key =
        MakeInternalKey(ColumnFamily::kDefault, "k" + std::to_string(i), kMaxVersion, i + 1);
    std::string value = testutil::RandomBytes(&rng, 2000 + rng.Uniform(4000));
    ValuePointer ptr;
    ASSERT_TRUE(vlog->Append(key, value, &ptr).ok());
    ASSERT_TRUE(vlog->Flush().ok());
    written.emplace_back(ptr, value);
    // The newest record, and one picked from all so far.
    for (size_t j : {written.size() - 1, static_cast<size_t>(rng.Uniform(written.size()))}) {
      std::string got, got_key;
      ASSERT_TRUE(vlog->Read(written[j].first, &got_key, &got).ok()) << "record " << j;
      ASSERT_EQ(got, written[j].second) << "record " << j;
    }
  }
  ASSERT_EQ(vlog->Segments().size(), 1u);  // all in the one active segment
  EXPECT_GT(vlog->Segments().front().bytes, 8u << 20);
  for (const auto& [ptr, value] : written) {
    std::string got;
    ASSERT_TRUE(vlog->Read(ptr, nullptr, &got).ok());
    ASSERT_EQ(got, value);
  }
}

TEST_F(ValueLogTest, CorruptionAndBadPointersAreDetected) {
  auto vlog = Make();
  ValuePointer ptr;
  ASSERT_TRUE(vlog->Append(MakeInternalKey(ColumnFamily::kDefault, "k", kMaxVersion, 1),
                           std::string(5000, 'v'), &ptr)
                  .ok());
  ASSERT_TRUE(vlog->Close().ok());
  std::string out;
  ValuePointer bad = ptr;
  bad.size -= 1;
  Status s = vlog->Read(bad, nullptr, &out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  bad = ptr;
  bad.offset += 1000000;
  EXPECT_TRUE(vlog->Read(bad, nullptr, &out).IsCorruption());
  bad = ptr;
  bad.file = 999;
  EXPECT_TRUE(vlog->Read(bad, nullptr, &out).IsNotFound());
  // Flip a byte inside the value.
  std::string path = vlog->SegmentPath(ptr.file);
  std::string contents;
  ASSERT_TRUE(fs_->ReadFileToString(path, &contents).ok());
  contents[ptr.offset + ptr.size - 10] ^= 0x40;
  ASSERT_TRUE(fs_->WriteStringToFileAtomic(path, contents).ok());
  auto reopened = Make();
  s = reopened->Read(ptr, nullptr, &out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(std::to_string(ptr.offset)), std::string::npos) << s.ToString();
}

TEST_F(ValueLogTest, RemoveSegmentMakesReadsNotFound) {
  auto vlog = Make(8 << 10);
  ValuePointer first, second;
  ASSERT_TRUE(vlog->Append(MakeInternalKey(ColumnFamily::kDefault, "a", kMaxVersion, 1),
                           std::string(9000, 'a'), &first)
                  .ok());
  ASSERT_TRUE(vlog->Append(MakeInternalKey(ColumnFamily::kDefault, "b", kMaxVersion, 2),
                           std::string(100, 'b'), &second)
                  .ok());
  ASSERT_NE(first.file, second.file);
  EXPECT_TRUE(vlog->RemoveSegment(second.file).IsInvalidArgument());  // active
  ASSERT_TRUE(vlog->RemoveSegment(first.file).ok());
  std::string out;
  EXPECT_TRUE(vlog->Read(first, nullptr, &out).IsNotFound());
  EXPECT_FALSE(fs_->FileExists(vlog->SegmentPath(first.file)));
  ASSERT_TRUE(vlog->Flush().ok());
  ASSERT_TRUE(vlog->Read(second, nullptr, &out).ok());
  EXPECT_EQ(out, std::string(100, 'b'));
}

// vlog/ is created by Open; a synced value in it must survive a machine
// crash, so Open syncs the parent after creating the directory (regression
// test: the directory's entry was never made durable, and a crash took the
// whole directory with it).
TEST(ValueLogDurabilityTest, CreatedDirectorySurvivesAMachineCrash) {
  testutil::TempDir dir;
  FaultFileSystem::Options fo;
  fo.forward_syncs = false;
  auto fs = std::make_shared<FaultFileSystem>(NewPosixFileSystem(), fo);
  uint64_t next = 10;
  ValueLog vlog(fs.get(), dir.File("vlog"), ValueLogOptions(), [&] { return ++next; });
  ASSERT_TRUE(vlog.Open().ok());
  ValuePointer ptr;
  ASSERT_TRUE(
      vlog.Append(MakeInternalKey(ColumnFamily::kDefault, "k", kMaxVersion, 1), "value", &ptr)
          .ok());
  ASSERT_TRUE(vlog.Sync().ok());
  fs->Freeze();
  ASSERT_TRUE(fs->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  ValueLog reopened(fs.get(), dir.File("vlog"), ValueLogOptions(), [&] { return ++next; });
  ASSERT_TRUE(reopened.Open().ok());
  std::string out;
  Status s = reopened.Read(ptr, nullptr, &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out, "value");
}

}  // namespace
}  // namespace nokv
