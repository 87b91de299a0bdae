// Rendering of benchmark results: the text header and tables for stdout,
// JSON (an array of result objects), CSV (one header row, one row per
// result) and an SVG bar chart of ops/s per workload per engine.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "bench/bench_config.h"
#include "bench/result.h"
#include "bench/workload.h"

namespace nokv::bench {

// Run parameters and the shared engine configuration.
std::string FormatHeader(const BenchConfig& config, const std::vector<WorkloadSpec>& specs);
// One row per result: ops/s, latency percentiles, op mix, disk, RSS, amp.
std::string FormatTable(const std::vector<BenchResult>& results);
// Per workload: ops/s of each engine and NoKV's ratio to the fastest peer.
std::string FormatRatios(const std::vector<BenchResult>& results);
// Each engine's configuration line.
std::string FormatSettings(const std::vector<BenchResult>& results);

std::string FormatJson(const std::vector<BenchResult>& results);
std::string FormatCsv(const std::vector<BenchResult>& results);
std::string FormatSvg(const std::vector<BenchResult>& results);

// Engines named nokv* ("nokv", "nokv-art") are ours; the rest are peers.
bool IsNoKvEngine(const std::string& engine);

// `engine`'s ops/s divided by the best peer's for the workload; 0 if there is
// no such result or no successful peer.
double NoKvRatio(const std::vector<BenchResult>& results, const std::string& workload,
                 std::string* best_peer, const std::string& engine = "nokv");

// Where the chart goes without --svg: FILE.svg beside --json FILE (or
// --csv FILE), else <workdir>/bench.svg.
std::string SvgPathFor(const BenchConfig& config);

Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace nokv::bench
