// Tests for TableBuilder / TableReader: round trips, properties, caching and
// behaviour on damaged files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/internal_key.h"
#include "base/random.h"
#include "sst/table_builder.h"
#include "sst/table_format.h"
#include "sst/memory_file_testutil.h"
#include "sst/table_reader.h"
#include "testutil/test_util.h"
#include "vfs/file_system.h"

namespace nokv {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// In-memory files: the table layer only needs Append and positional reads.
class StringSink final : public WritableFile {
 public:
  explicit StringSink(size_t fail_after = SIZE_MAX) : fail_after_(fail_after) {}
  Status Append(std::string_view data) override {
    if (contents_.size() + data.size() > fail_after_) return Status::IOError("disk full");
    contents_.append(data);
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  uint64_t Size() const override { return contents_.size(); }
  const std::string& path() const override { return path_; }
  std::string& contents() { return contents_; }

 private:
  size_t fail_after_;
  std::string contents_;
  std::string path_ = "mem/000001.sst";
};

std::string Value(uint8_t meta, std::string_view payload) {
  std::string out;
  AppendValueRecord(&out, ValueRecord{meta, 0, payload});
  return out;
}

// ~n sorted entries over three column families, several versions per user
// key, compressible values, some tombstones.
Entries MakeEntries(Random* rng, size_t n) {
  std::map<std::string, std::string, InternalKeyLess> sorted;
  uint64_t seq = 1;
  while (sorted.size() < n) {
    const auto cf = static_cast<ColumnFamily>(rng->Uniform(3));
    char user[32];
    std::snprintf(user, sizeof(user), "user%08llu",
                  static_cast<unsigned long long>(rng->Uniform(n)));
    const uint64_t version = rng->OneIn(3) ? kMaxVersion : 1 + rng->Uniform(1000);
    uint8_t meta = 0;
    if (rng->OneIn(10)) meta = kMetaDelete;
    if (rng->OneIn(50)) meta = kMetaRangeDelete;
    std::string payload = meta == kMetaDelete ? "" : std::string(rng->Uniform(64), 'v') + user;
    sorted.emplace(MakeInternalKey(cf, user, version, seq++), Value(meta, payload));
  }
  return Entries(sorted.begin(), sorted.end());
}

std::string BuildTable(const TableOptions& options, const Entries& entries) {
  StringSink sink;
  TableBuilder builder(options, &sink);
  for (const auto& [k, v] : entries) builder.Add(k, v);
  EXPECT_EQ(builder.NumEntries(), entries.size());
  Status s = builder.Finish();
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(builder.FileSize(), sink.contents().size());
  return sink.contents();
}

std::unique_ptr<TableReader> OpenTable(std::string contents, BlockCache* cache,
                                       uint64_t file_number = 1) {
  auto r = TableReader::Open(TableOptions(),
                             std::make_unique<CopyingMemoryFile>(std::move(contents)),
                             file_number, cache);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

// Same user part, one sequence lower: sorts right after ikey.
std::string ProbeAfter(const std::string& ikey) {
  std::string probe(ikey);
  const uint64_t seq = InternalKeySequence(ikey);
  EncodeBigEndian64(probe.data() + probe.size() - 8, ~(seq - 1));
  return probe;
}

class TableRoundTripTest : public ::testing::TestWithParam<CompressionType> {};

TEST_P(TableRoundTripTest, IterateSeekAndFilter) {
  Random rng(testutil::TestSeed(401));
  const Entries entries = MakeEntries(&rng, 20000);
  TableOptions options;
  options.compression = GetParam();
  const std::string file = BuildTable(options, entries);
  BlockCache cache(1 << 20);
  auto table = OpenTable(file, &cache);
  ASSERT_NE(table, nullptr);
  EXPECT_GT(table->properties().num_data_blocks, 10u);
  EXPECT_EQ(table->file_size(), file.size());

  auto it = table->NewIterator();
  size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_EQ(it->key(), entries[i].first) << i;
    ASSERT_EQ(it->value(), entries[i].second) << i;
  }
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  ASSERT_EQ(i, entries.size());

  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ASSERT_GT(i, 0u);
    --i;
    ASSERT_EQ(it->key(), entries[i].first) << i;
  }
  ASSERT_TRUE(it->status().ok());
  ASSERT_EQ(i, 0u);

