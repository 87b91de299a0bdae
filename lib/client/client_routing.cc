// RawKvClient routing: region location through the cache and PD, store
// stubs, the retry budget, and what each RPC error and region error means
// for the next attempt (see raw_kv_client.h for the policy).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "client/client_impl.h"

namespace nokv::client {

// ---- RetryBudget

RetryBudget::RetryBudget(const RawKvClientOptions& o, std::atomic<uint64_t>* retries)
    : options_(o),
      retries_(retries),
      start_(std::chrono::steady_clock::now()),
      deadline_(start_ + std::chrono::milliseconds(o.request_timeout_ms)) {}

int64_t RetryBudget::remaining_ms() const {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline_ - std::chrono::steady_clock::now());
  return std::max<int64_t>(left.count(), 1);
}

bool RetryBudget::Next(const Outcome& o) {
  last_ = o.status;
  ++attempts_;
  if (attempts_ >= options_.max_attempts || expired()) return false;
  retries_->fetch_add(1, std::memory_order_relaxed);
  // Retries that the error pointed somewhere go at once, but not forever:
  // after a few in a row everything backs off.
  int64_t sleep_ms = 0;
  if (o.backoff || attempts_ > 4) {
    const int shift = std::min(backoffs_++, 16);
    sleep_ms = std::min<int64_t>(static_cast<int64_t>(options_.backoff_initial_ms) << shift,
                                 options_.backoff_max_ms);
    sleep_ms = std::max<int64_t>(sleep_ms, o.min_backoff_ms);
  }
  if (sleep_ms > 0) {
    if (sleep_ms >= remaining_ms()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
  }
  return true;
}

Status RetryBudget::GiveUp() const {
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start_);
  return Status::IOError("gave up after " + std::to_string(attempts_) + " attempt(s) in " +
                         std::to_string(took.count()) + " ms; last error: " + last_.ToString());
}

// ---- location and stubs

Result<RegionRoute> RawKvClient::Impl::Locate(std::string_view key, RetryBudget* budget) {
  while (true) {
    if (std::optional<RegionRoute> r = cache.Find(key)) return *r;
    counters.pd_lookups.fetch_add(1, std::memory_order_relaxed);
    Result<pd::RegionWithLeader> got = pd->GetRegion(key);
    Status why;
    if (got.ok() && got->region.id() != 0 && got->region.peers_size() > 0 &&
        KeyInRegion(key, got->region)) {
      cache.Put(got->region, got->leader);
      continue;
    }
    if (!got.ok() && !got.status().IsNotFound()) return got.status().WithContext("PD");
    // PD knows no region for the key yet (a new cluster before the first
    // heartbeats, a split not yet reported): wait and ask again.
    why = got.ok() ? Status::NotFound("PD has no region holding the key") : got.status();
    if (!budget->Next(Outcome::RetryLater(why))) return budget->GiveUp();
  }
}

