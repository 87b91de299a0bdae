// RawKvClient: the client library of the NoKV service's raw key-value RPCs
// for a cluster of store nodes. Routes every key through PD (GetRegion) and a
// region cache, sends each request to the region's leader, and retries on
// region errors: NotLeader follows the named leader (or tries the next
// peer), EpochNotMatch takes the store's current regions, KeyNotInRegion and
// RegionNotFound drop the region and ask PD again, ServerIsBusy backs off,
// an unreachable store moves the region to its next peer. Requests touching
// several regions are split per region (BatchGet, BatchPut, DeleteRange,
// Scan); nothing is atomic across regions.
//
// Retries are bounded by request_timeout_ms and max_attempts per operation.
// Never throws: every call returns a Status (NotFound for a missing key;
// TimedOut-like IOError naming the last error when retries run out;
// InvalidArgument for bad arguments; the store's error text for a
// non-retryable store error). Thread-safe: one client serves many threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "client/region_cache.h"

namespace nokv::pd {
class PdClient;
}

namespace nokv::client {

struct RawKvClientOptions {
  std::vector<std::string> pd_endpoints;  // host:port of PD members
  int rpc_timeout_ms = 5000;              // one RPC attempt
  int request_timeout_ms = 15000;         // one operation, retries included
  int max_attempts = 64;                  // RPC attempts per operation
  int backoff_initial_ms = 10;
  int backoff_max_ms = 500;
  // Keys asked of a store per RawScan (the store caps it too).
  uint32_t scan_batch = 512;
};

// Counters since the client was created.
struct ClientStats {
  uint64_t rpcs = 0, rpc_failures = 0, retries = 0, pd_lookups = 0;
  uint64_t not_leader = 0, epoch_not_match = 0, key_not_in_region = 0, region_not_found = 0;
  uint64_t server_is_busy = 0, store_not_match = 0, other_region_errors = 0;
};

using KvPairs = std::vector<std::pair<std::string, std::string>>;

class RawKvClient {
 public:
  // Connects lazily: creation does not wait for PD or any store.
  // InvalidArgument without PD endpoints.
  static Result<std::unique_ptr<RawKvClient>> Create(RawKvClientOptions options);
  // Over an existing PD client (not owned; must outlive this client).
  static Result<std::unique_ptr<RawKvClient>> Create(RawKvClientOptions options,
                                                     pd::PdClient* pd);
  ~RawKvClient();
  RawKvClient(const RawKvClient&) = delete;
  RawKvClient& operator=(const RawKvClient&) = delete;

  // `cf`: "default" (or empty), "lock" or "write".
  // The value of `key`, or NotFound.
  Status Get(std::string_view key, std::string* value, std::string_view cf = {});
  // The keys that have a value, with it.
  Status BatchGet(const std::vector<std::string>& keys, std::map<std::string, std::string>* found,
                  std::string_view cf = {});
  // ttl_ms 0 = never expires.
  Status Put(std::string_view key, std::string_view value, std::string_view cf = {},
             uint64_t ttl_ms = 0);
  // Atomic per region, not across regions.
  Status BatchPut(const KvPairs& pairs, std::string_view cf = {}, uint64_t ttl_ms = 0);
  // Deleting a missing key is not an error.
  Status Delete(std::string_view key, std::string_view cf = {});
  // Deletes [start, end) (end empty = +inf), region by region.
  Status DeleteRange(std::string_view start, std::string_view end, std::string_view cf = {});
  // Up to `limit` (> 0) pairs with start <= key < end (end empty = +inf),
  // ascending, across regions. With key_only the values are empty.
  Status Scan(std::string_view start, std::string_view end, size_t limit, KvPairs* out,
              std::string_view cf = {}, bool key_only = false);

  ClientStats Stats() const;
  RegionCache* region_cache();

  struct Impl;

 private:
  explicit RawKvClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nokv::client