  for (size_t j = 0; j < entries.size(); ++j) {
    const std::string& key = entries[j].first;
    it->Seek(key);
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(it->key(), key);
    ASSERT_EQ(it->value(), entries[j].second);
    it->SeekForPrev(key);
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(it->key(), key);

    // Between this key and the next one.
    const std::string probe = ProbeAfter(key);
    if (probe == (j + 1 < entries.size() ? entries[j + 1].first : "")) continue;
    it->Seek(probe);
    if (j + 1 < entries.size()) {
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(it->key(), entries[j + 1].first);
      it->Prev();
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(it->key(), key);
    } else {
      ASSERT_FALSE(it->Valid());
    }
    it->SeekForPrev(probe);
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(it->key(), key);
    ASSERT_TRUE(table->MayContain(UserPart(key)));
  }
  it->Seek(MakeInternalKey(ColumnFamily::kDefault, "", kMaxVersion, kMaxSequence));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), entries.front().first);
  it->SeekForPrev(MakeInternalKey(ColumnFamily::kDefault, "", kMaxVersion, kMaxSequence));
  EXPECT_FALSE(it->Valid());
  it->Seek(MakeInternalKey(ColumnFamily::kWrite, "zzz", 0, 0));
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev(MakeInternalKey(ColumnFamily::kWrite, "zzz", 0, 0));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), entries.back().first);
  EXPECT_TRUE(it->status().ok());

  // Bloom: absent user keys are mostly rejected.
  int false_positives = 0;
  for (int k = 0; k < 10000; ++k) {
    const std::string absent = MakeInternalKey(ColumnFamily::kDefault,
                                               "absent" + std::to_string(k), 1, 1);
    false_positives += table->MayContain(UserPart(absent)) ? 1 : 0;
  }
  EXPECT_LE(false_positives, 200);

  uint64_t checked = 0;
  ASSERT_TRUE(table->VerifyChecksums(&checked).ok());
  EXPECT_EQ(checked, table->properties().num_data_blocks + 3);
}

INSTANTIATE_TEST_SUITE_P(Compression, TableRoundTripTest,
                         ::testing::Values(CompressionType::kNone, CompressionType::kLz4,
                                           CompressionType::kZstd),
                         [](const auto& info) {
                           switch (info.param) {
                             case CompressionType::kNone: return std::string("None");
                             case CompressionType::kLz4: return std::string("Lz4");
                             case CompressionType::kZstd: return std::string("Zstd");
                           }
                           return std::string("Unknown");
                         });

TEST(TableTest, CompressionShrinksCompressibleData) {
  Random rng(testutil::TestSeed(402));
  const Entries entries = MakeEntries(&rng, 3000);
  TableOptions options;
  options.compression = CompressionType::kNone;
  const size_t plain = BuildTable(options, entries).size();
  options.compression = CompressionType::kLz4;
  const size_t lz4 = BuildTable(options, entries).size();
  options.compression = CompressionType::kZstd;
  const size_t zstd = BuildTable(options, entries).size();
  EXPECT_LT(lz4, plain * 7 / 8);
  EXPECT_LT(zstd, plain * 7 / 8);
}

TEST(TableTest, IncompressibleBlocksAreStoredRaw) {
  Random rng(testutil::TestSeed(403));
  Entries entries;
  for (int i = 0; i < 200; ++i) {
    char user[16];
    std::snprintf(user, sizeof(user), "k%05d", i);
    entries.emplace_back(MakeInternalKey(ColumnFamily::kDefault, user, 1, 1),
                         Value(0, testutil::RandomBytes(&rng, 200)));
  }
  TableOptions options;
  options.compression = CompressionType::kZstd;
  const std::string file = BuildTable(options, entries);
  auto table = OpenTable(file, nullptr);
  ASSERT_NE(table, nullptr);
  // The first data block's trailer type byte is kNone.
  auto it = table->index_block().NewIterator();
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  std::string_view v = it->value();
  BlockHandle handle;
  ASSERT_TRUE(handle.DecodeFrom(&v));
  EXPECT_EQ(file[handle.offset + handle.size], static_cast<char>(CompressionType::kNone));
}

