// Visibility: the one place that decides what a reader sees of a stored
// entry — snapshot (sequence), MVCC version, TTL expiry and range deletion —
// and, for flush and compaction, which entries no reader can see any more.
// Every read path (point lookups, the DB iterator, value-log GC liveness,
// fsck/repair's offline scan) and every write-out path (flush, compaction)
// asks this module instead of testing sequences, versions and expiry itself.
//
// The rules, for a reader at ReadPoint{snapshot S, max_version V, now N,
// range tombstones R}, about an entry (cf, key, version v, sequence s):
//   * s > S: the entry does not exist yet for this reader          (kInvisible)
//   * v > V: the entry is above the reader's version               (kInvisible)
//   * a tombstone of R with sequence in (s, S] covers (cf, key) and
//     has version >= v: the entry is as if it did not exist; an older
//     entry of the key may show                                    (kInvisible)
//   * a point tombstone, or expires_at != 0 && expires_at <= N: the key
//     reads as absent at this version; older entries are hidden    (kDeleted)
//   * otherwise                                                    (kLive)
// Of the entries of one key that are not kInvisible, the reader sees the one
// with the highest version, and for that version the highest sequence — the
// maximum over ALL layers (memtables, L0, L1+): MVCC versions are not written
// in version order, so an older layer may hold a higher version <= V
// (distributed.md §20 item 13).
#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/internal_key.h"
#include "base/status.h"
#include "lsm/level_iterator.h"
#include "lsm/range_tombstones.h"

namespace nokv {

class MemTable;
class TableCache;
class Version;

// TTL: expires_at_ms == 0 never expires; otherwise the entry is gone at the
// instant now_ms reaches expires_at_ms (inclusive).
inline bool IsExpired(uint64_t expires_at_ms, uint64_t now_ms) {
  return expires_at_ms != 0 && expires_at_ms <= now_ms;
}

// Who is reading: the snapshot, the version bound, the clock and the range
// tombstones in force.
struct ReadPoint {
  uint64_t snapshot = kMaxSequence;    // entries with a higher sequence are not there yet
  uint64_t max_version = kMaxVersion;  // MVCC read version; kMaxVersion = newest
  uint64_t now_ms = 0;                 // unix ms for TTL checks; 0 = ignore expiry
  const RangeTombstoneSet* range_dels = nullptr;  // null = none
};

enum class Visibility : uint8_t {
  kInvisible,  // not there for this reader; an older entry of the key may show
  kDeleted,    // a tombstone or expired value: the key is absent at this version
  kLive,       // the value the reader sees
};

// True if a range tombstone visible at `snapshot` hides the entry.
bool HiddenByRangeDelete(const RangeTombstoneSet* range_dels, const ParsedInternalKey& key,
                         uint64_t snapshot);
// True if the record itself deletes its key at now_ms: a point tombstone, a
// range-tombstone record, or an expired value.
bool DeletesKey(const ValueRecord& record, uint64_t now_ms);

// The rules of the file comment, for a parsed key and decoded record.
Visibility Classify(const ReadPoint& point, const ParsedInternalKey& key,
                    const ValueRecord& record);
// The same for a raw entry; Corruption if the key or value is malformed.
// On success *record holds the decoded value record.
Status ClassifyEntry(const ReadPoint& point, std::string_view ikey, std::string_view value,
                     ValueRecord* record, Visibility* out);

// The sources a point lookup searches, newest first.
struct LsmView {
  std::shared_ptr<MemTable> mem;
  std::vector<std::shared_ptr<MemTable>> imms;  // newest first
  std::shared_ptr<const Version> version;
};

// The entry of (cf, key) that a reader at `point` sees (rules above): the
// maximum version <= point.max_version over every layer of `view`, the
// highest sequence <= point.snapshot for it, skipping entries a range
// tombstone hides. Returns NotFound if no entry qualifies; otherwise stores
// the entry's internal key and encoded value record and *vis (kLive or
// kDeleted: a tombstone or expired value is returned so that callers such as
// the transaction layer can see it).
Status FindVisibleEntry(const LsmView& view, TableCache* tables, const TableIterOptions& options,
                        const ReadPoint& point, ColumnFamily cf, std::string_view key,
                        std::string* ikey, std::string* value, Visibility* vis);

// Drops entries no reader can see any more, as flush and compaction write
// them out. Feed entries in internal-key order; Process says which to emit.
//  * An entry of a dropped column family is dropped.
//  * An entry covered by a range tombstone at smallest_snapshot (every reader
//    sees the tombstone) is dropped.
//  * An entry shadowed by a newer entry of the same key and version that
//    every reader sees is dropped.
//  * A droppable tombstone (a plain, non-versioned delete or expired entry
//    at the bottom, older than every snapshot) is held back and re-emitted
//    only if an older, still-visible entry of the same user key follows it.
// Range tombstone entries (their own keyspace) are never dropped here: the
// DB drops one once nothing can need it.
class ObsoleteEntryFilter {
 public:
  // smallest_snapshot: the oldest sequence any reader may still read at.
  // is_bottommost(user_part): no deeper data for this key outside the inputs
  // (null = never). now_ms: entries whose expiry has passed count as
  // tombstones (0 = ignore expiry). range_dels: tombstones whose covered
  // entries may go (null = none).
  ObsoleteEntryFilter(uint64_t smallest_snapshot,
                      std::function<bool(std::string_view)> is_bottommost, uint64_t now_ms = 0,
                      std::shared_ptr<const RangeTombstoneSet> range_dels = nullptr);

  // Returns the entries to emit for (ikey, value), in order: possibly a held
  // tombstone first, then the entry itself. Views point into the filter's
  // buffers or the inputs and are valid until the next call.
  struct Emit {
    std::string_view key, value;
  };
  void Process(std::string_view ikey, std::string_view value, std::vector<Emit>* out);

  // Entries of these column families (dropped by the DB) go as well.
  void set_dropped_column_families(const std::bitset<256>& ids) { dropped_families_ = ids; }

  uint64_t dropped() const { return dropped_; }
  // Called with every dropped entry (e.g. to account value-log garbage).
  void set_on_drop(std::function<void(std::string_view key, std::string_view value)> fn) {
    on_drop_ = std::move(fn);
  }

 private:
  void Drop(std::string_view ikey, std::string_view value);

  const uint64_t smallest_snapshot_;
  const uint64_t now_ms_;
  std::function<bool(std::string_view)> is_bottommost_;
  const std::shared_ptr<const RangeTombstoneSet> range_dels_;
  std::bitset<256> dropped_families_;
  std::string last_user_part_;
  uint64_t last_version_ = 0;
  uint64_t last_sequence_ = 0;
  bool has_last_ = false;
  std::string held_key_, held_value_;
  bool held_ = false;
  uint64_t dropped_ = 0;
  std::function<void(std::string_view, std::string_view)> on_drop_;
};

}  // namespace nokv
