// nokv serve (embedded mode): serves a workdir until SIGINT/SIGTERM: the HTTP
// metrics/admin endpoints and, with --redis-addr, the Redis gateway (cluster
// mode is cmd_serve_cluster.cc). The same helper
// (redis/serve.h) runs nokv-redis, so both parse addresses, pick the memtable
// and start, report and stop their servers the same way.
#include <fmt/core.h>

#include <cstdio>

#include "commands.h"
#include "redis/serve.h"

namespace nokv::cli {

int RunServe(const ServeOptions& o) {
  if (o.workdir.empty()) {
    fmt::print(stderr, "nokv serve: --workdir is required\n");
    return kExitUsage;
  }
  if (!o.addr.empty() || !o.advertise_addr.empty()) {
    fmt::print(stderr,
               "nokv serve: --addr and --advertise-addr are for cluster mode (with --store-id "
               "and --pd-addr)\n");
    return kExitUsage;
  }
  redis::ServeOptions options;
  options.workdir = o.workdir;
  options.metrics_addr = o.metrics_addr.empty() ? "127.0.0.1:8080" : o.metrics_addr;
  options.admin_token = o.admin_token;
  options.redis_addr = o.redis_addr;
  options.sync_writes = o.sync_writes;
  if (o.memtable_engine == "skiplist") options.memtable_engine = MemTableEngine::kSkipList;
  redis::ServeOutput out;
  out.info = [](const std::string& line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  };
  out.error = [](const std::string& line) { fmt::print(stderr, "nokv serve: {}\n", line); };
  return redis::Serve(options, out);
}

}  // namespace nokv::cli
