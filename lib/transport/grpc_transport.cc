// GrpcTransport (see grpc_transport.h): per-store senders, snapshot jobs and
// the inbound hand-off to the store.
#include "transport/grpc_transport.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "proto/kvrpcpb.grpc.pb.h"
#include "raftstore/snapshot_chunks.h"
#include "transport/grpc_status.h"
#include "transport/raft_stream_sender.h"

namespace nokv::transport {

// One snapshot being sent, on its own thread. The context exists before the
// thread starts so Stop can cancel the call at any point.
struct GrpcTransport::SnapshotJob {
  grpc::ClientContext context;
  std::thread thread;
  std::atomic<bool> finished{false};
};

GrpcTransport::GrpcTransport(StoreResolver::Lookup lookup, GrpcTransportOptions options)
    : options_(std::move(options)), resolver_(std::move(lookup)) {}

GrpcTransport::~GrpcTransport() { Stop(); }

void GrpcTransport::SetHandler(raftstore::RaftMessageHandler* handler) {
  std::unique_lock<std::shared_mutex> l(handler_mu_);
  handler_ = handler;
}

Status GrpcTransport::Send(uint64_t store_id, raft_serverpb::RaftMessage message) {
  std::shared_ptr<RaftStreamSender> sender;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) {
      counters_.send_unavailable.fetch_add(1, std::memory_order_relaxed);
      return Status::Unavailable("transport stopped");
    }
    if (store_id == 0) {
      counters_.send_unavailable.fetch_add(1, std::memory_order_relaxed);
      return Status::Unavailable("message to store 0");
    }
    std::shared_ptr<RaftStreamSender>& slot = senders_[store_id];
    if (!slot) slot = std::make_shared<RaftStreamSender>(store_id, this);
    sender = slot;
  }
  Status s = sender->Enqueue(std::move(message));
  if (s.IsBusy()) counters_.send_busy.fetch_add(1, std::memory_order_relaxed);
  if (s.IsUnavailable()) counters_.send_unavailable.fetch_add(1, std::memory_order_relaxed);
  return s;
}

void GrpcTransport::Flush() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [id, sender] : senders_) sender->Flush();
}

void GrpcTransport::Stop() {
  std::map<uint64_t, std::shared_ptr<RaftStreamSender>> senders;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    stopped_ = true;
    senders.swap(senders_);
    for (auto& job : snapshot_jobs_) job->context.TryCancel();
  }
  for (auto& [id, sender] : senders) sender->Stop();  // joins its thread
  ReapSnapshotJobs(/*all=*/true);
}

void GrpcTransport::ReportUnreachable(uint64_t store_id) {
  counters_.unreachable_reports.fetch_add(1, std::memory_order_relaxed);
  std::shared_lock<std::shared_mutex> l(handler_mu_);
  if (handler_ != nullptr) handler_->OnStoreUnreachable(store_id);
}

// ---- snapshots, outbound

void GrpcTransport::ReapSnapshotJobs(bool all) {
  std::list<std::unique_ptr<SnapshotJob>> done;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = snapshot_jobs_.begin(); it != snapshot_jobs_.end();) {
      if (all || (*it)->finished.load()) {
        done.push_back(std::move(*it));
        it = snapshot_jobs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& job : done) job->thread.join();
}

std::shared_ptr<grpc::Channel> GrpcTransport::SnapshotChannel(const std::string& address) {
  std::lock_guard<std::mutex> l(mu_);
  std::shared_ptr<grpc::Channel>& ch = snapshot_channels_[address];
  if (!ch) {
    ch = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   StoreChannelArguments("snapshot"));
  }
  return ch;
}

void GrpcTransport::SendSnapshot(uint64_t store_id, raft_serverpb::RaftMessage message,
                                 std::shared_ptr<const std::string> data,
                                 std::function<void(Status)> done) {
  ReapSnapshotJobs(/*all=*/false);
  Status refused;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) {
      counters_.snapshots_send_failed.fetch_add(1, std::memory_order_relaxed);
      refused = Status::IOError("transport stopped");
    } else if (snapshot_jobs_.size() >= options_.max_snapshots_sending) {
      counters_.snapshots_send_busy.fetch_add(1, std::memory_order_relaxed);
      refused = Status::Busy("snapshot to store " + std::to_string(store_id) + ": " +
                             std::to_string(snapshot_jobs_.size()) +
                             " snapshots already in flight");
    } else {
      auto owned = std::make_unique<SnapshotJob>();
      SnapshotJob* job = owned.get();
      snapshot_jobs_.push_back(std::move(owned));
      counters_.snapshots_sending.fetch_add(1, std::memory_order_relaxed);
      job->thread = std::thread([this, job, store_id, message = std::move(message),
                                 data = std::move(data), done = std::move(done)] {
        Status s = SendSnapshotNow(store_id, message, *data, &job->context);
        counters_.snapshots_sending.fetch_sub(1, std::memory_order_relaxed);
        if (s.ok()) {
          counters_.snapshots_sent.fetch_add(1, std::memory_order_relaxed);
          counters_.snapshot_bytes_sent.fetch_add(data->size(), std::memory_order_relaxed);
        } else {
          counters_.snapshots_send_failed.fetch_add(1, std::memory_order_relaxed);
          spdlog::warn("transport: {}", s.ToString());
        }
        done(s);
        job->finished.store(true);
      });
      return;
    }
  }
  done(refused);  // outside the lock: `done` may call back into the transport
}

