// PdServer (see pd_service.h).
#include "pd/pd_service.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "proto/pdpb.grpc.pb.h"
#include "proto/pdstatepb.grpc.pb.h"

namespace nokv::pd {

// Unary RPCs are forwarded as they are; the header carries any error, so the
// gRPC status is OK unless the transport itself fails.
#define NOKV_PD_UNARY(Method, Request, Response)                                    \
  grpc::Status Method(grpc::ServerContext*, const pdpb::Request* request,           \
                      pdpb::Response* response) override {                          \
    *response = pd_->Method(*request);                                              \
    return grpc::Status::OK;                                                        \
  }

class PdServer::Service final : public pdpb::PD::Service {
 public:
  explicit Service(PlacementDriver* pd) : pd_(pd) {}

  NOKV_PD_UNARY(GetMembers, GetMembersRequest, GetMembersResponse)
  NOKV_PD_UNARY(AllocID, AllocIDRequest, AllocIDResponse)
  NOKV_PD_UNARY(Bootstrap, BootstrapRequest, BootstrapResponse)
  NOKV_PD_UNARY(IsBootstrapped, IsBootstrappedRequest, IsBootstrappedResponse)
  NOKV_PD_UNARY(PutStore, PutStoreRequest, PutStoreResponse)
  NOKV_PD_UNARY(GetStore, GetStoreRequest, GetStoreResponse)
  NOKV_PD_UNARY(GetAllStores, GetAllStoresRequest, GetAllStoresResponse)
  NOKV_PD_UNARY(StoreHeartbeat, StoreHeartbeatRequest, StoreHeartbeatResponse)
  NOKV_PD_UNARY(RegionHeartbeat, RegionHeartbeatRequest, RegionHeartbeatResponse)
  NOKV_PD_UNARY(GetRegion, GetRegionRequest, GetRegionResponse)
  NOKV_PD_UNARY(GetRegionByID, GetRegionByIDRequest, GetRegionResponse)
  NOKV_PD_UNARY(ScanRegions, ScanRegionsRequest, ScanRegionsResponse)
  NOKV_PD_UNARY(AskSplit, AskSplitRequest, AskSplitResponse)
  NOKV_PD_UNARY(ReportSplit, ReportSplitRequest, ReportSplitResponse)
  NOKV_PD_UNARY(RemoveRegion, RemoveRegionRequest, RemoveRegionResponse)

  grpc::Status Tso(grpc::ServerContext*,
                   grpc::ServerReaderWriter<pdpb::TsoResponse, pdpb::TsoRequest>* stream) override {
    pdpb::TsoRequest request;
    while (stream->Read(&request)) {
      if (!stream->Write(pd_->Tso(request))) break;
    }
    return grpc::Status::OK;
  }

 private:
  PlacementDriver* pd_;
};

#undef NOKV_PD_UNARY

// Raft traffic between PD members.
class PdServer::PeerService final : public pdstatepb::PDPeer::Service {
 public:
  explicit PeerService(std::atomic<PdReplicator*>* replicator) : replicator_(replicator) {}
  grpc::Status Raft(grpc::ServerContext*, const pdstatepb::RaftMessages* request,
                    pdstatepb::RaftAck*) override {
    PdReplicator* r = replicator_->load();
    if (r == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "raft not started");
    for (const std::string& m : request->messages()) r->Receive(m);
    return grpc::Status::OK;
  }

 private:
  std::atomic<PdReplicator*>* replicator_;
};

PdServer::PdServer(PlacementDriver* pd, PdServerOptions options)
    : pd_(pd),
      options_(std::move(options)),
      service_(std::make_unique<Service>(pd)),
      peer_service_(std::make_unique<PeerService>(&replicator_)) {}

PdServer::~PdServer() { Stop(); }

Status PdServer::Start() {
  if (server_) return Status::InvalidArgument("pd server: already started");
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen_address, grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  builder.RegisterService(peer_service_.get());
  builder.SetMaxReceiveMessageSize(kMaxPeerMessageBytes);  // a peer's snapshot
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    return Status::IOError("pd server: cannot listen on " + options_.listen_address);
  }
  if (options_.tick_interval_ms > 0) ticker_ = std::thread([this] { TickLoop(); });
  return Status::OK();
}

void PdServer::TickLoop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    cv_.wait_for(l, std::chrono::milliseconds(options_.tick_interval_ms));
    if (stopping_) break;
    l.unlock();
    pd_->Tick();
    l.lock();
  }
}

void PdServer::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    server_->Wait();
    server_.reset();
  }
}

std::string PdServer::address() const {
  const std::string& a = options_.listen_address;
  const size_t colon = a.rfind(':');
  return (colon == std::string::npos ? a : a.substr(0, colon)) + ":" + std::to_string(port_);
}

}  // namespace nokv::pd
