// RunFsck and its per-kind checkers. Everything here reads through the
// FileSystem and never writes.
#include "tools/fsck.h"

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <memory>
#include <set>

#include "base/coding.h"
#include "base/internal_key.h"
#include "db/write_batch_internal.h"
#include "manifest/filenames.h"
#include "manifest/version.h"
#include "manifest/version_edit.h"
#include "manifest/version_set.h"
#include "sst/block.h"
#include "sst/table_format.h"
#include "sst/table_reader.h"
#include "vlog/value_log.h"
#include "wal/wal_reader.h"

namespace nokv {

const char* FsckFileKindName(FsckFileKind kind) {
  switch (kind) {
    case FsckFileKind::kCurrent: return "current";
    case FsckFileKind::kManifest: return "manifest";
    case FsckFileKind::kSst: return "sst";
    case FsckFileKind::kWal: return "wal";
    case FsckFileKind::kVlog: return "vlog";
    case FsckFileKind::kLock: return "lock";
    case FsckFileKind::kUnknown: break;
  }
  return "unknown";
}

const char* FsckProblemKindName(FsckProblemKind kind) {
  switch (kind) {
    case FsckProblemKind::kChecksum: return "checksum";
    case FsckProblemKind::kTruncated: return "truncated";
    case FsckProblemKind::kCorrupt: return "corrupt";
    case FsckProblemKind::kMissing: return "missing";
    case FsckProblemKind::kSizeMismatch: return "size_mismatch";
    case FsckProblemKind::kMismatch: return "mismatch";
    case FsckProblemKind::kOrder: return "order";
    case FsckProblemKind::kOverlap: return "overlap";
    case FsckProblemKind::kOrphan: return "orphan";
    case FsckProblemKind::kCounter: return "counter";
    case FsckProblemKind::kUnreadable: return "unreadable";
    case FsckProblemKind::kDangling: return "dangling";
  }
  return "corrupt";
}

FsckFileKind ClassifyWorkdirEntry(const std::string& name, uint64_t* number) {
  FileKind kind = FileKind::kUnknown;
  *number = 0;
  if (!ParseFileName(name, &kind, number)) return FsckFileKind::kUnknown;
  switch (kind) {
    case FileKind::kWal: return FsckFileKind::kWal;
    case FileKind::kTable: return FsckFileKind::kSst;
    case FileKind::kManifest: return FsckFileKind::kManifest;
    case FileKind::kCurrent: return FsckFileKind::kCurrent;
    case FileKind::kLock: return FsckFileKind::kLock;
    case FileKind::kTemp:
    case FileKind::kUnknown: break;
  }
  *number = 0;
  return FsckFileKind::kUnknown;
}

std::map<FsckProblemKind, uint64_t> FsckReport::ProblemsByKind() const {
  std::map<FsckProblemKind, uint64_t> out;
  for (const auto& p : problems) ++out[p.kind];
  return out;
}

std::map<FsckFileKind, uint64_t> FsckReport::FilesByKind() const {
  std::map<FsckFileKind, uint64_t> out;
  for (const auto& f : files) ++out[f.kind];
  return out;
}

namespace {

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The engine's Corruption messages name offsets as "offset N"; the first one
// is where the damage starts.
std::optional<uint64_t> OffsetInMessage(const std::string& msg) {
  static constexpr std::string_view kWord = "offset ";
  size_t pos = msg.find(kWord);
  while (pos != std::string::npos) {
    size_t i = pos + kWord.size();
    uint64_t v = 0;
    size_t digits = 0;
    while (i < msg.size() && std::isdigit(static_cast<unsigned char>(msg[i])) && digits < 19) {
      v = v * 10 + static_cast<uint64_t>(msg[i] - '0');
      ++i;
      ++digits;
    }
    if (digits > 0) return v;
    pos = msg.find(kWord, pos + 1);
  }
  return std::nullopt;
}

FsckProblemKind KindOf(const Status& s) {
  if (s.IsIOError() || s.IsNotFound()) return FsckProblemKind::kUnreadable;
  const std::string& m = s.message();
  if (m.find("checksum") != std::string::npos) return FsckProblemKind::kChecksum;
  if (m.find("truncated") != std::string::npos || m.find("past end of file") != std::string::npos ||
      m.find("too small") != std::string::npos || m.find("outside the file") != std::string::npos) {
    return FsckProblemKind::kTruncated;
  }
  return FsckProblemKind::kCorrupt;
}

void Add(std::vector<FsckProblem>* problems, const std::string& path, std::optional<uint64_t> off,
         FsckProblemKind kind, std::string message) {
  problems->push_back(FsckProblem{path, off, kind, std::move(message)});
}

void AddStatus(std::vector<FsckProblem>* problems, const std::string& name, const Status& s,
               std::optional<uint64_t> offset = std::nullopt) {
  if (!offset) offset = OffsetInMessage(s.message());
  Add(problems, name, offset, KindOf(s), s.ToString());
}

std::string KeyText(std::string_view ikey) { return PrintableKey(ikey); }

// Checks that data blocks, meta blocks and the footer tile [0, file size).
// Every byte of an SST is then covered by a checksum (block trailers, footer
// CRC) or is itself a checked field (footer magic and version).
void CheckCoverage(FileSystem* fs, const std::string& path, const std::string& name,
                   const TableReader& table, std::vector<FsckProblem>* problems) {
  auto file = fs->NewRandomAccessFile(path);
  if (!file.ok()) return AddStatus(problems, name, file.status());
  const uint64_t size = (*file)->Size();
  if (size < kFooterSize) return;
  char scratch[kFooterSize];
  std::string_view bytes;
  Status s = (*file)->Read(size - kFooterSize, kFooterSize, scratch, &bytes);
  Footer footer;
  if (s.ok()) s = footer.DecodeFrom(bytes, path, size - kFooterSize);
  if (!s.ok()) return AddStatus(problems, name, s);

  std::vector<std::pair<uint64_t, uint64_t>> extents;  // [begin, end)
  BlockIterator index(&table.index_block());
  for (index.SeekToFirst(); index.Valid(); index.Next()) {
    std::string_view v = index.value();
    BlockHandle h;
    if (!h.DecodeFrom(&v)) return;  // VerifyChecksums reports it
    extents.emplace_back(h.offset, h.offset + h.size + kBlockTrailerSize);
  }
  for (const BlockHandle* h : {&footer.filter, &footer.index, &footer.properties}) {
    if (h == &footer.filter && h->size == 0) continue;
    extents.emplace_back(h->offset, h->offset + h->size + kBlockTrailerSize);
  }
  extents.emplace_back(size - kFooterSize, size);
  std::sort(extents.begin(), extents.end());
  uint64_t pos = 0;
  for (const auto& [begin, end] : extents) {
    if (begin != pos) {
      Add(problems, name, std::min(begin, pos), FsckProblemKind::kCorrupt,
          begin > pos ? "bytes [" + std::to_string(pos) + ", " + std::to_string(begin) +
                            ") belong to no block"
                      : "blocks overlap at offset " + std::to_string(begin));
      return;
    }
    pos = end;
  }
}

}  // namespace

bool CheckTableFile(FileSystem* fs, const std::string& dir, const std::string& name,
                    uint64_t number, std::vector<FsckProblem>* problems, TableFacts* facts) {
  *facts = TableFacts();
  const size_t before = problems->size();
  const std::string path = JoinPath(dir, name);
  auto file = fs->NewRandomAccessFile(path);
  if (!file.ok()) {
    AddStatus(problems, name, file.status());
    return false;
  }
  facts->file_size = (*file)->Size();
  auto opened = TableReader::Open(TableOptions(), std::move(file.value()), number, nullptr);
  if (!opened.ok()) {
    AddStatus(problems, name, opened.status());
    return false;
  }
  const TableReader& table = **opened;
  Status s = table.VerifyChecksums(&facts->blocks);
  if (!s.ok()) {
    AddStatus(problems, name, s);
    return false;
  }
  CheckCoverage(fs, path, name, table, problems);

  auto it = table.NewIterator(/*verify_checksums=*/true, /*fill_cache=*/false);
  std::string prev;
  bool first = true;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = it->key();
    ParsedInternalKey parsed;
    if (!ParseInternalKey(key, &parsed)) {
      Add(problems, name, table.ApproximateOffsetOf(prev.empty() ? key : prev),
          FsckProblemKind::kCorrupt, "undecodable internal key " + KeyText(key));
      break;
    }
    if (!first && CompareInternalKeys(prev, key) >= 0) {
      Add(problems, name, table.ApproximateOffsetOf(key), FsckProblemKind::kOrder,
          "key " + KeyText(key) + " does not sort after " + KeyText(prev));
      break;
    }
    ValueRecord record;
    if (!DecodeValueRecord(it->value(), &record)) {
      Add(problems, name, table.ApproximateOffsetOf(key), FsckProblemKind::kCorrupt,
          "undecodable value for key " + KeyText(key));
      break;
    }
    if (first) {
      facts->smallest.assign(key);
      facts->smallest_seq = facts->largest_seq = parsed.sequence;
    }
    ++facts->entries;
    if (record.IsDelete()) ++facts->deletions;
    facts->smallest_seq = std::min(facts->smallest_seq, parsed.sequence);
    facts->largest_seq = std::max(facts->largest_seq, parsed.sequence);
    facts->max_version = std::max(facts->max_version, parsed.version);
    prev.assign(key);
    first = false;
  }
  facts->largest = prev;
  if (!it->status().ok()) AddStatus(problems, name, it->status());
  if (problems->size() != before) return false;

