// nokv manifest: what the manifest says about a workdir (levels, files, WAL
// checkpoint, counters), read offline without taking the LOCK.
#include <fmt/core.h>

#include <ctime>

#include "commands.h"
#include "report_json.h"
#include "text_output.h"
#include "tools/sqlite_export.h"

namespace nokv::cli {
namespace {

void PrintManifestJson(const WorkdirReport& r) {
  Poco::JSON::Object::Ptr root = NewJsonObject();
  root->set("workdir", r.dir);
  Poco::JSON::Object::Ptr manifest = NewJsonObject();
  manifest->set("name", r.manifest_name);
  manifest->set("number", r.manifest_number);
  manifest->set("size", r.manifest_size);
  root->set("manifest", manifest);
  root->set("log_number", r.log_number);
  root->set("next_file_number", r.next_file_number);
  root->set("last_sequence", r.last_sequence);
  root->set("levels", LevelsJson(r));
  root->set("files", FilesJson(r));
  root->set("wal_segments", WalSegmentsJson(r));
  PrintJson(root);
}

void PrintManifestText(const WorkdirReport& r) {
  fmt::print("Workdir         : {}\n", r.dir);
  fmt::print("Manifest        : {} ({} bytes)\n", r.manifest_name, r.manifest_size);
  fmt::print("WAL checkpoint  : log_number={} (segments numbered >= {} are replayed on open)\n",
             r.log_number, r.log_number);
  fmt::print("Next file number: {}\n", r.next_file_number);
  fmt::print("Last sequence   : {}\n", r.last_sequence);

  fmt::print("\nLevels:\n");
  TextTable levels({{"LEVEL"},
                    {"FILES", true},
                    {"BYTES", true},
                    {"SIZE", true},
                    {"ENTRIES", true},
                    {"DELETIONS", true}});
  for (const auto& l : r.levels) {
    if (l.files == 0) continue;
    levels.AddRow({fmt::format("L{}", l.level), std::to_string(l.files), std::to_string(l.bytes),
                   HumanBytes(l.bytes), std::to_string(l.entries), std::to_string(l.deletions)});
  }
  if (r.files.empty()) {
    fmt::print("  (no SST files)\n");
  } else {
    fmt::print("{}", levels.Render());
  }

  if (!r.files.empty()) {
    fmt::print("\nFiles:\n");
    TextTable files({{"LEVEL"},
                     {"FILE"},
                     {"SIZE", true},
                     {"ENTRIES", true},
                     {"DELS", true},
                     {"SEQS"},
                     {"SMALLEST"},
                     {"LARGEST"}});
    for (const auto& f : r.files) {
      files.AddRow({fmt::format("L{}", f.level),
                    SstName(f.number) + (f.present ? "" : " (MISSING)"), std::to_string(f.size),
                    std::to_string(f.num_entries), std::to_string(f.num_deletions),
                    fmt::format("{}..{}", f.smallest_seq, f.largest_seq), FormatKey(f.smallest),
                    FormatKey(f.largest)});
    }
    fmt::print("{}", files.Render());
  }

  fmt::print("\nWAL segments:\n");
  if (r.wal_segments.empty()) {
    fmt::print("  (none)\n");
  } else {
    TextTable wal({{"FILE"},
                   {"BYTES", true},
                   {"STATE"},
                   {"RECORDS", true},
                   {"ENTRIES", true},
                   {"SEQS"},
                   {"NOTE"}});
    for (const auto& w : r.wal_segments) {
      std::string note = w.problem;
      if (note.empty() && w.tail_dropped) {
        note = fmt::format("torn tail of {} bytes would be dropped", w.dropped_bytes);
      }
      wal.AddRow({w.name, std::to_string(w.bytes), w.pending ? "pending" : "obsolete",
                  std::to_string(w.records), std::to_string(w.entries),
                  w.entries == 0 ? "-" : fmt::format("{}..{}", w.first_sequence, w.last_sequence),
                  note});
    }
    fmt::print("{}", wal.Render());
  }
}

}  // namespace

int RunManifest(const ManifestOptions& options) {
  WorkdirReport report;
  if (!LoadWorkdirReport("manifest", options.workdir, &report)) return kExitFailure;
  if (!options.sqlite.empty()) {
    Status s = ExportWorkdirToSqlite(report, options.sqlite, static_cast<int64_t>(std::time(nullptr)));
    if (!s.ok()) {
      fmt::print(stderr, "nokv manifest: {}\n", s.message());
      return kExitFailure;
    }
    fmt::print(stderr,
               "nokv manifest: wrote {} ({} tables, {} WAL segments, {} value-log segments)\n",
               options.sqlite, report.files.size(), report.wal_segments.size(),
               report.vlog_segments.size());
    if (!options.json) return kExitOk;
  }
  if (options.json) {
    PrintManifestJson(report);
  } else {
    PrintManifestText(report);
  }
  return kExitOk;
}

}  // namespace nokv::cli
