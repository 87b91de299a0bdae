// TableProperties: per-table statistics written into the properties block
// and read back at open (for compaction picking, GC and debugging tools).
//
// Encoding: a sequence of fields, each
//   tag varint32 = (field_number << 1) | wire_type
//   wire_type 0: value varint64
//   wire_type 1: length varint32 | bytes
// Unknown field numbers are skipped, so fields can be added later without a
// format version bump. Field numbers (never reuse one):
//    1 num_entries          2 num_deletions        3 num_range_deletions
//    4 raw_key_bytes        5 raw_value_bytes      6 data_bytes
//    7 index_bytes          8 filter_bytes         9 num_data_blocks
//   10 smallest_seq        11 largest_seq         12 max_version
//   13 smallest_key (bytes) 14 largest_key (bytes) 15 compression
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace nokv {

struct TableProperties {
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;        // values whose meta byte has kMetaDelete
  uint64_t num_range_deletions = 0;  // values whose meta byte has kMetaRangeDelete
  uint64_t raw_key_bytes = 0;
  uint64_t raw_value_bytes = 0;
  uint64_t data_bytes = 0;    // data blocks on disk, trailers included
  uint64_t index_bytes = 0;   // index block on disk, trailer included
  uint64_t filter_bytes = 0;  // filter block on disk, trailer included (0 = none)
  uint64_t num_data_blocks = 0;
  uint64_t smallest_seq = 0;  // 0 for an empty table
  uint64_t largest_seq = 0;
  uint64_t max_version = 0;  // largest version of any key (kMaxVersion counts)
  std::string smallest_key;  // first internal key (empty for an empty table)
  std::string largest_key;   // last internal key
  uint8_t compression = 0;   // CompressionType configured for data blocks

  void EncodeTo(std::string* dst) const;
  // Replaces *this with the decoded fields (missing fields are zero/empty).
  // Returns Corruption (without file context) when input is malformed.
  Status DecodeFrom(std::string_view input);

  bool operator==(const TableProperties&) const = default;
};

}  // namespace nokv
