// Tests for VersionEdit encoding: round trips and malformed input.
#include "manifest/version_edit.h"

#include <gtest/gtest.h>

#include "base/coding.h"
#include "base/internal_key.h"
#include "manifest/version.h"

namespace nokv {
namespace {

FileMeta SampleFile(uint64_t number) {
  FileMeta f;
  f.number = number;
  f.file_size = 4096 * number + 17;
  f.smallest = MakeInternalKey(ColumnFamily::kDefault, "apple" + std::to_string(number),
                               kMaxVersion, 10 * number);
  f.largest = MakeInternalKey(ColumnFamily::kWrite, std::string("zz\0\xff", 4), 12, 10 * number + 9);
  f.smallest_seq = 10 * number;
  f.largest_seq = 10 * number + 9;
  f.num_entries = 1000 + number;
  f.num_deletions = number;
  f.max_version = UINT64_MAX - number;
  f.created_at = number % 2 ? 1700000000 : -5;
  return f;
}

void ExpectSameFile(const FileMeta& a, const FileMeta& b) {
  EXPECT_EQ(a.number, b.number);
  EXPECT_EQ(a.file_size, b.file_size);
  EXPECT_EQ(a.smallest, b.smallest);
  EXPECT_EQ(a.largest, b.largest);
  EXPECT_EQ(a.smallest_seq, b.smallest_seq);
  EXPECT_EQ(a.largest_seq, b.largest_seq);
  EXPECT_EQ(a.num_entries, b.num_entries);
  EXPECT_EQ(a.num_deletions, b.num_deletions);
  EXPECT_EQ(a.max_version, b.max_version);
  EXPECT_EQ(a.created_at, b.created_at);
}

VersionEdit SampleEdit() {
  VersionEdit e;
  e.log_number = 12;
  e.next_file_number = 1ull << 40;
  e.last_sequence = UINT64_MAX;
  e.deleted_files = {{0, 3}, {6, 1ull << 35}};
  e.new_files = {{0, SampleFile(5)}, {3, SampleFile(6)}, {6, SampleFile(7)}};
  e.format_version = kManifestFormatVersion;
  e.max_column_family = 9;
  e.added_column_families = {{4, "raft"}, {9, std::string("a\0b", 3)}};
  e.dropped_column_families = {5};
  return e;
}

TEST(VersionEdit, RoundTrip) {
  const VersionEdit e = SampleEdit();
  std::string enc;
  e.EncodeTo(&enc);
  VersionEdit d;
  d.log_number = 999;  // DecodeFrom replaces the whole edit
  ASSERT_TRUE(d.DecodeFrom(enc).ok());
  EXPECT_EQ(d.log_number, e.log_number);
  EXPECT_EQ(d.next_file_number, e.next_file_number);
  EXPECT_EQ(d.last_sequence, e.last_sequence);
  EXPECT_EQ(d.deleted_files, e.deleted_files);
  EXPECT_EQ(d.format_version, e.format_version);
  EXPECT_EQ(d.max_column_family, e.max_column_family);
  EXPECT_EQ(d.added_column_families, e.added_column_families);
  EXPECT_EQ(d.dropped_column_families, e.dropped_column_families);
  ASSERT_EQ(d.new_files.size(), e.new_files.size());
  for (size_t i = 0; i < e.new_files.size(); ++i) {
    EXPECT_EQ(d.new_files[i].first, e.new_files[i].first);
    ExpectSameFile(d.new_files[i].second, e.new_files[i].second);
  }
  std::string again;
  d.EncodeTo(&again);
  EXPECT_EQ(again, enc);
  EXPECT_NE(d.DebugString().find("log_number: 12"), std::string::npos) << d.DebugString();
  EXPECT_NE(d.DebugString().find("add column family 4 \"raft\""), std::string::npos);
}

// The byte layout docs/formats.md gives as its example.
TEST(VersionEdit, ColumnFamilyRecordBytes) {
  VersionEdit add;
  add.added_column_families = {{4, "raft"}};
  std::string enc;
  add.EncodeTo(&enc);
  EXPECT_EQ(enc, std::string("\x06\x04\x04raft", 7));
  VersionEdit drop;
  drop.dropped_column_families = {4};
  enc.clear();
  drop.EncodeTo(&enc);
  EXPECT_EQ(enc, std::string("\x07\x04", 2));
}

TEST(VersionEdit, EmptyEditRoundTrips) {
  VersionEdit e;
  std::string enc;
  e.EncodeTo(&enc);
  EXPECT_TRUE(enc.empty());
  VersionEdit d;
  ASSERT_TRUE(d.DecodeFrom(enc).ok());
  EXPECT_FALSE(d.log_number.has_value());
  EXPECT_FALSE(d.next_file_number.has_value());
  EXPECT_FALSE(d.last_sequence.has_value());
  EXPECT_TRUE(d.new_files.empty());
}

TEST(VersionEdit, EveryTruncationIsCorruptionOrAFieldBoundary) {
  std::string enc;
  SampleEdit().EncodeTo(&enc);
  int boundaries = 0;
  for (size_t len = 0; len < enc.size(); ++len) {
    VersionEdit d;
    Status s = d.DecodeFrom(std::string_view(enc).substr(0, len));
    if (s.ok()) {
      // Only a cut between two whole fields decodes; it re-encodes exactly.
      std::string re;
      d.EncodeTo(&re);
      EXPECT_EQ(re, enc.substr(0, len)) << "len=" << len;
      ++boundaries;
    } else {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_NE(s.message().find("at byte"), std::string::npos) << s.ToString();
    }
  }
  EXPECT_EQ(boundaries, 13);  // empty + 12 complete fields
}

TEST(VersionEdit, RejectsMalformedInput) {
  auto decode = [](const std::string& bytes) {
    VersionEdit d;
    return d.DecodeFrom(bytes);
  };
  // Unknown tag.
  std::string unknown;
  PutVarint32(&unknown, 10);
  PutVarint64(&unknown, 1);
  Status s = decode(unknown);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("unknown tag 10"), std::string::npos) << s.ToString();
  // Column-family ids are bytes other than the range-tombstone space (3);
  // names are not empty.
  for (uint32_t id : {3u, 256u}) {
    std::string bad_id;
    PutVarint32(&bad_id, 6);
    PutVarint32(&bad_id, id);
    PutLengthPrefixed(&bad_id, "x");
    s = decode(bad_id);
    EXPECT_TRUE(s.IsCorruption()) << id;
    EXPECT_NE(s.message().find("add_column_family"), std::string::npos) << s.ToString();
  }
  std::string no_name;
  PutVarint32(&no_name, 6);
  PutVarint32(&no_name, 4);
  PutLengthPrefixed(&no_name, "");
  EXPECT_TRUE(decode(no_name).IsCorruption());
  std::string drop_reserved;
  PutVarint32(&drop_reserved, 7);
  PutVarint32(&drop_reserved, 3);
  EXPECT_TRUE(decode(drop_reserved).IsCorruption());
  // Unknown tag after a valid field names its byte offset.
  std::string later;
  PutVarint32(&later, 1);
  PutVarint64(&later, 5);
  PutVarint32(&later, 200);
  s = decode(later);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("at byte 2"), std::string::npos) << s.ToString();
  // Level out of range in a deletion.
  std::string bad_level;
  PutVarint32(&bad_level, 4);
  PutVarint32(&bad_level, kNumLevels);
  PutVarint64(&bad_level, 1);
  EXPECT_TRUE(decode(bad_level).IsCorruption());
  // A new file whose key is too short to be an internal key.
  VersionEdit e;
  FileMeta f = SampleFile(1);
  f.smallest = "short";
  e.new_files.emplace_back(1, f);
  std::string short_key;
  e.EncodeTo(&short_key);
  EXPECT_TRUE(decode(short_key).IsCorruption());
  // Garbage: a varint that never ends.
  EXPECT_TRUE(decode(std::string(12, '\xff')).IsCorruption());
}

}  // namespace
}  // namespace nokv
