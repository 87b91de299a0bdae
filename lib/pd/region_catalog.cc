// RegionCatalog (see region_catalog.h).
#include "pd/region_catalog.h"

#include <fmt/core.h>

#include <set>

namespace nokv::pd {
namespace {

std::string Hex(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += fmt::format("{:02x}", c);
  return out;
}

bool SamePeers(const metapb::Region& a, const metapb::Region& b) {
  if (a.peers_size() != b.peers_size()) return false;
  for (int i = 0; i < a.peers_size(); ++i) {
    const metapb::Peer& x = a.peers(i);
    const metapb::Peer& y = b.peers(i);
    if (x.id() != y.id() || x.store_id() != y.store_id() || x.role() != y.role()) return false;
  }
  return true;
}

}  // namespace

bool KeyInRange(std::string_view key, std::string_view start, std::string_view end) {
  return key >= start && (end.empty() || key < end);
}

bool RangesOverlap(std::string_view a_start, std::string_view a_end, std::string_view b_start,
                   std::string_view b_end) {
  const bool a_before_b = !a_end.empty() && a_end <= b_start;
  const bool b_before_a = !b_end.empty() && b_end <= a_start;
  return !a_before_b && !b_before_a;
}

std::string DescribeRegion(const metapb::Region& r) {
  return fmt::format("id={} [{}, {}) epoch=(conf {}, ver {})", r.id(),
                     r.start_key().empty() ? "-inf" : Hex(r.start_key()),
                     r.end_key().empty() ? "+inf" : Hex(r.end_key()),
                     r.region_epoch().conf_ver(), r.region_epoch().version());
}

Status ValidateRegion(const metapb::Region& r) {
  if (r.id() == 0) return Status::InvalidArgument("region id 0");
  if (!r.end_key().empty() && r.start_key() >= r.end_key()) {
    return Status::InvalidArgument("region " + DescribeRegion(r) + ": start key >= end key");
  }
  std::set<uint64_t> stores, peers;
  for (const metapb::Peer& p : r.peers()) {
    if (p.id() == 0 || p.store_id() == 0) {
      return Status::InvalidArgument("region " + std::to_string(r.id()) +
                                     ": a peer with id 0 or store id 0");
    }
    if (!stores.insert(p.store_id()).second || !peers.insert(p.id()).second) {
      return Status::InvalidArgument("region " + std::to_string(r.id()) +
                                     ": two peers on one store or with one id");
    }
  }
  return Status::OK();
}

Status RegionCatalog::Check(const metapb::Region& r) const {
  NOKV_RETURN_IF_ERROR(ValidateRegion(r));
  const metapb::RegionEpoch& e = r.region_epoch();
  if (const RegionInfo* old = ById(r.id())) {
    const metapb::RegionEpoch& o = old->meta.region_epoch();
    if (e.version() < o.version() || e.conf_ver() < o.conf_ver()) {
      return Status::Aborted("stale epoch: region " + DescribeRegion(r) + " is older than " +
                             DescribeRegion(old->meta));
    }
  }
  for (uint64_t id : Overlapping(r.start_key(), r.end_key())) {
    if (id == r.id()) continue;
    const RegionInfo& other = by_id_.at(id);
    if (other.meta.region_epoch().version() > e.version()) {
      return Status::Aborted("stale epoch: region " + DescribeRegion(r) + " overlaps newer " +
                             DescribeRegion(other.meta));
    }
  }
  return Status::OK();
}

bool RegionCatalog::WouldChange(const metapb::Region& r, const metapb::Peer& leader) const {
  const RegionInfo* old = ById(r.id());
  if (old == nullptr) return true;
  const metapb::Region& o = old->meta;
  return o.start_key() != r.start_key() || o.end_key() != r.end_key() ||
         o.region_epoch().version() != r.region_epoch().version() ||
         o.region_epoch().conf_ver() != r.region_epoch().conf_ver() || !SamePeers(o, r) ||
         old->leader.id() != leader.id();
}

Status RegionCatalog::Put(const metapb::Region& r, const metapb::Peer& leader,
                          std::vector<uint64_t>* removed) {
  NOKV_RETURN_IF_ERROR(Check(r));
  for (uint64_t id : Overlapping(r.start_key(), r.end_key())) {
    if (id == r.id()) continue;
    Remove(id);
    if (removed != nullptr) removed->push_back(id);
  }
  RegionInfo info;
  if (RegionInfo* old = MutableById(r.id())) {
    by_start_.erase(old->meta.start_key());
    info = std::move(*old);
  }
  info.meta = r;
  info.leader = leader;
  by_start_[r.start_key()] = r.id();
  by_id_[r.id()] = std::move(info);
  return Status::OK();
}

bool RegionCatalog::Remove(uint64_t region_id) {
  auto it = by_id_.find(region_id);
  if (it == by_id_.end()) return false;
  by_start_.erase(it->second.meta.start_key());
  by_id_.erase(it);
  return true;
}

const RegionInfo* RegionCatalog::ById(uint64_t region_id) const {
  auto it = by_id_.find(region_id);
  return it == by_id_.end() ? nullptr : &it->second;
}

RegionInfo* RegionCatalog::MutableById(uint64_t region_id) {
  auto it = by_id_.find(region_id);
  return it == by_id_.end() ? nullptr : &it->second;
}

const RegionInfo* RegionCatalog::ByKey(std::string_view key) const {
  auto it = by_start_.upper_bound(key);  // first start > key
  if (it == by_start_.begin()) return nullptr;
  --it;
  const RegionInfo& info = by_id_.at(it->second);
  return KeyInRange(key, info.meta.start_key(), info.meta.end_key()) ? &info : nullptr;
}

std::vector<const RegionInfo*> RegionCatalog::Scan(std::string_view start, std::string_view end,
                                                   int limit) const {
  std::vector<const RegionInfo*> out;
  auto it = by_start_.upper_bound(start);
  if (it != by_start_.begin()) {
    auto prev = std::prev(it);
    const RegionInfo& info = by_id_.at(prev->second);
    if (KeyInRange(start, info.meta.start_key(), info.meta.end_key())) it = prev;
  }
  for (; it != by_start_.end(); ++it) {
    if (!end.empty() && it->first >= end) break;
    if (limit > 0 && static_cast<int>(out.size()) >= limit) break;
    out.push_back(&by_id_.at(it->second));
  }
  return out;
}

std::vector<uint64_t> RegionCatalog::Overlapping(std::string_view start,
                                                 std::string_view end) const {
  std::vector<uint64_t> ids;
  for (const RegionInfo* info : Scan(start, end, 0)) {
    if (RangesOverlap(start, end, info->meta.start_key(), info->meta.end_key())) {
      ids.push_back(info->meta.id());
    }
  }
  return ids;
}

}  // namespace nokv::pd
