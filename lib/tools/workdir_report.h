// InspectWorkdir: an offline, read-only picture of a NoKV workdir (levels,
// SST files, WAL segments, value-log segments, counters) for operator tools
// such as `nokv stats`, `nokv vlog` and `nokv manifest`. It takes no LOCK and writes nothing, so it is safe to
// run beside a live server; what it reports is then a moment's snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "vfs/file_system.h"

namespace nokv {

// A decoded internal key, ready for display.
struct KeyReport {
  bool valid = false;    // false: the key could not be parsed (raw holds it)
  std::string cf;        // "default", or "cf<id>" (ColumnFamilyName)
  std::string user_key;  // printable ASCII as is, other bytes (and '\') as \xNN
  uint64_t version = 0;  // UINT64_MAX for non-versioned writes
  uint64_t sequence = 0;
  std::string raw;  // the whole internal key, escaped like user_key
};

struct SstFileReport {
  uint64_t number = 0;
  int level = 0;
  uint64_t size = 0;          // bytes, as the manifest records it
  bool present = true;        // false: the manifest names a file not on disk
  uint64_t size_on_disk = 0;  // 0 when !present
  KeyReport smallest, largest;
  uint64_t smallest_seq = 0, largest_seq = 0;
  uint64_t num_entries = 0, num_deletions = 0;
};

struct LevelReport {
  int level = 0;
  int files = 0;
  uint64_t bytes = 0;
  uint64_t entries = 0;
  uint64_t deletions = 0;
};

struct WalSegmentReport {
  uint64_t number = 0;
  std::string name;  // file name, e.g. "000012.wal"
  uint64_t bytes = 0;
  // number >= the manifest's log_number: its writes are not yet in an SST and
  // will be replayed by the next open.
  bool pending = false;
  bool newest = false;   // the highest-numbered segment (replayed as the last one)
  uint64_t records = 0;  // WAL records (write groups) replayed
  uint64_t entries = 0;  // operations in those records
  uint64_t puts = 0, deletes = 0;  // deletes: point and range deletes
  uint64_t first_sequence = 0, last_sequence = 0;  // 0/0 when entries == 0
  uint64_t valid_bytes = 0;                        // end offset of the last good record
  bool tail_dropped = false;                       // a torn tail would be ignored by recovery
  uint64_t dropped_bytes = 0;
  // Empty when the segment replays cleanly (a dropped torn tail is not a
  // problem); otherwise what went wrong. Replay problems never fail
  // InspectWorkdir.
  std::string problem;
};

// One value-log segment (vlog/NNNNNN.vlog).
struct VlogSegmentReport {
  uint64_t number = 0;
  std::string path;           // relative to the workdir: "vlog/000012.vlog"
  uint64_t bytes = 0;
  uint64_t records = 0;       // intact value records (header excluded)
  uint64_t value_bytes = 0;   // sum of their value sizes
  uint64_t valid_bytes = 0;   // end offset of the last intact record
  bool newest = false;        // the head: the segment appends went to last
  // Empty if the segment scans cleanly to its end; otherwise what is wrong
  // (a damaged record, or a torn tail after valid_bytes).
  std::string problem;
  bool ok() const { return problem.empty(); }
};

struct WorkdirReport {
  std::string dir;
  // Manifest and its counters (from VersionSet::Recover).
  std::string manifest_name;  // e.g. "MANIFEST-000007"
  uint64_t manifest_number = 0;
  uint64_t manifest_size = 0;
  uint64_t log_number = 0;  // WAL checkpoint: segments below it are in SSTs
  uint64_t next_file_number = 0;
  uint64_t last_sequence = 0;  // as recorded in the manifest

  std::vector<LevelReport> levels;             // one per level, L0 first (all levels)
  std::vector<SstFileReport> files;            // by level, each level in its Version order
  std::vector<WalSegmentReport> wal_segments;  // every *.wal, by number
  std::vector<VlogSegmentReport> vlog_segments;  // every vlog/*.vlog, by number
  uint64_t vlog_bytes = 0;
  uint64_t vlog_records = 0;
  uint64_t vlog_head = 0;      // number of the head (newest) segment, 0 if none
  uint64_t vlog_problems = 0;  // segments with a problem

  // Totals.
  uint64_t sst_files = 0;
  uint64_t sst_entries = 0;
  uint64_t sst_deletions = 0;
  uint64_t sst_bytes = 0;
  uint64_t missing_sst_files = 0;  // named by the manifest, absent on disk
  uint64_t wal_bytes = 0;          // all segments
  uint64_t wal_pending_segments = 0;
  uint64_t wal_pending_records = 0;
  uint64_t wal_pending_entries = 0;  // operations the next open will replay
  uint64_t wal_pending_bytes = 0;
  uint64_t wal_max_sequence = 0;  // highest sequence seen in any pending segment
  uint64_t wal_problems = 0;      // segments with a non-empty problem
  uint64_t total_entries = 0;     // sst_entries + wal_pending_entries
  uint64_t total_bytes = 0;       // sst_bytes + wal_bytes + manifest_size + vlog_bytes
  // The sequence the next open will resume from: max(last_sequence,
  // wal_max_sequence).
  uint64_t effective_last_sequence = 0;
  uint64_t other_files = 0;  // entries that are not NoKV files
};

// Fills *out with a description of the NoKV workdir dir, reading through fs.
// Read-only: takes no lock and writes nothing. Returns NotFound if dir does
// not exist or holds no CURRENT file (the message names dir and the reason),
// and the error of VersionSet::Recover if the manifest cannot be read. WAL
// segments that fail to replay do not fail the call; see
// WalSegmentReport::problem.
Status InspectWorkdir(FileSystem* fs, const std::string& dir, WorkdirReport* out);

// Decodes an internal key for display (never fails; see KeyReport::valid).
KeyReport DescribeInternalKey(std::string_view ikey);

}  // namespace nokv