  const TableProperties& p = table.properties();
  auto mismatch = [&](const std::string& what, const std::string& props, const std::string& scan) {
    Add(problems, name, std::nullopt, FsckProblemKind::kMismatch,
        "properties say " + what + " " + props + ", the scan found " + scan);
  };
  if (p.num_entries != facts->entries) {
    mismatch("num_entries", std::to_string(p.num_entries), std::to_string(facts->entries));
  }
  if (p.num_deletions != facts->deletions) {
    mismatch("num_deletions", std::to_string(p.num_deletions), std::to_string(facts->deletions));
  }
  if (facts->entries > 0) {
    if (p.smallest_key != facts->smallest) {
      mismatch("smallest key", KeyText(p.smallest_key), KeyText(facts->smallest));
    }
    if (p.largest_key != facts->largest) {
      mismatch("largest key", KeyText(p.largest_key), KeyText(facts->largest));
    }
    if (p.smallest_seq != facts->smallest_seq || p.largest_seq != facts->largest_seq) {
      mismatch("sequences",
               std::to_string(p.smallest_seq) + ".." + std::to_string(p.largest_seq),
               std::to_string(facts->smallest_seq) + ".." + std::to_string(facts->largest_seq));
    }
  }
  return problems->size() == before;
}

std::optional<std::string> ReadCurrentFile(FileSystem* fs, const std::string& dir,
                                           std::vector<FsckProblem>* problems) {
  const std::string name = "CURRENT";
  const std::string path = CurrentFileName(dir);
  if (!fs->FileExists(path)) {
    Add(problems, name, std::nullopt, FsckProblemKind::kMissing,
        "CURRENT is missing: no manifest is live");
    return std::nullopt;
  }
  std::string contents;
  Status s = fs->ReadFileToString(path, &contents);
  if (!s.ok()) {
    AddStatus(problems, name, s);
    return std::nullopt;
  }
  FileKind kind = FileKind::kUnknown;
  uint64_t number = 0;
  const size_t nl = contents.find('\n');
  const std::string manifest = contents.substr(0, nl);
  if (nl == std::string::npos || nl + 1 != contents.size() ||
      !ParseFileName(manifest, &kind, &number) || kind != FileKind::kManifest) {
    Add(problems, name, nl == std::string::npos ? 0 : nl + 1, FsckProblemKind::kCorrupt,
        "CURRENT must hold one manifest file name and a newline; it holds \"" +
            PrintableKey(contents) + "\"");
    return std::nullopt;
  }
  if (!fs->FileExists(JoinPath(dir, manifest))) {
    Add(problems, name, 0, FsckProblemKind::kMissing,
        "CURRENT names " + manifest + ", which does not exist");
    return std::nullopt;
  }
  return manifest;
}

