// SimNetwork: see sim_network.h.
#include "raft/sim/sim_network.h"

namespace nokv::raft::sim {

bool Chance(nokv::Random* rng, double p) {
  if (p <= 0) return false;
  return static_cast<double>(rng->Next64() >> 11) * 0x1.0p-53 < p;
}

void SimNetwork::Drop(const raftpb::Message& m, DropReason reason) {
  ++dropped_;
  if (drop_hook_) drop_hook_(m, reason);
}

void SimNetwork::Enqueue(raftpb::Message m, int64_t now) {
  int64_t due = now + 1;
  if (faults_.max_extra_delay > 0) {
    const int64_t extra =
        static_cast<int64_t>(rng_->Uniform(static_cast<uint64_t>(faults_.max_extra_delay) + 1));
    if (extra > 0) ++delayed_;
    due += extra;
  }
  queue_.emplace(std::make_pair(due, seq_++), std::move(m));
}

void SimNetwork::Send(raftpb::Message m, int64_t now) {
  ++sent_;
  if (!Connected(m.from(), m.to())) return Drop(m, DropReason::kPartition);
  if (Chance(rng_, faults_.drop)) return Drop(m, DropReason::kRandom);
  if (Chance(rng_, faults_.duplicate)) {
    ++duplicated_;
    Enqueue(m, now);
  }
  Enqueue(std::move(m), now);
}

std::vector<raftpb::Message> SimNetwork::TakeDue(int64_t now) {
  std::vector<raftpb::Message> due;
  while (!queue_.empty() && queue_.begin()->first.first <= now) {
    raftpb::Message m = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    if (!Connected(m.from(), m.to())) {
      Drop(m, DropReason::kPartition);
      continue;
    }
    due.push_back(std::move(m));
  }
  return due;
}

void SimNetwork::DropAllTo(uint64_t id) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->second.to() == id) {
      raftpb::Message m = std::move(it->second);
      it = queue_.erase(it);
      Drop(m, DropReason::kTargetDown);
    } else {
      ++it;
    }
  }
}

void SimNetwork::Partition(const std::map<uint64_t, int>& group_of) { group_of_ = group_of; }

}  // namespace nokv::raft::sim
