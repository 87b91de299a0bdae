// The epoll event loops of RedisServer; see io_loop.h.
#include "redis/io_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "redis/executor_pool.h"
#include "redis/redis_server_impl.h"
#include "spdlog/spdlog.h"

namespace nokv::redis {
namespace {

constexpr uint64_t kListenerTag = 0;
constexpr uint64_t kWakeTag = 1;
constexpr auto kStopFlushTimeout = std::chrono::seconds(5);

uint64_t SteadyMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

std::string PeerName(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

IoLoop::IoLoop(RedisServerImpl* server, int index) : server_(server), index_(index) {}

IoLoop::~IoLoop() {
  for (auto& [id, c] : conns_) {
    if (!c->closed) ::close(c->fd);
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (epfd_ >= 0) ::close(epfd_);
}

Status IoLoop::Init() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epfd_ < 0 || wake_fd_ < 0) return Status::IOError(std::string("epoll/eventfd: ") + strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  if (listen_fd_ >= 0) {
    ev.data.u64 = kListenerTag;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  }
  return Status::OK();
}

void IoLoop::Wake() {
  uint64_t one = 1;
  ssize_t n = ::write(wake_fd_, &one, sizeof(one));
  (void)n;
}

void IoLoop::AddSocket(int fd) {
  {
    std::lock_guard<std::mutex> l(mu_);
    new_fds_.push_back(fd);
  }
  Wake();
}

void IoLoop::Complete(std::unique_ptr<Batch> b) {
  {
    std::lock_guard<std::mutex> l(mu_);
    done_.push_back(std::move(b));
  }
  Wake();
}

void IoLoop::Run() {
  std::vector<epoll_event> events(256);
  uint64_t last_idle_check = SteadyMs();
  uint64_t stop_deadline = 0;
  while (true) {
    int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; i++) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kListenerTag) {
        Accept();
      } else if (tag == kWakeTag) {
        DrainWakeups();
      } else {
        auto it = conns_.find(tag);
        if (it == conns_.end() || it->second->closed) continue;
        Connection* c = it->second.get();
        const uint32_t e = events[i].events;
        if (e & EPOLLOUT) Flush(c);
        if (!c->closed && (e & EPOLLIN)) OnReadable(c);
        // A hangup with nothing left to read: the peer is gone.
        if (!c->closed && (e & (EPOLLHUP | EPOLLERR)) && (c->read_eof || !(e & EPOLLIN))) {
          Close(c, "hangup");
        }
      }
    }
    FinishInlineBatches();
    DrainWakeups();  // adopts sockets and completes pool batches: no inline work
    Reap();
    const uint64_t now = SteadyMs();
    if (now - last_idle_check >= 1000) {
      last_idle_check = now;
      CheckIdle();
    }
    if (server_->stopping.load()) {
      if (!stopping_seen_) {
        stopping_seen_ = true;
        stop_deadline = now + std::chrono::milliseconds(kStopFlushTimeout).count();
        if (listen_fd_ >= 0) epoll_ctl(epfd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
        // Stop reading: what was received is finished, nothing new starts.
        for (auto& [id, c] : conns_) {
          if (!c->closed) {
            c->read_eof = true;
            UpdateInterest(c.get());
          }
        }
      }
      if (Quiescent() || now >= stop_deadline) break;
    }
  }
  // Close whatever is left; an in-flight batch (deadline passed) still
  // references its Session, so the objects live until the executors drained.
  for (auto& [id, c] : conns_) {
    if (!c->closed) Close(c.get(), nullptr);
  }
}

bool IoLoop::Quiescent() const {
  for (const auto& [id, c] : conns_) {
    if (c->in_flight) return false;
    if (!c->closed && (!c->pending.empty() || c->out_pos < c->out.size())) return false;
  }
  return true;
}

void IoLoop::Accept() {
  while (true) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        spdlog::warn("redis: accept: {}", strerror(errno));
      }
      return;
    }
    RedisCounters& ctr = server_->counters();
    if (ctr.connected_clients.load() >= server_->dispatcher.config().max_clients.load()) {
      // Count before replying: a client that saw the refusal sees the count.
      ctr.rejected_connections.fetch_add(1);
      static const char kMsg[] = "-ERR max number of clients reached\r\n";
      ssize_t w = ::write(fd, kMsg, sizeof(kMsg) - 1);
      (void)w;
      ::close(fd);
      continue;
    }
    ctr.connected_clients.fetch_add(1);
    ctr.total_connections.fetch_add(1);
    auto& loops = server_->loops;
    IoLoop* target = loops[server_->next_loop.fetch_add(1) % loops.size()].get();
    if (target == this) {
      Adopt(fd);
    } else {
      target->AddSocket(fd);
    }
  }
}

