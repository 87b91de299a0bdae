// The HTTP endpoints of a store node (served by lib/server's HttpServer on
// --metrics-addr): GET /healthz, /metrics (Prometheus text: regions by
// state, leaders, raft log lag, proposals, apply latency, snapshots,
// transport messages/bytes/errors per direction), /debug/vars (expvar-style
// JSON with the same counters and every region) and / (the index).
// Socket-free: HandleStoreHttp turns one request into one response from a
// StoreSnapshot, so everything is testable without a store or a socket.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "raftstore/store.h"
#include "server/http_router.h"
#include "transport/transport_stats.h"

namespace nokv::node {

// What the endpoints report, taken at request time.
struct StoreSnapshot {
  uint64_t store_id = 0;
  std::string address;  // advertised gRPC address
  bool running = false;
  raftstore::StoreStats stats;
  std::vector<raftstore::RegionStatus> regions;
  transport::TransportStats transport;
};

server::HttpResponse HandleStoreHttp(const std::function<StoreSnapshot()>& snapshot,
                                     const server::HttpRequest& request);

std::string RenderStoreMetrics(const StoreSnapshot& s);
std::string RenderStoreDebugVars(const StoreSnapshot& s);

}  // namespace nokv::node
