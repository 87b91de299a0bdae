// The one way NoKV runs as a server process, shared by `nokv serve` and
// `nokv-redis`: parse the addresses (server/host_port.h), open the workdir,
// start the HTTP metrics/admin server and the Redis gateway (either may be
// left out), report where they listen, wait for SIGINT or SIGTERM, stop both
// and close the database.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nokv/db.h"
#include "redis/redis_server.h"
#include "server/http_server.h"

namespace nokv::redis {

struct ServeOptions {
  std::string workdir;
  std::string metrics_addr;  // HOST:PORT of the HTTP metrics/admin server; empty: none
  // "Authorization: Bearer <token>" for /admin/*; required when metrics_addr
  // is not a loopback address (HttpServer refuses to start otherwise).
  std::string admin_token;
  std::string redis_addr;  // HOST:PORT of the Redis gateway; empty: none
  // The gateway's initial appendfsync: always (fsync each write before its
  // reply) or no. The DB is opened without Options::sync_writes, so CONFIG SET
  // appendfsync can change it: the gateway is the only writer.
  bool sync_writes = false;
  // The memtable index, the same default for both programs: the adaptive
  // radix tree. Served workdirs hold Redis keys, which all start with the
  // gateway's prefix and mostly share longer ones ("user:1234:..."); a
  // skiplist compares those shared bytes again at every node it passes, the
  // radix tree walks them once per lookup. (The embedded engine keeps the
  // skiplist default, which suits keys without long shared prefixes.)
  MemTableEngine memtable_engine = MemTableEngine::kArt;
  // Gateway tuning; host, port and sync_writes come from the fields above,
  // executor_threads < 0 picks DefaultExecutorThreads.
  RedisServerOptions gateway;
};

// What Serve says: `info` lines for the operator (standard output), `error`
// lines (standard error).
struct ServeOutput {
  std::function<void(const std::string&)> info;
  std::function<void(const std::string&)> error;
};

// The database and servers of one ServeOptions, started and stopped as a unit.
class Servers {
 public:
  // Opens the workdir and starts the servers the options ask for.
  // InvalidArgument for a malformed address (before anything is opened),
  // otherwise the first failure (open, bind, the HTTP loopback rule); on
  // failure nothing is left running and the DB is closed.
  static Status Start(const ServeOptions& options, std::unique_ptr<Servers>* servers);
  ~Servers();
  Servers(const Servers&) = delete;
  Servers& operator=(const Servers&) = delete;

  // The lines that tell where everything listens:
  //   NoKV serving workdir DIR (appendfsync=always|no)
  //   HTTP metrics/admin listening on http://HOST:PORT (admin token required|not required)
  //   Redis gateway listening on HOST:PORT
  // (the last two only for the servers that run), with the bound ports.
  std::vector<std::string> Banner() const;
  int http_port() const { return http_ ? http_->port() : 0; }
  int redis_port() const { return gateway_ ? gateway_->port() : 0; }
  DB* db() const { return db_.get(); }
  // True if the gateway runs and the workdir holds keys outside its keyspace
  // (RedisStore::HasKeysOutsideKeyspace).
  bool HasKeysOutsideKeyspace() const;
  // Stops the HTTP server, then the gateway (which finishes the commands it
  // received), then closes the DB. Idempotent; returns the close status.
  Status Shutdown();

 private:
  Servers() = default;

  std::string workdir_;
  bool sync_writes_ = false;
  bool token_required_ = false;
  std::unique_ptr<DB> db_;
  std::unique_ptr<RedisServer> gateway_;
  std::unique_ptr<HttpServer> http_;
  bool shut_down_ = false;
  Status close_status_;
};

// Runs the servers until SIGINT or SIGTERM (call from main before any thread
// starts: it blocks both signals in the calling thread, which every thread
// started later inherits, and takes them with sigwait). Reports the Banner,
// "Press Ctrl+C to stop", then "Shutting down (SIGTERM)..." and "bye". Returns
// the exit status: 0 after a clean shutdown, 1 if anything fails (open, bind,
// close), 2 for a malformed address.
int Serve(const ServeOptions& options, const ServeOutput& out);

}  // namespace nokv::redis
