// MemNetwork / MemTransport (see mem_transport.h).
#include "raftstore/mem_transport.h"

#include <chrono>

#include "raftstore/snapshot_chunks.h"

namespace nokv::raftstore {
namespace {

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

class MemTransport final : public Transport {
 public:
  MemTransport(MemNetwork* net, uint64_t store_id) : net_(net), store_id_(store_id) {}

  void SetHandler(RaftMessageHandler* handler) override {
    // Waits for a delivery in progress: after this returns, the old handler
    // is never called again.
    std::lock_guard<std::mutex> hl(net_->handler_mu_);
    std::lock_guard<std::mutex> l(net_->mu_);
    if (handler == nullptr) {
      net_->handlers_.erase(store_id_);
    } else {
      net_->handlers_[store_id_] = handler;
    }
  }

  Status Send(uint64_t to, raft_serverpb::RaftMessage message) override {
    {
      std::lock_guard<std::mutex> l(net_->mu_);
      if (net_->handlers_.find(to) == net_->handlers_.end()) {
        net_->dropped_++;
        return Status::Unavailable("store " + std::to_string(to) + " is unknown");
      }
      if (!net_->CanPass(store_id_, to) ||
          (net_->loss_rate_ > 0 && net_->rng_.Uniform(1'000'000) < net_->loss_rate_ * 1'000'000)) {
        net_->dropped_++;
        return Status::OK();  // lost on the wire: the sender cannot tell
      }
    }
    auto m = std::make_shared<raft_serverpb::RaftMessage>(std::move(message));
    MemNetwork* net = net_;
    net_->Schedule(store_id_, to, [net, to, m] {
      std::lock_guard<std::mutex> hl(net->handler_mu_);
      RaftMessageHandler* h = net->HandlerOf(to);
      if (h != nullptr) h->OnRaftMessage(std::move(*m));
    });
    return Status::OK();
  }

  void Flush() override {}

  void SendSnapshot(uint64_t to, raft_serverpb::RaftMessage message,
                    std::shared_ptr<const std::string> data,
                    std::function<void(Status)> done) override {
    std::vector<raft_serverpb::SnapshotChunk> chunks;
    {
      std::unique_lock<std::mutex> l(net_->mu_);
      if (!net_->CanPass(store_id_, to) || net_->handlers_.find(to) == net_->handlers_.end()) {
        net_->snapshots_failed_++;
        l.unlock();
        done(Status::Unavailable("store " + std::to_string(to) + " is unreachable"));
        return;
      }
      chunks = SplitSnapshot(message, *data, net_->chunk_size_);
      if (net_->corrupt_next_snapshot_ && chunks.size() > 1) {
        net_->corrupt_next_snapshot_ = false;
        const size_t i = std::min(net_->corrupt_chunk_ + 1, chunks.size() - 1);
        std::string* d = chunks[i].mutable_data();
        (*d)[d->size() / 2] ^= 0x5a;
      }
    }
    auto cs = std::make_shared<std::vector<raft_serverpb::SnapshotChunk>>(std::move(chunks));
    auto cb = std::make_shared<std::function<void(Status)>>(std::move(done));
    MemNetwork* net = net_;
    net_->Schedule(store_id_, to, [net, to, cs, cb] {
      SnapshotAssembler as;
      Status s;
      for (const raft_serverpb::SnapshotChunk& c : *cs) {
        s = as.Add(c);
        if (!s.ok()) break;
      }
      if (s.ok()) s = as.Finish();
      if (s.ok()) {
        std::lock_guard<std::mutex> hl(net->handler_mu_);
        RaftMessageHandler* h = net->HandlerOf(to);
        s = h == nullptr ? Status::Unavailable("store is down")
                         : h->OnSnapshot(as.message(), as.TakeData());
      }
      {
        std::lock_guard<std::mutex> l(net->mu_);
        if (s.ok()) {
          net->snapshots_delivered_++;
        } else {
          net->snapshots_failed_++;
          net->last_snapshot_error_ = s;
        }
      }
      (*cb)(s);
    });
  }

