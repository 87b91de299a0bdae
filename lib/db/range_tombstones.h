// RangeTombstoneSet: the DB's range deletions, kept in memory as an
// immutable, copy-on-write set (readers hold a shared_ptr snapshot). They are
// persisted as ordinary LSM entries in the kRangeDeleteSpace keyspace and
// reloaded by a scan of that keyspace at open.
//
// A tombstone (cf, [begin, end), version V, sequence S) hides an entry of
// the same cf with begin <= key < end, version <= V and sequence < S, for
// readers whose snapshot is >= S. A write after the range delete (higher
// sequence) is visible again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/internal_key.h"

namespace nokv {

struct RangeTombstone {
  ColumnFamily cf = ColumnFamily::kDefault;
  std::string begin, end;
  uint64_t version = kMaxVersion;
  uint64_t sequence = 0;
};

class RangeTombstoneSet {
 public:
  RangeTombstoneSet() = default;
  explicit RangeTombstoneSet(std::vector<RangeTombstone> tombstones);

  // A new set with `more` added.
  std::shared_ptr<const RangeTombstoneSet> With(const std::vector<RangeTombstone>& more) const;

  bool Covers(ColumnFamily cf, std::string_view key, uint64_t version, uint64_t sequence,
              uint64_t snapshot) const;
  // Same, for an internal key.
  bool CoversInternalKey(std::string_view ikey, uint64_t snapshot) const;

  bool empty() const { return tombstones_.empty(); }
  size_t size() const { return tombstones_.size(); }

  // The LSM entry of a tombstone: key [kRangeDeleteSpace][cf][begin] with the
  // trailer, value a ValueRecord with kMetaRangeDelete and the end key.
  static void EncodeKey(const RangeTombstone& t, std::string* ikey);
  // Returns false if (ikey, value) is not a well-formed tombstone entry.
  static bool Decode(std::string_view ikey, std::string_view value, RangeTombstone* out);

 private:
  std::vector<RangeTombstone> tombstones_;  // sorted by (cf, begin)
};

}  // namespace nokv