Result<std::shared_ptr<Stub>> RawKvClient::Impl::StubFor(uint64_t store_id) {
  std::string address;
  {
    std::lock_guard<std::mutex> l(stubs_mu);
    auto it = store_addresses.find(store_id);
    if (it != store_addresses.end()) address = it->second;
  }
  if (address.empty()) {
    Result<metapb::Store> store = pd->GetStore(store_id);
    if (!store.ok()) return store.status().WithContext("store " + std::to_string(store_id));
    if (store->state() == metapb::STORE_TOMBSTONE || store->address().empty()) {
      return Status::NotFound("store " + std::to_string(store_id) +
                              " is a tombstone or has no address");
    }
    address = store->address();
  }
  std::lock_guard<std::mutex> l(stubs_mu);
  store_addresses[store_id] = address;
  std::shared_ptr<Stub>& stub = stubs_by_addr[address];
  if (!stub) {
    grpc::ChannelArguments args;
    // A restarted store is reached again within a second (gRPC's default
    // reconnect backoff grows to two minutes).
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    args.SetMaxReceiveMessageSize(64 << 20);
    stub = std::make_shared<Stub>(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return stub;
}

void RawKvClient::Impl::ForgetStore(uint64_t store_id) {
  std::lock_guard<std::mutex> l(stubs_mu);
  store_addresses.erase(store_id);
}

void RawKvClient::Impl::DropRegion(uint64_t region_id) {
  cache.Drop(region_id);
  pd->InvalidateRegion(region_id);
}

// ---- outcomes

Outcome RawKvClient::Impl::OnRpcError(const RegionRoute& route, const grpc::Status& status) {
  counters.rpc_failures.fetch_add(1, std::memory_order_relaxed);
  const uint64_t store = route.target.store_id();
  Status why = Status::IOError("store " + std::to_string(store) + ": " + status.error_message() +
                               " (gRPC code " + std::to_string(status.error_code()) + ")");
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
      // The store is down, stopping or stuck: try the region's next peer
      // (a new leader is elected there), and ask PD where the store is now.
      cache.MoveOffStore(route.region.id(), store);
      ForgetStore(store);
      return Outcome::RetryLater(why);
    case grpc::StatusCode::INVALID_ARGUMENT:
      return Outcome::Fail(Status::InvalidArgument(why.message()));
    default:
      return Outcome::Fail(why);
  }
}

Outcome RawKvClient::Impl::OnRegionError(const RegionRoute& route,
                                         const errorpb::RegionError& e) {
  const uint64_t region = route.region.id();
  Status why = Status::Aborted("region " + std::to_string(region) + " at store " +
                               std::to_string(route.target.store_id()) + ": " + e.message());
  switch (e.detail_case()) {
    case errorpb::RegionError::kNotLeader: {
      counters.not_leader.fetch_add(1, std::memory_order_relaxed);
      const metapb::Peer& leader = e.not_leader().leader();
      if (leader.id() != 0 && leader.store_id() != route.target.store_id()) {
        if (cache.SetLeader(region, leader)) return Outcome::RetryNow(why);
        DropRegion(region);  // a leader we do not know: the membership changed
        return Outcome::RetryLater(why);
      }
      // No leader known (an election is on): try another peer after a pause.
      cache.MoveOffStore(region, route.target.store_id());
      return Outcome::RetryLater(why);
    }
    case errorpb::RegionError::kEpochNotMatch: {
      counters.epoch_not_match.fetch_add(1, std::memory_order_relaxed);
      DropRegion(region);
      // The store's current regions (after a split: both halves it holds);
      // their leader is likely the store that answered.
      for (const metapb::Region& r : e.epoch_not_match().current_regions()) {
        cache.Put(r, route.target);
      }
      return Outcome::RetryNow(why);
    }
    case errorpb::RegionError::kKeyNotInRegion:
      counters.key_not_in_region.fetch_add(1, std::memory_order_relaxed);
      DropRegion(region);
      return Outcome::RetryNow(why);
    case errorpb::RegionError::kRegionNotFound:
      // This store has no live peer (removed, not created yet): another peer
      // knows better; PD's view is refreshed too.
      counters.region_not_found.fetch_add(1, std::memory_order_relaxed);
      pd->InvalidateRegion(region);
      if (!cache.MoveOffStore(region, route.target.store_id())) DropRegion(region);
      return Outcome::RetryLater(why);
    case errorpb::RegionError::kServerIsBusy:
      counters.server_is_busy.fetch_add(1, std::memory_order_relaxed);
      return Outcome::RetryLater(Status::Busy(why.message()),
                                 static_cast<int>(e.server_is_busy().backoff_ms()));
    case errorpb::RegionError::kStoreNotMatch:
      counters.store_not_match.fetch_add(1, std::memory_order_relaxed);
      ForgetStore(route.target.store_id());
      DropRegion(region);
      return Outcome::RetryLater(why);
    case errorpb::RegionError::kStaleCommand:
      counters.other_region_errors.fetch_add(1, std::memory_order_relaxed);
      return Outcome::RetryLater(why);
    case errorpb::RegionError::kRaftEntryTooLarge:
      counters.other_region_errors.fetch_add(1, std::memory_order_relaxed);
      return Outcome::Fail(Status::TooBig(why.message()));
    default:
      counters.other_region_errors.fetch_add(1, std::memory_order_relaxed);
      return Outcome::Fail(why);
  }
}

}  // namespace nokv::client
