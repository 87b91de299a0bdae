// PdServer: the gRPC face of a PlacementDriver (service PD of pdpb.proto)
// plus the scheduling tick. Each RPC is a direct call into the socket-free
// PlacementDriver; the Tso stream answers each request as it arrives.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "pd/pd_replicator.h"
#include "pd/placement_driver.h"

namespace grpc {
class Server;
}

namespace nokv::pd {

struct PdServerOptions {
  std::string listen_address = "127.0.0.1:2379";  // port 0 = any free port
  int tick_interval_ms = 1000;                      // scheduling rounds; 0 = none
};

class PdServer {
 public:
  // `pd` must outlive the server.
  PdServer(PlacementDriver* pd, PdServerOptions options);
  ~PdServer();
  PdServer(const PdServer&) = delete;
  PdServer& operator=(const PdServer&) = delete;

  // Binds and starts serving. IOError naming the address if it cannot bind.
  Status Start();
  // Stops accepting, cancels open streams, joins the tick thread. Idempotent.
  void Stop();
  int port() const { return port_; }
  // "host:port" as bound.
  std::string address() const;
  // Raft messages from other PD members (service PDPeer) go to `replicator`
  // (not owned; may be set after Start; until then they are dropped).
  void SetReplicator(PdReplicator* replicator) { replicator_ = replicator; }

 private:
  class Service;
  class PeerService;
  void TickLoop();

  PlacementDriver* pd_;
  PdServerOptions options_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<PeerService> peer_service_;
  std::atomic<PdReplicator*> replicator_{nullptr};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::thread ticker_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace nokv::pd
