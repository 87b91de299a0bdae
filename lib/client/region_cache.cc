// RegionCache (see region_cache.h).
#include "client/region_cache.h"

#include <mutex>

namespace nokv::client {

bool KeyInRegion(std::string_view key, const metapb::Region& region) {
  return key >= std::string_view(region.start_key()) &&
         (region.end_key().empty() || key < std::string_view(region.end_key()));
}

std::optional<RegionRoute> RegionCache::Find(std::string_view key) const {
  std::shared_lock<std::shared_mutex> l(mu_);
  auto it = by_start_.upper_bound(std::string(key));
  if (it == by_start_.begin()) return std::nullopt;
  --it;
  if (!KeyInRegion(key, it->second.region)) return std::nullopt;
  return it->second;
}

std::optional<RegionRoute> RegionCache::FindById(uint64_t region_id) const {
  std::shared_lock<std::shared_mutex> l(mu_);
  auto id = start_by_id_.find(region_id);
  if (id == start_by_id_.end()) return std::nullopt;
  return by_start_.at(id->second);
}

void RegionCache::Put(const metapb::Region& region, const metapb::Peer& leader) {
  if (region.id() == 0 || region.peers_size() == 0) return;
  RegionRoute route;
  route.region = region;
  route.target = region.peers(0);
  for (const metapb::Peer& p : region.peers()) {
    if (leader.id() != 0 && p.id() == leader.id()) route.target = p;
  }
  std::unique_lock<std::shared_mutex> l(mu_);
  DropLocked(region.id());
  // Overlapping entries: the one starting before the region (if it reaches
  // into it), then those starting inside it.
  auto it = by_start_.upper_bound(region.start_key());
  if (it != by_start_.begin()) {
    auto prev = std::prev(it);
    const std::string& prev_end = prev->second.region.end_key();
    if (prev_end.empty() || prev_end > region.start_key()) {
      start_by_id_.erase(prev->second.region.id());
      by_start_.erase(prev);
    }
  }
  it = by_start_.lower_bound(region.start_key());
  while (it != by_start_.end() && (region.end_key().empty() || it->first < region.end_key())) {
    start_by_id_.erase(it->second.region.id());
    it = by_start_.erase(it);
  }
  start_by_id_[region.id()] = region.start_key();
  by_start_[region.start_key()] = std::move(route);
}

void RegionCache::DropLocked(uint64_t region_id) {
  auto id = start_by_id_.find(region_id);
  if (id == start_by_id_.end()) return;
  by_start_.erase(id->second);
  start_by_id_.erase(id);
}

void RegionCache::Drop(uint64_t region_id) {
  std::unique_lock<std::shared_mutex> l(mu_);
  DropLocked(region_id);
}

bool RegionCache::SetLeader(uint64_t region_id, const metapb::Peer& leader) {
  std::unique_lock<std::shared_mutex> l(mu_);
  auto id = start_by_id_.find(region_id);
  if (id == start_by_id_.end()) return false;
  RegionRoute& route = by_start_.at(id->second);
  for (const metapb::Peer& p : route.region.peers()) {
    if (p.id() == leader.id() && p.store_id() == leader.store_id()) {
      route.target = p;
      return true;
    }
  }
  return false;
}

std::optional<metapb::Peer> RegionCache::MoveOffStore(uint64_t region_id, uint64_t store_id) {
  std::unique_lock<std::shared_mutex> l(mu_);
  auto id = start_by_id_.find(region_id);
  if (id == start_by_id_.end()) return std::nullopt;
  RegionRoute& route = by_start_.at(id->second);
  const int n = route.region.peers_size();
  int at = 0;
  for (int i = 0; i < n; ++i) {
    if (route.region.peers(i).store_id() == store_id) at = i;
  }
  for (int step = 1; step <= n; ++step) {
    const metapb::Peer& p = route.region.peers((at + step) % n);
    if (p.store_id() != store_id) {
      route.target = p;
      break;
    }
  }
  return route.target;
}

size_t RegionCache::size() const {
  std::shared_lock<std::shared_mutex> l(mu_);
  return by_start_.size();
}

void RegionCache::Clear() {
  std::unique_lock<std::shared_mutex> l(mu_);
  by_start_.clear();
  start_by_id_.clear();
}

}  // namespace nokv::client
