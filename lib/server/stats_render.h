// Renders a DbStats snapshot (db/db_stats.h, read from the DB's properties;
// plus named groups of extra counters, such as the Redis gateway's) as the
// expvar JSON of /debug/vars, the Prometheus text of
// /metrics and the JSON of /admin/stats and /admin/levels. Pure functions: no
// I/O, no locks, so tests feed them a DbStats directly. The field and metric
// names are an interface, documented in man/nokv.1 (HTTP ENDPOINTS).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "db/db_stats.h"

namespace nokv::server {

// One named group of flat counters, e.g. {"redis", {{"commands_total", 12}}}:
// "NoKV.Stats"."redis"."commands_total" in expvar, nokv_redis_commands_total
// in Prometheus (a counter if the name ends in "_total", else a gauge).
struct StatsGroup {
  std::string name;
  std::map<std::string, int64_t> counters;
};

// What expvar reports about the process besides the DB.
struct ProcessInfo {
  std::vector<std::string> cmdline;  // already redacted (see RedactCmdline)
  uint64_t rss_bytes = 0;            // resident set size
  uint64_t vm_bytes = 0;             // virtual memory size
};

// The sections of "NoKV.Stats" that the DB itself fills; a stats group may
// not take one of these names.
bool IsBuiltinStatsSection(std::string_view name);
// Group names are non-empty [a-z0-9_] and not a built-in section.
bool IsValidStatsGroupName(std::string_view name);

// Records in memtables and SSTs (overwrites and tombstones included).
uint64_t TotalEntries(const DbStats& stats);
// Levels whose compaction score is >= 1, and the highest score.
uint64_t CompactionBacklog(const DbStats& stats);
double MaxCompactionScore(const DbStats& stats);

// A key as printable ASCII, for JSON and logs: bytes 0x20-0x7e stand for
// themselves except the backslash, which is doubled; every other byte is
// written \xNN (two lowercase hex digits). Unambiguous and reversible, and
// always valid UTF-8 whatever the key holds.
std::string EscapeKey(std::string_view key);

// {"cmdline": [...], "memstats": {...}, "NoKV.Stats": {...}}. The "hot"
// section carries the top-K lists as "read_keys" and "write_keys": arrays of
// {"key": EscapeKey(key), "count": n}, hottest first.
std::string RenderExpvarJson(const DbStats& stats, const ProcessInfo& process,
                             const std::vector<StatsGroup>& groups);
// Prometheus text exposition format 0.0.4: "# HELP", "# TYPE", one sample a
// line, per-level series labelled {level="N"}. Ends with a newline.
std::string RenderPrometheus(const DbStats& stats, const std::vector<StatsGroup>& groups);
// Every DbStats field under its C++ name, levels as an array of objects,
// hot-key lists as arrays of {"key": EscapeKey(key), "count": n}.
std::string RenderDbStatsJson(const DbStats& stats);
// {"levels": [{level, files, bytes, entries, score, due}], "compaction_backlog",
//  "max_score", "files_total", "bytes_total"}.
std::string RenderLevelsJson(const DbStats& stats);

// A copy of argv in which the values of secret flags (--admin-token) are
// replaced by "<redacted>", so /debug/vars does not publish them.
std::vector<std::string> RedactCmdline(std::vector<std::string> args);

}  // namespace nokv::server
