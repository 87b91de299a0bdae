// Operators: what PD asks a region's leader to do, as a list of steps sent
// one at a time in region heartbeat responses, and the controller that keeps
// at most one operator per region, advances it as heartbeats show each step
// done, and drops it when it times out or the region's epoch moves on in a
// way the operator did not cause.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pd/region_catalog.h"
#include "proto/pdpb.pb.h"

namespace nokv::pd {

struct OperatorStep {
  enum class Kind { kTransferLeader, kAddLearner, kPromoteLearner, kRemovePeer, kSplit, kMerge };
  Kind kind = Kind::kTransferLeader;
  metapb::Peer peer;                    // leader target / peer added, promoted, removed
  std::vector<std::string> split_keys;  // kSplit; empty = the store picks
  metapb::Region merge_target;          // kMerge

  // True if `region` shows this step applied.
  bool IsDone(const RegionInfo& region, const metapb::RegionEpoch& planned) const;
  bool ChangesConf() const {
    return kind == Kind::kAddLearner || kind == Kind::kPromoteLearner || kind == Kind::kRemovePeer;
  }
  std::string ToString() const;
};

struct Operator {
  uint64_t id = 0;
  uint64_t region_id = 0;
  metapb::RegionEpoch epoch;  // the region's epoch when planned
  std::string desc;           // "balance-leader", "replace-down-peer", ...
  std::vector<OperatorStep> steps;
  size_t current = 0;         // index of the step in progress
  uint64_t created_ms = 0;
  uint64_t timeout_ms = 0;
  size_t conf_steps_done = 0;

  std::string ToString() const;
};

// Fills the step fields of a heartbeat response.
void StepToResponse(const Operator& op, pdpb::RegionHeartbeatResponse* response);

struct OperatorCounters {
  uint64_t added = 0, finished = 0, timed_out = 0, stale = 0, replaced = 0;
};

// Thread-safe.
class OperatorController {
 public:
  // Adds `op` for its region. A manual (forced) operator replaces a pending
  // one; otherwise Busy if the region has one. The id is assigned here.
  Status Add(Operator op, uint64_t now_ms, bool force = false);
  bool HasOperator(uint64_t region_id) const;
  // Called with each region heartbeat: advances past done steps, drops the
  // operator if finished, timed out or stale, and returns it if a step is
  // left to send.
  std::optional<Operator> OnHeartbeat(const RegionInfo& region, uint64_t now_ms);
  // Drops timed-out operators of regions that stopped heartbeating.
  void Sweep(uint64_t now_ms);
  std::vector<Operator> List() const;
  OperatorCounters counters() const;

 private:
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;                     // guarded by mu_
  std::map<uint64_t, Operator> by_region_;   // guarded by mu_
  OperatorCounters counters_;                // guarded by mu_
};

}  // namespace nokv::pd
