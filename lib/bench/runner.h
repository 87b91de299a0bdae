// RunBench: the benchmark driver. For each engine and workload it opens the
// engine on a fresh directory (in a forked child, so engines never share a
// heap and ru_maxrss is the engine's own), loads the records, optionally
// warms up, runs the timed phase with N client threads, and collects one
// BenchResult. The parent prints the report and writes JSON/CSV/SVG.
#pragma once

#include <string>
#include <vector>

#include "bench/bench_config.h"
#include "bench/engine.h"
#include "bench/result.h"
#include "bench/workload.h"

namespace nokv::bench {

// Runs one (engine, workload) in this process and returns its result
// (error set on failure). `dir` must not exist or be empty.
BenchResult RunOne(const BenchConfig& config, const EngineRegistry& registry,
                   const std::string& engine, const WorkloadSpec& spec, const std::string& dir);

// Validates the config, runs everything, prints the report to stdout and
// writes the requested files. Returns 0 on success, 1 if any run failed,
// 2 for a bad configuration.
int RunBench(const BenchConfig& config, const EngineRegistry& registry);

}  // namespace nokv::bench
