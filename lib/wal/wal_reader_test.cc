// Tests for ReplayWalFile's damage policy: torn tails, bit flips, zero-filled
// tails, callback errors, and the difference between the last segment and
// earlier ones.
#include "wal/wal_reader.h"

#include <gtest/gtest.h>

#include <vector>

#include "testutil/test_util.h"
#include "wal/wal_format.h"
#include "wal/wal_writer.h"

namespace nokv {
namespace {

class WalReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const uint64_t seed = testutil::TestSeed(4242);
    seed_trace_ = std::make_unique<::testing::ScopedTrace>(__FILE__, __LINE__,
                                                           "seed=" + std::to_string(seed));
    Random rng(seed);
    path_ = dir_.File("000003.wal");
    // Records of assorted sizes; the last one is large enough to cut anywhere.
    auto file = fs_->NewWritableFile(path_);
    ASSERT_TRUE(file.ok());
    WalWriter writer(std::move(*file));
    for (int i = 0; i < 20; ++i) {
      const size_t len = (i == 19) ? 300 : rng.Uniform(100);
      payloads_.push_back(testutil::RandomBytes(&rng, len));
      offsets_.push_back(writer.size());
      ASSERT_TRUE(writer.AddRecord(1, payloads_.back()).ok());
    }
    ASSERT_TRUE(writer.Close().ok());
    ASSERT_TRUE(fs_->ReadFileToString(path_, &image_).ok());
  }

  void WriteImage(const std::string& bytes) {
    auto file = fs_->NewWritableFile(path_);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append(bytes).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }

  Status Replay(bool last, WalReplayResult* result) {
    replayed_.clear();
    return ReplayWalFile(
        fs_.get(), path_, last,
        [&](uint8_t type, std::string_view payload, uint64_t offset) {
          EXPECT_EQ(type, 1);
          const size_t i = replayed_.size();
          EXPECT_LT(i, payloads_.size());
          if (i < payloads_.size()) {
            EXPECT_EQ(offset, offsets_[i]);
            EXPECT_TRUE(payload == payloads_[i]) << "record " << i;
          }
          replayed_.emplace_back(payload);
          return Status::OK();
        },
        result);
  }

  static bool Contains(const Status& s, const std::string& needle) {
    return s.message().find(needle) != std::string::npos;
  }

  testutil::TempDir dir_;
  std::shared_ptr<FileSystem> fs_ = NewPosixFileSystem();
  std::unique_ptr<::testing::ScopedTrace> seed_trace_;
  std::string path_;
  std::string image_;
  std::vector<std::string> payloads_;
  std::vector<uint64_t> offsets_;
  std::vector<std::string> replayed_;
};

TEST_F(WalReplayTest, TruncationAtEveryOffsetOfTheLastRecord) {
  const size_t last = offsets_.back();
  for (size_t cut = last; cut <= image_.size(); ++cut) {
    SCOPED_TRACE("cut=" + std::to_string(cut));
    WriteImage(image_.substr(0, cut));
    const bool whole = (cut == last || cut == image_.size());
    const uint64_t expect_records = payloads_.size() - (cut == image_.size() ? 0 : 1);

    WalReplayResult result;
    Status s = Replay(/*last=*/true, &result);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(result.records, expect_records);
    EXPECT_EQ(replayed_.size(), expect_records);
    EXPECT_EQ(result.valid_bytes, cut == image_.size() ? image_.size() : last);
    EXPECT_EQ(result.tail_dropped, !whole);
    EXPECT_EQ(result.dropped_bytes, whole ? 0 : cut - last);
    if (!whole) {
      EXPECT_NE(result.tail_reason.find("offset " + std::to_string(last)), std::string::npos)
          << result.tail_reason;
    }

    s = Replay(/*last=*/false, &result);
    if (whole) {
      EXPECT_TRUE(s.ok()) << s.ToString();
    } else {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_TRUE(Contains(s, path_)) << s.ToString();
      EXPECT_TRUE(Contains(s, "offset " + std::to_string(last))) << s.ToString();
      EXPECT_EQ(result.records, payloads_.size() - 1);
    }
  }
}

TEST_F(WalReplayTest, BitFlipInFinalRecordDropsTail) {
  const size_t last = offsets_.back();
  for (size_t pos = last; pos < image_.size(); ++pos) {
    for (int bit : {0, 7}) {
      SCOPED_TRACE("pos=" + std::to_string(pos) + " bit=" + std::to_string(bit));
      std::string damaged = image_;
      damaged[pos] = static_cast<char>(damaged[pos] ^ (1 << bit));
      WriteImage(damaged);
      WalReplayResult result;
      Status s = Replay(/*last=*/true, &result);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(result.records, payloads_.size() - 1);
      EXPECT_TRUE(result.tail_dropped);
      EXPECT_EQ(result.valid_bytes, last);
      EXPECT_EQ(result.dropped_bytes, image_.size() - last);

      s = Replay(/*last=*/false, &result);
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_TRUE(Contains(s, "offset " + std::to_string(last))) << s.ToString();
    }
  }
}

