// The state RedisServer shares with its event loops and executors.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "redis/dispatcher.h"
#include "redis/executor_pool.h"
#include "redis/io_loop.h"
#include "redis/redis_server.h"
#include "redis/resp.h"

namespace nokv::redis {

struct RedisServerImpl {
  RedisServerImpl(DB* db, RedisServerOptions o) : options(std::move(o)), dispatcher(db) {}

  RedisServerOptions options;
  Dispatcher dispatcher;
  RespLimits limits;
  int listen_fd = -1;
  int bound_port = 0;
  std::vector<std::unique_ptr<IoLoop>> loops;
  std::unique_ptr<ExecutorPool> executors;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> next_conn_id{2};  // ids 0 and 1 tag the listener and wakeups
  std::atomic<size_t> next_loop{0};
  bool started = false;
  bool stopped = false;
  std::mutex stop_mu;

  // The background thread: hz times a second (GatewayConfig::hz), an active
  // expiry cycle and the appendfsync everysec sync.
  std::thread cron_thread;
  std::mutex cron_mu;
  std::condition_variable cron_cv;

  RedisCounters& counters() { return *dispatcher.counters(); }
};

}  // namespace nokv::redis
