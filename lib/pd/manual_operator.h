// Operators asked for by hand (the HTTP operator endpoint): split a region
// at a key, merge two adjacent regions, transfer a leader, add or remove a
// peer. Planning is a pure function of the cluster snapshot; the new peers'
// ids are assigned by the caller (AssignPeerIds).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "pd/operator.h"
#include "pd/scheduler.h"

namespace nokv::pd {

struct ManualOperatorRequest {
  enum class Kind { kSplit, kMerge, kTransferLeader, kAddPeer, kRemovePeer };
  Kind kind = Kind::kSplit;
  uint64_t region_id = 0;
  std::string split_key;         // kSplit: strictly inside the region
  uint64_t target_region_id = 0; // kMerge: the adjacent region to merge into
  uint64_t store_id = 0;         // kTransferLeader / kAddPeer / kRemovePeer
};

// Parses "split", "merge", "transfer-leader", "add-peer", "remove-peer".
Result<ManualOperatorRequest::Kind> ParseManualKind(std::string_view name);

// InvalidArgument / NotFound naming the problem when the request cannot be
// planned (no such region or store, key outside the range, regions not
// adjacent, removing below one voter, ...).
Result<Operator> PlanManualOperator(const ClusterSnapshot& snap,
                                    const ManualOperatorRequest& request,
                                    const ScheduleOptions& options);

}  // namespace nokv::pd
