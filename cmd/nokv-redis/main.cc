// nokv-redis: a Redis (RESP2) gateway over an embedded NoKV DB.
//
//   nokv-redis --addr 127.0.0.1:6380 --workdir DIR [--metrics-addr HOST:PORT]
//              [--sync-writes] [--max-clients N] [--idle-timeout S] ...
//
// It runs through the same helper as `nokv serve --redis-addr`
// (redis/serve.h): same address parsing, memtable default, startup lines and
// shutdown. SIGINT/SIGTERM shut down gracefully: stop accepting, finish
// in-flight commands, flush replies, close the DB. Exit 0 on a clean
// shutdown, 1 on a runtime failure, 2 on bad flags or addresses.
#include <fmt/core.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "redis/serve.h"

namespace {

struct Flags {
  nokv::redis::ServeOptions serve;
  std::string memtable_engine = "art";
  std::string log_level = "info";
};

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("nokv-redis");
  spdlog::set_default_logger(logger);

  Flags f;
  nokv::redis::ServeOptions& s = f.serve;
  s.redis_addr = "127.0.0.1:6380";
  s.workdir = "./work_redis";
  s.gateway.executor_threads = -1;  // auto: 0 (inline)
  CLI::App app{"nokv-redis: a Redis (RESP2) gateway over an embedded NoKV database"};
  app.add_option("--addr", s.redis_addr, "RESP listen address")
      ->capture_default_str()
      ->type_name("HOST:PORT");
  app.add_option("--workdir", s.workdir, "NoKV database directory")
      ->capture_default_str()
      ->type_name("DIR");
  app.add_option("--metrics-addr", s.metrics_addr,
                 "Serve /metrics, /debug/vars, /healthz, /admin/* here")
      ->type_name("HOST:PORT");
  app.add_option("--admin-token", s.admin_token,
                 "Bearer token required by /admin/*; needed for a non-loopback --metrics-addr")
      ->type_name("TOKEN")
      ->envname("NOKV_ADMIN_TOKEN");
  app.add_flag("--sync-writes", s.sync_writes,
               "fsync every write before replying (appendfsync always)");
  app.add_option("--max-clients", s.gateway.max_clients, "Most simultaneous clients")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--idle-timeout", s.gateway.idle_timeout_s,
                 "Close clients idle this many seconds (0 = never)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400 * 365));
  app.add_option("--io-threads", s.gateway.io_threads, "Event-loop threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--executor-threads", s.gateway.executor_threads,
                 "Command executor threads; 0 runs commands on the event loop, one fsync "
                 "per loop iteration under --sync-writes (default: 0)")
      ->check(CLI::Range(0, 256));
  app.add_option("--memtable-engine", f.memtable_engine,
                 "Memtable index: art (default: Redis keys share prefixes) or skiplist")
      ->capture_default_str()
      ->check(CLI::IsMember({"art", "skiplist"}));
  app.add_option("--log-level", f.log_level, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(f.log_level));
  if (f.memtable_engine == "skiplist") s.memtable_engine = nokv::MemTableEngine::kSkipList;

  nokv::redis::ServeOutput out;
  out.info = [](const std::string& line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  };
  out.error = [](const std::string& line) { fmt::print(stderr, "nokv-redis: {}\n", line); };
  return nokv::redis::Serve(s, out);
}
