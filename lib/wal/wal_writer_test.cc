// Tests for WalWriter: round trips through ReplayWalFile and the poisoned
// state after a failing file.
#include "wal/wal_writer.h"

#include <gtest/gtest.h>

#include <vector>

#include "testutil/test_util.h"
#include "vfs/forwarding_file_system.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"

namespace nokv {
namespace {

struct Rec {
  uint8_t type;
  std::string payload;
  uint64_t offset;
};

std::vector<Rec> ReplayAll(FileSystem* fs, const std::string& path, WalReplayResult* result,
                           Status* status) {
  std::vector<Rec> out;
  *status = ReplayWalFile(
      fs, path, /*is_last_segment=*/true,
      [&](uint8_t type, std::string_view payload, uint64_t offset) {
        out.push_back({type, std::string(payload), offset});
        return Status::OK();
      },
      result);
  return out;
}

TEST(WalWriter, RoundTripRandomSizes) {
  const uint64_t seed = testutil::TestSeed(17);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rng(seed);
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  const std::string path = dir.File("000001.wal");

  std::vector<Rec> written;
  {
    auto file = fs->NewWritableFile(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    WalWriter writer(std::move(*file));
    EXPECT_EQ(writer.path(), path);
    for (int i = 0; i < 300; ++i) {
      size_t len;
      if (i == 5 || i == 100) {
        len = 0;
      } else if (i == 50 || i == 250) {
        len = 1 << 20;
      } else {
        len = rng.Uniform(rng.OneIn(10) ? 70000 : 200);
      }
      Rec r{static_cast<uint8_t>(1 + rng.Uniform(255)), testutil::RandomBytes(&rng, len),
            writer.size()};
      ASSERT_TRUE(writer.AddRecord(r.type, r.payload).ok());
      EXPECT_EQ(writer.size(), r.offset + kWalHeaderSize + len);
      written.push_back(std::move(r));
      if (i % 37 == 0) {
        ASSERT_TRUE(writer.Flush().ok());
      }
    }
    ASSERT_TRUE(writer.Sync().ok());
    ASSERT_TRUE(writer.Close().ok());
    EXPECT_TRUE(writer.Close().ok()) << "second Close is a no-op";
  }

  WalReplayResult result;
  Status s;
  std::vector<Rec> read = ReplayAll(fs.get(), path, &result, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(read.size(), written.size());
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].type, written[i].type) << i;
    EXPECT_EQ(read[i].offset, written[i].offset) << i;
    EXPECT_TRUE(read[i].payload == written[i].payload) << i;
  }
  uint64_t size = 0;
  ASSERT_TRUE(fs->GetFileSize(path, &size).ok());
  EXPECT_EQ(result.records, written.size());
  EXPECT_EQ(result.valid_bytes, size);
  EXPECT_FALSE(result.tail_dropped);
  EXPECT_EQ(result.dropped_bytes, 0u);
}

TEST(WalWriter, RejectsTypeZeroWithoutPoisoning) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  auto file = fs->NewWritableFile(dir.File("a.wal"));
  ASSERT_TRUE(file.ok());
  WalWriter writer(std::move(*file));
  EXPECT_TRUE(writer.AddRecord(0, "x").IsInvalidArgument());
  EXPECT_EQ(writer.size(), 0u);
  EXPECT_TRUE(writer.AddRecord(1, "x").ok());
  ASSERT_TRUE(writer.Close().ok());
  EXPECT_TRUE(writer.AddRecord(1, "y").IsClosed());
  EXPECT_TRUE(writer.Sync().IsClosed());
}

TEST(WalWriter, EmptyFileReplaysNothing) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  const std::string path = dir.File("a.wal");
  {
    auto file = fs->NewWritableFile(path);
    ASSERT_TRUE(file.ok());
    WalWriter writer(std::move(*file));
    ASSERT_TRUE(writer.Close().ok());
  }
  WalReplayResult result;
  Status s;
  EXPECT_TRUE(ReplayAll(fs.get(), path, &result, &s).empty());
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(result.tail_dropped);
}

