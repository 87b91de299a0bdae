// RawKvClient internals shared by client_routing.cc (region location, store
// stubs, one RPC attempt and what its outcome means) and raw_kv_client.cc
// (the operations and their per-region splitting).
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "client/raw_kv_client.h"
#include "client/region_cache.h"
#include "pd/pd_client.h"
#include "proto/kvrpcpb.grpc.pb.h"

namespace nokv::client {

using Stub = kvrpcpb::NoKV::Stub;
template <typename Req, typename Resp>
using RpcMethod = grpc::Status (Stub::*)(grpc::ClientContext*, const Req&, Resp*);

// What one attempt says about the operation.
enum class Verdict { kDone, kRetry, kFail };
// How long to wait before the retry: not at all (the error told us where to
// go), the exponential backoff, or at least `min_ms` (ServerIsBusy).
struct Outcome {
  Verdict verdict = Verdict::kDone;
  Status status;     // why (kRetry: the last error; kFail: the answer)
  bool backoff = false;
  int min_backoff_ms = 0;

  static Outcome Done() { return {}; }
  static Outcome Fail(Status s) { return {Verdict::kFail, std::move(s), false, 0}; }
  static Outcome RetryNow(Status s) { return {Verdict::kRetry, std::move(s), false, 0}; }
  static Outcome RetryLater(Status s, int min_ms = 0) {
    return {Verdict::kRetry, std::move(s), true, min_ms};
  }
};

// The retry budget of one operation: attempts and a deadline.
class RetryBudget {
 public:
  RetryBudget(const RawKvClientOptions& o, std::atomic<uint64_t>* retries);
  // Records `o` (a kRetry outcome), sleeps its backoff; false when the
  // budget is spent (then GiveUp() is the operation's answer).
  bool Next(const Outcome& o);
  Status GiveUp() const;
  // Milliseconds left, at least 1.
  int64_t remaining_ms() const;
  bool expired() const { return std::chrono::steady_clock::now() >= deadline_; }

 private:
  const RawKvClientOptions& options_;
  std::atomic<uint64_t>* retries_;
  const std::chrono::steady_clock::time_point start_;
  const std::chrono::steady_clock::time_point deadline_;
  int attempts_ = 0;
  int backoffs_ = 0;
  Status last_;
};

struct RawKvClient::Impl {
  RawKvClientOptions options;
  std::unique_ptr<pd::PdClient> owned_pd;
  pd::PdClient* pd = nullptr;
  RegionCache cache;

  std::mutex stubs_mu;
  std::unordered_map<uint64_t, std::string> store_addresses;             // guarded by stubs_mu
  std::unordered_map<std::string, std::shared_ptr<Stub>> stubs_by_addr;  // guarded by stubs_mu

  struct Counters {
    std::atomic<uint64_t> rpcs{0}, rpc_failures{0}, retries{0}, pd_lookups{0};
    std::atomic<uint64_t> not_leader{0}, epoch_not_match{0}, key_not_in_region{0},
        region_not_found{0}, server_is_busy{0}, store_not_match{0}, other_region_errors{0};
  } counters;

  // ---- client_routing.cc
  // The region holding `key`: the cache, else PD (retrying while PD knows
  // no region for it, within `budget`).
  Result<RegionRoute> Locate(std::string_view key, RetryBudget* budget);
  // The stub for a store (its address from PD, cached).
  Result<std::shared_ptr<Stub>> StubFor(uint64_t store_id);
  void ForgetStore(uint64_t store_id);
  // Drops a region from this cache and PD client's.
  void DropRegion(uint64_t region_id);

  // One attempt of `method` at `route`'s target: fills the request context.
  template <typename Req, typename Resp>
  Outcome Call(const RegionRoute& route, Req* request, Resp* response, RpcMethod<Req, Resp> method,
               const RetryBudget& budget);
  Outcome OnRpcError(const RegionRoute& route, const grpc::Status& status);
  Outcome OnRegionError(const RegionRoute& route, const errorpb::RegionError& error);

  // Runs `method` on the region holding `key` until done, failed, or the
  // budget is spent. `prepare` (optional) adjusts the request for the route
  // of each attempt; `used` (optional) gets the route of the last attempt.
  template <typename Req, typename Resp>
  Status RunOnKey(std::string_view key, Req* request, Resp* response, RpcMethod<Req, Resp> method,
                  RetryBudget* budget,
                  const std::function<void(const RegionRoute&, std::type_identity_t<Req>*)>& prepare = nullptr,
                  RegionRoute* used = nullptr);
};

// ---- templates

template <typename Req, typename Resp>
Outcome RawKvClient::Impl::Call(const RegionRoute& route, Req* request, Resp* response,
                                RpcMethod<Req, Resp> method, const RetryBudget& budget) {
  Result<std::shared_ptr<Stub>> stub = StubFor(route.target.store_id());
  if (!stub.ok()) {
    cache.MoveOffStore(route.region.id(), route.target.store_id());
    return Outcome::RetryLater(stub.status());
  }
  kvrpcpb::Context* c = request->mutable_context();
  c->set_region_id(route.region.id());
  *c->mutable_region_epoch() = route.region.region_epoch();
  *c->mutable_peer() = route.target;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(std::min<int64_t>(options.rpc_timeout_ms,
                                                               budget.remaining_ms())));
  response->Clear();
  counters.rpcs.fetch_add(1, std::memory_order_relaxed);
  grpc::Status gs = ((*stub).get()->*method)(&ctx, *request, response);
  if (!gs.ok()) return OnRpcError(route, gs);
  if (response->has_region_error()) return OnRegionError(route, response->region_error());
  if (!response->error().empty()) {
    return Outcome::Fail(Status::IOError("store " + std::to_string(route.target.store_id()) +
                                         ": " + response->error()));
  }
  return Outcome::Done();
}

template <typename Req, typename Resp>
Status RawKvClient::Impl::RunOnKey(std::string_view key, Req* request, Resp* response,
                                   RpcMethod<Req, Resp> method, RetryBudget* budget,
                                   const std::function<void(const RegionRoute&, std::type_identity_t<Req>*)>& prepare,
                                   RegionRoute* used) {
  while (true) {
    Result<RegionRoute> route = Locate(key, budget);
    if (!route.ok()) return route.status();
    if (prepare) prepare(*route, request);
    if (used != nullptr) *used = *route;
    Outcome o = Call(*route, request, response, method, *budget);
    if (o.verdict == Verdict::kDone) return Status::OK();
    if (o.verdict == Verdict::kFail) return o.status;
    if (!budget->Next(o)) return budget->GiveUp();
  }
}

}  // namespace nokv::client
