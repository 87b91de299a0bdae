// Test helpers for lib/transport: a recording RaftMessageHandler and a
// "store" made of a GrpcTransport, a NoKvService and a gRPC server on
// 127.0.0.1, restartable on the same port.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "raftstore/transport.h"
#include "transport/grpc_status.h"
#include "transport/grpc_transport.h"
#include "transport/kv_service.h"

namespace nokv::transport::testing {

class RecordingHandler : public raftstore::RaftMessageHandler {
 public:
  void OnRaftMessage(raft_serverpb::RaftMessage message) override {
    std::lock_guard<std::mutex> l(mu);
    messages.push_back(std::move(message));
    cv.notify_all();
  }
  Status OnSnapshot(raft_serverpb::RaftMessage message, std::string data) override {
    if (snapshot_gate) snapshot_gate();
    std::lock_guard<std::mutex> l(mu);
    snapshots.emplace_back(std::move(message), std::move(data));
    cv.notify_all();
    return snapshot_verdict;
  }
  void OnStoreUnreachable(uint64_t store_id) override {
    std::lock_guard<std::mutex> l(mu);
    unreachable.push_back(store_id);
    cv.notify_all();
  }

  // Waits until `pred` holds (under mu) or the timeout passes.
  template <typename Pred>
  bool WaitFor(Pred pred, int timeout_ms = 5000) {
    std::unique_lock<std::mutex> l(mu);
    return cv.wait_for(l, std::chrono::milliseconds(timeout_ms), pred);
  }
  size_t message_count() {
    std::lock_guard<std::mutex> l(mu);
    return messages.size();
  }

  std::mutex mu;
  std::condition_variable cv;
  std::vector<raft_serverpb::RaftMessage> messages;
  std::vector<std::pair<raft_serverpb::RaftMessage, std::string>> snapshots;
  std::vector<uint64_t> unreachable;
  Status snapshot_verdict;                // what OnSnapshot answers
  std::function<void()> snapshot_gate;    // runs first in OnSnapshot (to hold it)
};

// A store's network face without a store: transport + service + server.
struct TestStore {
  explicit TestStore(GrpcTransportOptions options = {}, RawKvBackend* backend = nullptr)
      : transport(StoreResolver::Lookup(), std::move(options)),
        service(backend, &transport) {
    transport.SetHandler(&handler);
  }
  ~TestStore() {
    StopServer();
    transport.Stop();
  }

  // Serves on 127.0.0.1:port (0 = any); false if it cannot bind.
  bool StartServer(int wanted_port = 0) {
    grpc::ServerBuilder builder;
    ConfigureStoreServer(&builder);
    builder.AddListeningPort("127.0.0.1:" + std::to_string(wanted_port),
                             grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    return server != nullptr && port > 0;
  }
  void StopServer() {
    if (server) {
      server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
      server.reset();
    }
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  RecordingHandler handler;
  GrpcTransport transport;
  NoKvService service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

inline raft_serverpb::RaftMessage Message(uint64_t region, uint64_t from_store, uint64_t to_store,
                                          std::string payload) {
  raft_serverpb::RaftMessage m;
  m.set_region_id(region);
  m.mutable_from_peer()->set_id(from_store * 100 + region);
  m.mutable_from_peer()->set_store_id(from_store);
  m.mutable_to_peer()->set_id(to_store * 100 + region);
  m.mutable_to_peer()->set_store_id(to_store);
  m.set_message(std::move(payload));
  return m;
}

}  // namespace nokv::transport::testing