// A WritableFile that fails the Nth Append (counting from 1) and every Sync
// once fail_sync is set.
class FailingFile final : public WritableFile {
 public:
  FailingFile(int fail_append_at, bool fail_sync)
      : fail_append_at_(fail_append_at), fail_sync_(fail_sync) {}
  Status Append(std::string_view data) override {
    if (++appends_ == fail_append_at_) {
      size_ += data.size() / 2;  // a partial write reached the file
      return Status::IOError(path_ + ": disk full");
    }
    size_ += data.size();
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override {
    return fail_sync_ ? Status::IOError(path_ + ": fdatasync failed") : Status::OK();
  }
  Status Close() override { return Status::OK(); }
  uint64_t Size() const override { return size_; }
  const std::string& path() const override { return path_; }
  int appends() const { return appends_; }

 private:
  const std::string path_ = "/fake/000007.wal";
  int fail_append_at_;
  bool fail_sync_;
  int appends_ = 0;
  uint64_t size_ = 0;
};

TEST(WalWriter, PoisonedAfterFailedAppend) {
  // Fail the header append of the second record, then the payload append.
  for (int fail_at : {3, 4}) {
    SCOPED_TRACE("fail_at=" + std::to_string(fail_at));
    auto owned = std::make_unique<FailingFile>(fail_at, false);
    FailingFile* file = owned.get();
    WalWriter writer(std::move(owned));
    ASSERT_TRUE(writer.AddRecord(1, "first").ok());
    Status s = writer.AddRecord(1, "second");
    ASSERT_TRUE(s.IsIOError());
    EXPECT_NE(s.message().find("disk full"), std::string::npos);
    const int appends = file->appends();
    for (Status later : {writer.AddRecord(1, "third"), writer.Flush(), writer.Sync()}) {
      EXPECT_TRUE(later.IsIOError());
      EXPECT_EQ(later.message(), s.message());
    }
    EXPECT_EQ(file->appends(), appends) << "nothing more reaches a poisoned file";
    EXPECT_EQ(writer.Close().message(), s.message());
    EXPECT_EQ(writer.Close().message(), s.message());
  }
}

TEST(WalWriter, PoisonedAfterFailedSync) {
  auto owned = std::make_unique<FailingFile>(0, true);
  WalWriter writer(std::move(owned));
  ASSERT_TRUE(writer.AddRecord(2, "a").ok());
  Status s = writer.Sync();
  ASSERT_TRUE(s.IsIOError());
  EXPECT_TRUE(writer.AddRecord(2, "b").IsIOError());
  EXPECT_TRUE(writer.Flush().IsIOError());
  EXPECT_EQ(writer.AddRecord(2, "b").message(), s.message());
}

// Records each Preallocate call; fails them once fail is set.
class PreallocRecordingFile : public ForwardingWritableFile {
 public:
  PreallocRecordingFile(std::unique_ptr<WritableFile> base, std::vector<uint64_t>* calls,
                        bool fail)
      : ForwardingWritableFile(std::move(base)), calls_(calls), fail_(fail) {}
  Status Preallocate(uint64_t bytes) override {
    calls_->push_back(bytes);
    if (fail_) return Status::IOError("no space left for the reservation");
    return ForwardingWritableFile::Preallocate(bytes);
  }

 private:
  std::vector<uint64_t>* calls_;
  bool fail_;
};

TEST(WalWriter, PreallocatesAChunkAheadOfTheRecords) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  const std::string path = dir.File("wal");
  std::vector<uint64_t> calls;
  {
    auto file = fs->NewWritableFile(path);
    ASSERT_TRUE(file.ok());
    WalWriter writer(std::make_unique<PreallocRecordingFile>(std::move(*file), &calls, false));
    writer.set_preallocate_chunk(1000);
    const std::string payload(91, 'p');  // 100 bytes a record with its header
    for (int i = 0; i < 25; ++i) ASSERT_TRUE(writer.AddRecord(1, payload).ok());
    ASSERT_TRUE(writer.Sync().ok());
    ASSERT_TRUE(writer.Close().ok());
    EXPECT_TRUE(writer.preallocate_error().ok());
  }
  // Reserved to 100 + 1000 at the first record, then again when record 12
  // would pass 1100 (it ends at 1200), then when record 23 ends at 2300.
  EXPECT_EQ(calls, (std::vector<uint64_t>{1100, 2200, 3300}));
  WalReplayResult result;
  Status s;
  auto recs = ReplayAll(fs.get(), path, &result, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(recs.size(), 25u);
  EXPECT_FALSE(result.tail_dropped);
  uint64_t size = 0;
  ASSERT_TRUE(fs->GetFileSize(path, &size).ok());
  EXPECT_EQ(size, 2500u);
}

TEST(WalWriter, FailedPreallocationTurnsItOffAndKeepsTheRecords) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  const std::string path = dir.File("wal");
  std::vector<uint64_t> calls;
  auto file = fs->NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  WalWriter writer(std::make_unique<PreallocRecordingFile>(std::move(*file), &calls, true));
  writer.set_preallocate_chunk(64);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(writer.AddRecord(1, std::string(100, 'x')).ok());
  ASSERT_TRUE(writer.Sync().ok());
  EXPECT_EQ(calls.size(), 1u) << "one failure turns reservations off";
  EXPECT_TRUE(writer.preallocate_error().IsIOError());
  ASSERT_TRUE(writer.Close().ok());
  WalReplayResult result;
  Status s;
  EXPECT_EQ(ReplayAll(fs.get(), path, &result, &s).size(), 10u);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

}  // namespace
}  // namespace nokv
