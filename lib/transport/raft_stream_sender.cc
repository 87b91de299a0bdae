// RaftStreamSender (see raft_stream_sender.h).
#include "transport/raft_stream_sender.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "transport/grpc_status.h"
#include "transport/grpc_transport.h"

namespace nokv::transport {

RaftStreamSender::RaftStreamSender(uint64_t store_id, GrpcTransport* owner)
    : store_id_(store_id), owner_(owner) {
  thread_ = std::thread([this] { Run(); });
}

RaftStreamSender::~RaftStreamSender() { Stop(); }

Status RaftStreamSender::Enqueue(raft_serverpb::RaftMessage message) {
  const size_t bytes = message.ByteSizeLong();
  const GrpcTransportOptions& o = owner_->options();
  std::lock_guard<std::mutex> l(mu_);
  if (stopping_) return Status::Unavailable("transport stopped");
  if (down_) {
    return Status::Unavailable("store " + std::to_string(store_id_) +
                               " is unreachable; reconnecting");
  }
  if (queue_.size() >= o.queue_messages ||
      (!queue_.empty() && queued_bytes_ + bytes > o.queue_bytes)) {
    return Status::Busy("queue to store " + std::to_string(store_id_) + " is full (" +
                        std::to_string(queue_.size()) + " messages, " +
                        std::to_string(queued_bytes_) + " bytes)");
  }
  queue_.emplace_back(std::move(message), bytes);
  queued_bytes_ += bytes;
  owner_->counters_.queued_messages.fetch_add(1, std::memory_order_relaxed);
  return Status::OK();
}

void RaftStreamSender::Flush() {
  std::lock_guard<std::mutex> l(mu_);
  if (queue_.empty()) return;
  flush_ = true;
  cv_.notify_one();
}

void RaftStreamSender::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    if (context_) context_->TryCancel();
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

size_t RaftStreamSender::DropQueue() {
  const size_t n = queue_.size();
  queue_.clear();
  queued_bytes_ = 0;
  owner_->counters_.queued_messages.fetch_sub(n, std::memory_order_relaxed);
  owner_->counters_.messages_dropped.fetch_add(n, std::memory_order_relaxed);
  return n;
}

Status RaftStreamSender::Connect() {
  Result<std::string> address = owner_->resolver_.Resolve(store_id_);
  if (!address.ok()) return address.status();
  if (!channel_ || address_ != *address) {
    address_ = *address;
    channel_ = grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(),
                                         StoreChannelArguments("raft"));
    stub_ = kvrpcpb::NoKV::NewStub(channel_);
  }
  // Wait for the connection in short steps so Stop is not held up.
  // (gRPC deadlines are system_clock time points.)
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::milliseconds(owner_->options().connect_timeout_ms);
  while (!channel_->WaitForConnected(std::min(
      deadline, std::chrono::system_clock::now() + std::chrono::milliseconds(100)))) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopping_) return Status::Unavailable("transport stopped");
    }
    if (std::chrono::system_clock::now() >= deadline) {
      return Status::IOError("cannot connect to store " + std::to_string(store_id_) + " at " +
                             address_);
    }
  }
  auto context = std::make_unique<grpc::ClientContext>();
  grpc::ClientContext* ctx = context.get();
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return Status::Unavailable("transport stopped");
    context_ = std::move(context);
  }
  writer_ = stub_->Raft(ctx, &done_);
  owner_->counters_.connects.fetch_add(1, std::memory_order_relaxed);
  spdlog::debug("transport: raft stream to store {} at {} open", store_id_, address_);
  return Status::OK();
}

void RaftStreamSender::CloseStream() {
  std::unique_ptr<grpc::ClientContext> context;
  {
    std::lock_guard<std::mutex> l(mu_);
    context = std::move(context_);
  }
  if (!writer_) return;
  context->TryCancel();
  (void)writer_->Finish();
  writer_.reset();
}

void RaftStreamSender::FailAndBackOff(std::unique_lock<std::mutex>& l, const Status& why) {
  const size_t dropped = DropQueue();
  down_ = true;
  const GrpcTransportOptions& o = owner_->options();
  backoff_ms_ = backoff_ms_ == 0 ? o.reconnect_backoff_initial_ms
                                 : std::min(backoff_ms_ * 2, o.reconnect_backoff_max_ms);
  const bool stopping = stopping_;
  l.unlock();
  CloseStream();
  if (!stopping) {
    owner_->resolver_.Invalidate(store_id_);
    spdlog::warn("transport: store {} unreachable ({}); {} messages dropped, retry in {} ms",
                 store_id_, why.ToString(), dropped, backoff_ms_);
    owner_->ReportUnreachable(store_id_);
  }
  l.lock();
  cv_.wait_for(l, std::chrono::milliseconds(backoff_ms_), [this] { return stopping_; });
  down_ = false;
}

void RaftStreamSender::Run() {
  const GrpcTransportOptions& o = owner_->options();
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [this] { return stopping_ || (flush_ && !queue_.empty()); });
    if (stopping_) break;
    flush_ = false;
    if (!writer_) {
      l.unlock();
      Status s = Connect();
      l.lock();
      if (!s.ok()) {
        owner_->counters_.connect_failures.fetch_add(1, std::memory_order_relaxed);
        FailAndBackOff(l, s);
        continue;
      }
    }
    raft_serverpb::RaftMessageBatch batch;
    size_t bytes = 0;
    while (!queue_.empty() &&
           (batch.msgs_size() == 0 || bytes + queue_.front().second <= o.max_batch_bytes)) {
      bytes += queue_.front().second;
      *batch.add_msgs() = std::move(queue_.front().first);
      queue_.pop_front();
    }
    queued_bytes_ -= bytes;
    owner_->counters_.queued_messages.fetch_sub(batch.msgs_size(), std::memory_order_relaxed);
    if (!queue_.empty()) flush_ = true;  // the rest goes in the next write
    l.unlock();
    const bool ok = writer_->Write(batch);
    l.lock();
    if (ok) {
      backoff_ms_ = 0;
      owner_->counters_.messages_sent.fetch_add(batch.msgs_size(), std::memory_order_relaxed);
      owner_->counters_.batches_sent.fetch_add(1, std::memory_order_relaxed);
      owner_->counters_.bytes_sent.fetch_add(bytes, std::memory_order_relaxed);
    } else {
      owner_->counters_.messages_dropped.fetch_add(batch.msgs_size(), std::memory_order_relaxed);
      if (stopping_) break;
      owner_->counters_.stream_failures.fetch_add(1, std::memory_order_relaxed);
      FailAndBackOff(l, Status::IOError("raft stream to " + address_ + " broke"));
    }
  }
  DropQueue();
  l.unlock();
  CloseStream();
}

}  // namespace nokv::transport