TEST(TableTest, PropertiesAreCorrect) {
  TableOptions options;
  StringSink sink;
  TableBuilder builder(options, &sink);
  const std::string k1 = MakeInternalKey(ColumnFamily::kDefault, "a", 5, 10);
  const std::string k2 = MakeInternalKey(ColumnFamily::kDefault, "a", 3, 12);
  const std::string k3 = MakeInternalKey(ColumnFamily::kDefault, "b", kMaxVersion, 7);
  const std::string k4 = MakeInternalKey(ColumnFamily::kLock, "a", 2, 20);
  builder.Add(k1, Value(0, "one"));
  builder.Add(k2, Value(kMetaDelete, ""));
  builder.Add(k3, Value(kMetaRangeDelete, "c"));
  builder.Add(k4, Value(kMetaValuePointer, "ptr"));
  ASSERT_TRUE(builder.Finish().ok());
  const TableProperties& p = builder.properties();
  EXPECT_EQ(p.num_entries, 4u);
  EXPECT_EQ(p.num_deletions, 1u);
  EXPECT_EQ(p.num_range_deletions, 1u);
  EXPECT_EQ(p.raw_key_bytes, k1.size() + k2.size() + k3.size() + k4.size());
  EXPECT_EQ(p.raw_value_bytes, Value(0, "one").size() + Value(kMetaDelete, "").size() +
                                   Value(kMetaRangeDelete, "c").size() +
                                   Value(kMetaValuePointer, "ptr").size());
  EXPECT_EQ(p.smallest_key, k1);
  EXPECT_EQ(p.largest_key, k4);
  EXPECT_EQ(p.smallest_seq, 7u);
  EXPECT_EQ(p.largest_seq, 20u);
  EXPECT_EQ(p.max_version, kMaxVersion);
  EXPECT_EQ(p.num_data_blocks, 1u);
  EXPECT_GT(p.data_bytes, 0u);
  EXPECT_GT(p.index_bytes, 0u);
  EXPECT_GT(p.filter_bytes, 0u);
  EXPECT_EQ(p.compression, static_cast<uint8_t>(CompressionType::kLz4));

  auto table = OpenTable(sink.contents(), nullptr);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->properties(), p);
  EXPECT_TRUE(table->MayContain(UserPart(k1)));
  EXPECT_TRUE(table->MayContain(UserPart(k4)));
}

TEST(TableTest, PropertiesSkipUnknownFields) {
  TableProperties p;
  p.num_entries = 3;
  p.smallest_key = "abc";
  std::string encoded;
  PutVarint32(&encoded, (99 << 1) | 0);  // unknown varint field
  PutVarint64(&encoded, 12345);
  PutVarint32(&encoded, (98 << 1) | 1);  // unknown bytes field
  PutLengthPrefixed(&encoded, "future");
  p.EncodeTo(&encoded);
  TableProperties decoded;
  ASSERT_TRUE(decoded.DecodeFrom(encoded).ok());
  EXPECT_EQ(decoded, p);
  EXPECT_TRUE(decoded.DecodeFrom(encoded.substr(0, encoded.size() - 1)).IsCorruption());
}

TEST(TableTest, EmptyTable) {
  const std::string file = BuildTable(TableOptions(), {});
  auto table = OpenTable(file, nullptr);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->properties().num_entries, 0u);
  EXPECT_EQ(table->properties().num_data_blocks, 0u);
  auto it = table->NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  const std::string k = MakeInternalKey(ColumnFamily::kDefault, "a", 1, 1);
  it->Seek(k);
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev(k);
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
  EXPECT_FALSE(table->MayContain(UserPart(k)));
  EXPECT_EQ(table->ApproximateOffsetOf(k), 0u);
}

TEST(TableTest, NoFilterWhenDisabled) {
  Random rng(testutil::TestSeed(404));
  TableOptions options;
  options.bloom_bits_per_key = 0;
  auto table = OpenTable(BuildTable(options, MakeEntries(&rng, 100)), nullptr);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->properties().filter_bytes, 0u);
  EXPECT_TRUE(table->MayContain("\x00nothing-here"));
}

TEST(TableTest, ApproximateOffsetsAreMonotonic) {
  Random rng(testutil::TestSeed(405));
  const Entries entries = MakeEntries(&rng, 5000);
  TableOptions options;
  options.compression = CompressionType::kNone;
  auto table = OpenTable(BuildTable(options, entries), nullptr);
  ASSERT_NE(table, nullptr);
  uint64_t prev = 0;
  for (const auto& e : entries) {
    const uint64_t off = table->ApproximateOffsetOf(e.first);
    ASSERT_GE(off, prev);
    prev = off;
  }
  EXPECT_EQ(table->ApproximateOffsetOf(entries.front().first), 0u);
  const uint64_t end = table->ApproximateOffsetOf(MakeInternalKey(ColumnFamily::kWrite, "~", 0, 0));
  EXPECT_EQ(end, table->properties().data_bytes);
  EXPECT_GT(prev, end / 2);
}

TEST(TableTest, BlockCacheIsUsedAndCanBeBypassed) {
  Random rng(testutil::TestSeed(406));
  const Entries entries = MakeEntries(&rng, 2000);
  BlockCache cache(4 << 20);
  auto table = OpenTable(BuildTable(TableOptions(), entries), &cache, 9);
  ASSERT_NE(table, nullptr);
  const uint64_t blocks = table->properties().num_data_blocks;

  auto no_fill = table->NewIterator(true, /*fill_cache=*/false);
  for (no_fill->SeekToFirst(); no_fill->Valid(); no_fill->Next()) {
  }
  EXPECT_EQ(cache.usage(), 0u);
  EXPECT_EQ(cache.misses(), blocks);

  auto it = table->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  EXPECT_EQ(cache.misses(), 2 * blocks);
  EXPECT_GT(cache.usage(), 0u);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  EXPECT_EQ(cache.hits(), blocks);
  EXPECT_EQ(cache.misses(), 2 * blocks);
  cache.EraseFile(9);
  EXPECT_EQ(cache.usage(), 0u);
}

