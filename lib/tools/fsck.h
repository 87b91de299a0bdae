// RunFsck: an offline consistency check of a NoKV workdir. It verifies every
// checksum of every file (WAL segments, SSTs, manifests, CURRENT), checks the
// manifest against the tables on disk (presence, size, key range, level
// non-overlap) and reports orphan and unknown files. Read-only: it takes no
// LOCK and writes nothing. `nokv fsck` is its CLI; RepairWorkdir (repair.h)
// reuses the table and manifest checks below.
//
// Files are checked by a table of checkers, one per FsckFileKind, run in
// dependency order (CURRENT, manifests, SSTs, WALs, value log). Adding a
// file kind means: a new FsckFileKind, its names in ClassifyWorkdirEntry,
// and one row in the checker table in fsck.cc. Then one cross-file check
// runs: every live value pointer must resolve (CheckLiveValuePointers).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "manifest/file_meta.h"
#include "vfs/file_system.h"

namespace nokv {

enum class FsckFileKind { kCurrent, kManifest, kSst, kWal, kVlog, kLock, kUnknown };
// "current", "manifest", "sst", "wal", "vlog", "lock", "unknown".
const char* FsckFileKindName(FsckFileKind kind);

// Classifies a directory entry name (not a path). *number is the file number
// for tables, WALs and manifests, else 0. Temporary files, directories and
// names NoKV does not write are kUnknown.
FsckFileKind ClassifyWorkdirEntry(const std::string& name, uint64_t* number);

enum class FsckProblemKind {
  kChecksum,      // a checksum does not match
  kTruncated,     // a file or record ends early (torn write or cut file)
  kCorrupt,       // malformed structure that no checksum catches on its own
  kMissing,       // the manifest/CURRENT names a file that is not there
  kSizeMismatch,  // a table's size differs from what the manifest records
  kMismatch,      // other metadata disagrees (key range, counts, properties)
  kOrder,         // keys (or WAL sequences) do not strictly increase
  kOverlap,       // two L1+ tables of one level overlap
  kOrphan,        // a file nothing references and nothing will replay
  kCounter,       // manifest counters below what the files use
  kUnreadable,    // the file cannot be opened or read
  kDangling,      // a live value pointer does not resolve (segment gone or record bad)
};
// "checksum", "truncated", "corrupt", "missing", "size_mismatch", "mismatch",
// "order", "overlap", "orphan", "counter", "unreadable", "dangling".
const char* FsckProblemKindName(FsckProblemKind kind);

struct FsckProblem {
  std::string path;               // relative to the workdir, e.g. "000012.sst"
  std::optional<uint64_t> offset; // byte offset in that file, when known
  FsckProblemKind kind = FsckProblemKind::kCorrupt;
  std::string message;
};

struct FsckFile {
  std::string path;  // relative to the workdir
  FsckFileKind kind = FsckFileKind::kUnknown;
  uint64_t number = 0;  // table/WAL/manifest number, else 0
  uint64_t bytes = 0;
  bool is_directory = false;
  bool ok = true;  // no problem names this file
};

struct FsckReport {
  std::string dir;
  std::vector<FsckFile> files;  // every directory entry, by name
  std::vector<FsckProblem> problems;
  uint64_t bytes = 0;  // sum of files[].bytes

  // From the live manifest; manifest_readable is false when CURRENT or the
  // manifest it names could not be replayed completely.
  bool manifest_readable = false;
  std::string manifest_name;
  uint64_t log_number = 0, next_file_number = 0, last_sequence = 0;
  uint64_t tables_in_manifest = 0;
  uint64_t sst_blocks_checked = 0;
  uint64_t sst_entries_checked = 0;
  uint64_t wal_records_checked = 0;
  uint64_t vlog_records_checked = 0;
  // The live value-pointer check (needs a readable manifest).
  bool pointers_checked = false;
  uint64_t live_entries_checked = 0;   // entries of the merged view visited
  uint64_t live_pointers_checked = 0;  // live value pointers resolved
  uint64_t dangling_pointers = 0;      // of those, how many do not resolve
  uint64_t expired_pointers_skipped = 0;