TEST_F(WalReplayTest, BitFlipInEarlyRecordIsCorruption) {
  // Every byte of record 3 (header and payload) in turn.
  const size_t begin = offsets_[3];
  const size_t end = offsets_[4];
  for (size_t pos = begin; pos < end; ++pos) {
    SCOPED_TRACE("pos=" + std::to_string(pos));
    std::string damaged = image_;
    damaged[pos] = static_cast<char>(damaged[pos] ^ 0x10);
    WriteImage(damaged);
    for (bool last : {true, false}) {
      WalReplayResult result;
      Status s = Replay(last, &result);
      ASSERT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_TRUE(Contains(s, path_)) << s.ToString();
      EXPECT_TRUE(Contains(s, "corrupt record at offset " + std::to_string(begin)))
          << s.ToString();
      if (last) {
        EXPECT_TRUE(Contains(s, "valid records follow at offset " + std::to_string(end)))
            << s.ToString();
      }
      EXPECT_EQ(result.records, 3u);
      EXPECT_EQ(result.valid_bytes, begin);
      EXPECT_FALSE(result.tail_dropped);
    }
  }
}

TEST_F(WalReplayTest, ZeroFilledTail) {
  for (size_t zeros : {1, 8, 9, 10, 4096, 100000}) {
    SCOPED_TRACE("zeros=" + std::to_string(zeros));
    WriteImage(image_ + std::string(zeros, '\0'));
    WalReplayResult result;
    Status s = Replay(/*last=*/true, &result);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(result.records, payloads_.size());
    EXPECT_TRUE(result.tail_dropped);
    EXPECT_EQ(result.valid_bytes, image_.size());
    EXPECT_EQ(result.dropped_bytes, zeros);

    s = Replay(/*last=*/false, &result);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_TRUE(Contains(s, "offset " + std::to_string(image_.size()))) << s.ToString();
  }
}

TEST_F(WalReplayTest, ZeroedRegionBeforeValidRecordsIsCorruption) {
  // A crash that zeroed a middle record must not hide the records after it.
  std::string damaged = image_;
  std::fill(damaged.begin() + static_cast<long>(offsets_[5]),
            damaged.begin() + static_cast<long>(offsets_[6]), '\0');
  WriteImage(damaged);
  WalReplayResult result;
  Status s = Replay(/*last=*/true, &result);
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_TRUE(Contains(s, "valid records follow at offset " + std::to_string(offsets_[6])))
      << s.ToString();
}

TEST_F(WalReplayTest, ImpossibleLengthAndGarbageTail) {
  // A header claiming more than 1 GiB, followed by garbage with no record.
  Random rng(99);
  std::string header(kWalHeaderSize, '\0');
  header[4] = header[5] = header[6] = header[7] = '\xff';
  header[8] = 1;
  WriteImage(image_ + header + testutil::RandomBytes(&rng, 5000));
  WalReplayResult result;
  Status s = Replay(/*last=*/true, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(result.tail_dropped);
  EXPECT_EQ(result.records, payloads_.size());
  EXPECT_NE(result.tail_reason.find("length"), std::string::npos) << result.tail_reason;
}

TEST_F(WalReplayTest, DamagedLengthRunningPastEofWithValidRecordsAfter) {
  // Record 2's length is rewritten to reach past end of file. The checksum
  // cannot be checked, but intact records follow, so this is not a torn write.
  std::string damaged = image_;
  damaged[offsets_[2] + 6] = '\x7f';  // length now ~8 MiB > file size, < 1 GiB
  WriteImage(damaged);
  WalReplayResult result;
  Status s = Replay(/*last=*/true, &result);
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_TRUE(Contains(s, "corrupt record at offset " + std::to_string(offsets_[2])))
      << s.ToString();
  EXPECT_TRUE(Contains(s, "valid records follow at offset " + std::to_string(offsets_[3])))
      << s.ToString();
}

TEST_F(WalReplayTest, PathologicalTailScanTerminates) {
  // Every offset decodes as a plausible header; the scan must stay cheap.
  std::string tail;
  for (int i = 0; i < 64 * 1024; ++i) tail.append("\x01\x00\x00\x00", 4);
  WriteImage(image_ + tail);
  WalReplayResult result;
  Status s = Replay(/*last=*/true, &result);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(result.tail_dropped);
  EXPECT_EQ(result.dropped_bytes, tail.size());
}

TEST_F(WalReplayTest, CallbackErrorAbortsReplay) {
  int calls = 0;
  WalReplayResult result;
  Status s = ReplayWalFile(
      fs_.get(), path_, true,
      [&](uint8_t, std::string_view, uint64_t) {
        return ++calls == 4 ? Status::Aborted("stop here") : Status::OK();
      },
      &result);
  ASSERT_TRUE(s.IsAborted()) << s.ToString();
  EXPECT_TRUE(Contains(s, path_));
  EXPECT_TRUE(Contains(s, "offset " + std::to_string(offsets_[3])));
  EXPECT_TRUE(Contains(s, "stop here"));
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(result.records, 3u);
}

TEST_F(WalReplayTest, MissingFileIsAnError) {
  WalReplayResult result;
  Status s = ReplayWalFile(
      fs_.get(), dir_.File("absent.wal"), true,
      [](uint8_t, std::string_view, uint64_t) { return Status::OK(); }, &result);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(result.records, 0u);
}

}  // namespace
}  // namespace nokv