namespace {

Status ApplyEdit(const VersionEdit& edit, ManifestState* state) {
  if (edit.log_number) state->log_number = *edit.log_number;
  if (edit.next_file_number) state->next_file_number = *edit.next_file_number;
  if (edit.last_sequence) state->last_sequence = *edit.last_sequence;
  for (const auto& [level, number] : edit.deleted_files) {
    auto it = state->files.find(number);
    if (it == state->files.end() || it->second.first != level) {
      return Status::Corruption("edit deletes table " + std::to_string(number) + " from L" +
                                std::to_string(level) + ", where it is not");
    }
    state->files.erase(it);
  }
  for (const auto& [level, meta] : edit.new_files) {
    if (state->files.count(meta.number) != 0) {
      return Status::Corruption("edit adds table " + std::to_string(meta.number) + " twice");
    }
    if (CompareInternalKeys(meta.smallest, meta.largest) > 0) {
      return Status::Corruption("edit adds table " + std::to_string(meta.number) +
                                " whose smallest key exceeds its largest");
    }
    state->files.emplace(meta.number, std::make_pair(level, meta));
  }
  return Status::OK();
}

}  // namespace

bool ReplayManifestStrict(FileSystem* fs, const std::string& dir, const std::string& name,
                          std::vector<FsckProblem>* problems, ManifestState* state) {
  *state = ManifestState();
  state->name = name;
  FileKind kind = FileKind::kUnknown;
  (void)ParseFileName(name, &kind, &state->number);
  WalReplayResult result;
  Status s = ReplayWalFile(
      fs, JoinPath(dir, name), /*is_last_segment=*/false,
      [state](uint8_t type, std::string_view payload, uint64_t offset) -> Status {
        if (type != kManifestRecordType) {
          return Status::Corruption("unknown manifest record type " + std::to_string(type));
        }
        VersionEdit edit;
        NOKV_RETURN_IF_ERROR(edit.DecodeFrom(payload));
        return ApplyEdit(edit, state);
      },
      &result);
  if (!s.ok()) {
    AddStatus(problems, name, s, s.IsIOError() ? std::nullopt : std::optional(result.valid_bytes));
    return false;
  }
  if (result.records == 0) {
    Add(problems, name, 0, FsckProblemKind::kTruncated, "the manifest holds no record");
    return false;
  }
  state->complete = true;
  return true;
}