  bool clean() const { return problems.empty(); }
  std::map<FsckProblemKind, uint64_t> ProblemsByKind() const;
  std::map<FsckFileKind, uint64_t> FilesByKind() const;
};

struct FsckOptions {
  // Called after each file and during the pointer check with (work done,
  // total work), in bytes (files, then the tables and WAL the pointer check
  // reads once more); may be empty. For progress bars.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // "Now" for TTL, unix milliseconds (0 = the wall clock): the value of an
  // expired entry may be gone (GC drops it), so its pointer is not checked.
  uint64_t now_ms = 0;
};

// Checks the workdir dir and fills *out. Returns OK whenever the check ran,
// whatever it found (see out->problems); NotFound if dir does not exist or
// holds no NoKV file at all, IOError if it cannot be listed.
Status RunFsck(FileSystem* fs, const std::string& dir, const FsckOptions& options,
               FsckReport* out);

// ---- building blocks shared with RepairWorkdir ----

// What a complete scan of one table found.
struct TableFacts {
  uint64_t file_size = 0;
  uint64_t entries = 0, deletions = 0;
  uint64_t smallest_seq = 0, largest_seq = 0, max_version = 0;
  uint64_t blocks = 0;
  std::string smallest, largest;  // first and last internal key
};

// Fully checks the table `name` (number `number`) in dir: opens it, verifies
// every block checksum, checks that the blocks and footer tile the file with
// no unaccounted byte, scans all entries (keys parse and strictly increase,
// values decode) and compares the scan with the table's properties. Appends
// problems to *problems and returns true when it found none; *facts is filled
// as far as the scan got.
bool CheckTableFile(FileSystem* fs, const std::string& dir, const std::string& name,
                    uint64_t number, std::vector<FsckProblem>* problems, TableFacts* facts);

// A manifest replayed strictly: any damage, torn final record included, is a
// problem (VersionSet::Recover forgives a torn final record).
struct ManifestState {
  std::string name;  // "MANIFEST-000007"
  uint64_t number = 0;
  bool complete = false;  // every record replayed and applied
  uint64_t log_number = 0, next_file_number = 0, last_sequence = 0;
  std::map<uint64_t, std::pair<int, FileMeta>> files;  // number -> (level, meta)
};

// Reads CURRENT in dir. Returns the manifest name it holds, or nullopt after
// appending a problem (missing, malformed, or naming a missing manifest).
std::optional<std::string> ReadCurrentFile(FileSystem* fs, const std::string& dir,
                                           std::vector<FsckProblem>* problems);

// Replays manifest `name` in dir record by record into *state, appending a
// problem (with the record offset) for the first damaged or inapplicable
// record. Returns state->complete.
bool ReplayManifestStrict(FileSystem* fs, const std::string& dir, const std::string& name,
                          std::vector<FsckProblem>* problems, ManifestState* state);

// What CheckLiveValuePointers saw.
struct LivePointerStats {
  uint64_t entries = 0, pointers = 0, dangling = 0, expired_skipped = 0;
};

// Walks the merged view of the tables of *state and the WAL segments `wals`
// (LiveScan, live_scan.h) and checks that the value pointer of every live
// entry resolves (VlogProbe, vlog_probe.h). Each dangling pointer is a
// kDangling problem naming the file that holds it (with the offset) and the
// segment; at most kMaxDanglingReportsPerSegment per segment are listed, then
// one line counts the rest. Shadowed entries are not checked: their segments
// may be gone after value-log GC.
constexpr int kMaxDanglingReportsPerSegment = 20;
void CheckLiveValuePointers(FileSystem* fs, const std::string& dir, const ManifestState& state,
                            const std::vector<uint64_t>& wals, uint64_t now_ms,
                            const std::function<void(uint64_t done)>& progress,
                            std::vector<FsckProblem>* problems, LivePointerStats* stats);

// Level invariants of *state: every L1+ level's tables have disjoint user-key
// ranges, and the counters lie above every recorded number and sequence.
// Appends a problem per violation; returns true when there is none.
bool CheckManifestLevels(const ManifestState& state, std::vector<FsckProblem>* problems);

}  // namespace nokv
