// RegionCache: the client's view of where keys live — regions by start key
// (an O(log n) lookup of the region holding a key) with, for each, the peer
// requests go to (the leader when known). Entries come from PD and from the
// regions a store returns with EpochNotMatch; an inserted region replaces
// every cached region it overlaps, so the cache never holds two regions for
// one key. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "proto/metapb.pb.h"

namespace nokv::client {

struct RegionRoute {
  metapb::Region region;
  metapb::Peer target;  // where requests for this region go (a peer of `region`)
};

// True if start <= key < end (empty end = +inf).
bool KeyInRegion(std::string_view key, const metapb::Region& region);

class RegionCache {
 public:
  // The cached region holding `key`, if any.
  std::optional<RegionRoute> Find(std::string_view key) const;
  std::optional<RegionRoute> FindById(uint64_t region_id) const;

  // Caches `region` with requests going to `leader` if it is one of the
  // region's peers, else to its first peer. Cached regions overlapping it
  // are dropped first. A region without id or peers is ignored.
  void Put(const metapb::Region& region, const metapb::Peer& leader);
  void Drop(uint64_t region_id);
  // The region's leader is `leader` (a NotLeader answer). False if the
  // region is not cached or `leader` is not one of its peers (the caller
  // should refetch the region).
  bool SetLeader(uint64_t region_id, const metapb::Peer& leader);
  // Requests to `store_id` for this region failed: target the region's next
  // peer on another store. Returns the new target (nullopt if the region is
  // not cached).
  std::optional<metapb::Peer> MoveOffStore(uint64_t region_id, uint64_t store_id);

  size_t size() const;
  void Clear();

 private:
  void DropLocked(uint64_t region_id);

  mutable std::shared_mutex mu_;
  std::map<std::string, RegionRoute> by_start_;             // guarded by mu_
  std::unordered_map<uint64_t, std::string> start_by_id_;  // guarded by mu_
};

}  // namespace nokv::client