 private:
  MemNetwork* const net_;
  const uint64_t store_id_;
};

MemNetwork::MemNetwork() {
  thread_ = std::thread([this] { Run(); });
}

MemNetwork::~MemNetwork() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Transport* MemNetwork::TransportFor(uint64_t store_id) {
  std::lock_guard<std::mutex> l(mu_);
  std::unique_ptr<Transport>& t = transports_[store_id];
  if (!t) t = std::make_unique<MemTransport>(this, store_id);
  return t.get();
}

RaftMessageHandler* MemNetwork::HandlerOf(uint64_t store) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = handlers_.find(store);
  return it == handlers_.end() ? nullptr : it->second;
}

bool MemNetwork::CanPass(uint64_t from, uint64_t to) {
  return !isolated_.count(from) && !isolated_.count(to) && !blocked_.count({from, to});
}

void MemNetwork::Schedule(uint64_t from, uint64_t to, std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = delay_.find({from, to});
    const uint64_t due = NowMs() + (it == delay_.end() ? 0 : static_cast<uint64_t>(it->second));
    // Keep the queue ordered by due time (stable for equal times).
    auto pos = queue_.end();
    while (pos != queue_.begin() && std::prev(pos)->due_ms > due) --pos;
    queue_.insert(pos, Delivery{due, std::move(fn)});
  }
  cv_.notify_one();
}

void MemNetwork::Run() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    if (queue_.empty()) {
      cv_.wait(l);
      continue;
    }
    const uint64_t now = NowMs();
    if (queue_.front().due_ms > now) {
      cv_.wait_for(l, std::chrono::milliseconds(queue_.front().due_ms - now));
      continue;
    }
    std::function<void()> fn = std::move(queue_.front().fn);
    queue_.pop_front();
    delivered_++;
    l.unlock();
    fn();
    l.lock();
  }
}

void MemNetwork::Block(uint64_t from, uint64_t to, bool blocked) {
  std::lock_guard<std::mutex> l(mu_);
  if (blocked) {
    blocked_.insert({from, to});
  } else {
    blocked_.erase({from, to});
  }
}

void MemNetwork::Isolate(uint64_t store, bool isolated) {
  std::lock_guard<std::mutex> l(mu_);
  if (isolated) {
    isolated_.insert(store);
  } else {
    isolated_.erase(store);
  }
}

void MemNetwork::Partition(const std::set<uint64_t>& a, const std::set<uint64_t>& b) {
  std::lock_guard<std::mutex> l(mu_);
  for (uint64_t x : a) {
    for (uint64_t y : b) {
      blocked_.insert({x, y});
      blocked_.insert({y, x});
    }
  }
}

void MemNetwork::Heal() {
  std::lock_guard<std::mutex> l(mu_);
  blocked_.clear();
  isolated_.clear();
}

void MemNetwork::Delay(uint64_t from, uint64_t to, int ms) {
  std::lock_guard<std::mutex> l(mu_);
  if (ms > 0) {
    delay_[{from, to}] = ms;
  } else {
    delay_.erase({from, to});
  }
}

void MemNetwork::SetLossRate(double rate, uint64_t seed) {
  std::lock_guard<std::mutex> l(mu_);
  loss_rate_ = rate;
  rng_ = Random(seed);
}

void MemNetwork::CorruptNextSnapshot(size_t chunk) {
  std::lock_guard<std::mutex> l(mu_);
  corrupt_next_snapshot_ = true;
  corrupt_chunk_ = chunk;
}

void MemNetwork::SetSnapshotChunkSize(size_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  chunk_size_ = bytes;
}

uint64_t MemNetwork::delivered() const {
  std::lock_guard<std::mutex> l(mu_);
  return delivered_;
}
uint64_t MemNetwork::dropped() const {
  std::lock_guard<std::mutex> l(mu_);
  return dropped_;
}
uint64_t MemNetwork::snapshots_delivered() const {
  std::lock_guard<std::mutex> l(mu_);
  return snapshots_delivered_;
}
uint64_t MemNetwork::snapshots_failed() const {
  std::lock_guard<std::mutex> l(mu_);
  return snapshots_failed_;
}
Status MemNetwork::last_snapshot_error() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_snapshot_error_;
}

}  // namespace nokv::raftstore
