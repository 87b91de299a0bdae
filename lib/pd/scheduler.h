// Scheduling decisions as pure functions of a cluster snapshot: no clock,
// no I/O, no locks, so each one is unit-tested on a fake cluster. They
// return operators with new peers' ids left 0; the caller assigns ids from
// the id allocator before handing them to the OperatorController.
//
//   CheckReplicas  replace peers on down/offline/tombstone stores (add a
//                  learner, promote it, remove the dead peer), add missing
//                  replicas; never when alive voters are below a quorum
//   CheckSplit     split a region over --region-max-size / --region-max-keys
//   CheckMerge     merge a small region into its small right neighbour
//   BalanceLeaders move one leader from the store with most to the one with
//                  fewest when they differ by more than the tolerance
//   BalanceRegions move one replica likewise
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <vector>

#include "pd/cluster_state.h"
#include "pd/operator.h"

namespace nokv::pd {

struct ScheduleOptions {
  uint64_t max_store_down_ms = 30'000;
  int max_replicas = 3;
  uint64_t region_max_size = 144ull << 20;  // bytes; 0 = no size split
  uint64_t region_max_keys = 1'440'000;     // 0 = no key-count split
  bool enable_merge = false;
  uint64_t merge_max_size = 20ull << 20;    // both regions below these to merge
  uint64_t merge_max_keys = 200'000;
  uint64_t leader_tolerance = 1;            // act when max - min > tolerance
  uint64_t region_tolerance = 2;
  uint64_t operator_timeout_ms = 60'000;
};

// What the schedulers see of a store.
struct StoreView {
  uint64_t id = 0;
  bool schedulable = false;  // up, heartbeating and not offline/tombstone
  bool down = false;         // no heartbeat for max_store_down_ms, or tombstone
  bool offline = false;      // being drained: replicas move away, it still votes
  uint64_t region_count = 0; // replicas in the catalog
  uint64_t leader_count = 0; // leaders in the catalog
  uint64_t available = 0;    // bytes, from the last heartbeat
};

struct ClusterSnapshot {
  uint64_t now_ms = 0;
  std::vector<StoreView> stores;    // by id
  std::vector<RegionInfo> regions;  // in key order
  std::set<uint64_t> busy_regions;  // regions with an operator already
};

// Builds the snapshot from the state (store counts from the region catalog).
// A store not heard from since PD started counts from `pd_start_ms`, so a
// restarted PD does not see every store as down at once.
ClusterSnapshot MakeSnapshot(const ClusterState& state, uint64_t now_ms, uint64_t pd_start_ms,
                             const ScheduleOptions& options);
// Gives the new peers (id 0) of `op` ids from `alloc`, one per store.
Status AssignPeerIds(Operator* op, const std::function<Result<uint64_t>()>& alloc);

std::optional<Operator> CheckReplicas(const ClusterSnapshot& snap, const RegionInfo& region,
                                      const ScheduleOptions& options);
std::optional<Operator> CheckSplit(const RegionInfo& region, const ScheduleOptions& options);
// `right` is the region that starts where `region` ends (nullptr if none).
std::optional<Operator> CheckMerge(const RegionInfo& region, const RegionInfo* right,
                                   const ScheduleOptions& options);
std::optional<Operator> BalanceLeaders(const ClusterSnapshot& snap,
                                       const ScheduleOptions& options);
std::optional<Operator> BalanceRegions(const ClusterSnapshot& snap,
                                       const ScheduleOptions& options);

// All region checks for one region (replicas, then split, then merge).
std::optional<Operator> CheckRegion(const ClusterSnapshot& snap, const RegionInfo& region,
                                    const ScheduleOptions& options);

}  // namespace nokv::pd