bool CheckManifestLevels(const ManifestState& state, std::vector<FsckProblem>* problems) {
  const size_t before = problems->size();
  std::vector<std::vector<const FileMeta*>> levels(kNumLevels);
  uint64_t max_number = 0, max_seq = 0;
  for (const auto& [number, entry] : state.files) {
    if (entry.first >= 0 && entry.first < kNumLevels) levels[entry.first].push_back(&entry.second);
    max_number = std::max(max_number, number);
    max_seq = std::max(max_seq, entry.second.largest_seq);
  }
  for (int level = 1; level < kNumLevels; ++level) {
    auto& files = levels[level];
    std::sort(files.begin(), files.end(), [](const FileMeta* a, const FileMeta* b) {
      return CompareInternalKeys(a->smallest, b->smallest) < 0;
    });
    for (size_t i = 1; i < files.size(); ++i) {
      if (UserPart(files[i - 1]->largest) >= UserPart(files[i]->smallest)) {
        Add(problems, BaseName(TableFileName("", files[i]->number)), std::nullopt,
            FsckProblemKind::kOverlap,
            "L" + std::to_string(level) + " tables " + std::to_string(files[i - 1]->number) +
                " and " + std::to_string(files[i]->number) + " overlap (" +
                KeyText(files[i - 1]->largest) + " >= " + KeyText(files[i]->smallest) + ")");
      }
    }
  }
  if (!state.files.empty() && state.next_file_number <= max_number) {
    Add(problems, state.name, std::nullopt, FsckProblemKind::kCounter,
        "next_file_number " + std::to_string(state.next_file_number) +
            " is not above table number " + std::to_string(max_number));
  }
  if (state.last_sequence < max_seq) {
    Add(problems, state.name, std::nullopt, FsckProblemKind::kCounter,
        "last_sequence " + std::to_string(state.last_sequence) +
            " is below a table's largest sequence " + std::to_string(max_seq));
  }
  return problems->size() == before;
}

namespace {

// One fsck run: the report being built and what earlier checkers learned.
struct FsckRun {
  FileSystem* fs = nullptr;
  std::string dir;
  const FsckOptions* options = nullptr;
  FsckReport* report = nullptr;
  uint64_t bytes_done = 0;
  // Progress total: the files, plus an estimate of what the pointer check
  // reads again (every table and WAL segment).
  uint64_t work_total = 0;

  std::optional<std::string> live_manifest;  // named by a valid CURRENT
  ManifestState manifest;                    // valid when report->manifest_readable
  std::set<uint64_t> tables_on_disk;
  uint64_t newest_wal = 0;
  uint64_t wal_last_sequence = 0;  // across segments, in number order

