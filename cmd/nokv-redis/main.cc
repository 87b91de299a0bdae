// nokv-redis: a Redis (RESP2) gateway over an embedded NoKV DB.
//
//   nokv-redis --addr 127.0.0.1:6380 --workdir DIR [--metrics-addr HOST:PORT]
//              [--sync-writes] [--max-clients N] [--idle-timeout S]
//
// SIGINT/SIGTERM shut down gracefully: stop accepting, finish in-flight
// commands, flush replies, close the DB. Exit 0 on a clean shutdown, 1 on a
// runtime failure, 2 on bad flags.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "nokv/db.h"
#include "redis/dispatcher.h"
#include "redis/redis_server.h"
#ifdef NOKV_HAVE_HTTP_SERVER
#include "server/http_server.h"
#endif

namespace {

struct Flags {
  std::string addr = "127.0.0.1:6380";
  std::string workdir = "./work_redis";
  std::string metrics_addr;
  bool sync_writes = false;
  size_t max_clients = 10000;
  int idle_timeout = 0;
  int io_threads = 1;
  std::string memtable_engine = "art";
  int executor_threads = -1;  // auto: 0 (inline) unless --sync-writes, then 4
  std::string log_level = "info";
};

// "host:port" or "[v6]:port" -> host, port. False if malformed.
bool SplitHostPort(const std::string& addr, std::string* host, int* port) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos || colon + 1 >= addr.size()) return false;
  std::string h = addr.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  const std::string p = addr.substr(colon + 1);
  if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  int v = std::stoi(p);
  if (v > 65535) return false;
  *host = h.empty() ? "0.0.0.0" : h;
  *port = v;
  return true;
}

int Run(const Flags& f) {
  nokv::redis::RedisServerOptions ro;
  if (!SplitHostPort(f.addr, &ro.host, &ro.port)) {
    spdlog::error("invalid --addr '{}': want HOST:PORT", f.addr);
    return 2;
  }
  std::string metrics_host;
  int metrics_port = 0;
  if (!f.metrics_addr.empty() && !SplitHostPort(f.metrics_addr, &metrics_host, &metrics_port)) {
    spdlog::error("invalid --metrics-addr '{}': want HOST:PORT", f.metrics_addr);
    return 2;
  }
  ro.max_clients = f.max_clients;
  ro.idle_timeout_s = f.idle_timeout;
  ro.io_threads = f.io_threads;
  ro.executor_threads = nokv::redis::DefaultExecutorThreads(f.executor_threads, f.sync_writes);
  ro.sync_writes = f.sync_writes;

  // Signals go to sigwait below, never to a worker thread: block them before
  // any thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  nokv::Options options;
  options.sync_writes = f.sync_writes;
  // Redis keys share prefixes ("R" + "user:..."), which cost a skiplist many
  // full key comparisons per step; the radix tree walks the shared bytes once.
  options.memtable_engine =
      f.memtable_engine == "skiplist" ? nokv::MemTableEngine::kSkipList : nokv::MemTableEngine::kArt;
  std::unique_ptr<nokv::DB> db;
  nokv::Status s = nokv::DB::Open(options, f.workdir, &db);
  if (!s.ok()) {
    spdlog::error("open {}: {}", f.workdir, s.ToString());
    return 1;
  }

  auto server = std::make_unique<nokv::redis::RedisServer>(db.get(), ro);
  s = server->Start();
  if (!s.ok()) {
    spdlog::error("redis gateway: {}", s.ToString());
    server.reset();
    (void)db->Close();
    return 1;
  }
  spdlog::info("NoKV Redis gateway listening on {}:{} (workdir={}{})", ro.host, server->port(),
               f.workdir, f.sync_writes ? ", sync-writes" : "");
  if (server->dispatcher()->store()->HasKeysOutsideKeyspace()) {
    spdlog::warn("{} holds keys outside the Redis keyspace (another program's, or written by a "
                 "gateway before keys got the 'R' prefix, see docs/formats.md); Redis clients "
                 "do not see them",
                 f.workdir);
  }

#ifdef NOKV_HAVE_HTTP_SERVER
  std::unique_ptr<nokv::HttpServer> http;
  if (!f.metrics_addr.empty()) {
    nokv::HttpServerOptions ho;
    ho.host = metrics_host;
    ho.port = metrics_port;
    http = std::make_unique<nokv::HttpServer>(db.get(), ho);
    nokv::redis::RedisServer* srv = server.get();
    http->AddStatsGroup("redis", [srv] { return srv->StatsMap(); });
    s = http->Start();
    if (!s.ok()) {
      spdlog::error("metrics server: {}", s.ToString());
      server->Stop();
      (void)db->Close();
      return 1;
    }
    spdlog::info("metrics on http://{}/debug/vars", http->address());
  }
#else
  // TODO(metrics): wire nokv::HttpServer (lib/server) here when it is built.
  if (!f.metrics_addr.empty()) spdlog::warn("--metrics-addr ignored: built without lib/server");
#endif

  int sig = 0;
  sigwait(&sigs, &sig);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
#ifdef NOKV_HAVE_HTTP_SERVER
  if (http) http->Stop();
#endif
  server->Stop();
  server.reset();
  s = db->Close();
  if (!s.ok()) {
    spdlog::error("close {}: {}", f.workdir, s.ToString());
    return 1;
  }
  spdlog::info("bye");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("nokv-redis");
  spdlog::set_default_logger(logger);

  Flags f;
  CLI::App app{"nokv-redis: a Redis (RESP2) gateway over an embedded NoKV database"};
  app.add_option("--addr", f.addr, "RESP listen address")->capture_default_str()->type_name("HOST:PORT");
  app.add_option("--workdir", f.workdir, "NoKV database directory")->capture_default_str()->type_name("DIR");
  app.add_option("--metrics-addr", f.metrics_addr, "Serve /debug/vars and /metrics here")
      ->type_name("HOST:PORT");
  app.add_flag("--sync-writes", f.sync_writes, "fsync every write before replying");
  app.add_option("--max-clients", f.max_clients, "Most simultaneous clients")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--idle-timeout", f.idle_timeout, "Close clients idle this many seconds (0 = never)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400 * 365));
  app.add_option("--io-threads", f.io_threads, "Event-loop threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--executor-threads", f.executor_threads,
                 "Command executor threads; 0 runs commands on the event loop (default: 0, "
                 "or 4 with --sync-writes so fsync waits overlap)")
      ->check(CLI::Range(0, 256));
  app.add_option("--memtable-engine", f.memtable_engine,
                 "Memtable index: art (default here: Redis keys share prefixes) or skiplist")
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
  return Run(f);
}
