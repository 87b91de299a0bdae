// NoKvService (see kv_service.h): unary KV reactors over the backend, and
// the Raft / Snapshot stream reactors over the transport's inbound side.
#include "transport/kv_service.h"

#include "raftstore/snapshot_chunks.h"
#include "transport/grpc_status.h"

namespace nokv::transport {
namespace {

// One inbound NoKV.Raft stream: every batch read goes to the transport.
class RaftStreamReactor final : public grpc::ServerReadReactor<raft_serverpb::RaftMessageBatch> {
 public:
  explicit RaftStreamReactor(GrpcTransport* transport) : transport_(transport) {
    if (transport_ == nullptr) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "no raft transport here"));
      return;
    }
    StartRead(&batch_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the sender closed or cancelled the stream
      Finish(grpc::Status::OK);
      return;
    }
    transport_->DeliverBatch(&batch_, batch_.ByteSizeLong());
    batch_.Clear();
    StartRead(&batch_);
  }

  void OnDone() override { delete this; }

 private:
  GrpcTransport* const transport_;
  raft_serverpb::RaftMessageBatch batch_;
};

// One inbound NoKV.Snapshot stream: chunks checked as they come, the whole
// snapshot handed to the store, its verdict returned as the call's status.
class SnapshotStreamReactor final : public grpc::ServerReadReactor<raft_serverpb::SnapshotChunk> {
 public:
  explicit SnapshotStreamReactor(GrpcTransport* transport) : transport_(transport) {
    if (transport_ == nullptr) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "no raft transport here"));
      return;
    }
    Status s = transport_->BeginReceiveSnapshot();
    if (!s.ok()) {
      Finish(ToGrpcStatus(s));
      return;
    }
    admitted_ = true;
    StartRead(&chunk_);
  }

  void OnReadDone(bool ok) override {
    if (ok) {
      Status s = assembler_.Add(chunk_);
      if (!s.ok()) {
        Fail(s);
        return;
      }
      chunk_.Clear();
      StartRead(&chunk_);
      return;
    }
    // The sender is done (or gone): check the whole, then hand it over.
    Status s = assembler_.Finish();
    if (!s.ok()) {
      Fail(s);
      return;
    }
    raft_serverpb::RaftMessage message = assembler_.message();
    Finish(ToGrpcStatus(transport_->DeliverSnapshot(std::move(message), assembler_.TakeData())));
  }

  void OnDone() override {
    if (admitted_) transport_->EndReceiveSnapshot();
    delete this;
  }

 private:
  void Fail(const Status& s) {
    transport_->CountSnapshotReceiveFailure();
    Finish(ToGrpcStatus(s));
  }

  GrpcTransport* const transport_;
  bool admitted_ = false;
  raft_serverpb::SnapshotChunk chunk_;
  raftstore::SnapshotAssembler assembler_;
};

}  // namespace

template <typename Request, typename Response>
grpc::ServerUnaryReactor* NoKvService::Unary(
    grpc::CallbackServerContext* context, const Request* request, Response* response,
    void (RawKvBackend::*method)(const Request&, KvCallback<Response>)) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (stopping_.load() || backend_ == nullptr) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "store is stopping"));
    return reactor;
  }
  if (!request->has_context()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "request has no context"));
    return reactor;
  }
  if (request->context().region_id() == 0) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "request context has no region id"));
    return reactor;
  }
  (backend_->*method)(*request, [reactor, response](Response r) {
    *response = std::move(r);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* NoKvService::RawGet(grpc::CallbackServerContext* c,
                                              const kvrpcpb::RawGetRequest* q,
                                              kvrpcpb::RawGetResponse* r) {
  return Unary(c, q, r, &RawKvBackend::RawGet);
}
grpc::ServerUnaryReactor* NoKvService::RawBatchGet(grpc::CallbackServerContext* c,
                                                   const kvrpcpb::RawBatchGetRequest* q,
                                                   kvrpcpb::RawBatchGetResponse* r) {
  return Unary(c, q, r, &RawKvBackend::RawBatchGet);
}
grpc::ServerUnaryReactor* NoKvService::RawPut(grpc::CallbackServerContext* c,
                                              const kvrpcpb::RawPutRequest* q,
                                              kvrpcpb::RawPutResponse* r) {
  return Unary(c, q, r, &RawKvBackend::RawPut);
}
grpc::ServerUnaryReactor* NoKvService::RawBatchPut(grpc::CallbackServerContext* c,
                                                   const kvrpcpb::RawBatchPutRequest* q,
                                                   kvrpcpb::RawBatchPutResponse* r) {
  return Unary(c, q, r, &RawKvBackend::RawBatchPut);
}
grpc::ServerUnaryReactor* NoKvService::RawDelete(grpc::CallbackServerContext* c,
                                                 const kvrpcpb::RawDeleteRequest* q,
                                                 kvrpcpb::RawDeleteResponse* r) {
  return Unary(c, q, r, &RawKvBackend::RawDelete);
}
grpc::ServerUnaryReactor* NoKvService::RawDeleteRange(grpc::CallbackServerContext* c,
                                                      const kvrpcpb::RawDeleteRangeRequest* q,
                                                      kvrpcpb::RawDeleteRangeResponse* r) {
  return Unary(c, q, r, &RawKvBackend::RawDeleteRange);
}
grpc::ServerUnaryReactor* NoKvService::RawScan(grpc::CallbackServerContext* c,
                                               const kvrpcpb::RawScanRequest* q,
                                               kvrpcpb::RawScanResponse* r) {
  return Unary(c, q, r, &RawKvBackend::RawScan);
}

grpc::ServerReadReactor<raft_serverpb::RaftMessageBatch>* NoKvService::Raft(
    grpc::CallbackServerContext*, raft_serverpb::Done*) {
  return new RaftStreamReactor(transport_);
}

grpc::ServerReadReactor<raft_serverpb::SnapshotChunk>* NoKvService::Snapshot(
    grpc::CallbackServerContext*, raft_serverpb::Done*) {
  return new SnapshotStreamReactor(transport_);
}

}  // namespace nokv::transport