  void Done(const FsckFile& f) {
    bytes_done += f.bytes;
    if (options->progress) options->progress(bytes_done, work_total);
  }
};

void CheckCurrent(FsckRun& run, std::vector<FsckFile*>& files) {
  // CURRENT may be absent (a problem only if there is data); its own entry is
  // checked here when present.
  run.live_manifest = ReadCurrentFile(run.fs, run.dir, &run.report->problems);
  for (FsckFile* f : files) run.Done(*f);
}

void CheckManifests(FsckRun& run, std::vector<FsckFile*>& files) {
  for (FsckFile* f : files) {
    const bool live = run.live_manifest && *run.live_manifest == f->path;
    ManifestState state;
    const bool complete = ReplayManifestStrict(run.fs, run.dir, f->path, &run.report->problems,
                                               &state);
    if (live) {
      run.manifest = std::move(state);
      run.report->manifest_readable = complete;
      run.report->manifest_name = f->path;
      if (complete) {
        run.report->log_number = run.manifest.log_number;
        run.report->next_file_number = run.manifest.next_file_number;
        run.report->last_sequence = run.manifest.last_sequence;
        run.report->tables_in_manifest = run.manifest.files.size();
        CheckManifestLevels(run.manifest, &run.report->problems);
      }
    } else {
      Add(&run.report->problems, f->path, std::nullopt, FsckProblemKind::kOrphan,
          run.live_manifest ? "not the live manifest (CURRENT names " + *run.live_manifest + ")"
                            : "manifest not named by CURRENT");
    }
    run.Done(*f);
  }
}

void CheckTables(FsckRun& run, std::vector<FsckFile*>& files) {
  auto& problems = run.report->problems;
  const bool know_live = run.report->manifest_readable;
  for (FsckFile* f : files) {
    run.tables_on_disk.insert(f->number);
    TableFacts facts;
    CheckTableFile(run.fs, run.dir, f->path, f->number, &problems, &facts);
    run.report->sst_blocks_checked += facts.blocks;
    run.report->sst_entries_checked += facts.entries;
    if (know_live) {
      auto it = run.manifest.files.find(f->number);
      if (it == run.manifest.files.end()) {
        Add(&problems, f->path, std::nullopt, FsckProblemKind::kOrphan,
            "table not referenced by " + run.manifest.name);
      } else {
        const FileMeta& m = it->second.second;
        if (m.file_size != f->bytes) {
          Add(&problems, f->path, std::nullopt, FsckProblemKind::kSizeMismatch,
              run.manifest.name + " records " + std::to_string(m.file_size) +
                  " bytes, the file has " + std::to_string(f->bytes));
        }
        if (facts.entries > 0 && (m.smallest != facts.smallest || m.largest != facts.largest)) {
          Add(&problems, f->path, std::nullopt, FsckProblemKind::kMismatch,
              run.manifest.name + " records keys [" + KeyText(m.smallest) + " .. " +
                  KeyText(m.largest) + "], the table holds [" + KeyText(facts.smallest) + " .. " +
                  KeyText(facts.largest) + "]");
        }
      }
    }
    run.Done(*f);
  }
  if (know_live) {
    for (const auto& [number, entry] : run.manifest.files) {
      if (run.tables_on_disk.count(number) != 0) continue;
      Add(&problems, BaseName(TableFileName("", number)), std::nullopt, FsckProblemKind::kMissing,
          run.manifest.name + " names L" + std::to_string(entry.first) +
              " table " + std::to_string(number) + ", which does not exist");
    }
  }
}

void CheckWalSegment(FsckRun& run, FsckFile* f) {
  auto& problems = run.report->problems;
  const bool newest = f->number == run.newest_wal;
  WalReplayResult result;
  Status s = ReplayWalFile(
      run.fs, JoinPath(run.dir, f->path), newest,
      [&run](uint8_t type, std::string_view payload, uint64_t offset) -> Status {
        if (type != kWalWriteBatch) {
          return Status::Corruption("unknown WAL record type " + std::to_string(type));
        }
        uint64_t first = 0;
        std::string_view rep;
        WriteBatch batch;
        NOKV_RETURN_IF_ERROR(WriteBatchInternal::DecodeWalRecord(payload, &first, &rep, &batch));
        const uint64_t count = batch.Count();
        if (count > 0) {
          if (first <= run.wal_last_sequence) {
            return Status::Corruption("order: sequence " + std::to_string(first) +
                                      " does not follow " + std::to_string(run.wal_last_sequence));
          }
          run.wal_last_sequence = first + count - 1;
        }
        ++run.report->wal_records_checked;
        return Status::OK();
      },
      &result);
  if (!s.ok()) {
    const bool order = s.message().find("order: sequence") != std::string::npos;
    Add(&problems, f->path,
        s.IsIOError() ? std::nullopt : std::optional<uint64_t>(result.valid_bytes),
        order ? FsckProblemKind::kOrder : KindOf(s), s.ToString());
  } else if (result.tail_dropped) {
    Add(&problems, f->path, result.valid_bytes,
        result.tail_reason.find("checksum") != std::string::npos ? FsckProblemKind::kChecksum
                                                                 : FsckProblemKind::kTruncated,
        "torn tail of " + std::to_string(result.dropped_bytes) + " bytes (" + result.tail_reason +
            "); the next open drops these unacknowledged writes");
  }
  if (run.report->manifest_readable && f->number < run.manifest.log_number) {
    Add(&problems, f->path, std::nullopt, FsckProblemKind::kOrphan,
        "segment is below the WAL checkpoint (log_number " +
            std::to_string(run.manifest.log_number) + ") and will never be replayed");
  }
}

void CheckWals(FsckRun& run, std::vector<FsckFile*>& files) {
  std::sort(files.begin(), files.end(),
            [](const FsckFile* a, const FsckFile* b) { return a->number < b->number; });
  if (!files.empty()) run.newest_wal = files.back()->number;
  for (FsckFile* f : files) {
    CheckWalSegment(run, f);
    run.Done(*f);
  }
}

// Value-log segments: the header record, then value records, every checksum
// verified. A torn tail in the newest segment is reported like a WAL's.
void CheckVlogs(FsckRun& run, std::vector<FsckFile*>& files) {
  uint64_t newest = 0;
  for (FsckFile* f : files) newest = std::max(newest, f->number);
  for (FsckFile* f : files) {
    bool saw_header = false;
    WalReplayResult result;
    Status s = ReplayWalFile(
        run.fs, JoinPath(run.dir, f->path), f->number == newest,
        [&](uint8_t type, std::string_view payload, uint64_t) -> Status {
          if (!saw_header) {
            if (type != kVlogHeader || payload.size() != 20 ||
                DecodeFixed64(payload.data()) != kVlogMagic) {
              return Status::Corruption("missing or bad value-log segment header");
            }
            saw_header = true;
            return Status::OK();
          }
          if (type != kVlogValue) return Status::Corruption("unexpected value-log record type");
          uint32_t klen = 0;
          std::string_view in = payload;
          if (!GetVarint32(&in, &klen) || in.size() < klen) {
            return Status::Corruption("malformed value record");
          }
          ++run.report->vlog_records_checked;
          return Status::OK();
        },
        &result);
    if (!s.ok()) {
      Add(&run.report->problems, f->path,
          s.IsIOError() ? std::nullopt : std::optional<uint64_t>(result.valid_bytes), KindOf(s),
          s.ToString());
    } else if (result.tail_dropped) {
      Add(&run.report->problems, f->path, result.valid_bytes, FsckProblemKind::kTruncated,
          "torn tail of " + std::to_string(result.dropped_bytes) + " bytes (" +
              result.tail_reason + "); no acknowledged write can point there");
    } else if (!saw_header && f->bytes > 0) {
      Add(&run.report->problems, f->path, 0, FsckProblemKind::kCorrupt,
          "value-log segment without a header");
    }
    run.Done(*f);
  }
}

// The cross-file check: needs the live manifest (which tables, which WAL
// segments are live).
void CheckPointers(FsckRun& run, uint64_t scan_estimate) {
  FsckReport* r = run.report;
  if (r->manifest_readable) {
    std::vector<uint64_t> wals;
    for (const auto& f : r->files) {
      if (f.kind == FsckFileKind::kWal && f.number >= run.manifest.log_number) {
        wals.push_back(f.number);
      }
    }
    std::sort(wals.begin(), wals.end());
    LivePointerStats stats;
    const uint64_t base = run.bytes_done;
    CheckLiveValuePointers(
        run.fs, run.dir, run.manifest, wals, run.options->now_ms,
        [&](uint64_t done) {
          if (run.options->progress) {
            run.options->progress(base + std::min(done, scan_estimate), run.work_total);
          }
        },
        &r->problems, &stats);
    r->pointers_checked = true;
    r->live_entries_checked = stats.entries;
    r->live_pointers_checked = stats.pointers;
    r->dangling_pointers = stats.dangling;
    r->expired_pointers_skipped = stats.expired_skipped;
  }
  if (run.options->progress) run.options->progress(run.work_total, run.work_total);
}

void NoteOnly(FsckRun& run, std::vector<FsckFile*>& files) {
  for (FsckFile* f : files) run.Done(*f);
}

// The checkers, in the order they run: later ones use what earlier ones
// learned (the live manifest, the tables on disk).
struct FsckChecker {
  FsckFileKind kind;
  void (*check)(FsckRun& run, std::vector<FsckFile*>& files);
};
constexpr FsckChecker kCheckers[] = {
    {FsckFileKind::kCurrent, CheckCurrent}, {FsckFileKind::kManifest, CheckManifests},
    {FsckFileKind::kSst, CheckTables},      {FsckFileKind::kWal, CheckWals},
    {FsckFileKind::kVlog, CheckVlogs},      {FsckFileKind::kLock, NoteOnly},
    {FsckFileKind::kUnknown, NoteOnly},
};

}  // namespace

