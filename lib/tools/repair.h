// RepairWorkdir: RocksDB RepairDB-style salvage of a damaged NoKV workdir.
// It backs up every original file it changes, keeps what verifies, salvages
// what it can (tables, WAL records, value-log records: repair_vlog.h), drops
// live entries whose value is lost, and writes a fresh manifest so that
// DB::Open succeeds and fsck (fsck.h) reports the workdir clean.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "sst/table_options.h"
#include "vfs/file_system.h"

namespace nokv {

struct RepairOptions {
  // Shape of the tables repair writes (salvaged data, WAL contents).
  TableOptions table;
  uint64_t target_file_size = 64ull << 20;
  // Names the backup directory "backup-<now_unix>"; 0 = the wall clock.
  int64_t now_unix = 0;
  // "Now" for TTL in unix milliseconds (0 = the wall clock): an expired
  // entry's lost value does not get it dropped.
  uint64_t now_ms = 0;
};

struct RepairReport {
  std::string backup_dir;  // absolute path of the copy of the originals
  std::string manifest_name;
  // True when the old manifest replayed completely and consistently, so kept
  // tables stayed at their levels. Otherwise all data was merged into one
  // sorted, non-overlapping run (see RepairWorkdir).
  bool used_old_manifest = false;
  std::vector<std::string> kept;      // tables kept as they were
  std::vector<std::string> salvaged;  // damaged tables whose readable blocks were copied
  std::vector<std::string> dropped;   // tables nothing could be read from
  std::vector<std::string> written;   // tables repair wrote
  std::vector<std::string> removed;   // originals removed from the workdir (all in the backup)
  uint64_t salvaged_entries = 0;      // entries copied out of damaged tables
  uint64_t wal_records = 0, wal_entries = 0;
  // Value log (repair_vlog.h): segments cut at a damaged tail, segments whose
  // intact records were copied into fresh ones (then removed), the fresh ones.
  std::vector<std::string> vlog_truncated, vlog_copied, vlog_written;
  uint64_t vlog_records_copied = 0;
  uint64_t vlog_damaged_bytes = 0;
  // Live entries whose value was lost, dropped from the tables; of those, how
  // many let an older entry of the same key and version become visible.
  uint64_t dropped_entries = 0, fell_back_entries = 0;
  uint64_t remapped_pointers = 0;  // pointers redirected into fresh segments
  uint64_t next_file_number = 0, last_sequence = 0;
  std::vector<std::string> notes;  // data lost and why, one line each
};

// Repairs the workdir dir (which must not be open: repair takes its LOCK):
//  1. copies every regular file of dir into dir/backup-<unix time>/ (fails,
//     changing nothing, if the copy fails); value-log segments are copied
//     into backup-<unix time>/vlog/ just before repair changes them (step 5),
//     intact ones are left alone and not copied;
//  2. checks every table completely (CheckTableFile). A table that verifies is
//     kept; of a damaged one, every data block that still verifies is copied,
//     in key order, into a new table; a table that cannot be opened is
//     dropped;
//  3. replays the intact records of the WAL segments (those at or after the
//     checkpoint if the manifest is usable, else all) into a new L0 table;
//  4. if the old manifest replays strictly and its levels are consistent,
//     kept and salvaged tables stay at their levels (orphan tables are
//     dropped: their data is elsewhere); otherwise everything is merged into
//     one non-overlapping sorted run in L1, so no stale version can shadow a
//     newer one;
//  5. salvages the value log: a segment with a damaged tail is cut there, a
//     segment damaged elsewhere has its intact records copied into a fresh
//     segment (repair_vlog.h);
//  6. walks the live view of the new tables: a live entry whose value does
//     not resolve is dropped, so the next older entry of its key and version
//     (if any) is what readers get; pointers into copied segments are
//     redirected. Tables that change are rewritten at their level;
//  7. writes a new manifest (one snapshot record: counters above every number
//     and sequence kept, value-log segments included) and switches CURRENT to
//     it, then removes the old manifests, WALs, damaged and orphan tables,
//     copied value-log segments and temp files (all in the backup).
// Returns an error (with the workdir untouched apart from the backup) if the
// backup fails, Busy if the workdir is open. Afterwards DB::Open succeeds and
// fsck finds every live value pointer resolvable.
Status RepairWorkdir(FileSystem* fs, const std::string& dir, const RepairOptions& options,
                     RepairReport* out);

}  // namespace nokv
