// PdClient internals shared by pd_client.cc (unary calls, leader following,
// region cache) and pd_client_tso.cc (the Tso stream and its batching).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pd/pd_client.h"
#include "proto/pdpb.grpc.pb.h"

namespace nokv::pd {

using TsoStream = grpc::ClientReaderWriter<pdpb::TsoRequest, pdpb::TsoResponse>;

// One open Tso stream with its context (the context must outlive it).
struct TsoStreamSlot {
  std::string endpoint;
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<TsoStream> stream;
};

// A caller waiting for its share of a batched Tso request.
struct TsoWaiter {
  uint32_t count = 1;
  std::condition_variable cv;  // signalled (under tso_mu) when done
  bool done = false;
  Status status;
  uint64_t first = 0;
};

struct PdClient::Impl {
  PdClientOptions options;

  mutable std::mutex mu;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels;  // guarded by mu
  std::string endpoint;  // guarded by mu; where calls go now
  size_t next_index = 0; // guarded by mu; round robin when no leader is known

  // Region cache: start key -> region.
  std::mutex cache_mu;
  std::map<std::string, RegionWithLeader> cache;  // guarded by cache_mu

  // Batched TSO: callers queue waiters, one dispatcher thread sends them.
  std::mutex tso_mu;
  std::condition_variable tso_cv;    // wakes the dispatcher only
  std::deque<TsoWaiter*> tso_queue;  // guarded by tso_mu
  bool tso_stopping = false;         // guarded by tso_mu
  std::thread tso_thread;
  std::unique_ptr<TsoStreamSlot> batch_stream;  // dispatcher thread only
  // Unbatched TSO: a free list of streams, one per concurrent caller.
  std::mutex pool_mu;
  std::vector<std::unique_ptr<TsoStreamSlot>> stream_pool;  // guarded by pool_mu

  std::unique_ptr<pdpb::PD::Stub> Stub();
  std::string Endpoint();
  // After a failure: move to `leader` if known, else the next endpoint.
  void SwitchEndpoint(const std::string& failed, const std::string& leader);
  // Before try number `attempt` (0-based) of a call that started at `start`:
  // sleeps when a whole round of endpoints failed; false when out of budget.
  bool NextAttempt(int attempt, std::chrono::steady_clock::time_point start) const;

  // Calls `method` with retries and leader following; fills `response`.
  template <typename Request, typename Response>
  Status Call(grpc::Status (pdpb::PD::Stub::*method)(grpc::ClientContext*, const Request&,
                                                     Response*),
              const Request& request, Response* response);

  // Sends one Tso request for `count` on `slot` (opened as needed), with
  // retries; the first timestamp.
  Result<uint64_t> TsoOnStream(std::unique_ptr<TsoStreamSlot>* slot, uint32_t count);
  void TsoDispatchLoop();
  Result<uint64_t> TsoBatched(uint32_t count);
  Result<uint64_t> TsoUnbatched(uint32_t count);
  void StopTso();
};

template <typename Request, typename Response>
Status PdClient::Impl::Call(grpc::Status (pdpb::PD::Stub::*method)(grpc::ClientContext*,
                                                                   const Request&, Response*),
                            const Request& request, Response* response) {
  Status last = Status::IOError("pd: no attempt made");
  const auto start = std::chrono::steady_clock::now();
  for (int attempt = 0; NextAttempt(attempt, start); ++attempt) {
    const std::string endpoint = Endpoint();
    std::unique_ptr<pdpb::PD::Stub> stub = Stub();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(options.rpc_timeout_ms));
    response->Clear();
    grpc::Status s = ((*stub).*method)(&context, request, response);
    if (!s.ok()) {
      last = Status::IOError("pd " + endpoint + ": " + s.error_message());
      SwitchEndpoint(endpoint, "");
      continue;
    }
    if (response->header().error().type() == pdpb::NOT_LEADER) {
      last = Status::IOError("pd " + endpoint + ": not leader");
      SwitchEndpoint(endpoint, response->header().leader_address());
      continue;
    }
    return StatusFromHeader(response->header());
  }
  return last;
}

}  // namespace nokv::pd
