// StoreResolver: store id -> the store's gRPC address, asked of PD (GetStore)
// once and cached until a connection to that address fails. A tombstoned
// store or one without an address resolves to NotFound.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/status.h"
#include "proto/metapb.pb.h"

namespace nokv::transport {

class StoreResolver {
 public:
  // How to ask PD about one store; may block on the network.
  using Lookup = std::function<Result<metapb::Store>(uint64_t store_id)>;

  explicit StoreResolver(Lookup lookup) : lookup_(std::move(lookup)) {}

  // The cached address, else asks `lookup` (not under the lock, so callers
  // for different stores do not wait for each other). Thread-safe.
  Result<std::string> Resolve(uint64_t store_id);
  // Forgets the cached address: the next Resolve asks PD again.
  void Invalidate(uint64_t store_id);
  // Pins an address (tests, static topologies): never asked of PD, never
  // forgotten by Invalidate.
  void Set(uint64_t store_id, std::string address);

 private:
  Lookup lookup_;
  std::mutex mu_;
  std::unordered_map<uint64_t, std::string> cache_;   // guarded by mu_
  std::unordered_map<uint64_t, std::string> pinned_;  // guarded by mu_
};

}  // namespace nokv::transport
