// InspectWorkdir: reads CURRENT + manifest through VersionSet::Recover (which
// never writes) and replays each WAL segment read-only to count its entries.
#include "tools/workdir_report.h"

#include <algorithm>
#include <string_view>

#include "base/internal_key.h"
#include "db/write_batch_internal.h"
#include "tools/wal_entries.h"
#include "wal/wal_format.h"
#include "manifest/filenames.h"
#include "manifest/version_edit.h"
#include "manifest/version_set.h"
#include "vlog/value_log.h"
#include "wal/wal_reader.h"

namespace nokv {

KeyReport DescribeInternalKey(std::string_view ikey) {
  KeyReport k;
  k.raw = PrintableKey(ikey);
  ParsedInternalKey parsed;
  if (!ParseInternalKey(ikey, &parsed)) return k;
  k.valid = true;
  k.cf = ColumnFamilyName(parsed.cf);
  k.user_key = PrintableKey(parsed.user_key);
  k.version = parsed.version;
  k.sequence = parsed.sequence;
  return k;
}

namespace {

// The header record of a value-log segment: frame + magic, version, number.
constexpr uint64_t kVlogHeaderRecordSize = kWalHeaderSize + 20;

// Replays one segment, counting its records and operations. Never fails:
// problems land in seg->problem.
void ReplaySegment(FileSystem* fs, const std::string& path, WalSegmentReport* seg) {
  WalReplayResult result;
  Status s = ReplayWalFile(
      fs, path, seg->newest,
      [seg](uint8_t type, std::string_view payload, uint64_t offset) -> Status {
        if (type != kWalWriteBatch) {
          return Status::Corruption("unknown WAL record type " + std::to_string(type) +
                                    " at offset " + std::to_string(offset));
        }
        WalRecordFacts facts;
        Status s = DecodeWalRecordEntries(payload, nullptr, &facts);
        if (!s.ok()) return s.WithContext("record at offset " + std::to_string(offset));
        ++seg->records;
        seg->entries += facts.ops;
        seg->puts += facts.puts;
        seg->deletes += facts.deletes + facts.range_deletes;
        if (facts.ops > 0) {
          if (seg->first_sequence == 0 || facts.first_sequence < seg->first_sequence) {
            seg->first_sequence = facts.first_sequence;
          }
          seg->last_sequence =
              std::max(seg->last_sequence, facts.first_sequence + facts.ops - 1);
        }
        return Status::OK();
      },
      &result);
  seg->valid_bytes = result.valid_bytes;
  seg->tail_dropped = result.tail_dropped;
  seg->dropped_bytes = result.dropped_bytes;
  if (!s.ok()) seg->problem = s.ToString();
}

// Scans every segment of dir/vlog read-only (the directory is not created
// when absent: ValueLog::Open runs only on an existing one).
void InspectValueLog(FileSystem* fs, const std::string& dir, WorkdirReport* out) {
  const std::string vdir = JoinPath(dir, "vlog");
  if (!fs->FileExists(vdir)) return;
  ValueLog vlog(fs, vdir, ValueLogOptions(), [] { return uint64_t{0}; });
  if (!vlog.Open().ok()) return;
  const auto segs = vlog.Segments();
  for (size_t i = 0; i < segs.size(); ++i) {
    VlogSegmentReport vr;
    vr.number = segs[i].number;
    vr.path = vlog.SegmentPath(vr.number).substr(dir.size() + 1);
    vr.bytes = segs[i].bytes;
    vr.newest = i + 1 == segs.size();
    vr.valid_bytes = vr.bytes >= kVlogHeaderRecordSize ? kVlogHeaderRecordSize : 0;
    Status vs = vlog.ForEachRecord(
        vr.number, [&](std::string_view, std::string_view value, const ValuePointer& ptr) {
          ++vr.records;
          vr.value_bytes += value.size();
          vr.valid_bytes = ptr.offset + ptr.size;
          return Status::OK();
        });
    if (!vs.ok()) {
      vr.problem = vs.ToString();
    } else if (vr.valid_bytes != vr.bytes) {
      // ForEachRecord forgives a torn tail; the report names it.
      vr.problem = "torn tail of " + std::to_string(vr.bytes - vr.valid_bytes) +
                   " bytes at offset " + std::to_string(vr.valid_bytes);
    }
    out->vlog_bytes += vr.bytes;
    out->vlog_records += vr.records;
    if (!vr.ok()) ++out->vlog_problems;
    if (vr.newest) out->vlog_head = vr.number;
    out->vlog_segments.push_back(std::move(vr));
  }
}

}  // namespace

Status InspectWorkdir(FileSystem* fs, const std::string& dir, WorkdirReport* out) {
  *out = WorkdirReport();
  out->dir = dir;
  if (!fs->FileExists(dir)) return Status::NotFound(dir + ": no such directory");
  std::vector<std::string> names;
  Status s = fs->GetChildren(dir, &names);
  if (!s.ok()) return s.WithContext(dir + ": cannot list the directory");
  if (!fs->FileExists(CurrentFileName(dir))) {
    return Status::NotFound(dir + ": not a NoKV workdir (no CURRENT file)");
  }

  VersionSet versions(fs, dir, VersionSetOptions());
  s = versions.Recover();
  if (!s.ok()) return s.WithContext(dir + ": cannot read the manifest");
  out->manifest_number = versions.manifest_file_number();
  out->manifest_size = versions.manifest_size();
  out->manifest_name = versions.manifest_path().substr(versions.manifest_path().rfind('/') + 1);
  out->log_number = versions.log_number();
  out->next_file_number = versions.next_file_number();
  out->last_sequence = versions.last_sequence();

  // Levels and tables.
  std::shared_ptr<const Version> v = versions.current();
  for (int level = 0; level < kNumLevels; ++level) {
    LevelReport lr;
    lr.level = level;
    for (const auto& f : v->files(level)) {
      SstFileReport fr;
      fr.number = f->number;
      fr.level = level;
      fr.size = f->file_size;
      fr.present = fs->GetFileSize(TableFileName(dir, f->number), &fr.size_on_disk).ok();
      if (!fr.present) {
        fr.size_on_disk = 0;
        ++out->missing_sst_files;
      }
      fr.smallest = DescribeInternalKey(f->smallest);
      fr.largest = DescribeInternalKey(f->largest);
      fr.smallest_seq = f->smallest_seq;
      fr.largest_seq = f->largest_seq;
      fr.num_entries = f->num_entries;
      fr.num_deletions = f->num_deletions;
      ++lr.files;
      lr.bytes += f->file_size;
      lr.entries += f->num_entries;
      lr.deletions += f->num_deletions;
      out->files.push_back(std::move(fr));
    }
    out->sst_files += static_cast<uint64_t>(lr.files);
    out->sst_entries += lr.entries;
    out->sst_deletions += lr.deletions;
    out->sst_bytes += lr.bytes;
    out->levels.push_back(lr);
  }

  // WAL segments: every *.wal in the directory, oldest first.
  for (const auto& name : names) {
    FileKind kind = FileKind::kUnknown;
    uint64_t number = 0;
    if (!ParseFileName(name, &kind, &number)) {
      if (name != "vlog") ++out->other_files;  // the value-log directory is ours
      continue;
    }
    if (kind != FileKind::kWal) continue;
    WalSegmentReport seg;
    seg.number = number;
    seg.name = name;
    seg.pending = number >= out->log_number;
    out->wal_segments.push_back(std::move(seg));
  }
  std::sort(
      out->wal_segments.begin(), out->wal_segments.end(),
      [](const WalSegmentReport& a, const WalSegmentReport& b) { return a.number < b.number; });
  if (!out->wal_segments.empty()) out->wal_segments.back().newest = true;
  for (auto& seg : out->wal_segments) {
    const std::string path = JoinPath(dir, seg.name);
    Status size = fs->GetFileSize(path, &seg.bytes);
    if (!size.ok()) {
      // Deleted since the listing (a live server retired it): say so.
      seg.problem = size.ToString();
    } else {
      ReplaySegment(fs, path, &seg);
    }
    out->wal_bytes += seg.bytes;
    if (!seg.problem.empty()) ++out->wal_problems;
    if (seg.pending) {
      ++out->wal_pending_segments;
      out->wal_pending_records += seg.records;
      out->wal_pending_entries += seg.entries;
      out->wal_pending_bytes += seg.bytes;
      out->wal_max_sequence = std::max(out->wal_max_sequence, seg.last_sequence);
    }
  }

  out->total_entries = out->sst_entries + out->wal_pending_entries;
  out->total_bytes = out->sst_bytes + out->wal_bytes + out->manifest_size;
  out->effective_last_sequence = std::max(out->last_sequence, out->wal_max_sequence);
  InspectValueLog(fs, dir, out);
  out->total_bytes += out->vlog_bytes;
  return Status::OK();
}

}  // namespace nokv
