// RaftStreamSender: the outbound half of GrpcTransport for one destination
// store — a bounded queue of raft messages and the thread that writes them,
// batched, to a NoKV.Raft client stream, (re)connecting with backoff.
//
// States: connected or not (a stream is opened lazily on the first flush
// that has messages), and "down" between a failed connection and the end of
// its backoff, when Enqueue refuses with Unavailable so the store learns at
// once that the destination is unreachable.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "base/status.h"
#include "proto/kvrpcpb.grpc.pb.h"
#include "proto/raft_serverpb.pb.h"

namespace nokv::transport {

class GrpcTransport;

class RaftStreamSender {
 public:
  // `owner` gives the options, the resolver, the counters and the
  // unreachable report; it must outlive the sender.
  RaftStreamSender(uint64_t store_id, GrpcTransport* owner);
  ~RaftStreamSender();  // Stop()s.

  // OK (queued), Busy (queue full), Unavailable (down or stopped).
  Status Enqueue(raft_serverpb::RaftMessage message);
  // Wakes the sender thread if messages are queued.
  void Flush();
  // Cancels the stream, drops the queue, joins the thread. Idempotent.
  void Stop();

 private:
  void Run();
  // Opens the stream (resolve, dial, start the call). Worker thread only.
  Status Connect();
  // Cancels and finishes the open stream, if any. Worker thread only.
  void CloseStream();
  // After a failed connect or write: drops the queue, reports the store
  // unreachable, stays down for the backoff. Called and returns with `l`
  // held.
  void FailAndBackOff(std::unique_lock<std::mutex>& l, const Status& why);
  // Drops every queued message (counted). Requires mu_.
  size_t DropQueue();

  const uint64_t store_id_;
  GrpcTransport* const owner_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<raft_serverpb::RaftMessage, size_t>> queue_;  // guarded by mu_
  size_t queued_bytes_ = 0;                                           // guarded by mu_
  bool flush_ = false;     // guarded by mu_: a Flush came since the last write
  bool down_ = false;      // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  // The open call's context, so Stop can cancel a blocked write. Set and
  // reset by the worker under mu_.
  std::unique_ptr<grpc::ClientContext> context_;

  // Worker thread only.
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<kvrpcpb::NoKV::Stub> stub_;
  std::unique_ptr<grpc::ClientWriter<raft_serverpb::RaftMessageBatch>> writer_;
  raft_serverpb::Done done_;
  int backoff_ms_ = 0;

  std::thread thread_;
};

}  // namespace nokv::transport
