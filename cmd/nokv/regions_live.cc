// `nokv regions --pd-addr`: PD's routing table (every region with its
// leader and size estimate) and its stores, through PdClient.
#include <algorithm>

#include "pd/pd_client.h"
#include "region_listing.h"

namespace nokv::cli {
namespace {

const char* StoreStateName(metapb::StoreState state) {
  switch (state) {
    case metapb::STORE_UP: return "up";
    case metapb::STORE_OFFLINE: return "offline";
    case metapb::STORE_TOMBSTONE: return "tombstone";
    default: return "unknown";
  }
}

}  // namespace

Status ReadLiveRegions(const std::string& pd_addr, int timeout_ms, RegionListing* listing) {
  pd::PdClientOptions options;
  options.endpoints = {pd_addr};
  options.rpc_timeout_ms = timeout_ms;
  options.max_attempts = 3;
  options.cache_regions = false;
  Result<std::unique_ptr<pd::PdClient>> client = pd::PdClient::Create(options);
  if (!client.ok()) return client.status();
  listing->offline = false;
  listing->pd_addr = pd_addr;
  Result<bool> bootstrapped = (*client)->IsBootstrapped();
  if (!bootstrapped.ok()) {
    return bootstrapped.status().WithContext("PD " + pd_addr + ": IsBootstrapped");
  }
  listing->bootstrapped = bootstrapped.value();
  if (!listing->bootstrapped) return Status::OK();  // nothing to list yet

  Result<std::vector<metapb::Store>> stores = (*client)->GetAllStores(false);
  if (!stores.ok()) return stores.status().WithContext("PD " + pd_addr + ": GetAllStores");
  for (const metapb::Store& s : stores.value()) {
    listing->stores.push_back({s.id(), s.address(), StoreStateName(s.state())});
  }
  std::sort(listing->stores.begin(), listing->stores.end(),
            [](const StoreRow& a, const StoreRow& b) { return a.store_id < b.store_id; });

  Result<std::vector<pdpb::RegionInfo>> regions = (*client)->ScanRegions("", "", 0);
  if (!regions.ok()) return regions.status().WithContext("PD " + pd_addr + ": ScanRegions");
  for (const pdpb::RegionInfo& info : regions.value()) {
    const metapb::Region& r = info.region();
    RegionRow row;
    row.id = r.id();
    row.start_key = r.start_key();
    row.end_key = r.end_key();
    row.epoch_version = r.region_epoch().version();
    row.epoch_conf_version = r.region_epoch().conf_ver();
    for (const metapb::Peer& p : r.peers()) {
      row.peers.push_back({p.id(), p.store_id(), p.role() == metapb::LEARNER});
    }
    if (info.has_leader() && info.leader().id() != 0) {
      row.leader = {info.leader().id(), info.leader().store_id(),
                    info.leader().role() == metapb::LEARNER};
    }
    row.approximate_size = info.approximate_size();
    row.approximate_keys = info.approximate_keys();
    listing->regions.push_back(std::move(row));
  }
  return Status::OK();
}

}  // namespace nokv::cli
