// Rendering of benchmark results. Text for stdout (report.cc): the header,
// one row per (engine, workload) cell with the median ops/s of its repeats
// and their spread, NoKV's ratio to the fastest peer by medians, the
// synced-write ratios, each engine's settings and bytes written. Files
// (report_files.cc): JSON (every repeat plus the per-cell medians), CSV (one
// row per repeat with its cell's median/min/max) and an SVG bar chart of the
// median ops/s per workload per engine.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "bench/bench_config.h"
#include "bench/result.h"
#include "bench/summary.h"
#include "bench/workload.h"

namespace nokv::bench {

// Run parameters and the shared engine configuration.
std::string FormatHeader(const BenchConfig& config, const std::vector<WorkloadSpec>& specs);
// One row per cell: median ops/s and min..max over the repeats, the median
// run's latencies, disk, RSS and amplification, not_found and wrong summed
// over the repeats, the op mix.
std::string FormatTable(const std::vector<BenchResult>& results);
// Per workload: median ops/s of each engine and NoKV's ratio to the fastest peer.
std::string FormatRatios(const std::vector<BenchResult>& results);
// Synced puts: 1 and 16 writers, raw fdatasync, 16w/1w and 1w/raw ("" if
// no sync-* run).
std::string FormatSyncRatios(const std::vector<BenchResult>& results);
// Each engine's configuration line.
std::string FormatSettings(const std::vector<BenchResult>& results);
// Per cell: what the median run wrote, by source, against the user bytes.
std::string FormatBytesWritten(const std::vector<BenchResult>& results);

// {"repeat": N, "results": [every run], "cells": [medians], "sync": [...]}.
std::string FormatJson(const BenchConfig& config, const std::vector<BenchResult>& results);
std::string FormatCsv(const std::vector<BenchResult>& results);
std::string FormatSvg(const std::vector<BenchResult>& results);

// Where the chart goes without --svg: FILE.svg beside --json FILE (or
// --csv FILE), else <workdir>/bench.svg.
std::string SvgPathFor(const BenchConfig& config);

Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace nokv::bench
