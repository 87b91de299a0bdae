// Tests of VlogProbe: what resolves, what is reported and how, and that more
// segments than kMaxOpenSegments are read correctly (LRU of open files).
#include "tools/vlog_probe.h"

#include <gtest/gtest.h>

#include "testutil/test_util.h"

namespace nokv {
namespace {

class VlogProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = NewPosixFileSystem();
    // A 1-byte segment size: every append after the first starts a segment.
    ValueLogOptions o;
    o.segment_size = 1;
    vlog_ = std::make_unique<ValueLog>(fs_.get(), dir_.File("vlog"), o, [this] { return ++next_; });
    ASSERT_TRUE(vlog_->Open().ok());
  }

  ValuePointer Append(const std::string& ikey, const std::string& value) {
    ValuePointer p;
    EXPECT_TRUE(vlog_->Append(ikey, value, &p).ok());
    EXPECT_TRUE(vlog_->Flush().ok());
    return p;
  }

  static std::string Ikey(const std::string& k, uint64_t seq) {
    return MakeInternalKey(ColumnFamily::kDefault, k, kMaxVersion, seq);
  }

  std::shared_ptr<FileSystem> fs_;
  testutil::TempDir dir_;
  std::unique_ptr<ValueLog> vlog_;
  uint64_t next_ = 0;
};

TEST_F(VlogProbeTest, ResolvesIntactRecordsAndNamesEveryFailure) {
  const ValuePointer a = Append(Ikey("a", 1), std::string(300, 'a'));
  const ValuePointer b = Append(Ikey("b", 2), std::string(300, 'b'));
  ASSERT_TRUE(vlog_->Close().ok());
  VlogProbe probe(fs_.get(), dir_.path());
  EXPECT_TRUE(probe.Check(Ikey("a", 1), a).ok());
  EXPECT_TRUE(probe.Check(Ikey("b", 2), b).ok());

  // Another key (or sequence) at that place.
  Status s = probe.Check(Ikey("a", 7), a);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("holds key"), std::string::npos) << s.ToString();
  // Past the end of the segment.
  ValuePointer past = a;
  past.offset += 1000;
  s = probe.Check(Ikey("a", 1), past);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("past the end"), std::string::npos) << s.ToString();
  // Misaligned: not a record boundary.
  ValuePointer shifted = a;
  shifted.offset += 1;
  EXPECT_TRUE(probe.Check(Ikey("a", 1), shifted).IsCorruption());
  // Malformed pointer.
  EXPECT_TRUE(probe.Check(Ikey("a", 1), ValuePointer()).IsCorruption());
  // Missing segment.
  ValuePointer gone = a;
  gone.file = 999;
  s = probe.Check(Ikey("a", 1), gone);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_NE(s.message().find("vlog/000999.vlog"), std::string::npos) << s.ToString();

  // A damaged byte inside b's record.
  const std::string path = vlog_->SegmentPath(b.file);
  std::string data;
  ASSERT_TRUE(fs_->ReadFileToString(path, &data).ok());
  data[b.offset + b.size - 1] ^= 0x01;
  ASSERT_TRUE(fs_->WriteStringToFileAtomic(path, data).ok());
  VlogProbe fresh(fs_.get(), dir_.path());
  s = fresh.Check(Ikey("b", 2), b);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("offset " + std::to_string(b.offset)), std::string::npos);
}

TEST_F(VlogProbeTest, ReadsMoreSegmentsThanItKeepsOpen) {
  std::vector<std::pair<std::string, ValuePointer>> written;
  const int n = static_cast<int>(VlogProbe::kMaxOpenSegments) + 10;
  for (int i = 0; i < n; ++i) {
    const std::string ikey = Ikey("k" + std::to_string(i), i + 1);
    written.emplace_back(ikey, Append(ikey, std::string(200, 'v')));
  }
  ASSERT_TRUE(vlog_->Close().ok());
  ASSERT_GE(vlog_->Segments().size(), static_cast<size_t>(n));
  VlogProbe probe(fs_.get(), dir_.path());
  for (int round = 0; round < 2; ++round) {
    for (const auto& [ikey, ptr] : written) {
      EXPECT_TRUE(probe.Check(ikey, ptr).ok()) << "round " << round;
    }
  }
}

TEST_F(VlogProbeTest, NoValueLogDirectoryMeansNotFoundAndNothingIsCreated) {
  testutil::TempDir empty;
  VlogProbe probe(fs_.get(), empty.path());
  ValuePointer p;
  p.file = 3;
  p.size = 40;
  EXPECT_TRUE(probe.Check(Ikey("a", 1), p).IsNotFound());
  EXPECT_FALSE(fs_->FileExists(empty.File("vlog")));
}

TEST(VlogFrameTest, ParsesOnlyWholeCheckedFrames) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  ValueLog vlog(fs.get(), dir.File("vlog"), ValueLogOptions(), [] { return uint64_t{5}; });
  ASSERT_TRUE(vlog.Open().ok());
  ValuePointer p;
  const std::string ikey = MakeInternalKey(ColumnFamily::kDefault, "key", kMaxVersion, 9);
  ASSERT_TRUE(vlog.Append(ikey, "value", &p).ok());
  ASSERT_TRUE(vlog.Close().ok());
  std::string data;
  ASSERT_TRUE(fs->ReadFileToString(vlog.SegmentPath(5), &data).ok());
  const std::string rec = data.substr(p.offset, p.size);
  uint8_t type = 0;
  std::string_view payload, k, v;
  ASSERT_TRUE(ParseVlogFrame(rec, &type, &payload));
  EXPECT_EQ(type, kVlogValue);
  ASSERT_TRUE(SplitVlogValue(payload, &k, &v));
  EXPECT_EQ(k, ikey);
  EXPECT_EQ(v, "value");
  EXPECT_FALSE(ParseVlogFrame(rec.substr(0, rec.size() - 1), &type, &payload));
  EXPECT_FALSE(ParseVlogFrame(rec + "x", &type, &payload));
  for (size_t i = 0; i < rec.size(); ++i) {
    std::string bad = rec;
    bad[i] ^= 0x10;
    EXPECT_FALSE(ParseVlogFrame(bad, &type, &payload)) << "flip at " << i;
  }
  EXPECT_FALSE(SplitVlogValue(std::string_view("\x7f"
                                               "ab",
                                               3),
                              &k, &v));
}

}  // namespace
}  // namespace nokv
