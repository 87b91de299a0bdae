// DbStats renderers (see stats_render.h). The scalar metrics are declared once
// in kFields and rendered from there into both the expvar JSON and the
// Prometheus text, so the two cannot drift apart.
#include "server/stats_render.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <variant>

namespace nokv::server {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

enum class Kind { kCounter, kGauge };
using Value = std::variant<uint64_t, double>;

// One scalar metric: "NoKV.Stats".<section>.<name> in expvar (top level when
// section is empty) and nokv_<section>_<name>[_total] in Prometheus.
struct Field {
  const char* section;
  const char* name;
  Kind kind;
  const char* help;
  Value (*get)(const DbStats&);
};

double Ratio(uint64_t num, uint64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

// clang-format off
const Field kFields[] = {
  {"", "entries", Kind::kGauge, "Records in memtables and SSTs (overwrites and tombstones count until compacted)",
   [](const DbStats& s) -> Value { return TotalEntries(s); }},
  {"memtable", "active_bytes", Kind::kGauge, "Bytes used by the active memtable",
   [](const DbStats& s) -> Value { return s.memtable_bytes; }},
  {"memtable", "active_entries", Kind::kGauge, "Records in the active memtable",
   [](const DbStats& s) -> Value { return s.memtable_entries; }},
  {"memtable", "immutable_tables", Kind::kGauge, "Frozen memtables waiting for flush",
   [](const DbStats& s) -> Value { return static_cast<uint64_t>(s.immutable_memtables); }},
  {"memtable", "immutable_entries", Kind::kGauge, "Records in frozen memtables",
   [](const DbStats& s) -> Value { return s.immutable_entries; }},
  {"flush", "pending", Kind::kGauge, "Frozen memtables not yet written to L0",
   [](const DbStats& s) -> Value { return static_cast<uint64_t>(s.immutable_memtables); }},
  {"flush", "completed", Kind::kCounter, "Memtable flushes to L0",
   [](const DbStats& s) -> Value { return s.flushes; }},
  {"flush", "bytes_written", Kind::kCounter, "SST bytes written by flushes",
   [](const DbStats& s) -> Value { return s.flush_bytes_written; }},
  {"compaction", "backlog", Kind::kGauge, "Levels whose compaction score is >= 1",
   [](const DbStats& s) -> Value { return CompactionBacklog(s); }},
  {"compaction", "max_score", Kind::kGauge, "Highest compaction score of any level",
   [](const DbStats& s) -> Value { return MaxCompactionScore(s); }},
  {"compaction", "runs", Kind::kCounter, "Compactions completed",
   [](const DbStats& s) -> Value { return s.compactions; }},
  {"compaction", "bytes_read", Kind::kCounter, "SST bytes read by compactions",
   [](const DbStats& s) -> Value { return s.compaction_bytes_read; }},
  {"compaction", "bytes_written", Kind::kCounter, "SST bytes written by compactions",
   [](const DbStats& s) -> Value { return s.compaction_bytes_written; }},
  {"wal", "active_segment", Kind::kGauge, "Number of the WAL segment being appended",
   [](const DbStats& s) -> Value { return s.wal_number; }},
  {"wal", "active_size", Kind::kGauge, "Bytes in the active WAL segment",
   [](const DbStats& s) -> Value { return s.wal_bytes; }},
  {"wal", "records", Kind::kCounter, "WAL records written (one per group commit)",
   [](const DbStats& s) -> Value { return s.write_groups; }},
  {"wal", "syncs", Kind::kCounter, "WAL fsyncs",
   [](const DbStats& s) -> Value { return s.wal_syncs; }},
  {"write", "last_sequence", Kind::kGauge, "Sequence number of the newest write",
   [](const DbStats& s) -> Value { return s.last_sequence; }},
  {"write", "requests", Kind::kCounter, "Write calls (Put, Delete, Write)",
   [](const DbStats& s) -> Value { return s.writes; }},
  {"write", "batches_total", Kind::kCounter, "Group commits (write batches sharing one WAL record)",
   [](const DbStats& s) -> Value { return s.write_groups; }},
  {"write", "avg_batch_requests", Kind::kGauge, "Write calls per group commit, on average",
   [](const DbStats& s) -> Value { return Ratio(s.writes, s.write_groups); }},
  {"write", "user_bytes", Kind::kCounter, "Key and value bytes accepted from callers",
   [](const DbStats& s) -> Value { return s.user_bytes_written; }},
  {"write", "stall_micros", Kind::kCounter, "Microseconds writers waited for flush or compaction",
   [](const DbStats& s) -> Value { return s.stall_micros; }},
  {"write", "slowdowns", Kind::kCounter, "Writes delayed because L0 reached the slowdown trigger",
   [](const DbStats& s) -> Value { return s.slowdown_writes; }},
  {"cache", "block_hits", Kind::kCounter, "Block cache hits",
   [](const DbStats& s) -> Value { return s.block_cache_hits; }},
  {"cache", "block_misses", Kind::kCounter, "Block cache misses",
   [](const DbStats& s) -> Value { return s.block_cache_misses; }},
  {"cache", "block_hit_rate", Kind::kGauge, "Block cache hits / (hits + misses) since open",
   [](const DbStats& s) -> Value { return Ratio(s.block_cache_hits, s.block_cache_hits + s.block_cache_misses); }},
  {"cache", "block_usage_bytes", Kind::kGauge, "Bytes held by the block cache",
   [](const DbStats& s) -> Value { return s.block_cache_usage; }},
  {"value_log", "segments", Kind::kGauge, "Value-log segments on disk",
   [](const DbStats& s) -> Value { return static_cast<uint64_t>(s.vlog_segments); }},
  {"value_log", "bytes", Kind::kGauge, "Bytes in value-log segments",
   [](const DbStats& s) -> Value { return s.vlog_bytes; }},
  {"value_log", "discard_bytes", Kind::kGauge, "Value-log garbage known from compaction (lower bound)",
   [](const DbStats& s) -> Value { return s.vlog_discard_bytes; }},
  {"value_log", "values_written", Kind::kCounter, "Values separated into the value log",
   [](const DbStats& s) -> Value { return s.vlog_values_written; }},
  {"value_log", "pending_deletes", Kind::kGauge, "Rewritten segments waiting for old readers",
   [](const DbStats& s) -> Value { return static_cast<uint64_t>(s.vlog_pending_deletes); }},
  {"value_log", "gc_runs", Kind::kCounter, "Value-log GC runs",
   [](const DbStats& s) -> Value { return s.vlog_gc_runs; }},
  {"value_log", "gc_records_rewritten", Kind::kCounter, "Live values rewritten by GC",
   [](const DbStats& s) -> Value { return s.vlog_gc_records_rewritten; }},
  {"value_log", "gc_segments_deleted", Kind::kCounter, "Segments deleted by GC",
   [](const DbStats& s) -> Value { return s.vlog_gc_segments_deleted; }},
  {"value_log", "gc_bytes_reclaimed", Kind::kCounter, "Bytes reclaimed by GC",
   [](const DbStats& s) -> Value { return s.vlog_gc_bytes_reclaimed; }},
  {"hot", "write_limited", Kind::kCounter, "Writes refused by the hot-key write throttle",
   [](const DbStats& s) -> Value { return s.hot_key_limited_writes; }},
};

// Per-level series: "lsm"."levels"[i].<name> and nokv_lsm_level_<name>{level="i"}.
struct LevelField {
  const char* name;
  const char* help;
  Value (*get)(const LevelStats&);
};

const LevelField kLevelFields[] = {
  {"tables", "SST files in the level", [](const LevelStats& l) -> Value { return static_cast<uint64_t>(l.files); }},
  {"size_bytes", "SST bytes in the level", [](const LevelStats& l) -> Value { return l.bytes; }},
  {"entries", "Records in the level's SSTs", [](const LevelStats& l) -> Value { return l.entries; }},
  {"score", "Compaction score (>= 1: the level is due)", [](const LevelStats& l) -> Value { return l.score; }},
};
// clang-format on

const char* const kBuiltinSections[] = {"entries", "background_error", "memtable", "flush",
                                        "compaction", "wal",   "write",   "cache", "lsm",
                                        "value_log", "hot"};

double Finite(double d) { return std::isfinite(d) ? d : 0.0; }

Poco::Dynamic::Var ToVar(const Value& v) {
  if (const auto* u = std::get_if<uint64_t>(&v)) return *u;
  return Finite(std::get<double>(v));
}

std::string PromNumber(const Value& v) {
  if (const auto* u = std::get_if<uint64_t>(&v)) return std::to_string(*u);
  const double d = std::get<double>(v);
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", d);
}

Object::Ptr NewObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

std::string Stringify(const Object::Ptr& obj) {
  std::ostringstream out;
  obj->stringify(out, 2);
  out << '\n';
  return out.str();
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Prometheus metric names are [a-zA-Z_:][a-zA-Z0-9_:]*; anything else is '_'.
std::string PromName(std::string_view raw) {
  std::string out(raw);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == ':';
    if (!ok) c = '_';
  }
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') out.insert(out.begin(), '_');
  return out;
}

std::string FieldPromName(const Field& f) {
  std::string name = "nokv_";
  if (*f.section != '\0') name += std::string(f.section) + "_";
  name += f.name;
  if (f.kind == Kind::kCounter && !EndsWith(name, "_total")) name += "_total";
  return name;
}

void PromHeader(std::string* out, const std::string& name, std::string_view type,
                std::string_view help) {
  *out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

Object::Ptr LevelJson(const LevelStats& l) {
  Object::Ptr o = NewObject();
  o->set("level", l.level);
  for (const LevelField& f : kLevelFields) o->set(f.name, ToVar(f.get(l)));
  return o;
}

Array::Ptr HotKeysJson(const std::vector<std::pair<std::string, uint64_t>>& keys) {
  Array::Ptr out = new Array;
  for (const auto& [key, count] : keys) {
    Object::Ptr o = NewObject();
    o->set("key", EscapeKey(key));
    o->set("count", count);
    out->add(o);
  }
  return out;
}

}  // namespace

std::string EscapeKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(key.size());
  for (char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c <= 0x7e) {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

bool IsBuiltinStatsSection(std::string_view name) {
  for (const char* s : kBuiltinSections) {
    if (name == s) return true;
  }
  return false;
}

bool IsValidStatsGroupName(std::string_view name) {
  if (name.empty() || IsBuiltinStatsSection(name)) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

uint64_t TotalEntries(const DbStats& stats) {
  return stats.memtable_entries + stats.immutable_entries + stats.sst_entries;
}

uint64_t CompactionBacklog(const DbStats& stats) {
  uint64_t n = 0;
  for (const LevelStats& l : stats.levels) n += l.score >= 1.0 ? 1 : 0;
  return n;
}

double MaxCompactionScore(const DbStats& stats) {
  double best = 0;
  for (const LevelStats& l : stats.levels) best = std::max(best, Finite(l.score));
  return best;
}

std::string RenderExpvarJson(const DbStats& stats, const ProcessInfo& process,
                             const std::vector<StatsGroup>& groups) {
  Object::Ptr root = NewObject();
  Array::Ptr cmdline = new Array;
  for (const std::string& arg : process.cmdline) cmdline->add(arg);
  root->set("cmdline", cmdline);
  Object::Ptr mem = NewObject();
  mem->set("rss_bytes", process.rss_bytes);
  mem->set("vm_bytes", process.vm_bytes);
  root->set("memstats", mem);

  Object::Ptr nokv = NewObject();
  Object::Ptr section;
  std::string section_name;
  for (const Field& f : kFields) {
    if (*f.section == '\0') {
      nokv->set(f.name, ToVar(f.get(stats)));
      continue;
    }
    if (section_name != f.section) {  // kFields keeps each section contiguous
      section_name = f.section;
      section = NewObject();
      nokv->set(section_name, section);
    }
    section->set(f.name, ToVar(f.get(stats)));
  }
  Object::Ptr hot = nokv->getObject("hot");
  hot->set("read_keys", HotKeysJson(stats.hot_read_keys));
  hot->set("write_keys", HotKeysJson(stats.hot_write_keys));
  Object::Ptr lsm = NewObject();
  Array::Ptr levels = new Array;
  uint64_t tables = 0, bytes = 0;
  for (const LevelStats& l : stats.levels) {
    levels->add(LevelJson(l));
    tables += static_cast<uint64_t>(l.files);
    bytes += l.bytes;
  }
  lsm->set("levels", levels);
  lsm->set("tables_total", tables);
  lsm->set("size_bytes_total", bytes);
  nokv->set("lsm", lsm);
  nokv->set("background_error", stats.background_error);

  for (const StatsGroup& g : groups) {
    if (IsBuiltinStatsSection(g.name)) continue;  // never shadow the DB's own sections
    Object::Ptr o = NewObject();
    for (const auto& [name, value] : g.counters) o->set(name, value);
    nokv->set(g.name, o);
  }
  root->set("NoKV.Stats", nokv);
  return Stringify(root);
}

std::string RenderPrometheus(const DbStats& stats, const std::vector<StatsGroup>& groups) {
  std::string out;
  PromHeader(&out, "nokv_up", "gauge", "1 if the DB has no background error, else 0");
  out += fmt::format("nokv_up {}\n", stats.background_error.empty() ? 1 : 0);
  for (const Field& f : kFields) {
    const std::string name = FieldPromName(f);
    PromHeader(&out, name, f.kind == Kind::kCounter ? "counter" : "gauge", f.help);
    out += fmt::format("{} {}\n", name, PromNumber(f.get(stats)));
  }
  for (const LevelField& f : kLevelFields) {
    const std::string name = std::string("nokv_lsm_level_") + f.name;
    PromHeader(&out, name, "gauge", f.help);
    for (const LevelStats& l : stats.levels) {
      out += fmt::format("{}{{level=\"{}\"}} {}\n", name, l.level, PromNumber(f.get(l)));
    }
  }
  for (const StatsGroup& g : groups) {
    if (IsBuiltinStatsSection(g.name)) continue;
    for (const auto& [counter, value] : g.counters) {
      const std::string name = PromName("nokv_" + g.name + "_" + counter);
      PromHeader(&out, name, EndsWith(name, "_total") ? "counter" : "gauge",
                 fmt::format("{} of the {} stats group", PromName(counter), PromName(g.name)));
      out += fmt::format("{} {}\n", name, value);
    }
  }
  return out;
}

std::string RenderDbStatsJson(const DbStats& s) {
  Object::Ptr o = NewObject();
  o->set("last_sequence", s.last_sequence);
  o->set("memtable_bytes", s.memtable_bytes);
  o->set("memtable_entries", s.memtable_entries);
  o->set("immutable_memtables", s.immutable_memtables);
  o->set("immutable_entries", s.immutable_entries);
  o->set("wal_number", s.wal_number);
  o->set("wal_bytes", s.wal_bytes);
  Array::Ptr levels = new Array;
  for (const LevelStats& l : s.levels) {
    Object::Ptr lo = NewObject();
    lo->set("level", l.level);
    lo->set("files", l.files);
    lo->set("bytes", l.bytes);
    lo->set("entries", l.entries);
    lo->set("score", Finite(l.score));
    levels->add(lo);
  }
  o->set("levels", levels);
  o->set("sst_entries", s.sst_entries);
  o->set("flushes", s.flushes);
  o->set("compactions", s.compactions);
  o->set("compaction_bytes_read", s.compaction_bytes_read);
  o->set("compaction_bytes_written", s.compaction_bytes_written);
  o->set("flush_bytes_written", s.flush_bytes_written);
  o->set("user_bytes_written", s.user_bytes_written);
  o->set("writes", s.writes);
  o->set("write_groups", s.write_groups);
  o->set("wal_syncs", s.wal_syncs);
  o->set("stall_micros", s.stall_micros);
  o->set("slowdown_writes", s.slowdown_writes);
  o->set("block_cache_hits", s.block_cache_hits);
  o->set("block_cache_misses", s.block_cache_misses);
  o->set("block_cache_usage", s.block_cache_usage);
  o->set("vlog_segments", s.vlog_segments);
  o->set("vlog_bytes", s.vlog_bytes);
  o->set("vlog_discard_bytes", s.vlog_discard_bytes);
  o->set("vlog_values_written", s.vlog_values_written);
  o->set("vlog_gc_runs", s.vlog_gc_runs);
  o->set("vlog_gc_records_rewritten", s.vlog_gc_records_rewritten);
  o->set("vlog_gc_bytes_rewritten", s.vlog_gc_bytes_rewritten);
  o->set("vlog_gc_segments_deleted", s.vlog_gc_segments_deleted);
  o->set("vlog_gc_bytes_reclaimed", s.vlog_gc_bytes_reclaimed);
  o->set("vlog_pending_deletes", s.vlog_pending_deletes);
  o->set("hot_read_keys", HotKeysJson(s.hot_read_keys));
  o->set("hot_write_keys", HotKeysJson(s.hot_write_keys));
  o->set("hot_key_limited_writes", s.hot_key_limited_writes);
  o->set("background_error", s.background_error);
  return Stringify(o);
}

std::string RenderLevelsJson(const DbStats& stats) {
  Object::Ptr o = NewObject();
  Array::Ptr levels = new Array;
  uint64_t files = 0, bytes = 0;
  for (const LevelStats& l : stats.levels) {
    Object::Ptr lo = NewObject();
    lo->set("level", l.level);
    lo->set("files", l.files);
    lo->set("bytes", l.bytes);
    lo->set("entries", l.entries);
    lo->set("score", Finite(l.score));
    lo->set("due", l.score >= 1.0);
    levels->add(lo);
    files += static_cast<uint64_t>(l.files);
    bytes += l.bytes;
  }
  o->set("levels", levels);
  o->set("compaction_backlog", CompactionBacklog(stats));
  o->set("max_score", MaxCompactionScore(stats));
  o->set("files_total", files);
  o->set("bytes_total", bytes);
  return Stringify(o);
}

std::vector<std::string> RedactCmdline(std::vector<std::string> args) {
  constexpr std::string_view kSecret = "--admin-token";
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == kSecret && i + 1 < args.size()) {
      args[++i] = "<redacted>";
    } else if (args[i].rfind(std::string(kSecret) + "=", 0) == 0) {
      args[i] = std::string(kSecret) + "=<redacted>";
    }
  }
  return args;
}

}  // namespace nokv::server
