// NoKvService: the store's gRPC service (kvrpcpb.proto, service NoKV) on the
// callback API, so no thread waits for a raft write. Raw KV RPCs go to a
// RawKvBackend (the store); the Raft and Snapshot client streams go to the
// GrpcTransport's inbound side, which hands them to the store. A request
// without a context or region id is refused with INVALID_ARGUMENT before
// the backend sees it; once Stop is called new KV requests get UNAVAILABLE.
//
// Snapshot streams: the first chunk must be the header; every chunk is
// checked as it arrives (raftstore::SnapshotAssembler) and the first bad one
// ends the call at once with DATA_LOSS naming the chunk; a whole, intact
// snapshot goes to the store, whose refusal comes back with the matching
// code (grpc_status.h).
#pragma once

#include <atomic>

#include "proto/kvrpcpb.grpc.pb.h"
#include "transport/grpc_transport.h"
#include "transport/raw_kv_backend.h"

namespace nokv::transport {

class NoKvService final : public kvrpcpb::NoKV::CallbackService {
 public:
  // Neither is owned; both must outlive the gRPC server. `backend` may be
  // null (KV RPCs then answer UNAVAILABLE), as may `transport` (streams are
  // refused).
  NoKvService(RawKvBackend* backend, GrpcTransport* transport)
      : backend_(backend), transport_(transport) {}

  // New KV requests get UNAVAILABLE ("store is stopping"); requests already
  // with the backend finish normally. Streams are not affected (the gRPC
  // server's shutdown ends them).
  void Stop() { stopping_.store(true); }

  grpc::ServerUnaryReactor* RawGet(grpc::CallbackServerContext* context,
                                   const kvrpcpb::RawGetRequest* request,
                                   kvrpcpb::RawGetResponse* response) override;
  grpc::ServerUnaryReactor* RawBatchGet(grpc::CallbackServerContext* context,
                                        const kvrpcpb::RawBatchGetRequest* request,
                                        kvrpcpb::RawBatchGetResponse* response) override;
  grpc::ServerUnaryReactor* RawPut(grpc::CallbackServerContext* context,
                                   const kvrpcpb::RawPutRequest* request,
                                   kvrpcpb::RawPutResponse* response) override;
  grpc::ServerUnaryReactor* RawBatchPut(grpc::CallbackServerContext* context,
                                        const kvrpcpb::RawBatchPutRequest* request,
                                        kvrpcpb::RawBatchPutResponse* response) override;
  grpc::ServerUnaryReactor* RawDelete(grpc::CallbackServerContext* context,
                                      const kvrpcpb::RawDeleteRequest* request,
                                      kvrpcpb::RawDeleteResponse* response) override;
  grpc::ServerUnaryReactor* RawDeleteRange(grpc::CallbackServerContext* context,
                                           const kvrpcpb::RawDeleteRangeRequest* request,
                                           kvrpcpb::RawDeleteRangeResponse* response) override;
  grpc::ServerUnaryReactor* RawScan(grpc::CallbackServerContext* context,
                                    const kvrpcpb::RawScanRequest* request,
                                    kvrpcpb::RawScanResponse* response) override;

  grpc::ServerReadReactor<raft_serverpb::RaftMessageBatch>* Raft(
      grpc::CallbackServerContext* context, raft_serverpb::Done* response) override;
  grpc::ServerReadReactor<raft_serverpb::SnapshotChunk>* Snapshot(
      grpc::CallbackServerContext* context, raft_serverpb::Done* response) override;

 private:
  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, const Request* request,
                                  Response* response,
                                  void (RawKvBackend::*method)(const Request&,
                                                               KvCallback<Response>));

  RawKvBackend* const backend_;
  GrpcTransport* const transport_;
  std::atomic<bool> stopping_{false};
};

}  // namespace nokv::transport
