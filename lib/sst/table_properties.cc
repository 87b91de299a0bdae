// TableProperties codec.
#include "sst/table_properties.h"

#include "base/coding.h"

namespace nokv {

namespace {

enum WireType : uint32_t { kVarint = 0, kBytes = 1 };

enum Field : uint32_t {
  kNumEntries = 1,
  kNumDeletions = 2,
  kNumRangeDeletions = 3,
  kRawKeyBytes = 4,
  kRawValueBytes = 5,
  kDataBytes = 6,
  kIndexBytes = 7,
  kFilterBytes = 8,
  kNumDataBlocks = 9,
  kSmallestSeq = 10,
  kLargestSeq = 11,
  kMaxVersionField = 12,
  kSmallestKey = 13,
  kLargestKey = 14,
  kCompression = 15,
};

void PutU64(std::string* dst, Field field, uint64_t v) {
  PutVarint32(dst, (field << 1) | kVarint);
  PutVarint64(dst, v);
}

void PutBytes(std::string* dst, Field field, std::string_view v) {
  PutVarint32(dst, (field << 1) | kBytes);
  PutLengthPrefixed(dst, v);
}

}  // namespace

void TableProperties::EncodeTo(std::string* dst) const {
  PutU64(dst, kNumEntries, num_entries);
  PutU64(dst, kNumDeletions, num_deletions);
  PutU64(dst, kNumRangeDeletions, num_range_deletions);
  PutU64(dst, kRawKeyBytes, raw_key_bytes);
  PutU64(dst, kRawValueBytes, raw_value_bytes);
  PutU64(dst, kDataBytes, data_bytes);
  PutU64(dst, kIndexBytes, index_bytes);
  PutU64(dst, kFilterBytes, filter_bytes);
  PutU64(dst, kNumDataBlocks, num_data_blocks);
  PutU64(dst, kSmallestSeq, smallest_seq);
  PutU64(dst, kLargestSeq, largest_seq);
  PutU64(dst, kMaxVersionField, max_version);
  PutBytes(dst, kSmallestKey, smallest_key);
  PutBytes(dst, kLargestKey, largest_key);
  PutU64(dst, kCompression, compression);
}

Status TableProperties::DecodeFrom(std::string_view input) {
  *this = TableProperties();
  while (!input.empty()) {
    uint32_t tag = 0;
    if (!GetVarint32(&input, &tag)) return Status::Corruption("properties: bad field tag");
    const uint32_t field = tag >> 1;
    if ((tag & 1) == kBytes) {
      std::string_view bytes;
      if (!GetLengthPrefixed(&input, &bytes)) {
        return Status::Corruption("properties: truncated field " + std::to_string(field));
      }
      if (field == kSmallestKey) smallest_key.assign(bytes);
      if (field == kLargestKey) largest_key.assign(bytes);
      continue;  // unknown bytes fields are skipped
    }
    uint64_t v = 0;
    if (!GetVarint64(&input, &v)) {
      return Status::Corruption("properties: truncated field " + std::to_string(field));
    }
    switch (field) {
      case kNumEntries: num_entries = v; break;
      case kNumDeletions: num_deletions = v; break;
      case kNumRangeDeletions: num_range_deletions = v; break;
      case kRawKeyBytes: raw_key_bytes = v; break;
      case kRawValueBytes: raw_value_bytes = v; break;
      case kDataBytes: data_bytes = v; break;
      case kIndexBytes: index_bytes = v; break;
      case kFilterBytes: filter_bytes = v; break;
      case kNumDataBlocks: num_data_blocks = v; break;
      case kSmallestSeq: smallest_seq = v; break;
      case kLargestSeq: largest_seq = v; break;
      case kMaxVersionField: max_version = v; break;
      case kCompression:
        if (v > 0xff) return Status::Corruption("properties: bad compression type");
        compression = static_cast<uint8_t>(v);
        break;
      default: break;  // unknown varint fields are skipped
    }
  }
  return Status::OK();
}

}  // namespace nokv
