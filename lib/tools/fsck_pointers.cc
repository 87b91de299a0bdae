// CheckLiveValuePointers: fsck's cross-file check that every value a reader
// could still get from the value log is there.
#include <chrono>
#include <map>

#include "base/internal_key.h"
#include "lsm/visibility.h"
#include "manifest/version_edit.h"
#include "tools/fsck.h"
#include "tools/live_scan.h"
#include "tools/vlog_probe.h"

namespace nokv {
namespace {

// "default:key7 seq 42" (with " version V" for MVCC writes).
std::string EntryText(std::string_view ikey) {
  ParsedInternalKey p;
  if (!ParseInternalKey(ikey, &p)) return PrintableKey(ikey);
  std::string out = ColumnFamilyName(p.cf) + ":" + PrintableKey(p.user_key);
  if (p.version != kMaxVersion) out += " version " + std::to_string(p.version);
  return out + " seq " + std::to_string(p.sequence);
}

}  // namespace

void CheckLiveValuePointers(FileSystem* fs, const std::string& dir, const ManifestState& state,
                            const std::vector<uint64_t>& wals, uint64_t now_ms,
                            const std::function<void(uint64_t done)>& progress,
                            std::vector<FsckProblem>* problems, LivePointerStats* stats) {
  *stats = LivePointerStats();
  if (now_ms == 0) {
    now_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
  }
  std::vector<std::pair<int, FileMeta>> tables;
  for (const auto& [number, entry] : state.files) tables.push_back(entry);
  LiveScan scan(fs, dir);
  scan.AddTables(tables);
  scan.AddWalSegments(wals);
  VlogProbe probe(fs, dir);
  std::map<uint64_t, uint64_t> per_segment;  // segment -> dangling pointers into it
  Status s = scan.Run(
      [&](const ScannedEntry& e) {
        ValueRecord record;
        ValuePointer ptr;
        if (!e.candidate || !DecodePointerEntry(e.value, &record, &ptr)) {
          return ScanVerdict::kStands;
        }
        if (IsExpired(record.expires_at, now_ms)) {
          ++stats->expired_skipped;
          return ScanVerdict::kStands;
        }
        ++stats->pointers;
        Status r = probe.Check(e.ikey, ptr);
        if (r.ok()) return ScanVerdict::kStands;
        ++stats->dangling;
        if (++per_segment[ptr.file] <= kMaxDanglingReportsPerSegment) {
          problems->push_back(FsckProblem{
              std::string(e.file), e.Offset(), FsckProblemKind::kDangling,
              "live value of " + EntryText(e.ikey) + " -> " + VlogProbe::SegmentName(ptr.file) +
                  " offset " + std::to_string(ptr.offset) + " size " + std::to_string(ptr.size) +
                  ": " + r.message()});
        }
        return ScanVerdict::kStands;
      },
      progress);
  (void)s;  // Run never fails; unreadable tables are fsck's other problems
  for (const auto& [segment, n] : per_segment) {
    if (n <= static_cast<uint64_t>(kMaxDanglingReportsPerSegment)) continue;
    problems->push_back(
        FsckProblem{VlogProbe::SegmentName(segment), std::nullopt, FsckProblemKind::kDangling,
                    std::to_string(n - kMaxDanglingReportsPerSegment) +
                        " more live value pointer(s) into " + VlogProbe::SegmentName(segment) +
                        " do not resolve (" + std::to_string(n) + " in all)"});
  }
  stats->entries = scan.entries();
}

}  // namespace nokv
