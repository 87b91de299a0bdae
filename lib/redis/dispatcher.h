// Dispatcher: finds a command in the tables, checks its arity, runs it and
// renders errors. Socket-free: tests drive it directly with argument vectors.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nokv/db.h"
#include "redis/command.h"
#include "redis/redis_store.h"

namespace nokv::redis {

// What INFO says about the process around the dispatcher.
struct ServerInfo {
  std::string host = "127.0.0.1";
  int port = 0;
  uint64_t max_clients = 10000;
  int io_threads = 1;
  int executor_threads = 1;
  bool sync_writes = false;
  uint64_t start_time_ms = 0;
};

class Dispatcher {
 public:
  explicit Dispatcher(DB* db);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Runs one command (argv non-empty) for `session`, appending its reply.
  void Execute(Session* session, const std::vector<std::string>& argv, std::string* out);

  // nullptr if unknown; `name` in any case.
  const CommandSpec* Find(std::string_view name) const;
  // Every command, sorted by name.
  const std::vector<const CommandSpec*>& commands() const { return sorted_; }

  RedisStore* store() { return &store_; }
  RedisCounters* counters() { return &counters_; }
  const RedisCounters& counters() const { return counters_; }
  ServerInfo& server_info() { return info_; }
  const ServerInfo& server_info() const { return info_; }
  DB* db() const { return store_.db(); }

  // Counters by name (the StatsMap of RedisServer).
  std::map<std::string, int64_t> StatsMap() const;

 private:
  // Keys longer than the layout allows (key_layout.h) are refused up front,
  // at the key positions the command table declares.
  static Status CheckKeyLengths(const CommandSpec& spec, const std::vector<std::string>& argv);

  RedisCounters counters_;
  RedisStore store_;
  ServerInfo info_;
  std::unordered_map<std::string, const CommandSpec*> by_name_;
  std::vector<const CommandSpec*> sorted_;
};

}  // namespace nokv::redis
