// Worker (see worker.h).
#include "raftstore/worker.h"

namespace nokv::raftstore {

void Worker::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void Worker::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!running_) return;
    running_ = false;
    tasks_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Worker::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!running_) return;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

size_t Worker::pending() const {
  std::lock_guard<std::mutex> l(mu_);
  return tasks_.size();
}

void Worker::Run() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [this] { return !running_ || !tasks_.empty(); });
    if (!running_) return;
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    l.unlock();
    task();
    l.lock();
  }
}

}  // namespace nokv::raftstore
