// KvWorkload: simulated clients of the replicated key-value store in a
// SimCluster. Each client issues one request at a time (put, get or
// compare-and-set on a few shared keys) to a random node, waits for the
// answer up to a timeout, and records the invocation and the response in a
// history for the linearizability checker. A request that timed out is
// recorded with an unknown outcome.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/random.h"
#include "linearizability/kv_model.h"
#include "raft/sim/sim_cluster.h"

namespace nokv::raft::sim {

struct KvWorkloadOptions {
  int clients = 4;
  int keys = 3;
  ReadPath read_path = ReadPath::kReadIndex;
  // A client gives up on a request after this many ticks.
  int timeout_ticks = 30;
  // Chance per tick that an idle client issues a request.
  double request_chance = 0.6;
  // Print every request, its node and its answer (for debugging a seed).
  bool trace = false;
};

struct KvWorkloadStats {
  uint64_t invoked = 0;
  uint64_t completed = 0;
  uint64_t timed_out = 0;
  uint64_t refused = 0;  // the node was down or dropped the proposal
};

class KvWorkload {
 public:
  KvWorkload(SimCluster* cluster, const KvWorkloadOptions& options, uint64_t seed);

  // Issues new requests and expires old ones; call once before each tick.
  void Tick();
  // Every request still waiting becomes indeterminate; returns the history.
  std::vector<linearizability::KvOperation> Finish();
  const KvWorkloadStats& stats() const { return state_->stats; }

 private:
  struct Client {
    bool busy = false;
    uint64_t request = 0;  // index into history of the request in flight
    int64_t deadline = 0;  // tick
  };
  // Shared with the completion callbacks the cluster holds.
  struct State {
    std::vector<linearizability::KvOperation> history;
    std::vector<Client> clients;
    KvWorkloadStats stats;
  };

  void Issue(int client);

  SimCluster* cluster_;
  KvWorkloadOptions options_;
  nokv::Random rng_;
  std::shared_ptr<State> state_;
  uint64_t seq_ = 0;
  // Values written per key, for compare-and-set expectations.
  std::map<std::string, std::vector<std::string>> written_;
};

}  // namespace nokv::raft::sim
