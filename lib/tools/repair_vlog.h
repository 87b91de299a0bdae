// The value-log half of RepairWorkdir (repair.h): salvaging damaged segments,
// then making every live entry's value resolvable again.
//
// Segments: each vlog/NNNNNN.vlog is split into intact records (framing and
// checksum verified, resynchronising after damaged bytes). A clean segment is
// left alone. A segment whose damage is only a tail (every intact record lies
// before the first damaged byte) is backed up and truncated there: offsets,
// and so every pointer, stay valid. Any other damaged segment is backed up,
// its intact value records are copied into a fresh segment and the pointers
// to them are remapped when the tables are rewritten; the old segment is
// removed once the new manifest is in place.
//
// Pointers: the live view of the rebuilt tables (live_scan.h) is walked. A
// live entry whose value does not resolve is dropped, and the next older
// entry of its (cf, key, version) becomes live — a reader then gets the
// newest value that survived, or nothing if none did. Tables holding dropped
// entries or pointers into copied segments are rewritten at their level.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "manifest/file_meta.h"
#include "sst/table_options.h"
#include "vfs/file_system.h"
#include "vlog/value_log.h"

namespace nokv {

struct VlogSalvage {
  // (old segment, old offset) -> where the record lives now.
  std::map<std::pair<uint64_t, uint64_t>, ValuePointer> moved;
  std::set<uint64_t> copied;           // segments whose records were copied (old to remove)
  std::vector<std::string> truncated;  // "vlog/000012.vlog"
  std::vector<std::string> written;    // fresh segments holding copied records
  std::vector<std::string> to_remove;  // workdir-relative paths, removed after the switch
  uint64_t records_copied = 0;
  uint64_t damaged_bytes = 0;  // bytes in no intact record
  std::vector<std::string> notes;
};

// Salvages every segment of dir/vlog as the file comment says; each segment
// it changes is first copied into backup_dir/vlog/. new_number allocates
// file numbers for fresh segments (above every existing one). Reads one
// segment at a time into memory.
Status SalvageValueLog(FileSystem* fs, const std::string& dir, const std::string& backup_dir,
                       const std::function<uint64_t()>& new_number, VlogSalvage* out);

// The highest segment number in dir/vlog (0 if none).
uint64_t MaxVlogSegmentNumber(FileSystem* fs, const std::string& dir);

struct PointerRepair {
  uint64_t dropped = 0;                         // live entries dropped: their value was lost
  uint64_t fell_back = 0;                       // of those, keys where an older entry became live
  uint64_t remapped = 0;                        // pointers redirected into fresh segments
  std::vector<uint64_t> replaced;               // table numbers rewritten (now obsolete)
  std::vector<std::pair<int, FileMeta>> added;  // the tables written for them
};

// Walks the live view of `tables` (level, meta) and fixes pointers as the
// file comment says, writing replacement tables through new_number. The
// caller swaps out->replaced for out->added in its placement. now_ms: "now"
// for TTL (expired entries are left alone).
Status RepairValuePointers(FileSystem* fs, const std::string& dir,
                           const std::vector<std::pair<int, FileMeta>>& tables,
                           const VlogSalvage& salvage, const TableOptions& table_options,
                           uint64_t target_file_size, uint64_t now_ms,
                           const std::function<uint64_t()>& new_number, PointerRepair* out);

}  // namespace nokv
