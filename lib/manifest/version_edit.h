// VersionEdit: one change to the LSM metadata (files added/removed, counters),
// the unit recorded in the manifest.
//
// Encoding (one edit = one manifest record payload): a sequence of fields,
// each a varint32 tag followed by the tag's values, in any order. v = varint64,
// v32 = varint32, lp = varint32 length + bytes.
//
//   tag  field            values
//   ---  ---------------  ---------------------------------------------------
//    1   log_number       v
//    2   next_file_number v
//    3   last_sequence    v
//    4   deleted_file     level v32, number v
//    5   new_file         level v32, number v, file_size v, smallest lp,
//                         largest lp, smallest_seq v, largest_seq v,
//                         num_entries v, num_deletions v, max_version v,
//                         created_at v (int64 as two's complement)
//   6+   reserved for later metadata (value-log heads, ...). A decoder rejects
//        tags it does not know, so an old binary never silently drops state
//        written by a newer one.
//
// A repeated counter tag overrides the earlier one. Levels must be below
// kNumLevels and new-file keys must be internal keys (> 16 bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "manifest/file_meta.h"

namespace nokv {

struct VersionEdit {
  // WAL segments numbered < log_number are fully persisted in SSTs.
  std::optional<uint64_t> log_number;
  std::optional<uint64_t> next_file_number;
  std::optional<uint64_t> last_sequence;
  std::vector<std::pair<int, FileMeta>> new_files;       // (level, file)
  std::vector<std::pair<int, uint64_t>> deleted_files;   // (level, number)

  // Appends the encoding to *dst.
  void EncodeTo(std::string* dst) const;
  // Replaces *this with the decoded edit. Returns Corruption (naming the byte
  // offset within src) on truncated or malformed input or an unknown tag.
  Status DecodeFrom(std::string_view src);
  std::string DebugString() const;
};

// Renders a key for debug output: printable ASCII as is, other bytes as \xNN.
std::string PrintableKey(std::string_view key);

}  // namespace nokv
