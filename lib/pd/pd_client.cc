// PdClient: unary calls, leader following, the region cache (see
// pd_client.h; the Tso stream is in pd_client_tso.cc).
#include "pd/pd_client.h"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "pd/pd_client_impl.h"
#include "pd/region_catalog.h"

namespace nokv::pd {

Status StatusFromHeader(const pdpb::ResponseHeader& header) {
  const pdpb::Error& e = header.error();
  if (e.type() == pdpb::OK) return Status::OK();
  const std::string msg = "pd: " + pdpb::ErrorType_Name(e.type()) + ": " + e.message();
  switch (e.type()) {
    case pdpb::INVALID_ARGUMENT: return Status::InvalidArgument(msg);
    case pdpb::NOT_FOUND: return Status::NotFound(msg);
    case pdpb::STALE_EPOCH: return Status::Aborted(msg);
    case pdpb::ALREADY_BOOTSTRAPPED: return Status::Busy(msg);
    case pdpb::NOT_BOOTSTRAPPED:
    case pdpb::STORE_TOMBSTONE: return Status::NotSupported(msg);
    default: return Status::IOError(msg);
  }
}

std::unique_ptr<pdpb::PD::Stub> PdClient::Impl::Stub() {
  std::lock_guard<std::mutex> l(mu);
  std::shared_ptr<grpc::Channel>& ch = channels[endpoint];
  if (!ch) ch = grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials());
  return pdpb::PD::NewStub(ch);
}

std::string PdClient::Impl::Endpoint() {
  std::lock_guard<std::mutex> l(mu);
  return endpoint;
}

void PdClient::Impl::SwitchEndpoint(const std::string& failed, const std::string& leader) {
  std::lock_guard<std::mutex> l(mu);
  if (endpoint != failed) return;  // another caller moved on already
  if (!leader.empty() && leader != failed) {
    endpoint = leader;
    return;
  }
  next_index = (next_index + 1) % options.endpoints.size();
  endpoint = options.endpoints[next_index];
}

bool PdClient::Impl::NextAttempt(int attempt, std::chrono::steady_clock::time_point start) const {
  if (attempt == 0) return true;
  if (attempt >= options.max_attempts ||
      std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(options.retry_budget_ms)) {
    return false;
  }
  const int n = static_cast<int>(options.endpoints.size());
  if (attempt % n != 0) return true;  // the round is not over: try the next one now
  const int round = attempt / n;
  const int64_t ms = std::min<int64_t>(options.backoff_max_ms,
                                       int64_t{options.backoff_initial_ms} << std::min(round - 1, 20));
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return true;
}

PdClient::PdClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PdClient::~PdClient() { impl_->StopTso(); }

Result<std::unique_ptr<PdClient>> PdClient::Create(PdClientOptions options) {
  if (options.endpoints.empty()) return Status::InvalidArgument("pd client: no endpoints");
  for (const std::string& e : options.endpoints) {
    if (e.empty() || e.find(':') == std::string::npos) {
      return Status::InvalidArgument("pd client: endpoint \"" + e + "\" is not host:port");
    }
  }
  options.max_attempts = std::max(options.max_attempts, 1);
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->endpoint = impl->options.endpoints[0];
  std::unique_ptr<PdClient> client(new PdClient(std::move(impl)));
  if (client->impl_->options.batch_tso) {
    Impl* i = client->impl_.get();
    i->tso_thread = std::thread([i] { i->TsoDispatchLoop(); });
  }
  return client;
}

std::string PdClient::current_endpoint() const { return impl_->Endpoint(); }

Result<uint64_t> PdClient::GetTimestamp() {
  return impl_->options.batch_tso ? impl_->TsoBatched(1) : impl_->TsoUnbatched(1);
}

Result<uint64_t> PdClient::GetTimestamps(uint32_t count) {
  return impl_->options.batch_tso ? impl_->TsoBatched(count) : impl_->TsoUnbatched(count);
}

Result<uint64_t> PdClient::AllocID() {
  pdpb::AllocIDRequest req;
  req.set_count(1);
  pdpb::AllocIDResponse resp;
  NOKV_RETURN_IF_ERROR(impl_->Call(&pdpb::PD::Stub::AllocID, req, &resp));
  return resp.id();
}

Result<pdpb::GetMembersResponse> PdClient::GetMembers() {
  pdpb::GetMembersResponse resp;
  NOKV_RETURN_IF_ERROR(impl_->Call(&pdpb::PD::Stub::GetMembers, pdpb::GetMembersRequest(), &resp));
  return resp;
}

Status PdClient::Bootstrap(const metapb::Store& store, const metapb::Region& region) {
  pdpb::BootstrapRequest req;
  *req.mutable_store() = store;
  *req.mutable_region() = region;
  pdpb::BootstrapResponse resp;
  return impl_->Call(&pdpb::PD::Stub::Bootstrap, req, &resp);
}

Result<bool> PdClient::IsBootstrapped() {
  pdpb::IsBootstrappedResponse resp;
  NOKV_RETURN_IF_ERROR(
      impl_->Call(&pdpb::PD::Stub::IsBootstrapped, pdpb::IsBootstrappedRequest(), &resp));
  return resp.bootstrapped();
}

Status PdClient::PutStore(const metapb::Store& store) {
  pdpb::PutStoreRequest req;
  *req.mutable_store() = store;
  pdpb::PutStoreResponse resp;
  return impl_->Call(&pdpb::PD::Stub::PutStore, req, &resp);
}

