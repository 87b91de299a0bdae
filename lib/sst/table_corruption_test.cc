// Damaged SST files: every failure must surface as Corruption naming the file
// (and, for blocks, the offset), never as a crash or an out-of-bounds read.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/internal_key.h"
#include "base/random.h"
#include "sst/table_builder.h"
#include "sst/table_format.h"
#include "sst/table_reader.h"
#include "testutil/test_util.h"
#include "vfs/file_system.h"

namespace nokv {
namespace {

class TableCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Random rng(testutil::TestSeed(501));
    std::map<std::string, std::string, InternalKeyLess> sorted;
    for (int i = 0; i < 3000; ++i) {
      std::string value;
      AppendValueRecord(&value, ValueRecord{0, 0, testutil::RandomBytes(&rng, 40)});
      sorted.emplace(MakeInternalKey(ColumnFamily::kDefault, "key" + std::to_string(i), 1,
                                     static_cast<uint64_t>(i)),
                     value);
    }
    entries_.assign(sorted.begin(), sorted.end());
    auto file = fs_->NewWritableFile(path_);
    ASSERT_TRUE(file.ok());
    TableBuilder builder(TableOptions(), file->get());
    for (const auto& [k, v] : entries_) builder.Add(k, v);
    ASSERT_TRUE(builder.Finish().ok());
    ASSERT_TRUE((*file)->Close().ok());
    ASSERT_TRUE(fs_->ReadFileToString(path_, &contents_).ok());
  }

  Result<std::unique_ptr<TableReader>> Open() {
    auto file = fs_->NewRandomAccessFile(path_);
    if (!file.ok()) return file.status();
    return TableReader::Open(TableOptions(), std::move(file).value(), 1, nullptr);
  }

  void Rewrite(const std::string& data) {
    ASSERT_TRUE(fs_->WriteStringToFileAtomic(path_, data).ok());
  }

  // Handle of the i-th data block, from a pristine open.
  BlockHandle DataBlock(int i) {
    auto table = Open();
    EXPECT_TRUE(table.ok());
    auto it = (*table)->index_block().NewIterator();
    it->SeekToFirst();
    for (int j = 0; j < i; ++j) it->Next();
    EXPECT_TRUE(it->Valid());
    std::string_view v = it->value();
    BlockHandle h;
    EXPECT_TRUE(h.DecodeFrom(&v));
    return h;
  }

  void ExpectOpenCorruption(const std::string& data, const std::string& fragment) {
    Rewrite(data);
    auto table = Open();
    ASSERT_FALSE(table.ok());
    EXPECT_TRUE(table.status().IsCorruption()) << table.status().ToString();
    EXPECT_NE(table.status().message().find(path_), std::string::npos)
        << table.status().ToString();
    EXPECT_NE(table.status().message().find(fragment), std::string::npos)
        << table.status().ToString();
  }

  testutil::TempDir dir_;
  std::shared_ptr<FileSystem> fs_ = NewPosixFileSystem();
  std::string path_ = dir_.File("000007.sst");
  std::vector<std::pair<std::string, std::string>> entries_;
  std::string contents_;
};

TEST_F(TableCorruptionTest, FlippedByteInDataBlockIsReportedWithOffset) {
  const BlockHandle second = DataBlock(1);
  std::string bad = contents_;
  bad[second.offset + 7] ^= 0x40;
  Rewrite(bad);
  auto table = Open();
  ASSERT_TRUE(table.ok()) << table.status().ToString();  // index/meta are intact

  auto it = (*table)->NewIterator();
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_GT(n, 0u);  // the first block was fine
  EXPECT_LT(n, entries_.size());
  ASSERT_TRUE(it->status().IsCorruption()) << it->status().ToString();
  const std::string msg = it->status().message();
  EXPECT_NE(msg.find(path_), std::string::npos) << msg;
  EXPECT_NE(msg.find("block at offset " + std::to_string(second.offset)), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("checksum mismatch"), std::string::npos) << msg;

  // Seeking elsewhere still works and clears the error.
  it->Seek(entries_.back().first);
  ASSERT_TRUE(it->Valid());
  EXPECT_TRUE(it->status().ok());

  uint64_t checked = 0;
  Status s = (*table)->VerifyChecksums(&checked);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(checked, 1u);

  // Without checksum verification the damage may go unnoticed, but nothing
  // may crash.
  auto unchecked = (*table)->NewIterator(/*verify_checksums=*/false);
  for (unchecked->SeekToFirst(); unchecked->Valid(); unchecked->Next()) {
  }
  EXPECT_TRUE(unchecked->status().ok() || unchecked->status().IsCorruption());
}

