// The executor threads of RedisServer; see executor_pool.h.
#include "redis/executor_pool.h"

#include <algorithm>

#include "redis/dispatcher.h"
#include "redis/io_loop.h"

namespace nokv::redis {

void ExecuteBatch(Dispatcher* dispatcher, Batch* b) {
  dispatcher->PrefetchKeys(b->commands);
  for (size_t i = 0; i < b->commands.size();) {
    i += dispatcher->ExecuteNext(b->session, b->commands, i, &b->reply);
    if (b->session->close_after_reply) break;  // QUIT: the rest is dropped
  }
}

ExecutorPool::ExecutorPool(Dispatcher* d, int threads) : dispatcher_(d) {
  for (int i = 0; i < std::max(1, threads); i++) threads_.emplace_back([this] { Run(); });
}

void ExecutorPool::Submit(std::unique_ptr<Batch> b) {
  {
    std::lock_guard<std::mutex> l(mu_);
    queue_.push_back(std::move(b));
  }
  cv_.notify_one();
}

void ExecutorPool::Shutdown() {
  {
    std::lock_guard<std::mutex> l(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void ExecutorPool::Run() {
  while (true) {
    std::unique_ptr<Batch> b;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return shutdown_ || !queue_.empty(); });
      if (queue_.empty()) return;  // shutdown and drained
      b = std::move(queue_.front());
      queue_.pop_front();
    }
    ExecuteBatch(dispatcher_, b.get());
    // Batches finishing at once share the fsync (appendfsync always).
    b->flush_failed = !dispatcher_->store()->FlushBeforeReplies().ok();
    IoLoop* loop = b->loop;
    loop->Complete(std::move(b));
  }
}

}  // namespace nokv::redis
