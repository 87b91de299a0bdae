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
//    6   add_column_family   id v32, name lp           (format 2)
//    7   drop_column_family  id v32                    (format 2)
//    8   max_column_family   v32: highest id ever used (format 2)
//    9   format_version      v32                       (format 2)
//   10+  reserved for later metadata (value-log heads, ...). A decoder rejects
//        tags it does not know, so an old binary never silently drops state
//        written by a newer one.
//
// A repeated counter tag overrides the earlier one. Levels must be below
// kNumLevels and new-file keys must be internal keys (> 16 bytes).
// Column-family ids are bytes (they are the first byte of every internal
// key) other than kRangeDeleteSpace (3); names are non-empty.
//
// Manifest format versions: 1 (no tag 6-9 anywhere; the workdir has the
// implicit column families 0 "default", 1 "lock", 2 "write") and 2 (every
// snapshot carries format_version 2, max_column_family and one
// add_column_family per live family). Opening a format-1 workdir upgrades it:
// the next manifest snapshot is written in format 2.
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

// The manifest format this build writes (see above).
constexpr uint32_t kManifestFormatVersion = 2;

struct VersionEdit {
  // WAL segments numbered < log_number are fully persisted in SSTs.
  std::optional<uint64_t> log_number;
  std::optional<uint64_t> next_file_number;
  std::optional<uint64_t> last_sequence;
  std::vector<std::pair<int, FileMeta>> new_files;       // (level, file)
  std::vector<std::pair<int, uint64_t>> deleted_files;   // (level, number)
  std::vector<std::pair<uint32_t, std::string>> added_column_families;  // (id, name)
  std::vector<uint32_t> dropped_column_families;                        // ids
  std::optional<uint32_t> max_column_family;
  std::optional<uint32_t> format_version;

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
