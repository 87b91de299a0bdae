// nokv bench: runs the benchmark harness (lib/bench) with every engine this
// build has (cmd/nokv-bench/peer_engines.h).
#include "bench/runner.h"
#include "commands.h"
#include "peer_engines.h"

namespace nokv::cli {

int RunBench(const BenchOptions& options) {
  return bench::RunBench(options.config, bench::DefaultEngineRegistry());
}

}  // namespace nokv::cli
