// RedisServer: the RESP2 network front end of the gateway. epoll event loops
// own the sockets (no thread per connection); a small executor pool runs the
// commands, each connection's commands strictly in order (one batch in flight
// per connection). Commands themselves live in the Dispatcher.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "nokv/db.h"

namespace nokv::redis {

class Dispatcher;
struct RedisServerImpl;

struct RedisServerOptions {
  std::string host = "127.0.0.1";
  int port = 6380;  // 0 = an ephemeral port (see RedisServer::port)
  size_t max_clients = 10000;
  size_t max_bulk_len = 512u << 20;
  size_t max_multibulk_len = 1u << 20;
  // Backpressure: while more than this many bytes of a client's replies are
  // unsent, its further commands wait until it reads. One batch of replies
  // may exceed it (a GET of a 100 MiB value is served whole); a slow reader
  // is paused, never disconnected.
  size_t max_output_bytes = 64u << 20;
  int idle_timeout_s = 0;               // 0 = never
  int io_threads = 1;
  // 0: each event loop runs its connections' commands itself, like Redis's
  // single thread: no hand-off between threads, and under sync_writes one
  // fsync per loop iteration covers the writes of every connection served in
  // it (RedisStore::FlushBeforeReplies), the fastest choice. > 0: a pool of
  // this many threads runs them; batches finishing together share an fsync.
  int executor_threads = 0;
  // fsync every write before its reply (appendfsync always; without it,
  // appendfsync no). CONFIG SET appendfsync changes it at run time; open the
  // DB without Options::sync_writes so the gateway's setting is the one that
  // applies.
  bool sync_writes = false;
  // Background cycles per second (Redis' hz, 1..500; CONFIG SET hz): each
  // deletes up to `expiry_budget` expired keys, walks 4 * expiry_budget keys
  // of the keyspace (rediscovering expiries, counting keys for INFO) and runs
  // the appendfsync everysec sync when due.
  int hz = 10;
  size_t expiry_budget = 200;
};

// The executor thread count for a requested value (< 0 = automatic): inline
// (0), with or without sync writes: the loop's one fsync per iteration
// shares more than a pool's batches do (5x the throughput of 4 executors
// under --sync-writes, measured with redis-benchmark -c 50).
inline int DefaultExecutorThreads(int requested, bool /*sync_writes*/) {
  return requested >= 0 ? requested : 0;
}

struct RedisStats {
  uint64_t connected_clients = 0;
  uint64_t total_connections = 0;
  uint64_t total_commands = 0;
  uint64_t rejected_connections = 0;
  uint64_t protocol_errors = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_keys = 0;
};

class RedisServer {
 public:
  // `db` must outlive the server.
  RedisServer(DB* db, RedisServerOptions options);
  // Stops the server if it is running.
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Binds and listens (errors name the address), then starts the threads.
  Status Start();
  // Stops accepting, lets in-flight and already received commands finish,
  // flushes their replies (bounded wait), closes every socket, joins the
  // threads. Idempotent.
  void Stop();

  // The bound port (useful with port 0); 0 before Start.
  int port() const;
  RedisStats Stats() const;
  std::map<std::string, int64_t> StatsMap() const;
  Dispatcher* dispatcher();

 private:
  std::unique_ptr<RedisServerImpl> impl_;
};

}  // namespace nokv::redis
