// Dispatcher: finds a command (and subcommand) in the tables, checks its
// arity, extracts its keys at the table's key positions, runs it and renders
// errors. Socket-free: tests drive it directly with argument vectors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nokv/db.h"
#include "redis/command.h"
#include "redis/gateway_config.h"
#include "redis/redis_store.h"

namespace nokv::redis {

// What INFO and CONFIG GET say about the process around the dispatcher; set
// before the server starts serving.
struct ServerInfo {
  std::string host = "127.0.0.1";
  int port = 0;
  int io_threads = 1;
  int executor_threads = 1;
  uint64_t max_bulk_len = kMaxStringLen;  // proto-max-bulk-len
  uint64_t start_time_ms = 0;
};

class Dispatcher {
 public:
  explicit Dispatcher(DB* db);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Runs one command (argv non-empty) for `session`, appending its reply.
  void Execute(Session* session, const std::vector<std::string>& argv, std::string* out);

  // Runs commands[from...] as Execute would, one after the other, but a run
  // of two or more consecutive writes of the common kinds (SET key value
  // without options, MSET, INCR, DECR, INCRBY, DECRBY) becomes one engine
  // write: their keys' stripes are held across it, later commands of the
  // run see the earlier ones' values, and the replies are those of the
  // commands run one by one (if the run cannot be one write, nothing is
  // written and they are run one by one). Returns how many commands it ran
  // (at least one).
  size_t ExecuteNext(Session* session, const std::vector<std::vector<std::string>>& commands,
                     size_t from, std::string* out);

  // Before a batch of pipelined commands runs: tells the engine which keys
  // they read or write (DB::PrefetchForGets), so the memory lookups of the
  // whole batch overlap. Changes nothing; a batch of one is skipped.
  void PrefetchKeys(const std::vector<std::vector<std::string>>& commands) const;

  // nullptr if unknown; `name` in any case. "config|get" names a subcommand.
  const CommandSpec* Find(std::string_view name) const;
  // The command argv runs: its subcommand for a container with argv[1] (or
  // nullptr and an error message when there is none).
  const CommandSpec* Resolve(const std::vector<std::string>& argv, std::string* error) const;
  // Every top-level command, sorted by name.
  const std::vector<const CommandSpec*>& commands() const { return sorted_; }
  // "config|get" for a subcommand, the name for a command.
  std::string FullName(const CommandSpec& spec) const;
  // The COMMAND DOCS group ("string", "generic", ...) of a command or subcommand.
  std::string_view GroupOf(const CommandSpec& spec) const;

  RedisStore* store() { return &store_; }
  RedisCounters* counters() { return &counters_; }
  const RedisCounters& counters() const { return counters_; }
  ServerInfo& server_info() { return info_; }
  const ServerInfo& server_info() const { return info_; }
  GatewayConfig& config() { return config_; }
  const GatewayConfig& config() const { return config_; }
  DB* db() const { return store_.db(); }

  // Counters by name (the StatsMap of RedisServer).
  std::map<std::string, int64_t> StatsMap() const;

 private:
  void Register(std::string_view group, const std::vector<CommandSpec>& table);
  // The run of ExecuteNext: commands[from, from + incrs.size()), incrs[j]
  // the change of a counter command (nullopt for SET/MSET). False (nothing
  // written, nothing appended) if it cannot be one write.
  bool ExecuteWriteRun(const std::vector<std::vector<std::string>>& commands, size_t from,
                       const std::vector<std::optional<int64_t>>& incrs, std::string* out);

  RedisCounters counters_;
  RedisStore store_;
  ServerInfo info_;
  GatewayConfig config_;
  // Looked up by string_view (no key string built per command).
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Subcommands as "a|b".
  std::unordered_map<std::string, const CommandSpec*, NameHash, std::equal_to<>> by_name_;
  std::unordered_map<const CommandSpec*, const CommandSpec*> parent_;  // subcommand -> container
  std::unordered_map<const CommandSpec*, std::string_view> group_;     // top level only
  std::vector<const CommandSpec*> sorted_;
};

}  // namespace nokv::redis
