// RangeTombstoneSet: the DB's range deletions, kept in memory as an
// immutable, copy-on-write set (readers hold a shared_ptr snapshot). They are
// persisted as ordinary LSM entries in the kRangeDeleteSpace keyspace and
// reloaded by a scan of that keyspace at open; compaction drops one once no
// reader and no remaining data can need it (db_background.cc).
//
// A tombstone (cf, [begin, end), version V, sequence S) hides an entry of
// the same cf with begin <= key < end, version <= V and sequence < S, for
// readers whose snapshot is >= S. A write after the range delete (higher
// sequence) is visible again. A hidden entry is as if it did not exist: a
// read falls through to the next older entry of the key.
//
// Lookups are sub-linear: per column family, the tombstones' begin and end
// keys cut the key space into fragments (non-overlapping pieces), and a
// segment tree over the fragments stores each tombstone in O(log n) nodes,
// sorted by sequence, newest first. Covers() binary-searches the fragment of
// the key, then visits the O(log n) nodes above it, binary-searching each for
// the newest tombstone at or below the reader's snapshot: O(log^2 n). (Only
// tombstones with a version below kMaxVersion, which the public API never
// writes, can make a node scan more than one candidate.) The index is built
// on the first lookup, not when a set is made: a new set is published under
// the DB mutex, and building takes O(n log n) string comparisons.
#pragma once

#include <map>
#include <cstdint>
#include <memory>
#include <mutex>
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
  // A new set without the tombstones of `gone` (matched by cf, begin and
  // sequence; a sequence names one tombstone).
  std::shared_ptr<const RangeTombstoneSet> Without(const std::vector<RangeTombstone>& gone) const;
  // A new set of the tombstones whose sequence is <= max_sequence (those a
  // compaction may apply: already in tables, so as durable as its output).
  std::shared_ptr<const RangeTombstoneSet> UpToSequence(uint64_t max_sequence) const;

  bool Covers(ColumnFamily cf, std::string_view key, uint64_t version, uint64_t sequence,
              uint64_t snapshot) const;
  // Same, for an internal key.
  bool CoversInternalKey(std::string_view ikey, uint64_t snapshot) const;

  bool empty() const { return tombstones_.empty(); }
  size_t size() const { return tombstones_.size(); }
  // Sorted by (cf, begin).
  const std::vector<RangeTombstone>& tombstones() const { return tombstones_; }

  // The LSM entry of a tombstone: key [kRangeDeleteSpace][cf][begin] with the
  // trailer, value a ValueRecord with kMetaRangeDelete and the end key.
  static void EncodeKey(const RangeTombstone& t, std::string* ikey);
  // True if ikey lies in the kRangeDeleteSpace keyspace.
  static bool IsTombstoneKey(std::string_view ikey) {
    return !ikey.empty() && static_cast<uint8_t>(ikey[0]) == kRangeDeleteSpace;
  }
  // Returns false if (ikey, value) is not a well-formed tombstone entry.
  static bool Decode(std::string_view ikey, std::string_view value, RangeTombstone* out);

 private:
  // One tombstone as stored in a segment-tree node.
  struct Cover {
    uint64_t sequence;
    uint64_t version;
  };
  // The fragments and segment tree of one column family. Fragment i is
  // [bounds[i], bounds[i+1]); node n (root 1, children 2n and 2n+1) holds
  // covers[node_begin[n], node_begin[n+1]), newest first.
  struct Index {
    std::vector<std::string> bounds;
    std::vector<uint32_t> node_begin;
    std::vector<Cover> covers;
  };
  void BuildIndex(ColumnFamily cf, Index* index) const;

  std::vector<RangeTombstone> tombstones_;  // sorted by (cf, begin)
  mutable std::once_flag indexed_;          // index_ is built once, on first use
  mutable std::map<uint8_t, Index> index_;  // per column family with tombstones
};

}  // namespace nokv
