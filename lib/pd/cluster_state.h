// ClusterState: PD's durable state (bootstrapped flag, allocator bounds,
// stores, regions) as a deterministic state machine: Apply(command) checks
// the command against the current state, writes its effect to PdStorage
// (synced) and only then changes memory, so the same commands applied in the
// same order give the same state on every replica. A replicated PD puts the
// commands in its Raft log; a single PD applies them directly.
//
// Soft state (store stats, heartbeat times, region sizes) changes through
// the Update* calls, is not persisted and is not replicated.
//
// Not thread-safe: PlacementDriver serializes access.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "base/status.h"
#include "pd/pd_storage.h"
#include "pd/region_catalog.h"
#include "proto/pdpb.pb.h"
#include "proto/pdstatepb.pb.h"

namespace nokv::pd {

struct StoreInfo {
  metapb::Store meta;
  pdpb::StoreStats stats;        // soft: the last heartbeat's report
  uint64_t last_heartbeat_ms = 0;  // soft: 0 = never since PD started
};

class ClusterState {
 public:
  // Loads what `storage` holds (not owned; must outlive this). Corruption if
  // the stored regions contradict each other.
  static Result<std::unique_ptr<ClusterState>> Load(PdStorage* storage);
  // A state restored from a replicated PD's snapshot, over an in-memory
  // `storage` (a replica keeps its state in its Raft log and snapshots, not
  // in PdStorage). Corruption if the regions contradict each other.
  static Result<std::unique_ptr<ClusterState>> FromSnapshot(PdStorage* storage,
                                                            const pdstatepb::StateSnapshot& snap);
  // The durable state (no soft state), for a snapshot.
  pdstatepb::StateSnapshot ToSnapshot() const;
  // Carries the soft state of the stores both states know over from `old`.
  void TakeSoftState(const ClusterState& old);

  // The state machine. Errors leave state and storage unchanged:
  // InvalidArgument (malformed command, id 0), Busy (already bootstrapped),
  // NotFound, Aborted (stale region epoch), NotSupported (tombstone store),
  // or the storage error.
  Status Apply(const pdstatepb::Command& command);

  // Soft state.
  Status UpdateStoreStats(const pdpb::StoreStats& stats, uint64_t now_ms);
  void UpdateRegionStats(uint64_t region_id, const pdpb::RegionHeartbeatRequest& hb,
                         uint64_t now_ms);

  bool bootstrapped() const { return bootstrapped_; }
  uint64_t id_bound() const { return id_bound_; }
  uint64_t tso_bound() const { return tso_bound_; }
  const RegionCatalog& regions() const { return regions_; }
  const std::map<uint64_t, StoreInfo>& stores() const { return stores_; }
  const StoreInfo* store(uint64_t id) const;

 private:
  explicit ClusterState(PdStorage* storage) : storage_(storage) {}
  static Result<std::unique_ptr<ClusterState>> FromPersisted(PdStorage* storage,
                                                             PersistedState persisted);
  Status ApplyBootstrap(const pdstatepb::Bootstrap& b);
  Status ApplyPutStore(const metapb::Store& store);
  Status ApplyPutRegion(const pdstatepb::RegionRecord& record);
  Status ApplyRemoveRegion(uint64_t region_id);
  Status CheckStore(const metapb::Store& store) const;

  PdStorage* storage_;
  bool bootstrapped_ = false;
  uint64_t id_bound_ = 0;
  uint64_t tso_bound_ = 0;
  std::map<uint64_t, StoreInfo> stores_;
  RegionCatalog regions_;
};

}  // namespace nokv::pd
