// IoLoop: one epoll event loop of RedisServer. It accepts clients (the first
// loop owns the listener and deals sockets out round-robin), reads and parses
// requests, hands each connection's commands to the executors one Batch at a
// time, writes the replies, and enforces the per-client limits (pending
// output, idle timeout) and the graceful stop. See connection.h for who owns
// what.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "redis/connection.h"

namespace nokv::redis {

struct RedisServerImpl;

class IoLoop {
 public:
  IoLoop(RedisServerImpl* server, int index);
  ~IoLoop();
  Status Init();
  void StartThread() { thread_ = std::thread([this] { Run(); }); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  void Wake();
  // Thread-safe hand-offs into this loop.
  void AddSocket(int fd);
  void Complete(std::unique_ptr<Batch> b);
  void SetListener(int fd) { listen_fd_ = fd; }

 private:
  void Run();
  void Accept();
  void Adopt(int fd);
  void OnReadable(Connection* c);
  void ParseInput(Connection* c);
  void MaybeDispatch(Connection* c);
  // After input was parsed or replies written: dispatches what is ready,
  // closes a half-closed connection with nothing left, updates the epoll
  // interest.
  void Proceed(Connection* c);
  void OnBatchDone(std::unique_ptr<Batch> b);
  // Completes the batches run inline (no executor pool) in this iteration.
  void FinishInlineBatches();
  void Flush(Connection* c);
  void UpdateInterest(Connection* c);
  void Close(Connection* c, const char* why);
  void DrainWakeups();
  void CheckIdle();
  void Reap();
  bool Quiescent() const;

  RedisServerImpl* server_;
  const int index_;
  int epfd_ = -1;
  int wake_fd_ = -1;
  int listen_fd_ = -1;
  std::thread thread_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> conns_;  // loop thread only
  bool stopping_seen_ = false;
  std::vector<uint64_t> to_reap_;  // closed connections to erase when no batch is out
  const std::unique_ptr<char[]> read_buf_{new char[kReadChunk]};  // scratch for read()
  std::vector<std::unique_ptr<Batch>> inline_done_;  // run on this thread, replies pending

  std::mutex mu_;
  std::vector<int> new_fds_;                     // guarded by mu_
  std::vector<std::unique_ptr<Batch>> done_;     // guarded by mu_
};

}  // namespace nokv::redis
