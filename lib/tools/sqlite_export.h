// ExportWorkdirToSqlite: writes a WorkdirReport (workdir_report.h) into an
// SQLite database so operators can query a workdir's layout with SQL
// (`nokv manifest --sqlite OUT.db`). The only file of nokv_core that uses
// SQLite.
//
// Schema (documented for users in man/nokv.1; kSqliteSchemaVersion is stored
// in meta.schema_version and bumped on any incompatible change):
//
//   meta(key TEXT PRIMARY KEY, value TEXT)
//     keys: schema_version, workdir, manifest, log_number, next_file_number,
//           last_sequence, exported_at (unix seconds)
//   levels(level INTEGER PRIMARY KEY, files INTEGER, bytes INTEGER,
//          entries INTEGER)                          one row per level (L0..L6)
//   tables(number INTEGER PRIMARY KEY, level INTEGER, bytes INTEGER,
//          entries INTEGER, deletions INTEGER, smallest_seq INTEGER,
//          largest_seq INTEGER, smallest_cf TEXT, smallest_key BLOB,
//          largest_cf TEXT, largest_key BLOB, file_present INTEGER)
//     keys are raw user-key bytes (no cf byte, no trailer); cf is
//     "default" | "lock" | "write"; file_present 0/1
//   wal_segments(number INTEGER PRIMARY KEY, bytes INTEGER, records INTEGER,
//                entries INTEGER, pending INTEGER, problem TEXT)
//     pending 0/1 (at or after the checkpoint); problem NULL when clean
//   vlog_segments(bucket INTEGER, fid INTEGER, bytes INTEGER,
//                 head_offset INTEGER, valid INTEGER,
//                 PRIMARY KEY (bucket, fid))     empty until the value log lands
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "tools/workdir_report.h"

namespace nokv {

constexpr int kSqliteSchemaVersion = 1;

// Creates (or replaces) the SQLite database at path and fills it from report
// in one transaction; exported_at is recorded in meta. An existing path is
// replaced only if it is an SQLite database (or empty); anything else is
// refused with InvalidArgument and left alone. Errors name path.
Status ExportWorkdirToSqlite(const WorkdirReport& report, const std::string& path,
                             int64_t exported_at);

}  // namespace nokv