TEST_F(TableCorruptionTest, FirstBlockCorruptionNamesOffsetZero) {
  std::string bad = contents_;
  bad[3] ^= 0x01;
  Rewrite(bad);
  auto table = Open();
  ASSERT_TRUE(table.ok());
  auto it = (*table)->NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
  EXPECT_NE(it->status().message().find("block at offset 0:"), std::string::npos)
      << it->status().ToString();
}

TEST_F(TableCorruptionTest, TruncatedFileFailsToOpen) {
  ExpectOpenCorruption(contents_.substr(0, contents_.size() - 1), "bad magic");
  ExpectOpenCorruption(contents_.substr(0, contents_.size() / 2), "");
  ExpectOpenCorruption(contents_.substr(0, 10), "too small");
  ExpectOpenCorruption("", "too small");
}

TEST_F(TableCorruptionTest, BadMagicFailsToOpen) {
  std::string bad = contents_;
  bad[bad.size() - 1] ^= 0x01;
  ExpectOpenCorruption(bad, "bad magic");
}

TEST_F(TableCorruptionTest, FooterChecksumMismatchFailsToOpen) {
  std::string bad = contents_;
  bad[bad.size() - kFooterSize + 3] ^= 0x01;  // inside the index handle
  ExpectOpenCorruption(bad, "footer at offset");
}

TEST_F(TableCorruptionTest, UnknownVersionFailsToOpen) {
  std::string bad = contents_;
  char* footer = bad.data() + bad.size() - kFooterSize;
  EncodeFixed32(footer + 48, kTableFormatVersion + 1);
  EncodeFixed32(footer + 52, crc32c::Mask(crc32c::Value(footer, 52)));
  ExpectOpenCorruption(bad, "unsupported format version");
}

TEST_F(TableCorruptionTest, HandlePastEndOfFileFailsToOpen) {
  std::string bad = contents_;
  char* footer = bad.data() + bad.size() - kFooterSize;
  EncodeFixed64(footer + 8, uint64_t{1} << 62);  // index size
  EncodeFixed32(footer + 52, crc32c::Mask(crc32c::Value(footer, 52)));
  ExpectOpenCorruption(bad, "");
}

TEST_F(TableCorruptionTest, DamagedIndexFailsToOpen) {
  auto table = Open();
  ASSERT_TRUE(table.ok());
  const uint64_t index_offset = (*table)->properties().data_bytes +
                                (*table)->properties().filter_bytes;
  std::string bad = contents_;
  bad[index_offset + 2] ^= 0x10;
  ExpectOpenCorruption(bad, "block at offset " + std::to_string(index_offset));
}

TEST_F(TableCorruptionTest, RandomDamageNeverCrashes) {
  Random rng(testutil::TestSeed(502));
  for (int trial = 0; trial < 60; ++trial) {
    std::string bad = contents_;
    for (int f = 0; f < 3; ++f) bad[rng.Uniform(bad.size())] ^= static_cast<char>(1 + rng.Uniform(255));
    Rewrite(bad);
    auto table = Open();
    if (!table.ok()) {
      EXPECT_TRUE(table.status().IsCorruption()) << table.status().ToString();
      continue;
    }
    for (bool verify : {true, false}) {
      auto it = (*table)->NewIterator(verify);
      size_t steps = 0;
      for (it->SeekToFirst(); it->Valid() && steps < 10000; it->Next()) ++steps;
      for (it->SeekToLast(); it->Valid() && steps < 20000; it->Prev()) ++steps;
      it->Seek(entries_[rng.Uniform(entries_.size())].first);
      EXPECT_TRUE(it->status().ok() || it->status().IsCorruption()) << it->status().ToString();
    }
  }
}

}  // namespace
}  // namespace nokv
