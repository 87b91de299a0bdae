// nokv fsck: verify every checksum and cross-reference of a workdir offline
// (lib/tools/fsck.h), optionally repairing it (lib/tools/repair.h).
#include <fmt/core.h>
#include <unistd.h>

#include "commands.h"
#include "report_json.h"
#include "text_output.h"
#include "tools/fsck.h"
#include "tools/repair.h"

namespace nokv::cli {
namespace {

constexpr uint64_t kProgressMinBytes = 64ull << 20;

// A one-line bar redrawn in place on stderr.
class ProgressBar {
 public:
  void Update(uint64_t done, uint64_t total) {
    const int width = 40;
    const int filled = total == 0 ? width : static_cast<int>(done * width / total);
    fmt::print(stderr, "\rfsck [{}{}] {:>3}% {}", std::string(filled, '#'),
               std::string(width - filled, ' '), total == 0 ? 100 : done * 100 / total,
               HumanBytes(done));
    std::fflush(stderr);
    drawn_ = true;
  }
  void Finish() {
    if (drawn_) fmt::print(stderr, "\n");
  }

 private:
  bool drawn_ = false;
};

std::string OffsetText(const FsckProblem& p) {
  return p.offset ? std::to_string(*p.offset) : "-";
}

void PrintText(const FsckReport& r) {
  fmt::print("Workdir   : {}\n", r.dir);
  fmt::print("Manifest  : {}\n",
             r.manifest_readable ? fmt::format("{} ({} tables, log_number={}, next_file={}, "
                                               "last_sequence={})",
                                               r.manifest_name, r.tables_in_manifest,
                                               r.log_number, r.next_file_number, r.last_sequence)
                                 : std::string("unreadable"));
  std::string kinds;
  for (const auto& [kind, n] : r.FilesByKind()) {
    kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", n, FsckFileKindName(kind));
  }
  fmt::print("Files     : {} ({}), {}\n", r.files.size(), kinds, HumanBytes(r.bytes));
  fmt::print("Checked   : {} SST blocks, {} SST entries, {} WAL records, {} value records\n",
             r.sst_blocks_checked, r.sst_entries_checked, r.wal_records_checked,
             r.vlog_records_checked);
  if (r.pointers_checked) {
    fmt::print("Pointers  : {} live value pointer(s) checked in {} entries, {} dangling{}\n",
               r.live_pointers_checked, r.live_entries_checked, r.dangling_pointers,
               r.expired_pointers_skipped
                   ? fmt::format(", {} expired (not checked)", r.expired_pointers_skipped)
                   : "");
  } else {
    fmt::print("Pointers  : not checked (no readable manifest)\n");
  }
  for (const auto& f : r.files) {
    if (f.kind == FsckFileKind::kUnknown) {
      fmt::print("Note      : {}{} is not a NoKV file (ignored)\n", f.path,
                 f.is_directory ? "/" : "");
    }
  }
  if (r.clean()) {
    fmt::print("Result    : clean\n");
    return;
  }
  std::string by_kind;
  for (const auto& [kind, n] : r.ProblemsByKind()) {
    by_kind += fmt::format("{}{} {}", by_kind.empty() ? "" : ", ", n, FsckProblemKindName(kind));
  }
  fmt::print("Result    : {} problem(s): {}\n\nProblems:\n", r.problems.size(), by_kind);
  TextTable table({{"FILE"}, {"OFFSET", true}, {"KIND"}, {"MESSAGE"}});
  for (const auto& p : r.problems) {
    table.AddRow({p.path, OffsetText(p), FsckProblemKindName(p.kind), p.message});
  }
  fmt::print("{}", table.Render());
}

void PrintJsonReport(const FsckReport& r, const RepairReport* repair) {
  Poco::JSON::Object::Ptr root = NewJsonObject();
  root->set("workdir", r.dir);
  root->set("clean", r.clean());
  Poco::JSON::Array::Ptr files = new Poco::JSON::Array();
  for (const auto& f : r.files) {
    Poco::JSON::Object::Ptr o = NewJsonObject();
    o->set("path", f.path);
    o->set("kind", std::string(FsckFileKindName(f.kind)));
    o->set("bytes", f.bytes);
    o->set("ok", f.ok);
    files->add(o);
  }
  root->set("files", files);
  Poco::JSON::Array::Ptr problems = new Poco::JSON::Array();
  for (const auto& p : r.problems) {
    Poco::JSON::Object::Ptr o = NewJsonObject();
    o->set("path", p.path);
    if (p.offset) {
      o->set("offset", *p.offset);
    } else {
      o->set("offset", Poco::Dynamic::Var());
    }
    o->set("kind", std::string(FsckProblemKindName(p.kind)));
    o->set("message", p.message);
    problems->add(o);
  }
  root->set("problems", problems);
  Poco::JSON::Object::Ptr summary = NewJsonObject();
  summary->set("files", static_cast<uint64_t>(r.files.size()));
  summary->set("bytes", r.bytes);
  summary->set("problems", static_cast<uint64_t>(r.problems.size()));
  Poco::JSON::Object::Ptr by_kind = NewJsonObject();
  for (const auto& [kind, n] : r.ProblemsByKind()) by_kind->set(FsckProblemKindName(kind), n);
  summary->set("by_kind", by_kind);
  Poco::JSON::Object::Ptr files_by_kind = NewJsonObject();
  for (const auto& [kind, n] : r.FilesByKind()) files_by_kind->set(FsckFileKindName(kind), n);
  summary->set("files_by_kind", files_by_kind);
  summary->set("sst_blocks", r.sst_blocks_checked);
  summary->set("sst_entries", r.sst_entries_checked);
  summary->set("wal_records", r.wal_records_checked);
  summary->set("vlog_records", r.vlog_records_checked);
  summary->set("pointers_checked", r.pointers_checked);
  summary->set("live_entries", r.live_entries_checked);
  summary->set("live_pointers", r.live_pointers_checked);
  summary->set("dangling_pointers", r.dangling_pointers);
  summary->set("expired_pointers_skipped", r.expired_pointers_skipped);
  root->set("summary", summary);
  if (repair != nullptr) {
    Poco::JSON::Object::Ptr o = NewJsonObject();
    auto list = [](const std::vector<std::string>& v) {
      Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
      for (const auto& s : v) a->add(s);
      return a;
    };
    o->set("backup_dir", repair->backup_dir);
    o->set("manifest", repair->manifest_name);
    o->set("used_old_manifest", repair->used_old_manifest);
    o->set("kept", list(repair->kept));
    o->set("salvaged", list(repair->salvaged));
    o->set("dropped", list(repair->dropped));
    o->set("written", list(repair->written));
    o->set("removed", list(repair->removed));
    o->set("salvaged_entries", repair->salvaged_entries);
    o->set("wal_records", repair->wal_records);
    o->set("wal_entries", repair->wal_entries);
    o->set("vlog_truncated", list(repair->vlog_truncated));
    o->set("vlog_copied", list(repair->vlog_copied));
    o->set("vlog_written", list(repair->vlog_written));
    o->set("vlog_records_copied", repair->vlog_records_copied);
    o->set("vlog_damaged_bytes", repair->vlog_damaged_bytes);
    o->set("dropped_entries", repair->dropped_entries);
    o->set("fell_back_entries", repair->fell_back_entries);
    o->set("remapped_pointers", repair->remapped_pointers);
    o->set("next_file_number", repair->next_file_number);
    o->set("last_sequence", repair->last_sequence);
    o->set("notes", list(repair->notes));
    root->set("repair", o);
  }
  PrintJson(root);
}

void PrintRepairText(const RepairReport& r) {
  fmt::print("Repair    : backup of the originals in {}\n", r.backup_dir);
  fmt::print("Repair    : new manifest {} ({}; next_file={}, last_sequence={})\n",
             r.manifest_name,
             r.used_old_manifest ? "levels kept from the old manifest"
                                 : "all data merged into one L1 run",
             r.next_file_number, r.last_sequence);
  fmt::print("Repair    : {} table(s) kept, {} salvaged ({} entries), {} dropped, {} written; "
             "{} WAL record(s) ({} entries) replayed\n",
             r.kept.size(), r.salvaged.size(), r.salvaged_entries, r.dropped.size(),
             r.written.size(), r.wal_records, r.wal_entries);
  fmt::print("Repair    : value log: {} segment(s) cut at a damaged tail, {} copied into {} "
             "fresh one(s) ({} records, {} damaged bytes lost); {} live entr(ies) with a lost "
             "value dropped ({} fell back to an older entry), {} pointer(s) redirected\n",
             r.vlog_truncated.size(), r.vlog_copied.size(), r.vlog_written.size(),
             r.vlog_records_copied, r.vlog_damaged_bytes, r.dropped_entries,
             r.fell_back_entries, r.remapped_pointers);
  for (const auto& n : r.notes) fmt::print("Repair    : {}\n", n);
  fmt::print("\nAfter repair:\n");
}

// Runs fsck with a progress bar when stderr is a terminal and the workdir is
// large. Returns false (after printing) if fsck could not run.
bool Check(const std::string& dir, FileSystem* fs, FsckReport* report) {
  ProgressBar bar;
  FsckOptions options;
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  options.progress = [&](uint64_t done, uint64_t total) {
    if (tty && total > kProgressMinBytes) bar.Update(done, total);
  };
  Status s = RunFsck(fs, dir, options, report);
  bar.Finish();
  if (!s.ok()) {
    fmt::print(stderr, "nokv fsck: {}\n", s.message());
    return false;
  }
  return true;
}

}  // namespace

int RunFsckCommand(const FsckCommandOptions& options) {
  std::shared_ptr<FileSystem> fs = NewPosixFileSystem();
  FsckReport report;
  if (!Check(options.workdir, fs.get(), &report)) return kExitCannotRun;
  std::optional<RepairReport> repair;
  if (options.repair) {
    if (!options.json) PrintText(report);
    RepairReport r;
    Status s = RepairWorkdir(fs.get(), options.workdir, RepairOptions(), &r);
    if (!s.ok()) {
      fmt::print(stderr, "nokv fsck: repair failed: {}\n", s.ToString());
      if (!r.backup_dir.empty()) {
        fmt::print(stderr, "nokv fsck: the original files are in {}\n", r.backup_dir);
      }
      return kExitCannotRun;
    }
    if (!options.json) PrintRepairText(r);
    repair = std::move(r);
    if (!Check(options.workdir, fs.get(), &report)) return kExitCannotRun;
  }
  if (options.json) {
    PrintJsonReport(report, repair ? &*repair : nullptr);
  } else {
    PrintText(report);
  }
  return report.clean() ? kExitOk : kExitFailure;
}

}  // namespace nokv::cli
