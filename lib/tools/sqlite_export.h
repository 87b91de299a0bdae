// ExportWorkdirToSqlite: writes a WorkdirReport (workdir_report.h) into an
// SQLite database so operators can query a workdir's layout with SQL
// (`nokv manifest --sqlite OUT.db`). The only file of the tools layer that uses
// SQLite.
//
// Schema (documented for users in man/nokv.1; kSqliteSchemaVersion is stored
// in meta.schema_version and bumped on any incompatible change):
//
//   meta(key TEXT PRIMARY KEY, value TEXT)
//     keys: schema_version, workdir, manifest, log_number, next_file_number,
//           last_sequence, vlog_head (0: no value log), exported_at (unix
//           seconds)
//   levels(level INTEGER PRIMARY KEY, files INTEGER, bytes INTEGER,
//          entries INTEGER)                          one row per level (L0..L6)
//   tables(number INTEGER PRIMARY KEY, level INTEGER, bytes INTEGER,
//          entries INTEGER, deletions INTEGER, smallest_seq INTEGER,
//          largest_seq INTEGER, smallest_cf TEXT, smallest_key BLOB,
//          largest_cf TEXT, largest_key BLOB, file_present INTEGER)
//     keys are raw user-key bytes (no cf byte, no trailer); cf is
//     "default" | "cf<id>" | "range_del"; file_present 0/1
//   wal_segments(number INTEGER PRIMARY KEY, bytes INTEGER, records INTEGER,
//                entries INTEGER, pending INTEGER, problem TEXT,
//                newest INTEGER, first_sequence INTEGER,
//                last_sequence INTEGER, tail_dropped INTEGER)
//     every *.wal; pending 0/1 (at or after the checkpoint: replayed by the
//     next open); newest 0/1; sequences 0 when the segment holds no entry;
//     problem NULL when clean
//   vlog_segments(number INTEGER PRIMARY KEY, path TEXT, bytes INTEGER,
//                 records INTEGER, value_bytes INTEGER, valid_bytes INTEGER,
//                 ok INTEGER, head INTEGER, problem TEXT)
//     every vlog/*.vlog; records = intact value records; valid_bytes = end
//     of the last intact record; ok 0/1 (scans cleanly to its end); head 0/1
//     (the newest segment); problem NULL when ok. Discard (garbage) counts
//     are not exported: the engine keeps them in memory only.
//
// Version history: 1 had a placeholder vlog_segments(bucket, fid, ...) and
// no newest/sequence/tail columns in wal_segments.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "tools/workdir_report.h"

namespace nokv {

constexpr int kSqliteSchemaVersion = 2;

// Creates (or replaces) the SQLite database at path and fills it from report
// in one transaction; exported_at is recorded in meta. An existing path is
// replaced only if it is an SQLite database (or empty); anything else is
// refused with InvalidArgument and left alone. Errors name path.
Status ExportWorkdirToSqlite(const WorkdirReport& report, const std::string& path,
                             int64_t exported_at);

}  // namespace nokv