Status GrpcTransport::SendSnapshotNow(uint64_t store_id, const raft_serverpb::RaftMessage& message,
                                      const std::string& data, grpc::ClientContext* context) {
  const std::string what = "snapshot of region " + std::to_string(message.region_id()) +
                           " to store " + std::to_string(store_id);
  Result<std::string> address = resolver_.Resolve(store_id);
  if (!address.ok()) return address.status().WithContext(what);
  kvrpcpb::NoKV::Stub stub(SnapshotChannel(*address));
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(options_.snapshot_timeout_ms));
  raft_serverpb::Done response;
  std::unique_ptr<grpc::ClientWriter<raft_serverpb::SnapshotChunk>> writer =
      stub.Snapshot(context, &response);
  std::vector<raft_serverpb::SnapshotChunk> chunks =
      raftstore::SplitSnapshot(message, data, options_.snapshot_chunk_size);
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (options_.on_snapshot_chunk) options_.on_snapshot_chunk(i, &chunks[i]);
    if (!writer->Write(chunks[i])) break;  // the receiver ended the call: Finish says why
    chunks[i].Clear();                      // free the sent bytes early
  }
  (void)writer->WritesDone();
  grpc::Status gs = writer->Finish();
  if (gs.error_code() == grpc::StatusCode::UNAVAILABLE) resolver_.Invalidate(store_id);
  return FromGrpcStatus(gs, what);
}

// ---- inbound

void GrpcTransport::DeliverBatch(raft_serverpb::RaftMessageBatch* batch, size_t wire_bytes) {
  const uint64_t n = batch->msgs_size();
  counters_.batches_received.fetch_add(1, std::memory_order_relaxed);
  counters_.messages_received.fetch_add(n, std::memory_order_relaxed);
  counters_.bytes_received.fetch_add(wire_bytes, std::memory_order_relaxed);
  std::shared_lock<std::shared_mutex> l(handler_mu_);
  if (handler_ == nullptr) {
    counters_.messages_received_dropped.fetch_add(n, std::memory_order_relaxed);
    return;
  }
  for (raft_serverpb::RaftMessage& m : *batch->mutable_msgs()) {
    handler_->OnRaftMessage(std::move(m));
  }
}

Status GrpcTransport::BeginReceiveSnapshot() {
  size_t now = snapshots_receiving_.load();
  do {
    if (now >= options_.max_snapshots_receiving) {
      counters_.snapshots_receive_failed.fetch_add(1, std::memory_order_relaxed);
      return Status::Busy(std::to_string(now) + " snapshots already being received");
    }
  } while (!snapshots_receiving_.compare_exchange_weak(now, now + 1));
  counters_.snapshots_receiving.fetch_add(1, std::memory_order_relaxed);
  return Status::OK();
}

void GrpcTransport::EndReceiveSnapshot() {
  snapshots_receiving_.fetch_sub(1);
  counters_.snapshots_receiving.fetch_sub(1, std::memory_order_relaxed);
}

Status GrpcTransport::DeliverSnapshot(raft_serverpb::RaftMessage message, std::string data) {
  const size_t bytes = data.size();
  Status s;
  {
    std::shared_lock<std::shared_mutex> l(handler_mu_);
    if (handler_ == nullptr) {
      s = Status::IOError("no store is running here");
    } else {
      s = handler_->OnSnapshot(std::move(message), std::move(data));
    }
  }
  if (s.ok()) {
    counters_.snapshots_received.fetch_add(1, std::memory_order_relaxed);
    counters_.snapshot_bytes_received.fetch_add(bytes, std::memory_order_relaxed);
  } else {
    counters_.snapshots_receive_failed.fetch_add(1, std::memory_order_relaxed);
  }
  return s;
}

}  // namespace nokv::transport
