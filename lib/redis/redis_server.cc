// RedisServer's lifecycle: binding the listener, starting the event loops,
// executors and the active expiry thread, the graceful Stop, and the counters.
// The loops are in io_loop.cc, the executors in executor_pool.cc.
#include "redis/redis_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "redis/redis_server_impl.h"

namespace nokv::redis {
namespace {

uint64_t WallMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

RedisServer::RedisServer(DB* db, RedisServerOptions options)
    : impl_(std::make_unique<RedisServerImpl>(db, std::move(options))) {
  RedisServerImpl& m = *impl_;
  m.limits.max_bulk_len = m.options.max_bulk_len;
  m.limits.max_multibulk_len = m.options.max_multibulk_len;
  m.dispatcher.store()->set_fsync_policy(m.options.sync_writes ? FsyncPolicy::kAlways
                                                                : FsyncPolicy::kNo);
  // Loops and executors call FlushBeforeReplies after each batch: a
  // pipeline's writes share one WAL flush (and fsync).
  m.dispatcher.store()->set_batched_durability(true);
  ServerInfo& info = m.dispatcher.server_info();
  info.host = m.options.host;
  info.port = m.options.port;
  info.io_threads = std::max(1, m.options.io_threads);
  info.executor_threads = std::max(0, m.options.executor_threads);  // 0 = inline
  info.max_bulk_len = m.options.max_bulk_len;
  GatewayConfig& config = m.dispatcher.config();
  config.max_clients = m.options.max_clients;
  config.idle_timeout_s = m.options.idle_timeout_s;
  config.hz = std::clamp(m.options.hz, 1, 500);
}

RedisServer::~RedisServer() { Stop(); }

Dispatcher* RedisServer::dispatcher() { return &impl_->dispatcher; }

Status RedisServer::Start() {
  RedisServerImpl& m = *impl_;
  std::lock_guard<std::mutex> l(m.stop_mu);
  if (m.started) return Status::InvalidArgument("redis server already started");
  const std::string addr = m.options.host + ":" + std::to_string(m.options.port);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(m.options.host.empty() ? nullptr : m.options.host.c_str(),
                       std::to_string(m.options.port).c_str(), &hints, &res);
  if (rc != 0) return Status::InvalidArgument("resolve " + addr + ": " + gai_strerror(rc));
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 511) != 0) {
      last_error = strerror(errno);
      ::close(fd);
      continue;
    }
    m.listen_fd = fd;
    break;
  }
  freeaddrinfo(res);
  if (m.listen_fd < 0) return Status::IOError("listen on " + addr + ": " + last_error);

  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(m.listen_fd, reinterpret_cast<sockaddr*>(&ss), &len);
  m.bound_port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                                : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  m.dispatcher.server_info().port = m.bound_port;
  m.dispatcher.server_info().start_time_ms = WallMs();

  const int nloops = std::max(1, m.options.io_threads);
  for (int i = 0; i < nloops; i++) {
    auto loop = std::make_unique<IoLoop>(&m, i);
    if (i == 0) loop->SetListener(m.listen_fd);
    Status s = loop->Init();
    if (!s.ok()) {
      m.loops.clear();
      ::close(m.listen_fd);
      m.listen_fd = -1;
      return s;
    }
    m.loops.push_back(std::move(loop));
  }
  if (m.options.executor_threads > 0) {
    m.executors = std::make_unique<ExecutorPool>(&m.dispatcher, m.options.executor_threads);
  }
  for (auto& loop : m.loops) loop->StartThread();
  m.cron_thread = std::thread([&m] {
    std::unique_lock<std::mutex> l(m.cron_mu);
    while (!m.stopping.load()) {
      const int hz = std::max(1, m.dispatcher.config().hz.load());
      m.cron_cv.wait_for(l, std::chrono::milliseconds(1000 / hz));
      if (m.stopping.load()) break;
      l.unlock();
      RedisStore* store = m.dispatcher.store();
      store->ActiveExpireCycle(m.options.expiry_budget);
      Status s = store->SyncIfDue();
      if (!s.ok()) spdlog::error("redis: appendfsync everysec: {}", s.ToString());
      l.lock();
    }
  });
  m.started = true;
  return Status::OK();
}

void RedisServer::Stop() {
  RedisServerImpl& m = *impl_;
  std::lock_guard<std::mutex> l(m.stop_mu);
  if (!m.started || m.stopped) return;
  m.stopped = true;
  {
    std::lock_guard<std::mutex> el(m.cron_mu);
    m.stopping.store(true);
  }
  m.cron_cv.notify_all();
  for (auto& loop : m.loops) loop->Wake();
  for (auto& loop : m.loops) loop->Join();
  if (m.executors) m.executors->Shutdown();
  if (m.cron_thread.joinable()) m.cron_thread.join();
  m.loops.clear();  // after the executors: sessions of late batches stay valid
  if (m.listen_fd >= 0) ::close(m.listen_fd);
  m.listen_fd = -1;
}

int RedisServer::port() const { return impl_->bound_port; }

RedisStats RedisServer::Stats() const {
  const RedisCounters& c = *impl_->dispatcher.counters();
  RedisStats s;
  s.connected_clients = c.connected_clients.load();
  s.total_connections = c.total_connections.load();
  s.total_commands = c.total_commands.load();
  s.rejected_connections = c.rejected_connections.load();
  s.protocol_errors = c.protocol_errors.load();
  s.keyspace_hits = c.keyspace_hits.load();
  s.keyspace_misses = c.keyspace_misses.load();
  s.expired_keys = c.expired_keys.load();
  return s;
}

std::map<std::string, int64_t> RedisServer::StatsMap() const { return impl_->dispatcher.StatsMap(); }

}  // namespace nokv::redis
