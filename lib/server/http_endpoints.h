// The endpoints of the metrics/admin HTTP server, declared in one table
// (Endpoints()), and what their handlers act on. To add an endpoint, write a
// handler in http_endpoints.cc and add a row to the table; Dispatch
// (http_router.h) applies the 404/405/401 rules.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "nokv/db.h"
#include "server/http_router.h"
#include "server/stats_render.h"

namespace nokv::server {

using StatsProvider = std::function<std::map<std::string, int64_t>()>;

// Named counter providers added by the embedding process (e.g. the Redis
// gateway). Thread-safe: handlers read it while the owner may still add.
class StatsGroupRegistry {
 public:
  // Adds or replaces the provider of `name`. Returns false (and keeps nothing)
  // if the name is not valid (see IsValidStatsGroupName).
  bool Add(std::string name, StatsProvider provider);
  // Calls every provider, in name order.
  std::vector<StatsGroup> Collect() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, StatsProvider> providers_;  // guarded by mu_
};

// What every handler may use. Handlers run concurrently on the server's
// threads; DB is thread-safe and the registry locks itself.
struct EndpointContext {
  DB* db = nullptr;
  const StatsGroupRegistry* groups = nullptr;
  // Process facts for /debug/vars; replaceable so tests need not read /proc.
  std::function<ProcessInfo()> process_info;
};

// The endpoint table.
std::span<const Route> Endpoints();

// argv from /proc/self/cmdline (redacted) and memory from /proc/self/statm.
// Missing /proc gives an empty ProcessInfo.
ProcessInfo ReadProcessInfo();

}  // namespace nokv::server
