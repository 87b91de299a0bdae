// PlacementDriver's routing RPCs (region lookups, splits, removal) and the
// catalog copies the HTTP API reads; the rest is in placement_driver.cc.
#include <fmt/core.h>

#include "pd/placement_driver.h"

namespace nokv::pd {
namespace {

pdpb::RegionInfo ToWire(const RegionInfo& info) {
  pdpb::RegionInfo out;
  *out.mutable_region() = info.meta;
  if (info.leader.id() != 0) *out.mutable_leader() = info.leader;
  out.set_approximate_size(info.approximate_size);
  out.set_approximate_keys(info.approximate_keys);
  return out;
}

}  // namespace

pdpb::GetRegionResponse PlacementDriver::GetRegion(const pdpb::GetRegionRequest& request) {
  pdpb::GetRegionResponse r;
  if (!CheckServing(r.mutable_header(), true)) return r;
  std::lock_guard<std::mutex> l(mu_);
  const RegionInfo* info = state_->regions().ByKey(request.region_key());
  if (info == nullptr) {
    SetError(r.mutable_header(), Status::NotFound("no region holds the key"));
    return r;
  }
  *r.mutable_region() = info->meta;
  if (info->leader.id() != 0) *r.mutable_leader() = info->leader;
  return r;
}

pdpb::GetRegionResponse PlacementDriver::GetRegionByID(const pdpb::GetRegionByIDRequest& request) {
  pdpb::GetRegionResponse r;
  if (!CheckServing(r.mutable_header(), true)) return r;
  if (request.region_id() == 0) {
    SetError(r.mutable_header(), Status::InvalidArgument("region id 0"));
    return r;
  }
  std::lock_guard<std::mutex> l(mu_);
  const RegionInfo* info = state_->regions().ById(request.region_id());
  if (info == nullptr) {
    SetError(r.mutable_header(), Status::NotFound(fmt::format("region {}", request.region_id())));
    return r;
  }
  *r.mutable_region() = info->meta;
  if (info->leader.id() != 0) *r.mutable_leader() = info->leader;
  return r;
}

pdpb::ScanRegionsResponse PlacementDriver::ScanRegions(const pdpb::ScanRegionsRequest& request) {
  pdpb::ScanRegionsResponse r;
  if (!CheckServing(r.mutable_header(), true)) return r;
  std::lock_guard<std::mutex> l(mu_);
  for (const RegionInfo* info :
       state_->regions().Scan(request.start_key(), request.end_key(), request.limit())) {
    *r.add_regions() = ToWire(*info);
  }
  return r;
}

pdpb::AskSplitResponse PlacementDriver::AskSplit(const pdpb::AskSplitRequest& request) {
  pdpb::AskSplitResponse r;
  if (!CheckServing(r.mutable_header(), true)) return r;
  const metapb::Region& region = request.region();
  if (!request.has_region() || region.id() == 0) {
    SetError(r.mutable_header(), Status::InvalidArgument("ask split: region missing or id 0"));
    return r;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    const RegionInfo* known = state_->regions().ById(region.id());
    if (known == nullptr) {
      SetError(r.mutable_header(), Status::NotFound(fmt::format("region {}", region.id())));
      return r;
    }
    if (known->meta.region_epoch().version() > region.region_epoch().version()) {
      SetError(r.mutable_header(),
               Status::Aborted("stale epoch: " + DescribeRegion(region) + " is older than " +
                               DescribeRegion(known->meta)));
      return r;
    }
  }
  // Allocators outside mu_ (lock order).
  Result<uint64_t> first = Ids()->Allocate(static_cast<uint32_t>(1 + region.peers_size()));
  if (!first.ok()) {
    SetAllocError(r.mutable_header(), first.status());
    return r;
  }
  r.set_new_region_id(*first);
  for (int i = 0; i < region.peers_size(); ++i) r.add_new_peer_ids(*first + 1 + i);
  return r;
}

pdpb::ReportSplitResponse PlacementDriver::ReportSplit(const pdpb::ReportSplitRequest& request) {
  pdpb::ReportSplitResponse r;
  if (!CheckServing(r.mutable_header(), true)) return r;
  const metapb::Region& left = request.left();
  const metapb::Region& right = request.right();
  if (!request.has_left() || !request.has_right() || left.end_key().empty() ||
      left.end_key() != right.start_key()) {
    SetError(r.mutable_header(),
             Status::InvalidArgument("report split: left and right must be adjacent halves"));
    return r;
  }
  // Whichever half kept the old id goes first: it shrinks the old range.
  std::vector<const metapb::Region*> order;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const metapb::Region* half : {&left, &right}) {
      if (state_->regions().ById(half->id()) != nullptr) order.insert(order.begin(), half);
      else order.push_back(half);
    }
  }
  for (const metapb::Region* half : order) {
    pdstatepb::Command c;
    *c.mutable_put_region()->mutable_region() = *half;
    Status s = Propose(c);
    if (!s.ok()) {
      SetError(r.mutable_header(), s);
      return r;
    }
  }
  return r;
}

pdpb::RemoveRegionResponse PlacementDriver::RemoveRegion(const pdpb::RemoveRegionRequest& request) {
  pdpb::RemoveRegionResponse r;
  if (!CheckServing(r.mutable_header(), true)) return r;
  if (request.region_id() == 0) {
    SetError(r.mutable_header(), Status::InvalidArgument("region id 0"));
    return r;
  }
  pdstatepb::Command c;
  c.set_remove_region(request.region_id());
  Status s = Propose(c);
  if (s.IsNotFound()) return r;  // removed = false, not an error
  SetError(r.mutable_header(), s);
  r.set_removed(s.ok());
  return r;
}

std::vector<StoreInfo> PlacementDriver::Stores() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<StoreInfo> out;
  for (const auto& [id, info] : state_->stores()) out.push_back(info);
  return out;
}

std::vector<RegionInfo> PlacementDriver::Regions() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<RegionInfo> out;
  for (const RegionInfo* info : state_->regions().All()) out.push_back(*info);
  return out;
}

std::optional<RegionInfo> PlacementDriver::RegionByKey(std::string_view key) const {
  std::lock_guard<std::mutex> l(mu_);
  const RegionInfo* info = state_->regions().ByKey(key);
  if (info == nullptr) return std::nullopt;
  return *info;
}

}  // namespace nokv::pd
