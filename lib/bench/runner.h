// RunBench: the benchmark driver. For each workload, each repeat and each
// engine (engines interleaved) it opens the engine on a fresh directory (in
// a forked child, so engines never share a heap and ru_maxrss is the
// engine's own), loads the records, optionally warms up, runs the timed
// phase with N client threads, checks every value read, and collects one
// BenchResult. The parent prints the report (medians and spreads over the
// repeats) and writes JSON/CSV/SVG.
#pragma once

#include <string>
#include <vector>

#include "bench/bench_config.h"
#include "bench/engine.h"
#include "bench/result.h"
#include "bench/workload.h"

namespace nokv::bench {

// Runs one (engine, workload) in this process and returns its result
// (error set on failure; not_found/wrong count bad reads). `dir` must not
// exist or be empty. `repeat` only labels the result.
BenchResult RunOne(const BenchConfig& config, const EngineRegistry& registry,
                   const std::string& engine, const WorkloadSpec& spec, const std::string& dir,
                   int repeat = 0);

// Validates the config, runs everything (for each workload, for each
// repeat, for each engine), prints the report to stdout and writes the
// requested files. Returns 0 on success, 1 if any run failed or read a
// missing or wrong value, 2 for a bad configuration.
int RunBench(const BenchConfig& config, const EngineRegistry& registry);

}  // namespace nokv::bench
