// SalvageValueLog and RepairValuePointers: the value-log side of repair.
#include "tools/repair_vlog.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "base/coding.h"
#include "base/internal_key.h"
#include "lsm/table_outputs.h"
#include "lsm/visibility.h"
#include "manifest/filenames.h"
#include "sst/table_reader.h"
#include "tools/live_scan.h"
#include "tools/vlog_probe.h"
#include "wal/wal_format.h"

namespace nokv {
namespace {

// One intact (framed, checksummed) record of a segment held in memory.
struct Rec {
  uint64_t offset = 0;
  uint64_t size = 0;  // header + payload
  uint8_t type = 0;
  std::string_view payload;
};

bool IntactAt(std::string_view data, uint64_t pos, Rec* r) {
  if (data.size() - pos < kWalHeaderSize) return false;
  const uint32_t length = DecodeFixed32(data.data() + pos + 4);
  if (length > kWalMaxRecordLength || length > data.size() - pos - kWalHeaderSize) return false;
  const std::string_view rec = data.substr(pos, kWalHeaderSize + length);
  if (!ParseVlogFrame(rec, &r->type, &r->payload)) return false;
  r->offset = pos;
  r->size = rec.size();
  return true;
}

// What a segment holds: its header state and intact value records.
struct SegmentScan {
  bool header_ok = false;
  std::vector<Rec> values;
  uint64_t first_damage = 0;  // first byte in no good record (size if none)
  uint64_t good_bytes = 0;
};

// Splits data into intact records, stepping one byte at a time past damage
// to find the next record whose frame and checksum verify.
SegmentScan ScanSegment(std::string_view data) {
  SegmentScan out;
  out.first_damage = data.size();
  auto damage = [&](uint64_t at) { out.first_damage = std::min(out.first_damage, at); };
  uint64_t pos = 0;
  while (pos < data.size()) {
    Rec r;
    if (!IntactAt(data, pos, &r)) {
      damage(pos);
      ++pos;
      continue;
    }
    pos += r.size;
    std::string_view k, v;
    if (r.offset == 0 && r.type == kVlogHeader && r.payload.size() == 20 &&
        DecodeFixed64(r.payload.data()) == kVlogMagic) {
      out.header_ok = true;
    } else if (r.offset > 0 && r.type == kVlogValue && SplitVlogValue(r.payload, &k, &v)) {
      out.values.push_back(r);
    } else {
      damage(r.offset);  // intact frame, wrong content
      continue;
    }
    out.good_bytes += r.size;
  }
  if (!out.header_ok) damage(0);
  return out;
}

Status WriteWholeFile(FileSystem* fs, const std::string& path, std::string_view data) {
  auto f = fs->NewWritableFile(path);
  if (!f.ok()) return f.status();
  NOKV_RETURN_IF_ERROR((*f)->Append(data));
  NOKV_RETURN_IF_ERROR((*f)->Sync());
  return (*f)->Close();
}

Status SyncExisting(FileSystem* fs, const std::string& path) {
  auto f = fs->NewAppendableFile(path);
  if (!f.ok()) return f.status();
  NOKV_RETURN_IF_ERROR((*f)->Sync());
  return (*f)->Close();
}

std::vector<uint64_t> SegmentNumbers(FileSystem* fs, const std::string& vdir) {
  std::vector<std::string> names;
  std::vector<uint64_t> out;
  if (!fs->FileExists(vdir) || !fs->GetChildren(vdir, &names).ok()) return out;
  for (const auto& name : names) {
    unsigned long long n = 0;
    char tail[8] = {0};
    if (std::sscanf(name.c_str(), "%llu.%5s", &n, tail) == 2 && std::string(tail) == "vlog" &&
        VlogProbe::SegmentName(n) == "vlog/" + name) {
      out.push_back(n);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

uint64_t MaxVlogSegmentNumber(FileSystem* fs, const std::string& dir) {
  auto numbers = SegmentNumbers(fs, JoinPath(dir, "vlog"));
  return numbers.empty() ? 0 : numbers.back();
}

Status SalvageValueLog(FileSystem* fs, const std::string& dir, const std::string& backup_dir,
                       const std::function<uint64_t()>& new_number, VlogSalvage* out) {
  *out = VlogSalvage();
  const std::string vdir = JoinPath(dir, "vlog");
  std::unique_ptr<ValueLog> writer;  // fresh segments, opened on first use
  std::vector<uint64_t> fresh;
  for (uint64_t number : SegmentNumbers(fs, vdir)) {
    const std::string name = VlogProbe::SegmentName(number);
    const std::string path = JoinPath(dir, name);
    std::string data;
    NOKV_RETURN_IF_ERROR(fs->ReadFileToString(path, &data).WithContext("repair: reading " + name));
    const SegmentScan scan = ScanSegment(data);
    if (scan.first_damage == data.size()) continue;  // clean

    // The copy must be durable (data, its name, backup-*/vlog/ itself)
    // before the original changes.
    const std::string backup_vdir = JoinPath(backup_dir, "vlog");
    NOKV_RETURN_IF_ERROR(fs->CreateDirDurable(backup_vdir));
    NOKV_RETURN_IF_ERROR(WriteWholeFile(fs, JoinPath(backup_dir, name), data)
                             .WithContext("repair: backup of " + name));
    NOKV_RETURN_IF_ERROR(fs->SyncDir(backup_vdir));
    out->damaged_bytes += data.size() - scan.good_bytes;
    const bool tail_only =
        scan.header_ok && (scan.values.empty() || scan.values.back().offset < scan.first_damage);
    if (tail_only) {
      NOKV_RETURN_IF_ERROR(fs->Truncate(path, scan.first_damage));
      NOKV_RETURN_IF_ERROR(SyncExisting(fs, path));
      out->truncated.push_back(name);
      out->notes.push_back(name + ": damaged tail cut at offset " +
                           std::to_string(scan.first_damage) + " (" +
                           std::to_string(data.size() - scan.first_damage) + " bytes); " +
                           std::to_string(scan.values.size()) + " record(s) kept in place");
      continue;
    }
    if (!scan.values.empty() && writer == nullptr) {
      writer = std::make_unique<ValueLog>(fs, vdir, ValueLogOptions(), [&] {
        fresh.push_back(new_number());
        return fresh.back();
      });
      NOKV_RETURN_IF_ERROR(writer->Open());
    }
    for (const Rec& r : scan.values) {
      std::string_view ikey, value;
      (void)SplitVlogValue(r.payload, &ikey, &value);  // checked by ScanSegment
      ValuePointer ptr;
      NOKV_RETURN_IF_ERROR(
          writer->Append(ikey, value, &ptr).WithContext("repair: copying " + name));
      out->moved[{number, r.offset}] = ptr;
    }
    out->records_copied += scan.values.size();
    out->copied.insert(number);
    out->to_remove.push_back(name);
    out->notes.push_back(name + ": damaged at offset " + std::to_string(scan.first_damage) + "; " +
                         std::to_string(scan.values.size()) +
                         " intact record(s) copied into a fresh segment, " +
                         std::to_string(data.size() - scan.good_bytes) + " damaged byte(s) lost");
  }
  if (writer != nullptr) NOKV_RETURN_IF_ERROR(writer->Close());
  for (uint64_t n : fresh) out->written.push_back(VlogProbe::SegmentName(n));
  if (!out->truncated.empty() || !fresh.empty()) NOKV_RETURN_IF_ERROR(fs->SyncDir(vdir));
  return Status::OK();
}

namespace {

// Copies table `meta` without the entries in drop, redirecting pointers into
// copied segments.
Status RewriteTable(FileSystem* fs, const std::string& dir, int level, const FileMeta& meta,
                    const std::set<std::string>& drop, const VlogSalvage& salvage,
                    const TableOptions& options, uint64_t target_file_size,
                    const std::function<uint64_t()>& new_number, PointerRepair* out) {
  auto file = fs->NewRandomAccessFile(TableFileName(dir, meta.number));
  if (!file.ok()) return file.status();
  auto table = TableReader::Open(options, std::move(file.value()), meta.number, nullptr);
  if (!table.ok()) return table.status();
  TableOutputs outputs(fs, dir, options, target_file_size, new_number);
  auto it = (*table)->NewIterator(/*verify_checksums=*/true, /*fill_cache=*/false);
  std::string remapped, ptr_bytes;
  Status s;
  for (it->SeekToFirst(); it->Valid() && s.ok(); it->Next()) {
    if (drop.count(std::string(it->key())) != 0) continue;
    std::string_view value = it->value();
    ValueRecord record;
    ValuePointer ptr;
    if (DecodePointerEntry(value, &record, &ptr) && salvage.copied.count(ptr.file) != 0) {
      auto m = salvage.moved.find({ptr.file, ptr.offset});
      if (m != salvage.moved.end() && m->second.size == ptr.size) {
        ptr_bytes.clear();
        m->second.EncodeTo(&ptr_bytes);
        record.value = ptr_bytes;
        remapped.clear();
        AppendValueRecord(&remapped, record);
        value = remapped;
        ++out->remapped;
      }
    }
    s = outputs.Add(it->key(), value);
  }
  if (s.ok()) s = it->status();
  if (s.ok()) s = outputs.Finish();
  if (!s.ok()) {
    outputs.Abandon();
    return s.WithContext("repair: rewriting table " + std::to_string(meta.number));
  }
  out->replaced.push_back(meta.number);
  for (const FileMeta& m : outputs.files()) out->added.emplace_back(level, m);
  return Status::OK();
}

}  // namespace

Status RepairValuePointers(FileSystem* fs, const std::string& dir,
                           const std::vector<std::pair<int, FileMeta>>& tables,
                           const VlogSalvage& salvage, const TableOptions& table_options,
                           uint64_t target_file_size, uint64_t now_ms,
                           const std::function<uint64_t()>& new_number, PointerRepair* out) {
  *out = PointerRepair();
  if (now_ms == 0) now_ms = NowMs();
  LiveScan scan(fs, dir);
  scan.AddTables(tables);
  VlogProbe probe(fs, dir);
  std::map<uint64_t, std::set<std::string>> drops;  // table -> internal keys to drop
  std::set<uint64_t> remap;                         // tables pointing into copied segments
  std::string rejected_group;  // the (cf, key, version) whose newest entry was dropped
  NOKV_RETURN_IF_ERROR(scan.Run(
      [&](const ScannedEntry& e) {
        ValueRecord record;
        ValuePointer ptr;
        const bool is_ptr = DecodePointerEntry(e.value, &record, &ptr);
        const bool copied = is_ptr && salvage.copied.count(ptr.file) != 0;
        if (copied) remap.insert(e.table_number);
        if (!e.candidate) return ScanVerdict::kStands;
        const std::string_view group = e.ikey.substr(0, e.ikey.size() - 8);
        bool resolves = true;
        if (is_ptr && !IsExpired(record.expires_at, now_ms)) {
          if (copied) {
            auto m = salvage.moved.find({ptr.file, ptr.offset});
            resolves = m != salvage.moved.end() && m->second.size == ptr.size;
          } else {
            resolves = probe.Check(e.ikey, ptr).ok();
          }
        }
        if (resolves) {
          if (!rejected_group.empty() && group == rejected_group) ++out->fell_back;
          rejected_group.clear();
          return ScanVerdict::kStands;
        }
        drops[e.table_number].insert(std::string(e.ikey));
        ++out->dropped;
        rejected_group.assign(group.data(), group.size());
        return ScanVerdict::kRejected;
      },
      nullptr));
  if (!scan.errors().empty()) {
    return scan.errors().front().WithContext("repair: re-reading the rebuilt tables");
  }
  static const std::set<std::string> kNone;
  for (const auto& [level, meta] : tables) {
    auto d = drops.find(meta.number);
    if (d == drops.end() && remap.count(meta.number) == 0) continue;
    NOKV_RETURN_IF_ERROR(RewriteTable(fs, dir, level, meta, d == drops.end() ? kNone : d->second,
                                      salvage, table_options, target_file_size, new_number, out));
  }
  return Status::OK();
}

}  // namespace nokv
