// RepairWorkdir: backup, per-table verify/salvage, WAL replay, and a fresh
// manifest. The checks are fsck's (CheckTableFile, ReplayManifestStrict).
#include "tools/repair.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <memory>
#include <set>

#include "base/internal_key.h"
#include "db/write_batch_internal.h"
#include "lsm/merging_iterator.h"
#include "lsm/table_outputs.h"
#include "manifest/filenames.h"
#include "manifest/version.h"
#include "manifest/version_edit.h"
#include "manifest/version_set.h"
#include "sst/block.h"
#include "sst/table_reader.h"
#include "tools/fsck.h"
#include "tools/repair_vlog.h"
#include "tools/wal_entries.h"
#include "wal/wal_reader.h"
#include "wal/wal_writer.h"

namespace nokv {
namespace {

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

Status CopyFile(FileSystem* fs, const std::string& src, const std::string& dst) {
  auto in = fs->NewRandomAccessFile(src);
  if (!in.ok()) return in.status();
  auto out = fs->NewWritableFile(dst);
  if (!out.ok()) return out.status();
  constexpr size_t kChunk = 1 << 20;
  std::string scratch(kChunk, '\0');
  const uint64_t size = (*in)->Size();
  for (uint64_t pos = 0; pos < size;) {
    std::string_view got;
    NOKV_RETURN_IF_ERROR((*in)->Read(pos, kChunk, scratch.data(), &got));
    if (got.empty()) return Status::IOError(src + ": short read at offset " + std::to_string(pos));
    NOKV_RETURN_IF_ERROR((*out)->Append(got));
    pos += got.size();
  }
  NOKV_RETURN_IF_ERROR((*out)->Sync());
  return (*out)->Close();
}

// One directory entry as repair sees it.
struct Entry {
  std::string name;
  FsckFileKind kind = FsckFileKind::kUnknown;
  uint64_t number = 0;
  bool is_temp = false;
};

FileMeta MetaFromFacts(uint64_t number, const TableFacts& facts, int64_t created_at) {
  FileMeta m;
  m.number = number;
  m.file_size = facts.file_size;
  m.smallest = facts.smallest;
  m.largest = facts.largest;
  m.smallest_seq = facts.smallest_seq;
  m.largest_seq = facts.largest_seq;
  m.num_entries = facts.entries;
  m.num_deletions = facts.deletions;
  m.max_version = facts.max_version;
  m.created_at = created_at;
  return m;
}

class Repairer {
 public:
  Repairer(FileSystem* fs, std::string dir, const RepairOptions& options, RepairReport* out)
      : fs_(fs), dir_(std::move(dir)), options_(options), out_(out) {}

  Status Run();

 private:
  Status ListAndBackup();
  void ReadOldManifest();
  Status CheckTables();
  Status SalvageTable(const Entry& e, int level);
  Status ReplayWals();
  Status MergeAll();
  Status RepairValueLog();
  Status WriteManifest();
  void RemoveOriginals();

  uint64_t NewNumber() { return next_number_++; }
  TableOutputs NewOutputs() {
    return TableOutputs(fs_, dir_, options_.table, options_.target_file_size,
                        [this] { return NewNumber(); });
  }

  FileSystem* const fs_;
  const std::string dir_;
  const RepairOptions options_;
  RepairReport* const out_;
  int64_t now_ = 0;

  std::vector<Entry> entries_;
  uint64_t next_number_ = 1;
  uint64_t max_sequence_ = 0;
  std::vector<FsckProblem> problems_;  // found along the way (for notes)

