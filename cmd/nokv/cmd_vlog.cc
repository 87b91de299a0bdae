// nokv vlog: the value-log segments of a workdir (offline, read-only): their
// sizes, record counts and value bytes, and which one takes appends.
#include <fmt/core.h>

#include "commands.h"
#include "report_json.h"
#include "text_output.h"

namespace nokv::cli {

int RunVlog(const VlogOptions& options) {
  WorkdirReport r;
  if (!LoadWorkdirReport("vlog", options.workdir, &r)) return kExitFailure;
  if (options.json) {
    Poco::JSON::Object::Ptr root = NewJsonObject();
    root->set("workdir", r.dir);
    AddValueLogJson(r, *root);
    PrintJson(root);
    return kExitOk;
  }
  fmt::print("Workdir     : {}\n", r.dir);
  fmt::print("Segments    : {} ({})\n", r.vlog_segments.size(), HumanBytes(r.vlog_bytes));
  fmt::print("Records     : {}\n", r.vlog_records);
  if (r.vlog_head != 0) fmt::print("Head        : {:06}.vlog\n", r.vlog_head);
  if (r.vlog_segments.empty()) {
    fmt::print("(no value log: values below the threshold live in the LSM)\n");
    return kExitOk;
  }
  TextTable t({{"SEGMENT"},
               {"BYTES", true},
               {"SIZE", true},
               {"RECORDS", true},
               {"VALUE BYTES", true},
               {"NOTE"}});
  for (const auto& v : r.vlog_segments) {
    std::string note = v.problem.empty() ? (v.newest ? "head" : "") : v.problem;
    t.AddRow({fmt::format("{:06}.vlog", v.number), std::to_string(v.bytes), HumanBytes(v.bytes),
              std::to_string(v.records), std::to_string(v.value_bytes), note});
  }
  fmt::print("{}", t.Render());
  return kExitOk;
}

}  // namespace nokv::cli
