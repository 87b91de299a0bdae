// Tests for block handles, the footer, block trailers, ReadBlock and the
// compression codecs.
#include "sst/table_format.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/coding.h"
#include "base/random.h"
#include "sst/compression.h"
#include "sst/memory_file_testutil.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

// payload + trailer of the given type.
std::string StoredBlock(std::string_view payload, uint8_t type) {
  std::string out(payload);
  char trailer[kBlockTrailerSize];
  EncodeBlockTrailer(payload, type, trailer);
  out.append(trailer, kBlockTrailerSize);
  return out;
}

TEST(TableFormatTest, BlockHandleRoundTrip) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{300}, UINT64_MAX}) {
    std::string enc;
    BlockHandle h{v, v / 3};
    h.EncodeTo(&enc);
    EXPECT_LE(enc.size(), BlockHandle::kMaxEncodedLength);
    std::string_view in = enc;
    BlockHandle out;
    ASSERT_TRUE(out.DecodeFrom(&in));
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(out.offset, h.offset);
    EXPECT_EQ(out.size, h.size);
    std::string_view truncated = std::string_view(enc).substr(0, enc.size() - 1);
    EXPECT_FALSE(out.DecodeFrom(&truncated));
  }
}

TEST(TableFormatTest, FooterRoundTripAndChecks) {
  Footer f;
  f.index = {100, 20};
  f.filter = {0, 0};
  f.properties = {125, 30};
  std::string enc;
  f.EncodeTo(&enc);
  ASSERT_EQ(enc.size(), kFooterSize);
  Footer g;
  ASSERT_TRUE(g.DecodeFrom(enc, "p", 0).ok());
  EXPECT_EQ(g.index.offset, 100u);
  EXPECT_EQ(g.properties.size, 30u);
  EXPECT_EQ(g.version, kTableFormatVersion);

  std::string bad = enc;
  bad[5] ^= 1;
  Status s = g.DecodeFrom(bad, "p", 77);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("p: footer at offset 77"), std::string::npos) << s.ToString();
  EXPECT_TRUE(g.DecodeFrom(enc.substr(1), "p", 0).IsCorruption());
}

TEST(TableFormatTest, ReadBlockVerifiesAndBoundsChecks) {
  const std::string payload = "hello block";
  CopyingMemoryFile file("xyz" + StoredBlock(payload, 0));
  std::string out;
  ASSERT_TRUE(ReadBlock(file, {3, payload.size()}, true, &out).ok());
  EXPECT_EQ(out, payload);

  // Handles that leave the file.
  for (BlockHandle h : {BlockHandle{3, payload.size() + 1}, BlockHandle{4, payload.size()},
                        BlockHandle{UINT64_MAX, 1}, BlockHandle{3, UINT64_MAX}}) {
    Status s = ReadBlock(file, h, true, &out);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find("mem/000042.sst: block at offset " + std::to_string(h.offset)),
              std::string::npos)
        << s.ToString();
  }
}

// Blocks small enough for ReadBlock's reused per-thread scratch and larger
// ones (a buffer of their own), from files that copy into scratch and from
// files that return their own memory: each read returns its own contents,
// unaffected by later reads through the same scratch.
TEST(TableFormatTest, ReadBlockSmallAndLargeBlocksFromCopyingAndInPlaceFiles) {
  Random rnd(7);
  const std::vector<std::string> payloads = {
      "a", std::string(4000, 'b'), std::string((64 << 10) - kBlockTrailerSize, 'c'),
      std::string((64 << 10) - kBlockTrailerSize + 1, 'd'), std::string(300 << 10, 'e')};
  std::string image;
  std::vector<BlockHandle> handles;
  for (std::string p : payloads) {
    p[0] = static_cast<char>(rnd.Uniform(256));
    handles.push_back({image.size(), p.size()});
    image += StoredBlock(p, 0);
  }
  CopyingMemoryFile copying(image);
  InPlaceMemoryFile in_place(image);
  for (const RandomAccessFile* file : {static_cast<const RandomAccessFile*>(&copying),
                                       static_cast<const RandomAccessFile*>(&in_place)}) {
    std::vector<std::string> got(handles.size());
    for (size_t i = 0; i < handles.size(); ++i) {
      ASSERT_TRUE(ReadBlock(*file, handles[i], true, &got[i]).ok()) << file->path() << " " << i;
    }
    for (size_t i = 0; i < handles.size(); ++i) {
      EXPECT_EQ(got[i], image.substr(handles[i].offset, handles[i].size))
          << file->path() << " block " << i;
    }
  }
}

TEST(TableFormatTest, ReadBlockDetectsChecksumMismatch) {
  std::string stored = StoredBlock("payload bytes", 0);
  stored[2] ^= 0x20;
  CopyingMemoryFile file(stored);
  std::string out;
  Status s = ReadBlock(file, {0, 13}, true, &out);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.message(), "mem/000042.sst: block at offset 0: checksum mismatch");
  EXPECT_TRUE(ReadBlock(file, {0, 13}, false, &out).ok());  // not verified
}

TEST(TableFormatTest, ReadBlockRejectsUnknownCompressionType) {
  CopyingMemoryFile file(StoredBlock("payload", 9));
  std::string out;
  Status s = ReadBlock(file, {0, 7}, true, &out);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("unknown compression type 9"), std::string::npos) << s.ToString();
}

TEST(TableFormatTest, CompressedBlocksRoundTrip) {
  Random rng(testutil::TestSeed(601));
  const std::string raw = std::string(3000, 'a') + testutil::RandomBytes(&rng, 100);
  for (CompressionType type : {CompressionType::kLz4, CompressionType::kZstd}) {
    std::string compressed;
    ASSERT_TRUE(CompressBlock(type, raw, &compressed));
    EXPECT_LT(compressed.size(), raw.size() / 2);
    CopyingMemoryFile file(StoredBlock(compressed, static_cast<uint8_t>(type)));
    std::string out;
    ASSERT_TRUE(ReadBlock(file, {0, compressed.size()}, true, &out).ok());
    EXPECT_EQ(out, raw);

    // Damaged payloads (stored with a valid CRC) are Corruption, not crashes.
    for (size_t pos : {size_t{0}, size_t{1}, compressed.size() / 2, compressed.size() - 1}) {
      std::string bad = compressed;
      bad[pos] ^= 0x5a;
      CopyingMemoryFile bad_file(StoredBlock(bad, static_cast<uint8_t>(type)));
      Status s = ReadBlock(bad_file, {0, bad.size()}, true, &out);
      if (!s.ok()) {
        EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      }
    }
    std::string truncated = compressed.substr(0, compressed.size() / 2);
    EXPECT_TRUE(UncompressBlock(type, truncated, &out).IsCorruption());
  }
  std::string unused;
  EXPECT_FALSE(CompressBlock(CompressionType::kNone, raw, &unused));
  // An LZ4 payload claiming an absurd raw size is rejected before allocating.
  std::string absurd;
  PutVarint32(&absurd, 1u << 29);
  absurd += "xx";
  EXPECT_TRUE(UncompressBlock(CompressionType::kLz4, absurd, &unused).IsCorruption());
}

}  // namespace
}  // namespace nokv
