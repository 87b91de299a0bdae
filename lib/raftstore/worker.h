// Worker: one background thread running posted tasks in order (the store's
// snapshot worker and PD worker).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace nokv::raftstore {

class Worker {
 public:
  explicit Worker(std::string name) : name_(std::move(name)) {}
  ~Worker() { Stop(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void Start();
  // Waits for the running task; tasks still queued are dropped.
  void Stop();
  // Queues `task`; dropped if the worker is stopped.
  void Post(std::function<void()> task);
  size_t pending() const;

 private:
  void Run();

  const std::string name_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool running_ = false;                     // guarded by mu_
  std::thread thread_;
};

}  // namespace nokv::raftstore
