// StoreNode: one store process, assembled — the Store (lib/raftstore) over
// its workdir, a gRPC server on the listen address hosting the NoKV service
// (raw KV RPCs into the store, the Raft and Snapshot streams into the
// transport), the gRPC transport to the other stores (addresses from PD),
// the PD link, and an HTTP endpoint for /metrics, /debug/vars and /healthz.
// `nokv serve` in cluster mode is a StoreNode plus flags and signals.
//
// Start order: PD answers (or Start fails naming it), the store opens, the
// server binds, PD is bootstrapped with this store if nobody did yet, the
// store starts (announcing its advertised address to PD), the HTTP endpoint
// binds. Stop runs it backwards so that no callback outlives what it uses.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "node/store_http.h"
#include "raftstore/store.h"
#include "transport/grpc_transport.h"

namespace nokv::pd {
class PdClient;
}
namespace nokv::raftstore {
class PdLink;
}

namespace nokv::node {

struct StoreNodeOptions {
  raftstore::StoreOptions store;  // store_id, workdir, raft settings, ...
  // gRPC bind address; port 0 = any free port.
  std::string listen_address = "127.0.0.1:20160";
  // What PD tells the other stores and clients; empty = the listen address
  // with the bound port (refused when the listen host is 0.0.0.0 or ::).
  std::string advertise_address;
  std::vector<std::string> pd_endpoints;
  int pd_timeout_ms = 2000;        // per PD RPC attempt
  int pd_ready_timeout_ms = 5000;  // Start fails if PD does not answer by then
  // HTTP /metrics, /debug/vars, /healthz; empty = none. A non-loopback
  // host needs metrics_token (lib/server's rule for every endpoint).
  std::string metrics_address;
  std::string metrics_token;
  transport::GrpcTransportOptions transport;
};

class StoreNode {
 public:
  // Everything up and serving, or the first error (with what failed).
  static Result<std::unique_ptr<StoreNode>> Start(StoreNodeOptions options);
  ~StoreNode();  // Stop()s.
  StoreNode(const StoreNode&) = delete;
  StoreNode& operator=(const StoreNode&) = delete;

  // Stops serving and closes the store (pending requests get an error).
  // Idempotent.
  void Stop();

  uint64_t store_id() const { return options_.store.store_id; }
  // The advertised gRPC address and the bound HTTP address ("" if none).
  const std::string& address() const { return address_; }
  std::string metrics_address() const;
  // True if this node bootstrapped PD (the first store of a new cluster).
  bool bootstrapped_pd() const { return bootstrapped_pd_; }

  // What the HTTP endpoints report, now.
  StoreSnapshot Snapshot() const;

  raftstore::Store* store() { return store_.get(); }
  transport::GrpcTransport* transport() { return transport_.get(); }

  struct Servers;

 private:
  explicit StoreNode(StoreNodeOptions options);
  Status StartAll();

  StoreNodeOptions options_;
  std::string address_;
  bool bootstrapped_pd_ = false;
  std::atomic<bool> stopped_{false};
  std::unique_ptr<pd::PdClient> pd_;
  std::unique_ptr<raftstore::PdLink> pd_link_;
  std::unique_ptr<transport::GrpcTransport> transport_;
  std::unique_ptr<raftstore::Store> store_;
  std::unique_ptr<Servers> servers_;  // gRPC (service, server) and HTTP
};

}  // namespace nokv::node
