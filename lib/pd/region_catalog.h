// RegionCatalog: PD's view of every region (range, epoch, peers, leader,
// approximate size/keys) with key -> region lookup in O(log n) through an
// ordered map on start keys. Keys are binary; an empty end key is +inf.
// Not thread-safe: the owner (ClusterState) locks.
//
// Rules for an incoming region R (Check, then Put):
//   - R.id == 0, start >= end (with a non-empty end), a peer with id 0 or
//     store 0, or two peers on one store: InvalidArgument.
//   - The catalog holds R.id with a newer epoch (version or conf_ver
//     greater): Aborted("stale epoch").
//   - R overlaps another region whose version is greater than R's: stale.
//   - Otherwise R replaces its old self and every region it overlaps.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "proto/metapb.pb.h"

namespace nokv::pd {

struct RegionInfo {
  metapb::Region meta;
  metapb::Peer leader;               // id 0 = unknown
  // Soft state, refreshed by heartbeats and not persisted.
  uint64_t approximate_size = 0;
  uint64_t approximate_keys = 0;
  uint64_t last_heartbeat_ms = 0;
  std::vector<metapb::Peer> down_peers;
  std::vector<metapb::Peer> pending_peers;
};

// True if `key` lies in [start, end) with an empty end meaning +inf.
bool KeyInRange(std::string_view key, std::string_view start, std::string_view end);
// True if the two half-open ranges share a key.
bool RangesOverlap(std::string_view a_start, std::string_view a_end, std::string_view b_start,
                   std::string_view b_end);
// InvalidArgument naming the problem if the region is malformed.
Status ValidateRegion(const metapb::Region& region);
// "id=7 [61, 6d) epoch=(conf 1, ver 2)" with keys in hex.
std::string DescribeRegion(const metapb::Region& region);

class RegionCatalog {
 public:
  // Validation and the stale-epoch rules above; OK if Put would accept it.
  Status Check(const metapb::Region& region) const;
  // Check, then insert/replace R and drop the regions it overlaps (their ids
  // are appended to `removed`). Soft state of a region kept under the same id
  // is preserved.
  Status Put(const metapb::Region& region, const metapb::Peer& leader,
             std::vector<uint64_t>* removed = nullptr);
  // True if the region (by id) differs from R in range, epoch, peers or
  // leader, or is absent: a change worth persisting.
  bool WouldChange(const metapb::Region& region, const metapb::Peer& leader) const;
  // False if there was no such region.
  bool Remove(uint64_t region_id);

  const RegionInfo* ById(uint64_t region_id) const;
  RegionInfo* MutableById(uint64_t region_id);
  // The region with start <= key < end, or nullptr.
  const RegionInfo* ByKey(std::string_view key) const;
  // Regions in key order from the one holding `start` (or the first after
  // it) while their start is below `end` (empty = +inf); limit <= 0 = all.
  std::vector<const RegionInfo*> Scan(std::string_view start, std::string_view end,
                                      int limit) const;
  // Ids of the regions whose range overlaps [start, end).
  std::vector<uint64_t> Overlapping(std::string_view start, std::string_view end) const;
  size_t size() const { return by_id_.size(); }
  // Every region, in key order.
  std::vector<const RegionInfo*> All() const { return Scan("", "", 0); }

 private:
  std::unordered_map<uint64_t, RegionInfo> by_id_;
  std::map<std::string, uint64_t, std::less<>> by_start_;  // start key -> id
};

}  // namespace nokv::pd
