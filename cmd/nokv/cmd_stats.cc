// nokv stats: entry counts, level sizes, the WAL backlog (what the next open
// will replay into the memtable) and the value log of a workdir, computed
// offline.
#include <fmt/core.h>

#include "commands.h"
#include "report_json.h"
#include "text_output.h"

namespace nokv::cli {
namespace {

void PrintStatsJson(const WorkdirReport& r) {
  Poco::JSON::Object::Ptr root = NewJsonObject();
  root->set("workdir", r.dir);

  Poco::JSON::Object::Ptr entries = NewJsonObject();
  entries->set("total", r.total_entries);
  entries->set("sst", r.sst_entries);
  entries->set("sst_deletions", r.sst_deletions);
  entries->set("wal_pending", r.wal_pending_entries);
  root->set("entries", entries);

  root->set("levels", LevelsJson(r));

  Poco::JSON::Object::Ptr wal = NewJsonObject();
  wal->set("log_number", r.log_number);
  wal->set("segments", static_cast<uint64_t>(r.wal_segments.size()));
  wal->set("bytes", r.wal_bytes);
  wal->set("pending_segments", r.wal_pending_segments);
  wal->set("pending_records", r.wal_pending_records);
  wal->set("pending_entries", r.wal_pending_entries);
  wal->set("pending_bytes", r.wal_pending_bytes);
  wal->set("problems", r.wal_problems);
  wal->set("segment_list", WalSegmentsJson(r));
  root->set("wal", wal);

  Poco::JSON::Object::Ptr value_log = NewJsonObject();
  AddValueLogJson(r, *value_log);
  root->set("value_log", value_log);

  Poco::JSON::Object::Ptr seq = NewJsonObject();
  seq->set("manifest_last", r.last_sequence);
  seq->set("wal_max", r.wal_max_sequence);
  seq->set("effective_last", r.effective_last_sequence);
  root->set("sequence", seq);

  Poco::JSON::Object::Ptr totals = NewJsonObject();
  totals->set("sst_files", r.sst_files);
  totals->set("sst_bytes", r.sst_bytes);
  totals->set("missing_sst_files", r.missing_sst_files);
  totals->set("wal_bytes", r.wal_bytes);
  totals->set("manifest_bytes", r.manifest_size);
  totals->set("vlog_bytes", r.vlog_bytes);
  totals->set("bytes", r.total_bytes);
  totals->set("other_files", r.other_files);
  root->set("totals", totals);
  PrintJson(root);
}

void PrintStatsText(const WorkdirReport& r) {
  fmt::print("Workdir              : {}\n", r.dir);
  fmt::print("Entries              : {} (sst {} + wal pending {})\n", r.total_entries,
             r.sst_entries, r.wal_pending_entries);
  fmt::print("SST.Deletions        : {}\n", r.sst_deletions);
  fmt::print("SST.Files            : {} ({}){}\n", r.sst_files, HumanBytes(r.sst_bytes),
             r.missing_sst_files ? fmt::format(", {} MISSING", r.missing_sst_files) : "");
  fmt::print("WAL.Checkpoint       : log_number={}\n", r.log_number);
  fmt::print("WAL.Segments         : {} ({})\n", r.wal_segments.size(), HumanBytes(r.wal_bytes));
  fmt::print("WAL.Pending          : segments={} records={} entries={} bytes={}\n",
             r.wal_pending_segments, r.wal_pending_records, r.wal_pending_entries,
             r.wal_pending_bytes);
  if (r.wal_problems > 0) fmt::print("WAL.Problems         : {}\n", r.wal_problems);
  fmt::print("VLog.Segments        : {} ({}), {} records{}\n", r.vlog_segments.size(),
             HumanBytes(r.vlog_bytes), r.vlog_records,
             r.vlog_head != 0 ? fmt::format(", head {:06}.vlog", r.vlog_head) : "");
  if (r.vlog_problems > 0) fmt::print("VLog.Problems        : {}\n", r.vlog_problems);
  fmt::print("Sequence             : manifest={} wal_max={} effective={}\n", r.last_sequence,
             r.wal_max_sequence, r.effective_last_sequence);
  fmt::print("Total.Bytes          : {} ({})\n", r.total_bytes, HumanBytes(r.total_bytes));

  fmt::print("\nLSM.Levels:\n");
  TextTable levels({{"LEVEL"},
                    {"FILES", true},
                    {"BYTES", true},
                    {"SIZE", true},
                    {"ENTRIES", true},
                    {"DELETIONS", true}});
  for (const auto& l : r.levels) {
    levels.AddRow({fmt::format("L{}", l.level), std::to_string(l.files), std::to_string(l.bytes),
                   HumanBytes(l.bytes), std::to_string(l.entries), std::to_string(l.deletions)});
  }
  fmt::print("{}", levels.Render());

  fmt::print("\nMemtable/WAL (replayed into the memtable on the next open):\n");
  bool any = false;
  TextTable wal({{"SEGMENT"},
                 {"BYTES", true},
                 {"RECORDS", true},
                 {"ENTRIES", true},
                 {"PUTS", true},
                 {"DELETES", true},
                 {"NOTE"}});
  for (const auto& w : r.wal_segments) {
    if (!w.pending) continue;
    any = true;
    std::string note = w.problem;
    if (note.empty() && w.tail_dropped) note = fmt::format("torn tail {} bytes", w.dropped_bytes);
    wal.AddRow({w.name, std::to_string(w.bytes), std::to_string(w.records),
                std::to_string(w.entries), std::to_string(w.puts), std::to_string(w.deletes),
                note});
  }
  fmt::print("{}", any ? wal.Render() : std::string("  (no pending WAL segments)\n"));
}

}  // namespace

int RunStats(const StatsOptions& options) {
  WorkdirReport report;
  if (!LoadWorkdirReport("stats", options.workdir, &report)) return kExitFailure;
  if (options.json) {
    PrintStatsJson(report);
  } else {
    PrintStatsText(report);
  }
  return kExitOk;
}

}  // namespace nokv::cli