Result<metapb::Store> PdClient::GetStore(uint64_t store_id) {
  pdpb::GetStoreRequest req;
  req.set_store_id(store_id);
  pdpb::GetStoreResponse resp;
  NOKV_RETURN_IF_ERROR(impl_->Call(&pdpb::PD::Stub::GetStore, req, &resp));
  return resp.store();
}

Result<std::vector<metapb::Store>> PdClient::GetAllStores(bool exclude_tombstones) {
  pdpb::GetAllStoresRequest req;
  req.set_exclude_tombstone_stores(exclude_tombstones);
  pdpb::GetAllStoresResponse resp;
  NOKV_RETURN_IF_ERROR(impl_->Call(&pdpb::PD::Stub::GetAllStores, req, &resp));
  return std::vector<metapb::Store>(resp.stores().begin(), resp.stores().end());
}

Status PdClient::StoreHeartbeat(const pdpb::StoreStats& stats) {
  pdpb::StoreHeartbeatRequest req;
  *req.mutable_stats() = stats;
  pdpb::StoreHeartbeatResponse resp;
  return impl_->Call(&pdpb::PD::Stub::StoreHeartbeat, req, &resp);
}

Result<pdpb::RegionHeartbeatResponse> PdClient::RegionHeartbeat(
    const pdpb::RegionHeartbeatRequest& req) {
  pdpb::RegionHeartbeatResponse resp;
  NOKV_RETURN_IF_ERROR(impl_->Call(&pdpb::PD::Stub::RegionHeartbeat, req, &resp));
  return resp;
}

Result<RegionWithLeader> PdClient::GetRegion(std::string_view key) {
  if (impl_->options.cache_regions) {
    std::lock_guard<std::mutex> l(impl_->cache_mu);
    auto it = impl_->cache.upper_bound(std::string(key));
    if (it != impl_->cache.begin()) {
      --it;
      const metapb::Region& r = it->second.region;
      if (KeyInRange(key, r.start_key(), r.end_key())) return it->second;
    }
  }
  pdpb::GetRegionRequest req;
  req.set_region_key(std::string(key));
  pdpb::GetRegionResponse resp;
  NOKV_RETURN_IF_ERROR(impl_->Call(&pdpb::PD::Stub::GetRegion, req, &resp));
  RegionWithLeader out{resp.region(), resp.leader()};
  if (impl_->options.cache_regions) {
    std::lock_guard<std::mutex> l(impl_->cache_mu);
    // Drop cached regions the fresh one overlaps, then insert it.
    for (auto it = impl_->cache.begin(); it != impl_->cache.end();) {
      const metapb::Region& c = it->second.region;
      if (RangesOverlap(c.start_key(), c.end_key(), out.region.start_key(),
                        out.region.end_key())) {
        it = impl_->cache.erase(it);
      } else {
        ++it;
      }
    }
    impl_->cache[out.region.start_key()] = out;
  }
  return out;
}

void PdClient::InvalidateRegion(uint64_t region_id) {
  std::lock_guard<std::mutex> l(impl_->cache_mu);
  for (auto it = impl_->cache.begin(); it != impl_->cache.end(); ++it) {
    if (it->second.region.id() == region_id) {
      impl_->cache.erase(it);
      return;
    }
  }
}

Result<RegionWithLeader> PdClient::GetRegionByID(uint64_t region_id) {
  pdpb::GetRegionByIDRequest req;
  req.set_region_id(region_id);
  pdpb::GetRegionResponse resp;
  NOKV_RETURN_IF_ERROR(impl_->Call(&pdpb::PD::Stub::GetRegionByID, req, &resp));
  return RegionWithLeader{resp.region(), resp.leader()};
}

Result<std::vector<pdpb::RegionInfo>> PdClient::ScanRegions(std::string_view start,
                                                            std::string_view end, int limit) {
  pdpb::ScanRegionsRequest req;
  req.set_start_key(std::string(start));
  req.set_end_key(std::string(end));
  req.set_limit(limit);
  pdpb::ScanRegionsResponse resp;
  NOKV_RETURN_IF_ERROR(impl_->Call(&pdpb::PD::Stub::ScanRegions, req, &resp));
  return std::vector<pdpb::RegionInfo>(resp.regions().begin(), resp.regions().end());
}

Result<pdpb::AskSplitResponse> PdClient::AskSplit(const metapb::Region& region) {
  pdpb::AskSplitRequest req;
  *req.mutable_region() = region;
  pdpb::AskSplitResponse resp;
  NOKV_RETURN_IF_ERROR(impl_->Call(&pdpb::PD::Stub::AskSplit, req, &resp));
  return resp;
}

Status PdClient::ReportSplit(const metapb::Region& left, const metapb::Region& right) {
  pdpb::ReportSplitRequest req;
  *req.mutable_left() = left;
  *req.mutable_right() = right;
  pdpb::ReportSplitResponse resp;
  Status s = impl_->Call(&pdpb::PD::Stub::ReportSplit, req, &resp);
  if (s.ok()) {
    InvalidateRegion(left.id());
    InvalidateRegion(right.id());
  }
  return s;
}

Result<bool> PdClient::RemoveRegion(uint64_t region_id) {
  pdpb::RemoveRegionRequest req;
  req.set_region_id(region_id);
  pdpb::RemoveRegionResponse resp;
  NOKV_RETURN_IF_ERROR(impl_->Call(&pdpb::PD::Stub::RemoveRegion, req, &resp));
  InvalidateRegion(region_id);
  return resp.removed();
}

}  // namespace nokv::pd
