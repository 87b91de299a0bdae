// GrpcTransport: raftstore::Transport over gRPC. Outbound, one NoKV.Raft
// client stream per destination store, fed by a bounded queue that Send
// fills and Flush drains into one RaftMessageBatch per write, each on its
// own sender thread (so a slow or dead store never blocks the raft thread or
// the other destinations); snapshots each on a NoKV.Snapshot stream of their
// own, in checksummed chunks, a bounded number at a time. Inbound, the NoKV
// service's stream reactors (kv_service.h) hand batches and reassembled
// snapshots to DeliverBatch / DeliverSnapshot, which pass them to the
// store's RaftMessageHandler.
//
// Store addresses come from PD (StoreResolver): resolved when a stream is
// opened, forgotten when a connection fails. A failed connection drops what
// was queued for that store, reports the store unreachable (the raft groups
// then probe instead of streaming) and is retried with exponential backoff
// on the next Flush that has something for it; until then Send answers
// Unavailable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "raftstore/transport.h"
#include "transport/store_resolver.h"
#include "transport/transport_stats.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace nokv::transport {

struct GrpcTransportOptions {
  // Per destination store: messages Send may queue before it answers Busy.
  size_t queue_messages = 4096;
  size_t queue_bytes = 64ull << 20;
  // One stream write carries queued messages up to this many bytes (a single
  // larger message is written alone).
  size_t max_batch_bytes = 4ull << 20;
  int connect_timeout_ms = 2000;
  int reconnect_backoff_initial_ms = 50;
  int reconnect_backoff_max_ms = 1000;

  // Snapshots in flight at once, each direction; the excess is refused with
  // Busy (raft retries the snapshot later).
  size_t max_snapshots_sending = 4;
  size_t max_snapshots_receiving = 4;
  size_t snapshot_chunk_size = 1 << 20;
  int snapshot_timeout_ms = 10 * 60 * 1000;

  // Test hook: called on every outgoing snapshot chunk (index 0 is the
  // header) before it is written. Empty in production.
  std::function<void(size_t index, raft_serverpb::SnapshotChunk* chunk)> on_snapshot_chunk;
};

class RaftStreamSender;

class GrpcTransport final : public raftstore::Transport {
 public:
  // `lookup` resolves store ids (PD's GetStore); may be empty when every
  // address is pinned with resolver()->Set.
  GrpcTransport(StoreResolver::Lookup lookup, GrpcTransportOptions options);
  ~GrpcTransport() override;  // Stop()s.
  GrpcTransport(const GrpcTransport&) = delete;
  GrpcTransport& operator=(const GrpcTransport&) = delete;

  // ---- raftstore::Transport
  void SetHandler(raftstore::RaftMessageHandler* handler) override;
  Status Send(uint64_t store_id, raft_serverpb::RaftMessage message) override;
  void Flush() override;
  void SendSnapshot(uint64_t store_id, raft_serverpb::RaftMessage message,
                    std::shared_ptr<const std::string> data,
                    std::function<void(Status)> done) override;

  // Closes every stream and joins the sender threads; snapshots in flight
  // are cancelled (their `done` gets the error). Later Sends answer
  // Unavailable, later snapshots fail. Idempotent.
  void Stop();

  // ---- inbound (called by the NoKV service's stream reactors)
  // Hands each message of `batch` to the handler (dropped without one).
  void DeliverBatch(raft_serverpb::RaftMessageBatch* batch, size_t wire_bytes);
  // Admission for one inbound snapshot stream: Busy when
  // max_snapshots_receiving streams are being received. Every OK must be
  // matched by one EndReceiveSnapshot.
  Status BeginReceiveSnapshot();
  void EndReceiveSnapshot();
  // A reassembled, checksummed snapshot: the handler's verdict
  // (Unavailable-like IOError when no store is running here).
  Status DeliverSnapshot(raft_serverpb::RaftMessage message, std::string data);
  // A snapshot stream that failed before reaching the handler (corrupt).
  void CountSnapshotReceiveFailure() {
    counters_.snapshots_receive_failed.fetch_add(1, std::memory_order_relaxed);
  }

  TransportStats Stats() const { return counters_.Snapshot(); }
  StoreResolver* resolver() { return &resolver_; }
  const GrpcTransportOptions& options() const { return options_; }

 private:
  friend class RaftStreamSender;
  struct SnapshotJob;

  // From sender threads: the handler's OnStoreUnreachable, if any.
  void ReportUnreachable(uint64_t store_id);
  Status SendSnapshotNow(uint64_t store_id, const raft_serverpb::RaftMessage& message,
                         const std::string& data, grpc::ClientContext* context);
  std::shared_ptr<grpc::Channel> SnapshotChannel(const std::string& address);
  void ReapSnapshotJobs(bool all);

  const GrpcTransportOptions options_;
  StoreResolver resolver_;
  TransportCounters counters_;

  std::shared_mutex handler_mu_;
  raftstore::RaftMessageHandler* handler_ = nullptr;  // guarded by handler_mu_

  std::mutex mu_;
  bool stopped_ = false;                                            // guarded by mu_
  // Shared so a Send racing with Stop keeps its sender alive.
  std::map<uint64_t, std::shared_ptr<RaftStreamSender>> senders_;  // guarded by mu_
  std::list<std::unique_ptr<SnapshotJob>> snapshot_jobs_;           // guarded by mu_
  std::map<std::string, std::shared_ptr<grpc::Channel>> snapshot_channels_;  // guarded by mu_

  std::atomic<size_t> snapshots_receiving_{0};
};

}  // namespace nokv::transport
