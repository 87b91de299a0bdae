// The simulated network of the Raft simulator: messages travel with a delay
// counted in rounds, and may be dropped, duplicated, reordered (by random
// delays) or cut by partitions. Deterministic given its random source.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "base/random.h"
#include "raft/raft.h"

namespace nokv::raft::sim {

struct NetworkFaults {
  double drop = 0;       // probability that a message is lost
  double duplicate = 0;  // probability that it is delivered twice
  int max_extra_delay = 0;  // extra delay in rounds, uniform in [0, max]
};

// Why a message never arrived; the cluster reports some of them to the
// sender (ReportUnreachable, ReportSnapshot), as a transport would.
enum class DropReason { kRandom, kPartition, kTargetDown };

class SimNetwork {
 public:
  // Called for each message that is dropped.
  using DropHook = std::function<void(const raftpb::Message&, DropReason)>;

  explicit SimNetwork(nokv::Random* rng) : rng_(rng) {}

  void SetFaults(const NetworkFaults& faults) { faults_ = faults; }
  const NetworkFaults& faults() const { return faults_; }
  void SetDropHook(DropHook hook) { drop_hook_ = std::move(hook); }

  // Queues m for delivery at now + 1 + extra delay (or drops it).
  void Send(raftpb::Message m, int64_t now);
  // Removes and returns the messages due at or before `now`, in order.
  std::vector<raftpb::Message> TakeDue(int64_t now);
  // Drops everything in flight to `id` (it crashed).
  void DropAllTo(uint64_t id);

  // Splits the nodes into groups; messages between groups are dropped (at
  // send time and at delivery time). Nodes not named are in group 0.
  void Partition(const std::map<uint64_t, int>& group_of);
  void Heal() { group_of_.clear(); }
  bool Partitioned() const { return !group_of_.empty(); }
  bool Connected(uint64_t a, uint64_t b) const { return GroupOf(a) == GroupOf(b); }

  size_t InFlight() const { return queue_.size(); }
  uint64_t dropped() const { return dropped_; }
  uint64_t duplicated() const { return duplicated_; }
  uint64_t delayed() const { return delayed_; }
  uint64_t sent() const { return sent_; }

 private:
  int GroupOf(uint64_t id) const {
    auto it = group_of_.find(id);
    return it == group_of_.end() ? 0 : it->second;
  }
  void Drop(const raftpb::Message& m, DropReason reason);
  void Enqueue(raftpb::Message m, int64_t now);

  nokv::Random* rng_;
  NetworkFaults faults_;
  DropHook drop_hook_;
  std::map<uint64_t, int> group_of_;
  // (due round, sequence) -> message; the sequence keeps equal-time order.
  std::map<std::pair<int64_t, uint64_t>, raftpb::Message> queue_;
  uint64_t seq_ = 0;
  uint64_t dropped_ = 0, duplicated_ = 0, delayed_ = 0, sent_ = 0;
};

// True with probability p, drawn from rng.
bool Chance(nokv::Random* rng, double p);

}  // namespace nokv::raft::sim
