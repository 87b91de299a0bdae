// LiveScan: a streaming walk over what a reader of an offline workdir would
// see — the entries of a version's tables merged with the WAL records not yet
// flushed — telling for each entry whether it is the live one of its
// (column family, user key, version). fsck uses it to check that every live
// value pointer resolves; repair uses it to drop live entries whose value is
// lost. Read-only.
//
// "Live" follows the engine's read path with no snapshot: within one
// (cf, user key, version) the entry with the highest sequence is the
// candidate; it is dead if a range tombstone (lsm/range_tombstones.h) covers
// it, which also hides every older entry of that group. The visitor can
// reject a candidate (repair drops an entry whose value is lost); the next
// older entry of the group is then the candidate.
//
// Memory: one open table per L1+ level plus one per L0 table, the index
// blocks they hold, the range tombstones, and the WAL entries (memtable-sized:
// the WAL past the checkpoint is at most a few memtables).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "manifest/file_meta.h"
#include "vfs/file_system.h"

namespace nokv {

class ScanSource;

// One entry of the merged view.
struct ScannedEntry {
  std::string_view ikey;
  std::string_view value;     // an encoded ValueRecord
  std::string_view file;      // workdir-relative path of the file holding it
  uint64_t table_number = 0;  // 0 for an entry from the WAL
  // The newest entry of its (cf, key, version) not rejected by the visitor and
  // not covered by a range tombstone: what a read would return.
  bool candidate = false;

  // Where in `file` the entry is: a table's data block offset, a WAL record's
  // offset. Computed on demand (a table index lookup); call it only during
  // the visit.
  std::optional<uint64_t> Offset() const;

  const ScanSource* source = nullptr;
};

enum class ScanVerdict { kStands, kRejected };

class LiveScan {
 public:
  LiveScan(FileSystem* fs, std::string dir);
  ~LiveScan();
  LiveScan(const LiveScan&) = delete;
  LiveScan& operator=(const LiveScan&) = delete;

  // Adds the tables of one version as (level, meta). Each L0 table gets a
  // cursor of its own; the tables of an L1+ level are read one at a time in
  // key order.
  void AddTables(const std::vector<std::pair<int, FileMeta>>& tables);
  // Replays the WAL segments (numbers in ascending order: those recovery
  // would replay) and keeps their entries in memory. A damaged record ends
  // what is taken from a segment, as it ends recovery.
  void AddWalSegments(const std::vector<uint64_t>& numbers);

  // Bytes Run reads (table sizes + WAL sizes), for progress.
  uint64_t total_bytes() const { return total_bytes_; }

  using Visitor = std::function<ScanVerdict(const ScannedEntry&)>;
  // Loads the range tombstones, then calls visit for every entry outside the
  // range-tombstone keyspace in internal-key order. For non-candidates the
  // verdict is ignored. progress (may be empty) gets the bytes read so far
  // every few thousand entries. Unreadable tables, WAL damage and malformed
  // tombstones do not stop the walk (see errors()); Run itself returns OK.
  Status Run(const Visitor& visit, const std::function<void(uint64_t done)>& progress);

  // Tables that could not be opened or read to the end, WAL records past
  // damage, malformed range tombstones: one status each, naming the file.
  const std::vector<Status>& errors() const { return errors_; }
  uint64_t range_tombstones() const { return range_tombstones_; }
  uint64_t entries() const { return entries_; }
  uint64_t wal_entries() const { return wal_entries_; }

 private:
  FileSystem* const fs_;
  const std::string dir_;
  std::vector<std::unique_ptr<ScanSource>> sources_;
  std::vector<Status> errors_;
  uint64_t total_bytes_ = 0;
  uint64_t range_tombstones_ = 0;
  uint64_t entries_ = 0;
  uint64_t wal_entries_ = 0;
};

}  // namespace nokv
