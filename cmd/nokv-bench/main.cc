// nokv-bench: the YCSB-style benchmark harness as a standalone binary. Takes
// the same flags as `nokv bench` (bench_flags.h); see nokv-bench(1).
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "bench/runner.h"
#include "bench_flags.h"
#include "peer_engines.h"

int main(int argc, char** argv) {
  nokv::bench::BenchConfig config;
  CLI::App app{
      "nokv-bench: YCSB workloads (A-G) and db_bench-style fills/reads on NoKV, RocksDB and "
      "LevelDB, configured alike",
      "nokv-bench"};
  nokv::bench::AddBenchFlags(&app, &config);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  // Quiet by default (the report is the output); SPDLOG_LEVEL=info shows the
  // engine's own log, e.g. its closing summary of flushes, compactions, stalls.
  spdlog::set_level(spdlog::level::warn);
  if (const char* level = std::getenv("SPDLOG_LEVEL"); level != nullptr) {
    spdlog::set_level(spdlog::level::from_str(level));
  }
  return nokv::bench::RunBench(config, nokv::bench::DefaultEngineRegistry());
}
