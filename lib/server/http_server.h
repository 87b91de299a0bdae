// HttpServer: the metrics and admin HTTP endpoint of a process that embeds a
// NoKV DB (expvar /debug/vars, Prometheus /metrics, /healthz, /admin/*; the
// table is in http_endpoints.cc and the names in man/nokv.1). No Poco types
// leak from this header.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "nokv/db.h"
#include "server/http_router.h"

namespace nokv {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 = an ephemeral port; see HttpServer::port()
  // If set, admin endpoints require "Authorization: Bearer <token>". Required
  // when `host` is not a loopback address: Start() refuses to expose the admin
  // endpoints beyond this machine without one.
  std::string bearer_token;
  int threads = 2;  // request worker threads (at least 1)
};

// Answers every request of a server built for another table of endpoints
// (e.g. PD's, lib/pd/pd_http.h); it applies its own routing and access rules
// and may be called from several server threads at once.
using HttpRequestHandler = std::function<server::HttpResponse(const server::HttpRequest&)>;

class HttpServer {
 public:
  // `db` must outlive the server (or at least its Stop()).
  HttpServer(DB* db, HttpServerOptions options);
  // A server for `handler` instead of the DB endpoints (no DB involved;
  // AddStatsGroup has no effect). The loopback/token rule of Start holds.
  HttpServer(HttpRequestHandler handler, HttpServerOptions options);
  // Stops the server if it is running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port and starts serving. InvalidArgument for a non-loopback
  // host without a bearer token, a bad port or a second Start; IOError naming
  // host:port if the address cannot be bound.
  Status Start();
  // Stops accepting, aborts open connections and joins the worker threads.
  // Idempotent; safe to call without Start.
  void Stop();
  // The bound port (the real one when options.port was 0); 0 before Start.
  int port() const;
  // "host:port" as bound, for logs.
  std::string address() const;

  // Extra counter groups, e.g. the Redis gateway's: name -> provider returning
  // flat counters, called on every scrape (from a server thread), emitted as
  // "NoKV.Stats".<name>.<counter> in /debug/vars and nokv_<name>_<counter> in
  // /metrics. Names are [a-z0-9_]+ and may not be a built-in section such as
  // "wal"; invalid names are ignored (and assert in debug builds). May be
  // called before or after Start.
  void AddStatsGroup(std::string name, std::function<std::map<std::string, int64_t>()> provider);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nokv
