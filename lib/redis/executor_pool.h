// ExecutorPool: the threads that run commands for RedisServer. A Batch (one
// connection's commands, in order) is run by one executor and handed back to
// its IoLoop with the replies.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "redis/connection.h"

namespace nokv::redis {

class Dispatcher;

// Runs a batch's commands in order, appending their replies to b->reply;
// stops after a command that closes the connection (QUIT).
void ExecuteBatch(Dispatcher* dispatcher, Batch* b);

class ExecutorPool {
 public:
  ExecutorPool(Dispatcher* d, int threads);
  void Submit(std::unique_ptr<Batch> b);
  void Shutdown();  // drains the queue, joins

 private:
  void Run();
  Dispatcher* dispatcher_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> queue_;  // guarded by mu_
  bool shutdown_ = false;                     // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace nokv::redis