// A mapped table serves raw data blocks in place: entries point into the
// mapping, and the block cache is neither consulted nor filled. Compressed
// blocks are decoded and cached as usual, and checksums are still verified.
TEST(TableTest, MappedTableReadsRawBlocksInPlace) {
  Random rng(testutil::TestSeed(408));
  const Entries entries = MakeEntries(&rng, 3000);
  for (CompressionType compression : {CompressionType::kNone, CompressionType::kLz4}) {
    SCOPED_TRACE("compression=" + std::to_string(static_cast<int>(compression)));
    TableOptions options;
    options.compression = compression;
    auto owned = std::make_unique<InPlaceMemoryFile>(BuildTable(options, entries));
    InPlaceMemoryFile* source = owned.get();
    BlockCache cache(4 << 20);
    auto r = TableReader::Open(TableOptions(), std::move(owned), 11, &cache);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto table = std::move(r).value();
    auto it = table->NewIterator();
    size_t i = 0, in_place = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
      ASSERT_LT(i, entries.size());
      EXPECT_EQ(it->key(), entries[i].first);
      EXPECT_EQ(it->value(), entries[i].second);
      in_place += source->Holds(it->value().data()) ? 1 : 0;
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    EXPECT_EQ(i, entries.size());
    if (compression == CompressionType::kNone) {
      EXPECT_EQ(in_place, entries.size()) << "raw blocks must be read in place";
      EXPECT_EQ(cache.hits() + cache.misses(), 0u);
      EXPECT_EQ(cache.usage(), 0u);
    } else {
      EXPECT_LT(in_place, entries.size()) << "compressed blocks are decoded";
      EXPECT_GT(cache.usage(), 0u);
    }
    // A flipped byte in the first data block is caught by its checksum.
    it.reset();
    source->data()[10] ^= 0x40;
    auto damaged = table->NewIterator(/*verify_checksums=*/true, /*fill_cache=*/false);
    cache.EraseFile(11);
    damaged->SeekToFirst();
    EXPECT_FALSE(damaged->Valid());
    EXPECT_TRUE(damaged->status().IsCorruption()) << damaged->status().ToString();
    EXPECT_NE(damaged->status().message().find("checksum mismatch"), std::string::npos)
        << damaged->status().ToString();
  }
}

TEST(TableTest, ConcurrentReaders) {
  Random rng(testutil::TestSeed(407));
  const Entries entries = MakeEntries(&rng, 5000);
  BlockCache cache(64 << 10);  // small: forces eviction while readers hold blocks
  auto table = OpenTable(BuildTable(TableOptions(), entries), &cache);
  ASSERT_NE(table, nullptr);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Random local(static_cast<uint64_t>(t) + 1);
      auto it = table->NewIterator();
      for (int i = 0; i < 2000; ++i) {
        const auto& e = entries[local.Uniform(entries.size())];
        it->Seek(e.first);
        if (!it->Valid() || it->key() != e.first || it->value() != e.second) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

TEST(TableTest, BuilderReportsWriteErrors) {
  Random rng(testutil::TestSeed(408));
  const Entries entries = MakeEntries(&rng, 2000);
  StringSink sink(/*fail_after=*/10000);
  TableBuilder builder(TableOptions(), &sink);
  for (const auto& [k, v] : entries) builder.Add(k, v);
  EXPECT_TRUE(builder.status().IsIOError());
  EXPECT_TRUE(builder.Finish().IsIOError());
}

TEST(TableTest, BuilderRejectsOutOfOrderKeys) {
  StringSink sink;
  TableBuilder builder(TableOptions(), &sink);
  builder.Add(MakeInternalKey(ColumnFamily::kDefault, "b", 1, 1), Value(0, "x"));
  EXPECT_DEBUG_DEATH(
      builder.Add(MakeInternalKey(ColumnFamily::kDefault, "a", 1, 1), Value(0, "y")),
      "out of order");
#ifdef NDEBUG
  EXPECT_TRUE(builder.status().IsInvalidArgument());
  EXPECT_TRUE(builder.Finish().IsInvalidArgument());
#endif
}

}  // namespace
}  // namespace nokv
