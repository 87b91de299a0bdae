// StoreNode (see store_node.h): assembly, start order and stop order.
#include "node/store_node.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "node/store_http.h"
#include "node/store_kv_backend.h"
#include "pd/pd_client.h"
#include "raftstore/pd_link.h"
#include "server/host_port.h"
#include "server/http_server.h"
#include "transport/grpc_status.h"
#include "transport/kv_service.h"

namespace nokv::node {

struct StoreNode::Servers {
  std::unique_ptr<StoreKvBackend> backend;
  std::unique_ptr<transport::NoKvService> service;
  std::unique_ptr<grpc::Server> grpc;
  std::unique_ptr<HttpServer> http;
};


StoreNode::StoreNode(StoreNodeOptions options)
    : options_(std::move(options)), servers_(std::make_unique<Servers>()) {}

StoreNode::~StoreNode() { Stop(); }

Result<std::unique_ptr<StoreNode>> StoreNode::Start(StoreNodeOptions options) {
  std::unique_ptr<StoreNode> node(new StoreNode(std::move(options)));
  Status s = node->StartAll();
  if (!s.ok()) {
    node->Stop();
    return s;
  }
  return node;
}

Status StoreNode::StartAll() {
  const StoreNodeOptions& o = options_;
  NOKV_RETURN_IF_ERROR(o.store.Validate());
  if (o.pd_endpoints.empty()) return Status::InvalidArgument("no PD address");
  std::string listen_host;
  int listen_port = 0;
  NOKV_RETURN_IF_ERROR(server::ParseHostPort(o.listen_address, &listen_host, &listen_port));

  // PD first: a store that cannot reach it should say so, not half start.
  pd::PdClientOptions po;
  po.endpoints = o.pd_endpoints;
  po.rpc_timeout_ms = o.pd_timeout_ms;
  po.max_attempts = std::max(1, o.pd_ready_timeout_ms / std::max(1, o.pd_timeout_ms) + 4);
  Result<std::unique_ptr<pd::PdClient>> pd = pd::PdClient::Create(po);
  if (!pd.ok()) return pd.status();
  pd_ = std::move(pd.value());
  Result<bool> bootstrapped = pd_->IsBootstrapped();
  if (!bootstrapped.ok()) {
    return bootstrapped.status().WithContext("dial pd \"" + o.pd_endpoints.front() + "\"");
  }
  pd_link_ = raftstore::NewPdClientLink(pd_.get());
  pd::PdClient* pdc = pd_.get();
  transport_ = std::make_unique<transport::GrpcTransport>(
      [pdc](uint64_t id) { return pdc->GetStore(id); }, o.transport);

  NOKV_RETURN_IF_ERROR(raftstore::Store::Open(o.store, transport_.get(), pd_link_.get(), &store_));

  servers_->backend = std::make_unique<StoreKvBackend>(store_.get());
  servers_->service =
      std::make_unique<transport::NoKvService>(servers_->backend.get(), transport_.get());
  grpc::ServerBuilder builder;
  transport::ConfigureStoreServer(&builder);
  int bound_port = 0;
  builder.AddListeningPort(server::FormatHostPort(listen_host, listen_port),
                           grpc::InsecureServerCredentials(), &bound_port);
  builder.RegisterService(servers_->service.get());
  servers_->grpc = builder.BuildAndStart();
  if (!servers_->grpc || bound_port == 0) {
    return Status::IOError("cannot listen on " + o.listen_address);
  }
  if (!o.advertise_address.empty()) {
    address_ = o.advertise_address;
  } else if (listen_host == "0.0.0.0" || listen_host == "::") {
    return Status::InvalidArgument("listening on " + o.listen_address +
                                   " needs an advertise address other stores can dial");
  } else {
    address_ = server::FormatHostPort(listen_host, bound_port);
  }

  NOKV_RETURN_IF_ERROR(store_->Start(address_));

  // A new cluster: the first store up registers itself and one of its
  // regions with PD (the others arrive with their leaders' heartbeats).
  if (!*bootstrapped) {
    std::vector<raftstore::RegionStatus> regions = store_->Regions();
    auto first = std::min_element(regions.begin(), regions.end(), [](const auto& a, const auto& b) {
      return a.region.start_key() < b.region.start_key();
    });
    if (first != regions.end()) {
      metapb::Store me;
      me.set_id(o.store.store_id);
      me.set_address(address_);
      me.set_version("nokv");
      Status s = pd_->Bootstrap(me, first->region);
      if (s.ok()) {
        bootstrapped_pd_ = true;
        spdlog::info("store {}: bootstrapped PD with region {}", o.store.store_id,
                     first->region.id());
      } else if (!s.IsBusy()) {  // Busy: another store was first
        spdlog::warn("store {}: bootstrapping PD: {}", o.store.store_id, s.ToString());
      }
    }
  }

  if (!o.metrics_address.empty()) {
    HttpServerOptions ho;
    NOKV_RETURN_IF_ERROR(server::ParseHostPort(o.metrics_address, &ho.host, &ho.port));
    ho.bearer_token = o.metrics_token;
    servers_->http = std::make_unique<HttpServer>(
        [this](const server::HttpRequest& r) {
          return HandleStoreHttp([this] { return Snapshot(); }, r);
        },
        ho);
    NOKV_RETURN_IF_ERROR(servers_->http->Start());
  }
  return Status::OK();
}

StoreSnapshot StoreNode::Snapshot() const {
  StoreSnapshot s;
  s.store_id = options_.store.store_id;
  s.address = address_;
  s.running = !stopped_.load();
  if (store_) {
    s.stats = store_->Stats();
    s.regions = store_->Regions();
  }
  if (transport_) s.transport = transport_->Stats();
  return s;
}

std::string StoreNode::metrics_address() const {
  return servers_ && servers_->http ? servers_->http->address() : "";
}

void StoreNode::Stop() {
  if (stopped_.exchange(true)) return;
  if (servers_->http) servers_->http->Stop();
  if (servers_->service) servers_->service->Stop();  // new KV requests: UNAVAILABLE
  if (store_) store_->Stop();                        // pending ones answered; handler unset
  if (servers_->grpc) {
    // Ends the inbound Raft/Snapshot streams (cancelled after the deadline).
    servers_->grpc->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    servers_->grpc->Wait();
  }
  if (transport_) transport_->Stop();
  servers_->http.reset();
  servers_->grpc.reset();
  servers_->service.reset();
  servers_->backend.reset();
  store_.reset();
  transport_.reset();
  pd_link_.reset();
  pd_.reset();
}

}  // namespace nokv::node
