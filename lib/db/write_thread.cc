// WriteThread: the writer queue, group building and result hand-off.
#include "db/write_thread.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "base/coding.h"
#include "db/write_batch_internal.h"

namespace nokv {

WriteThread::WriteThread(Options options) : options_(options) {}

bool WriteThread::JoinBatchGroup(Writer* w) {
  std::unique_lock<std::mutex> l(mu_);
  if (closed_) {
    w->status = Status::Closed("database is closing");
    return false;
  }
  queue_.push_back(w);
  if (leader_coalescing_) coalesce_cv_.notify_one();
  if (queue_.size() == 1) return true;  // nobody ahead: lead at once
  l.unlock();
  auto waiting = [w] { return w->state.load(std::memory_order_acquire) == Writer::State::kWaiting; };
  if (!w->sync) {
    const auto deadline = std::chrono::steady_clock::now() + kSpinBeforeSleep;
    for (int spins = 0; waiting(); ++spins) {
      if ((spins & 15) == 15 && std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::yield();
    }
  }
  // Sleep if still waiting. Taking state_mu even when the spin saw the new
  // state waits for Wake to let go of w, which may vanish once we return.
  std::unique_lock<std::mutex> sl(w->state_mu);
  w->state_cv.wait(sl, [&] { return !waiting(); });
  return w->state.load(std::memory_order_relaxed) == Writer::State::kLeader;
}

void WriteThread::Wake(Writer* w, Writer::State state) {
  std::lock_guard<std::mutex> sl(w->state_mu);
  w->state.store(state, std::memory_order_release);
  w->state_cv.notify_one();
}

bool WriteThread::GroupIsFull() const {
  if (closed_) return true;
  uint64_t count = 0, bytes = 0;
  for (const Writer* w : queue_) {
    if (w->batch == nullptr || w->exclusive) return true;  // the group ends there anyway
    count += w->batch->Count();
    bytes += WriteBatchInternal::Rep(*w->batch).size();
  }
  return count >= options_.max_group_count || bytes >= options_.max_group_bytes;
}

void WriteThread::BuildGroup(Writer* leader, Group* group) {
  std::unique_lock<std::mutex> l(mu_);
  *group = Group();
  group->leader = leader;
  group->last = leader;
  group->writers = 1;
  group->sync = leader->sync;
  group->defer = leader->defer_wal_flush;
  if (leader->batch == nullptr) return;
  if (options_.coalesce_wait_us > 0 && !leader->exclusive) {
    leader_coalescing_ = true;
    coalesce_cv_.wait_for(l, std::chrono::microseconds(options_.coalesce_wait_us),
                          [this] { return GroupIsFull(); });
    leader_coalescing_ = false;
  }

  std::string* payload = &group->payload;
  payload->assign(8, '\0');
  const std::string& first_rep = WriteBatchInternal::Rep(*leader->batch);
  payload->append(first_rep);
  uint32_t count = leader->batch->Count();
  if (!leader->exclusive) {
    size_t max_size = options_.max_group_bytes;
    if (first_rep.size() <= (128 << 10)) {
      // Keep small writes fast: do not make them wait behind a huge group.
      max_size = std::min(max_size, first_rep.size() + (128 << 10));
    }
    // The queue is in join order and the leader is at its front.
    for (size_t i = 1; i < queue_.size(); ++i) {
      Writer* w = queue_[i];
      if (w->batch == nullptr || w->exclusive) break;  // these lead groups of their own
      const std::string& rep = WriteBatchInternal::Rep(*w->batch);
      if (payload->size() + rep.size() > max_size) break;
      if (count + w->batch->Count() > options_.max_group_count) break;
      payload->append(rep.data() + 4, rep.size() - 4);  // without its count header
      count += w->batch->Count();
      group->sync = group->sync || w->sync;
      group->defer = group->defer && w->defer_wal_flush;
      group->last = w;
      ++group->writers;
    }
  }
  EncodeFixed32(payload->data() + 8, count);
  group->count = count;
}

void WriteThread::ExitGroup(const Group& group, const Status& s) {
  // Take the members off the queue; they are still waiting, so they are
  // still ours to write to.
  std::vector<Writer*> members;
  if (group.writers > 1) members.reserve(group.writers - 1);
  Writer* next_leader = nullptr;
  {
    std::lock_guard<std::mutex> l(mu_);
    while (true) {
      Writer* ready = queue_.front();
      queue_.pop_front();
      if (ready != group.leader) members.push_back(ready);
      if (ready == group.last) break;
    }
    if (!queue_.empty()) {
      next_leader = queue_.front();
    } else {
      drained_cv_.notify_all();
    }
  }
  // Next leader first: the next group's commit overlaps the wake-ups below.
  if (next_leader != nullptr) Wake(next_leader, Writer::State::kLeader);
  for (Writer* w : members) {
    w->status = s;
    w->done = true;
    Wake(w, Writer::State::kDone);
  }
}

void WriteThread::Close() {
  std::unique_lock<std::mutex> l(mu_);
  closed_ = true;
  coalesce_cv_.notify_all();
  drained_cv_.wait(l, [this] { return queue_.empty(); });
}

size_t WriteThread::QueueLength() const {
  std::lock_guard<std::mutex> l(mu_);
  return queue_.size();
}

}  // namespace nokv