void IoLoop::Adopt(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  auto c = std::make_unique<Connection>(server_->limits);
  c->id = server_->next_conn_id.fetch_add(1);
  c->fd = fd;
  c->session.id = c->id - 1;
  c->session.peer = PeerName(fd);
  c->last_active_ms = SteadyMs();
  Connection* raw = c.get();
  conns_.emplace(c->id, std::move(c));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = raw->id;
  raw->events = EPOLLIN;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) Close(raw, "epoll_ctl");
  if (server_->stopping.load()) {
    raw->read_eof = true;
    UpdateInterest(raw);
  }
}

void IoLoop::DrainWakeups() {
  uint64_t v;
  while (::read(wake_fd_, &v, sizeof(v)) > 0) {
  }
  std::vector<int> fds;
  std::vector<std::unique_ptr<Batch>> done;
  {
    std::lock_guard<std::mutex> l(mu_);
    fds.swap(new_fds_);
    done.swap(done_);
  }
  for (int fd : fds) Adopt(fd);
  for (auto& b : done) OnBatchDone(std::move(b));
}

void IoLoop::OnReadable(Connection* c) {
  if (c->read_eof || c->close_after_flush || !c->protocol_error.empty()) return;
  RedisCounters& ctr = server_->counters();
  // A bounded number of reads per wakeup keeps one client from starving others.
  for (int i = 0; i < 4; i++) {
    if (c->pending.size() >= kMaxPendingCommands) break;
    // Read into the loop's scratch buffer, then append what arrived: growing
    // c->in by a whole chunk first would zero 64 KiB on every read.
    ssize_t n = ::read(c->fd, read_buf_.get(), kReadChunk);
    if (n > 0) {
      c->in.append(read_buf_.get(), static_cast<size_t>(n));
      ctr.net_input_bytes.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      c->last_active_ms = SteadyMs();
      if (static_cast<size_t>(n) < kReadChunk) break;
      continue;
    }
    if (n == 0) {
      c->read_eof = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    Close(c, "read error");
    return;
  }
  ParseInput(c);
  Proceed(c);
}

void IoLoop::Proceed(Connection* c) {
  MaybeDispatch(c);
  if (c->closed) return;
  if (c->read_eof && !c->in_flight && c->pending.empty() && c->out_pos >= c->out.size()) {
    Close(c, nullptr);
    return;
  }
  UpdateInterest(c);
}

void IoLoop::ParseInput(Connection* c) {
  std::vector<std::string> argv;
  while (c->pending.size() < kMaxPendingCommands && c->protocol_error.empty()) {
    RespParser::Result r = c->parser.Next(c->in, &c->in_pos, &argv);
    if (r == RespParser::kCommand) {
      c->pending.push_back(std::move(argv));
      argv.clear();
    } else if (r == RespParser::kError) {
      server_->counters().protocol_errors.fetch_add(1);
      c->protocol_error = "ERR " + c->parser.error();
      spdlog::debug("redis: client {} protocol error: {}", c->session.peer, c->parser.error());
      c->in.clear();
      c->in_pos = 0;
      break;
    } else {
      break;
    }
  }
  if (c->in_pos == c->in.size()) {
    c->in.clear();
    c->in_pos = 0;
  } else if (c->in_pos > (1u << 16)) {
    c->in.erase(0, c->in_pos);
    c->in_pos = 0;
  }
}

void IoLoop::MaybeDispatch(Connection* c) {
  if (c->closed || c->in_flight) return;
  if (c->pending.empty()) {
    if (!c->protocol_error.empty() && !c->close_after_flush) {
      AppendError(&c->out, c->protocol_error);
      c->close_after_flush = true;
      Flush(c);
    }
    return;
  }
  if (c->close_after_flush) {
    c->pending.clear();
    return;
  }
  // Backpressure: while more than max_output_bytes of its replies are unsent,
  // a client's next commands wait (Flush resumes them once it has read).
  if (c->out.size() - c->out_pos > server_->options.max_output_bytes) return;
  auto b = std::make_unique<Batch>();
  b->loop = this;
  b->conn_id = c->id;
  b->session = &c->session;
  const size_t n = std::min(kMaxBatch, c->pending.size());
  b->commands.reserve(n);
  for (size_t i = 0; i < n; i++) {
    b->commands.push_back(std::move(c->pending.front()));
    c->pending.pop_front();
  }
  c->in_flight = true;
  if (server_->executors == nullptr) {
    // Inline: run now; the replies go out with the others of this iteration,
    // after FinishInlineBatches made their writes durable.
    ExecuteBatch(&server_->dispatcher, b.get());
    inline_done_.push_back(std::move(b));
    return;
  }
  server_->executors->Submit(std::move(b));
}

void IoLoop::FinishInlineBatches() {
  // Completing a batch may run the connection's next one (more pipelined
  // commands), which lands in inline_done_ again: loop until none is left.
  while (!inline_done_.empty()) {
    std::vector<std::unique_ptr<Batch>> done;
    done.swap(inline_done_);
    // One flush (one fsync under appendfsync always) for every batch of the
    // round, before any of their replies goes out.
    const bool failed = !server_->dispatcher.store()->FlushBeforeReplies().ok();
    for (auto& b : done) {
      b->flush_failed = failed;
      OnBatchDone(std::move(b));
    }
  }
}

void IoLoop::OnBatchDone(std::unique_ptr<Batch> b) {
  auto it = conns_.find(b->conn_id);
  if (it == conns_.end()) return;
  Connection* c = it->second.get();
  c->in_flight = false;
  if (c->closed) {
    conns_.erase(it);
    return;
  }
  if (b->flush_failed) {
    // Never acknowledge writes the log may not have: drop the replies.
    spdlog::error("redis: WAL flush failed, closing client {}", c->session.peer);
    Close(c, "WAL flush failed");
    return;
  }
  if (c->out.empty()) {
    c->out.swap(b->reply);
  } else {
    c->out.append(b->reply);
  }
  if (c->session.close_after_reply) {
    c->close_after_flush = true;
    c->pending.clear();
  }
  Flush(c);
  if (c->closed) return;
  // Commands may be waiting in the input buffer (parsing paused at the limit).
  if (!c->read_eof || !c->in.empty()) ParseInput(c);
  Proceed(c);
}

void IoLoop::Flush(Connection* c) {
  RedisCounters& ctr = server_->counters();
  const size_t limit = server_->options.max_output_bytes;
  const bool held = c->out.size() - c->out_pos > limit;  // MaybeDispatch waits for us
  while (c->out_pos < c->out.size()) {
    ssize_t n = ::send(c->fd, c->out.data() + c->out_pos, c->out.size() - c->out_pos, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_pos += static_cast<size_t>(n);
      ctr.net_output_bytes.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    Close(c, nullptr);
    return;
  }
  if (c->out_pos >= c->out.size()) {
    c->out.clear();
    c->out_pos = 0;
    if (c->close_after_flush) {
      Close(c, nullptr);
      return;
    }
  } else if (c->out_pos > (1u << 20)) {
    c->out.erase(0, c->out_pos);
    c->out_pos = 0;
  }
  if (held && c->out.size() - c->out_pos <= limit) {
    // The client read enough: run what it sent meanwhile.
    ParseInput(c);
    MaybeDispatch(c);
    if (c->closed) return;
  }
  UpdateInterest(c);
}

void IoLoop::UpdateInterest(Connection* c) {
  if (c->closed) return;
  uint32_t want = 0;
  const bool can_read = !c->read_eof && !c->close_after_flush && c->protocol_error.empty() &&
                        c->pending.size() < kMaxPendingCommands;
  if (can_read) want |= EPOLLIN;
  if (c->out_pos < c->out.size()) want |= EPOLLOUT;
  if (want == c->events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c->id;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, c->fd, &ev);
  c->events = want;
}

void IoLoop::Close(Connection* c, const char* why) {
  if (c->closed) return;
  if (why != nullptr) spdlog::debug("redis: closing client {}: {}", c->session.peer, why);
  epoll_ctl(epfd_, EPOLL_CTL_DEL, c->fd, nullptr);
  ::close(c->fd);
  c->closed = true;
  c->pending.clear();
  server_->counters().connected_clients.fetch_sub(1);
  // Erased later (Reap): callers up the stack still hold `c`, and an
  // in-flight batch still holds &c->session.
  to_reap_.push_back(c->id);
}

void IoLoop::Reap() {
  for (uint64_t id : to_reap_) {
    auto it = conns_.find(id);
    if (it != conns_.end() && !it->second->in_flight) conns_.erase(it);
  }
  to_reap_.clear();
}

void IoLoop::CheckIdle() {
  const int64_t timeout = server_->dispatcher.config().idle_timeout_s.load();  // CONFIG SET timeout
  if (timeout <= 0) return;
  const uint64_t now = SteadyMs();
  std::vector<Connection*> idle;
  for (auto& [id, c] : conns_) {
    if (!c->closed && !c->in_flight && c->pending.empty() &&
        now - c->last_active_ms > static_cast<uint64_t>(timeout) * 1000) {
      idle.push_back(c.get());
    }
  }
  for (Connection* c : idle) Close(c, "idle timeout");
}

}  // namespace nokv::redis
