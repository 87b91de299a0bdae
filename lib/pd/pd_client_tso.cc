// PdClient's timestamps: requests travel on long-lived Tso streams. With
// batching, one dispatcher thread sends everything queued since its last
// round trip as one request and splits the contiguous range it gets back;
// without, each concurrent caller uses a stream of its own.
#include <algorithm>

#include "pd/pd_client_impl.h"
#include "pd/tso.h"

namespace nokv::pd {
namespace {

void CloseSlot(std::unique_ptr<TsoStreamSlot>* slot) {
  if (!*slot) return;
  (*slot)->context->TryCancel();
  (void)(*slot)->stream->Finish();
  slot->reset();
}

}  // namespace

Result<uint64_t> PdClient::Impl::TsoOnStream(std::unique_ptr<TsoStreamSlot>* slot,
                                             uint32_t count) {
  Status last = Status::IOError("pd tso: no attempt made");
  pdpb::TsoRequest request;
  request.set_count(count);
  const auto start = std::chrono::steady_clock::now();
  for (int attempt = 0; NextAttempt(attempt, start); ++attempt) {
    const std::string endpoint = Endpoint();
    if (*slot && (*slot)->endpoint != endpoint) CloseSlot(slot);
    if (!*slot) {
      auto fresh = std::make_unique<TsoStreamSlot>();
      fresh->endpoint = endpoint;
      fresh->context = std::make_unique<grpc::ClientContext>();
      fresh->stream = Stub()->Tso(fresh->context.get());
      *slot = std::move(fresh);
    }
    pdpb::TsoResponse response;
    if (!(*slot)->stream->Write(request) || !(*slot)->stream->Read(&response)) {
      CloseSlot(slot);
      last = Status::IOError("pd " + endpoint + ": tso stream broken");
      SwitchEndpoint(endpoint, "");
      continue;
    }
    if (response.header().error().type() == pdpb::NOT_LEADER) {
      CloseSlot(slot);
      last = Status::IOError("pd " + endpoint + ": not leader");
      SwitchEndpoint(endpoint, response.header().leader_address());
      continue;
    }
    NOKV_RETURN_IF_ERROR(StatusFromHeader(response.header()));
    if (response.count() != count) {
      return Status::IOError("pd tso: asked for " + std::to_string(count) + ", got " +
                             std::to_string(response.count()));
    }
    return response.first();
  }
  return last;
}

void PdClient::Impl::TsoDispatchLoop() {
  std::unique_lock<std::mutex> l(tso_mu);
  for (;;) {
    tso_cv.wait(l, [this] { return tso_stopping || !tso_queue.empty(); });
    if (tso_stopping) break;
    // Everything queued, up to what one request may ask for.
    std::vector<TsoWaiter*> batch;
    uint32_t total = 0;
    while (!tso_queue.empty() && (batch.empty() || total + tso_queue.front()->count <= kMaxTsoCount)) {
      total += tso_queue.front()->count;
      batch.push_back(tso_queue.front());
      tso_queue.pop_front();
    }
    l.unlock();
    Result<uint64_t> first = TsoOnStream(&batch_stream, total);
    l.lock();
    uint64_t next = first.ok() ? *first : 0;
    // Wake only this batch's callers (one condition variable each: a shared
    // one would wake every waiting caller on every round trip).
    for (TsoWaiter* w : batch) {
      w->status = first.status();
      w->first = next;
      next += w->count;
      w->done = true;
      w->cv.notify_one();
    }
  }
  for (TsoWaiter* w : tso_queue) {
    w->status = Status::Closed("pd client: closing");
    w->done = true;
    w->cv.notify_one();
  }
  tso_queue.clear();
  l.unlock();
  CloseSlot(&batch_stream);
}

Result<uint64_t> PdClient::Impl::TsoBatched(uint32_t count) {
  if (count == 0 || count > kMaxTsoCount) {
    return Status::InvalidArgument("pd tso: count must be in 1.." + std::to_string(kMaxTsoCount));
  }
  TsoWaiter waiter;
  waiter.count = count;
  std::unique_lock<std::mutex> l(tso_mu);
  if (tso_stopping) return Status::Closed("pd client: closing");
  tso_queue.push_back(&waiter);
  if (tso_queue.size() == 1) tso_cv.notify_one();  // the dispatcher may be idle
  waiter.cv.wait(l, [&] { return waiter.done; });
  if (!waiter.status.ok()) return waiter.status;
  return waiter.first;
}

Result<uint64_t> PdClient::Impl::TsoUnbatched(uint32_t count) {
  if (count == 0 || count > kMaxTsoCount) {
    return Status::InvalidArgument("pd tso: count must be in 1.." + std::to_string(kMaxTsoCount));
  }
  std::unique_ptr<TsoStreamSlot> slot;
  {
    std::lock_guard<std::mutex> l(pool_mu);
    if (!stream_pool.empty()) {
      slot = std::move(stream_pool.back());
      stream_pool.pop_back();
    }
  }
  Result<uint64_t> first = TsoOnStream(&slot, count);
  if (slot) {
    std::lock_guard<std::mutex> l(pool_mu);
    stream_pool.push_back(std::move(slot));
  }
  return first;
}

void PdClient::Impl::StopTso() {
  {
    std::lock_guard<std::mutex> l(tso_mu);
    tso_stopping = true;
  }
  tso_cv.notify_all();
  if (tso_thread.joinable()) tso_thread.join();
  std::lock_guard<std::mutex> l(pool_mu);
  for (auto& slot : stream_pool) CloseSlot(&slot);
  stream_pool.clear();
}

}  // namespace nokv::pd
