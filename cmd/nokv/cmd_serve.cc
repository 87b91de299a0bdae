// nokv serve: opens a DB and serves it until SIGINT/SIGTERM: the HTTP
// metrics/admin endpoints (lib/server) and, with --redis-addr, the Redis
// gateway (lib/redis, when this binary is built with it). Signals are taken
// with sigwait in the main thread, blocked everywhere else.
#include <fmt/core.h>
#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <memory>

#include "commands.h"
#include "nokv/db.h"
#include "server/http_server.h"
#ifdef NOKV_WITH_REDIS
#include "redis/redis_server.h"
#endif

namespace nokv::cli {
namespace {

int Fail(const std::string& message) {
  fmt::print(stderr, "nokv serve: {}\n", message);
  return kExitFailure;
}

// "host:port" or "[v6-host]:port" -> host (brackets stripped) and port.
bool ParseHostPort(const std::string& text, std::string* host, int* port, std::string* error) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    *error = "\"" + text + "\" is not HOST:PORT";
    return false;
  }
  std::string h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string::npos) {
    *error = "\"" + text + "\": write IPv6 hosts in brackets, e.g. [::1]:8080";
    return false;
  }
  const std::string p = text.substr(colon + 1);
  if (h.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(p) > 65535) {
    *error = "\"" + text + "\" is not HOST:PORT with a port in 0-65535";
    return false;
  }
  *host = h;
  *port = std::stoi(p);
  return true;
}

}  // namespace

int RunServe(const ServeOptions& o) {
  std::string metrics_host, redis_host, error;
  int metrics_port = 0, redis_port = 0;
  if (!ParseHostPort(o.metrics_addr, &metrics_host, &metrics_port, &error)) {
    fmt::print(stderr, "nokv serve: --metrics-addr {}\n", error);
    return kExitUsage;
  }
  if (!o.redis_addr.empty() && !ParseHostPort(o.redis_addr, &redis_host, &redis_port, &error)) {
    fmt::print(stderr, "nokv serve: --redis-addr {}\n", error);
    return kExitUsage;
  }
#ifndef NOKV_WITH_REDIS
  if (!o.redis_addr.empty()) {
    return Fail("--redis-addr: this nokv was built without the Redis gateway (lib/redis)");
  }
#endif

  // Block the stop signals before any thread exists (the DB's, the servers'),
  // so every thread inherits the mask and only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server

  Options options;
  options.sync_writes = o.sync_writes;
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, o.workdir, &db);
  if (!s.ok()) return Fail("open " + o.workdir + ": " + s.ToString());

  HttpServerOptions http_options;
  http_options.host = metrics_host;
  http_options.port = metrics_port;
  http_options.bearer_token = o.admin_token;
  HttpServer http(db.get(), http_options);
  s = http.Start();
  if (!s.ok()) {
    (void)db->Close();
    return Fail(s.ToString());
  }

#ifdef NOKV_WITH_REDIS
  std::unique_ptr<redis::RedisServer> gateway;
  if (!o.redis_addr.empty()) {
    redis::RedisServerOptions redis_options;
    redis_options.host = redis_host;
    redis_options.port = redis_port;
    redis_options.sync_writes = o.sync_writes;
    redis_options.executor_threads = redis::DefaultExecutorThreads(-1, o.sync_writes);
    gateway = std::make_unique<redis::RedisServer>(db.get(), redis_options);
    s = gateway->Start();
    if (!s.ok()) {
      http.Stop();
      (void)db->Close();
      return Fail("redis gateway: " + s.ToString());
    }
    redis::RedisServer* g = gateway.get();
    http.AddStatsGroup("redis", [g] { return g->StatsMap(); });
  }
#endif

  fmt::print("NoKV serving workdir {} (sync_writes={})\n", o.workdir, o.sync_writes);
  fmt::print("HTTP metrics/admin listening on http://{} (admin token {})\n", http.address(),
             o.admin_token.empty() ? "not required" : "required");
#ifdef NOKV_WITH_REDIS
  if (gateway) {
    fmt::print("Redis gateway listening on {}:{}\n",
               redis_host.find(':') != std::string::npos ? "[" + redis_host + "]" : redis_host,
               gateway->port());
  }
#endif
  fmt::print("Press Ctrl+C to stop\n");
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  fmt::print("\nShutting down ({})...\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);

  http.Stop();  // first: its "redis" stats group reads the gateway
#ifdef NOKV_WITH_REDIS
  if (gateway) gateway->Stop();
#endif
  s = db->Close();
  if (!s.ok()) return Fail("close " + o.workdir + ": " + s.ToString());
  fmt::print("bye\n");
  return kExitOk;
}

}  // namespace nokv::cli