Status RunFsck(FileSystem* fs, const std::string& dir, const FsckOptions& options,
               FsckReport* out) {
  *out = FsckReport();
  out->dir = dir;
  if (!fs->FileExists(dir)) return Status::NotFound(dir + ": no such directory");
  std::vector<std::string> names;
  Status s = fs->GetChildren(dir, &names);
  if (!s.ok()) return s.WithContext(dir + ": cannot list the directory");
  std::sort(names.begin(), names.end());

  bool any_nokv = false;
  for (const auto& name : names) {
    FsckFile f;
    f.path = name;
    f.kind = ClassifyWorkdirEntry(name, &f.number);
    std::vector<std::string> sub;
    f.is_directory = fs->GetChildren(JoinPath(dir, name), &sub).ok();
    if (f.is_directory) {
      f.kind = FsckFileKind::kUnknown;
      f.number = 0;
    } else if (!fs->GetFileSize(JoinPath(dir, name), &f.bytes).ok()) {
      f.bytes = 0;
    }
    if (f.kind != FsckFileKind::kUnknown && f.kind != FsckFileKind::kLock) any_nokv = true;
    out->bytes += f.bytes;
    const bool vlog_dir = f.is_directory && name == "vlog";
    // The value-log directory is NoKV's own: its segments are listed below,
    // so it is not reported as an unknown entry itself.
    if (!vlog_dir) out->files.push_back(std::move(f));
    if (vlog_dir) {
      // The value log's segments: vlog/NNNNNN.vlog.
      std::vector<std::string> segs;
      (void)fs->GetChildren(JoinPath(dir, "vlog"), &segs);
      std::sort(segs.begin(), segs.end());
      for (const auto& seg : segs) {
        FsckFile v;
        v.path = "vlog/" + seg;
        unsigned long long n = 0;
        char tail[8] = {0};
        if (std::sscanf(seg.c_str(), "%llu.%5s", &n, tail) == 2 && std::string(tail) == "vlog") {
          v.kind = FsckFileKind::kVlog;
          v.number = n;
        } else {
          v.kind = FsckFileKind::kUnknown;
        }
        if (!fs->GetFileSize(JoinPath(dir, v.path), &v.bytes).ok()) v.bytes = 0;
        out->bytes += v.bytes;
        out->files.push_back(std::move(v));
      }
    }
  }
  if (!any_nokv) return Status::NotFound(dir + ": not a NoKV workdir (no NoKV files)");

  FsckRun run;
  run.fs = fs;
  run.dir = dir;
  run.options = &options;
  run.report = out;
  uint64_t scan_estimate = 0;
  for (const auto& f : out->files) {
    if (f.kind == FsckFileKind::kSst || f.kind == FsckFileKind::kWal) scan_estimate += f.bytes;
  }
  run.work_total = out->bytes + scan_estimate;
  for (const FsckChecker& checker : kCheckers) {
    std::vector<FsckFile*> files;
    for (auto& f : out->files) {
      if (f.kind == checker.kind) files.push_back(&f);
    }
    checker.check(run, files);
  }
  CheckPointers(run, scan_estimate);

  std::set<std::string> bad;
  for (const auto& p : out->problems) bad.insert(p.path);
  for (auto& f : out->files) f.ok = bad.count(f.path) == 0;
  return Status::OK();
}

}  // namespace nokv