  bool manifest_usable_ = false;
  ManifestState manifest_;
  // The new state: (level, meta) of every table the new manifest names.
  std::vector<std::pair<int, FileMeta>> placed_;
  std::set<uint64_t> remove_tables_;  // original tables to take out of the workdir
  VlogSalvage vlog_;
};

Status Repairer::ListAndBackup() {
  std::vector<std::string> names;
  NOKV_RETURN_IF_ERROR(fs_->GetChildren(dir_, &names));
  std::sort(names.begin(), names.end());
  uint64_t max_number = 0;
  std::string backup = JoinPath(dir_, "backup-" + std::to_string(now_));
  for (int i = 1; fs_->FileExists(backup); ++i) {
    backup = JoinPath(dir_, "backup-" + std::to_string(now_) + "-" + std::to_string(i));
  }
  // Durable before repair changes anything the backup is the only copy of.
  NOKV_RETURN_IF_ERROR(fs_->CreateDirDurable(backup));
  out_->backup_dir = backup;
  for (const auto& name : names) {
    std::vector<std::string> sub;
    if (fs_->GetChildren(JoinPath(dir_, name), &sub).ok()) continue;  // a directory
    Entry e;
    e.name = name;
    e.kind = ClassifyWorkdirEntry(name, &e.number);
    FileKind raw = FileKind::kUnknown;
    uint64_t n = 0;
    e.is_temp = ParseFileName(name, &raw, &n) && raw == FileKind::kTemp;
    max_number = std::max(max_number, e.number);
    if (e.kind != FsckFileKind::kLock) {
      Status s = CopyFile(fs_, JoinPath(dir_, name), JoinPath(backup, name));
      if (!s.ok()) return s.WithContext("backup of " + name + " into " + backup);
    }
    entries_.push_back(std::move(e));
  }
  NOKV_RETURN_IF_ERROR(fs_->SyncDir(backup));
  // Value-log segments share the file-number space.
  next_number_ = std::max(max_number, MaxVlogSegmentNumber(fs_, dir_)) + 1;
  return Status::OK();
}

void Repairer::ReadOldManifest() {
  std::optional<std::string> name = ReadCurrentFile(fs_, dir_, &problems_);
  if (!name) {
    out_->notes.push_back("CURRENT is unusable; levels are rebuilt from the tables");
    return;
  }
  if (!ReplayManifestStrict(fs_, dir_, *name, &problems_, &manifest_)) {
    out_->notes.push_back(*name + " is damaged (" + problems_.back().message +
                          "); levels are rebuilt from the tables");
    return;
  }
  next_number_ = std::max(next_number_, manifest_.next_file_number);
  max_sequence_ = std::max(max_sequence_, manifest_.last_sequence);
  if (!CheckManifestLevels(manifest_, &problems_)) {
    out_->notes.push_back(*name + " violates level invariants (" + problems_.back().message +
                          "); levels are rebuilt from the tables");
    return;
  }
  manifest_usable_ = true;
}

Status Repairer::SalvageTable(const Entry& e, int level) {
  auto file = fs_->NewRandomAccessFile(JoinPath(dir_, e.name));
  if (!file.ok()) return file.status();
  auto opened = TableReader::Open(options_.table, std::move(file.value()), e.number, nullptr);
  if (!opened.ok()) return opened.status();
  const TableReader& table = **opened;
  TableOutputs outputs = NewOutputs();
  std::string last;
  uint64_t copied = 0, bad_blocks = 0;
  BlockIterator index(&table.index_block());
  for (index.SeekToFirst(); index.Valid(); index.Next()) {
    std::string_view v = index.value();
    BlockHandle h;
    std::shared_ptr<const Block> block;
    if (!h.DecodeFrom(&v) || !table.GetDataBlock(h, true, false, &block).ok()) {
      ++bad_blocks;
      continue;
    }
    BlockIterator it(block.get());
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      ParsedInternalKey parsed;
      ValueRecord record;
      if (!ParseInternalKey(it.key(), &parsed) || !DecodeValueRecord(it.value(), &record)) break;
      if (!last.empty() && CompareInternalKeys(last, it.key()) >= 0) continue;
      Status s = outputs.Add(it.key(), it.value());
      if (!s.ok()) {
        outputs.Abandon();
        return s;
      }
      last.assign(it.key());
      max_sequence_ = std::max(max_sequence_, parsed.sequence);
      ++copied;
    }
    if (!it.status().ok()) ++bad_blocks;
  }
  Status s = outputs.Finish();
  if (!s.ok()) {
    outputs.Abandon();
    return s;
  }
  for (const FileMeta& m : outputs.files()) {
    placed_.emplace_back(level, m);
    out_->written.push_back(BaseName(TableFileName(dir_, m.number)));
  }
  out_->salvaged_entries += copied;
  out_->notes.push_back(e.name + ": copied " + std::to_string(copied) + " entries; " +
                        std::to_string(bad_blocks) + " damaged block(s) lost");
  return Status::OK();
}

Status Repairer::CheckTables() {
  for (const Entry& e : entries_) {
    if (e.kind != FsckFileKind::kSst) continue;
    int level = 0;
    int64_t created_at = now_;
    if (manifest_usable_) {
      auto it = manifest_.files.find(e.number);
      if (it == manifest_.files.end()) {
        remove_tables_.insert(e.number);
        out_->notes.push_back(e.name + ": orphan (not in the manifest), removed");
        continue;
      }
      level = it->second.first;
      created_at = it->second.second.created_at;
    }
    std::vector<FsckProblem> problems;
    TableFacts facts;
    if (CheckTableFile(fs_, dir_, e.name, e.number, &problems, &facts)) {
      if (facts.entries == 0) {
        remove_tables_.insert(e.number);
        out_->notes.push_back(e.name + ": empty table, removed");
        continue;
      }
      placed_.emplace_back(level, MetaFromFacts(e.number, facts, created_at));
      max_sequence_ = std::max(max_sequence_, facts.largest_seq);
      out_->kept.push_back(e.name);
      continue;
    }
    remove_tables_.insert(e.number);
    Status s = SalvageTable(e, level);
    if (s.ok()) {
      out_->salvaged.push_back(e.name);
    } else {
      out_->dropped.push_back(e.name);
      out_->notes.push_back(e.name + ": dropped (" + problems.front().message + ")");
    }
  }
  if (manifest_usable_) {
    std::set<uint64_t> on_disk;
    for (const Entry& e : entries_) {
      if (e.kind == FsckFileKind::kSst) on_disk.insert(e.number);
    }
    for (const auto& [number, entry] : manifest_.files) {
      if (on_disk.count(number) == 0) {
        out_->notes.push_back(BaseName(TableFileName(dir_, number)) +
                              ": named by the manifest but missing; its data is lost");
      }
    }
  }
  return Status::OK();
}

Status Repairer::ReplayWals() {
  std::vector<const Entry*> wals;
  for (const Entry& e : entries_) {
    if (e.kind != FsckFileKind::kWal) continue;
    if (manifest_usable_ && e.number < manifest_.log_number) continue;  // already in tables
    wals.push_back(&e);
  }
  std::sort(wals.begin(), wals.end(),
            [](const Entry* a, const Entry* b) { return a->number < b->number; });
  std::map<std::string, std::string, InternalKeyLess> entries;
  for (const Entry* e : wals) {
    WalReplayResult result;
    Status s = ReplayWalFile(
        fs_, JoinPath(dir_, e->name), /*is_last_segment=*/true,
        [&](uint8_t type, std::string_view payload, uint64_t) -> Status {
          if (type != kWalWriteBatch) return Status::Corruption("not a write-batch record");
          // Whole batches only: DecodeWalRecordEntries validates the batch
          // before the first entry, and a batch is atomic.
          WalRecordFacts facts;
          NOKV_RETURN_IF_ERROR(DecodeWalRecordEntries(
              payload,
              [&](std::string_view ikey, std::string_view value) {
                entries.emplace(std::string(ikey), std::string(value));
                return Status::OK();
              },
              &facts));
          out_->wal_entries += facts.ops;
          ++out_->wal_records;
          if (facts.ops > 0) {
            max_sequence_ = std::max(max_sequence_, facts.first_sequence + facts.ops - 1);
          }
          return Status::OK();
        },
        &result);
    if (!s.ok()) {
      out_->notes.push_back(e->name + ": records from offset " +
                            std::to_string(result.valid_bytes) + " on are lost (" + s.message() +
                            ")");
    } else if (result.tail_dropped) {
      out_->notes.push_back(e->name + ": torn tail of " + std::to_string(result.dropped_bytes) +
                            " bytes dropped (" + result.tail_reason + ")");
    }
  }
  if (entries.empty()) return Status::OK();
  TableOutputs outputs = NewOutputs();
  for (const auto& [k, v] : entries) {
    Status s = outputs.Add(k, v);
    if (!s.ok()) {
      outputs.Abandon();
      return s.WithContext("writing the WAL contents");
    }
  }
  Status s = outputs.Finish();
  if (!s.ok()) {
    outputs.Abandon();
    return s.WithContext("writing the WAL contents");
  }
  for (const FileMeta& m : outputs.files()) {
    placed_.emplace_back(0, m);
    out_->written.push_back(BaseName(TableFileName(dir_, m.number)));
  }
  return Status::OK();
}

// Merges every placed table into one sorted run (identical internal keys
// kept once) in L1, replacing placed_.
Status Repairer::MergeAll() {
  std::vector<std::unique_ptr<TableReader>> readers;
  std::vector<std::unique_ptr<InternalIterator>> children;
  for (const auto& [level, meta] : placed_) {
    auto file = fs_->NewRandomAccessFile(TableFileName(dir_, meta.number));
    if (!file.ok()) return file.status();
    auto opened = TableReader::Open(options_.table, std::move(file.value()), meta.number, nullptr);
    if (!opened.ok()) return opened.status();
    children.push_back((*opened)->NewIterator(true, false));
    readers.push_back(std::move(opened.value()));
  }
  auto it = NewMergingIterator(std::move(children));
  TableOutputs outputs = NewOutputs();
  std::string last;
  Status s;
  for (it->SeekToFirst(); it->Valid() && s.ok(); it->Next()) {
    if (!last.empty() && last == it->key()) continue;
    s = outputs.Add(it->key(), it->value());
    last.assign(it->key());
  }
  if (s.ok()) s = it->status();
  if (s.ok()) s = outputs.Finish();
  if (!s.ok()) {
    outputs.Abandon();
    return s.WithContext("merging the salvaged tables");
  }
  it.reset();
  readers.clear();
  std::set<std::string> written(out_->written.begin(), out_->written.end());
  for (const auto& [level, meta] : placed_) {
    const std::string name = BaseName(TableFileName(dir_, meta.number));
    if (written.count(name) != 0) {
      (void)fs_->RemoveFile(TableFileName(dir_, meta.number));  // an intermediate of ours
    } else {
      remove_tables_.insert(meta.number);
    }
  }
  placed_.clear();
  out_->written.clear();
  for (const FileMeta& m : outputs.files()) {
    placed_.emplace_back(1, m);
    out_->written.push_back(BaseName(TableFileName(dir_, m.number)));
  }
  return Status::OK();
}

Status Repairer::RepairValueLog() {
  NOKV_RETURN_IF_ERROR(
      SalvageValueLog(fs_, dir_, out_->backup_dir, [this] { return NewNumber(); }, &vlog_));
  out_->vlog_truncated = vlog_.truncated;
  out_->vlog_copied = vlog_.to_remove;
  out_->vlog_written = vlog_.written;
  out_->vlog_records_copied = vlog_.records_copied;
  out_->vlog_damaged_bytes = vlog_.damaged_bytes;
  for (const auto& n : vlog_.notes) out_->notes.push_back(n);

  PointerRepair fix;
  NOKV_RETURN_IF_ERROR(RepairValuePointers(fs_, dir_, placed_, vlog_, options_.table,
                                           options_.target_file_size, options_.now_ms,
                                           [this] { return NewNumber(); }, &fix));
  out_->dropped_entries = fix.dropped;
  out_->fell_back_entries = fix.fell_back;
  out_->remapped_pointers = fix.remapped;
  if (fix.dropped > 0) {
    out_->notes.push_back(std::to_string(fix.dropped) + " live entr(ies) dropped: their value " +
                          "is lost; " + std::to_string(fix.fell_back) +
                          " of them fell back to an older entry of the same key");
  }
  // Swap the rewritten tables for their replacements.
  const std::set<uint64_t> replaced(fix.replaced.begin(), fix.replaced.end());
  for (uint64_t number : replaced) {
    const std::string name = BaseName(TableFileName(dir_, number));
    auto w = std::find(out_->written.begin(), out_->written.end(), name);
    if (w != out_->written.end()) {
      out_->written.erase(w);
      (void)fs_->RemoveFile(TableFileName(dir_, number));  // an intermediate of ours
    } else {
      remove_tables_.insert(number);
      auto k = std::find(out_->kept.begin(), out_->kept.end(), name);
      if (k != out_->kept.end()) out_->kept.erase(k);
    }
  }
  std::erase_if(placed_, [&](const auto& p) { return replaced.count(p.second.number) != 0; });
  for (auto& [level, meta] : fix.added) {
    out_->written.push_back(BaseName(TableFileName(dir_, meta.number)));
    placed_.emplace_back(level, std::move(meta));
  }
  return Status::OK();
}

Status Repairer::WriteManifest() {
  const uint64_t number = NewNumber();
  VersionEdit edit;
  for (const auto& [level, meta] : placed_) {
    max_sequence_ = std::max(max_sequence_, meta.largest_seq);
    edit.new_files.emplace_back(level, meta);
  }
  edit.next_file_number = next_number_;
  edit.log_number = next_number_;  // nothing left to replay
  edit.last_sequence = max_sequence_;
  out_->next_file_number = next_number_;
  out_->last_sequence = max_sequence_;
  std::string record;
  edit.EncodeTo(&record);

  auto file = fs_->NewWritableFile(ManifestFileName(dir_, number));
  if (!file.ok()) return file.status();
  WalWriter writer(std::move(file.value()));
  NOKV_RETURN_IF_ERROR(writer.AddRecord(kManifestRecordType, record));
  NOKV_RETURN_IF_ERROR(writer.Sync());
  NOKV_RETURN_IF_ERROR(writer.Close());
  NOKV_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  out_->manifest_name = BaseName(ManifestFileName(dir_, number));
  return fs_->WriteStringToFileAtomic(CurrentFileName(dir_), out_->manifest_name + "\n");
}

void Repairer::RemoveOriginals() {
  for (const Entry& e : entries_) {
    bool remove = e.is_temp || e.kind == FsckFileKind::kWal ||
                  (e.kind == FsckFileKind::kManifest && e.name != out_->manifest_name) ||
                  (e.kind == FsckFileKind::kSst && remove_tables_.count(e.number) != 0);
    if (!remove) continue;
    if (fs_->RemoveFile(JoinPath(dir_, e.name)).ok()) out_->removed.push_back(e.name);
  }
  for (const auto& name : vlog_.to_remove) {
    if (fs_->RemoveFile(JoinPath(dir_, name)).ok()) out_->removed.push_back(name);
  }
  if (!vlog_.to_remove.empty()) (void)fs_->SyncDir(JoinPath(dir_, "vlog"));
  (void)fs_->SyncDir(dir_);
}

Status Repairer::Run() {
  now_ = options_.now_unix != 0 ? options_.now_unix : static_cast<int64_t>(std::time(nullptr));
  if (!fs_->FileExists(dir_)) return Status::NotFound(dir_ + ": no such directory");
  auto lock = fs_->LockFile(LockFileName(dir_));
  if (!lock.ok()) return lock.status().WithContext(dir_ + ": workdir is in use");
  NOKV_RETURN_IF_ERROR(ListAndBackup());
  ReadOldManifest();
  out_->used_old_manifest = manifest_usable_;
  NOKV_RETURN_IF_ERROR(CheckTables());
  NOKV_RETURN_IF_ERROR(ReplayWals());
  if (!manifest_usable_) NOKV_RETURN_IF_ERROR(MergeAll());

  // The placement must satisfy the level invariants the manifest will carry.
  ManifestState check;
  check.name = "new manifest";
  for (const auto& [level, meta] : placed_) check.files.emplace(meta.number, std::make_pair(level, meta));
  check.next_file_number = next_number_;
  check.last_sequence = UINT64_MAX;
  std::vector<FsckProblem> problems;
  if (!CheckManifestLevels(check, &problems)) {
    if (!manifest_usable_) return Status::Corruption("repair built overlapping levels: " + problems.front().message);
    out_->notes.push_back("kept tables overlap (" + problems.front().message +
                          "); merging everything into one run");
    manifest_usable_ = false;
    out_->used_old_manifest = false;
    NOKV_RETURN_IF_ERROR(MergeAll());
  }
  NOKV_RETURN_IF_ERROR(RepairValueLog());

  NOKV_RETURN_IF_ERROR(WriteManifest());
  RemoveOriginals();

  VersionSet verify(fs_, dir_, VersionSetOptions());
  Status s = verify.Recover();
  if (!s.ok()) return s.WithContext("the repaired manifest does not load");
  return Status::OK();
}

}  // namespace

Status RepairWorkdir(FileSystem* fs, const std::string& dir, const RepairOptions& options,
                     RepairReport* out) {
  *out = RepairReport();
  Repairer repairer(fs, dir, options, out);
  return repairer.Run();
}

}  // namespace nokv
