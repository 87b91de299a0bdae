// PlacementDriver: PD's service logic, one method per RPC taking and
// returning the pdpb messages, with no gRPC or sockets involved (the gRPC
// adapter is pd_service.h; tests call these directly). It owns the durable
// ClusterState, the TSO and id allocators, and the operator controller.
//
// Durable changes go through Propose(command), which for a single PD applies
// the command to the ClusterState (persisted with fsync first). A follower
// (SetLeadership(false, ...)) answers every RPC but GetMembers with
// NOT_LEADER and the leader's address.
//
// Thread-safe. Lock order: allocator locks before mu_ (the allocators save
// their bounds through Propose); never call an allocator holding mu_.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "pd/cluster_state.h"
#include "pd/id_allocator.h"
#include "pd/manual_operator.h"
#include "pd/operator.h"
#include "pd/pd_storage.h"
#include "pd/scheduler.h"
#include "pd/tso.h"
#include "proto/pdpb.pb.h"

namespace nokv::pd {

struct PdOptions {
  std::string name = "pd";
  std::string advertise_address;  // this member's gRPC address, for GetMembers
  std::string workdir;            // empty = in-memory
  uint64_t id_start = 1;          // first id handed out (if above the saved bound)
  uint64_t ts_start = 1;          // no timestamp below this
  uint64_t tso_window_ms = 3000;
  uint64_t id_window = 1000;
  ScheduleOptions schedule;
  int max_new_operators_per_tick = 16;
  // Replicated PD (--initial-cluster): every member, this one included, and
  // this member's id among them. Empty: a single PD that always leads.
  std::vector<pdpb::Member> members;
  uint64_t member_id = 1;
  // Unix ms; the system clock if unset. Tests inject a fake one.
  std::function<uint64_t()> clock_ms;
};

// Counters for /metrics and /debug/vars.
struct PdCounters {
  std::atomic<uint64_t> tso_requests{0}, tso_timestamps{0}, id_requests{0};
  std::atomic<uint64_t> store_heartbeats{0}, region_heartbeats{0}, stale_heartbeats{0};
  std::atomic<uint64_t> operators_sent{0}, errors{0};
};

class PlacementDriver {
 public:
  static Result<std::unique_ptr<PlacementDriver>> Open(PdOptions options);
  ~PlacementDriver();

  pdpb::GetMembersResponse GetMembers(const pdpb::GetMembersRequest& request);
  pdpb::TsoResponse Tso(const pdpb::TsoRequest& request);
  pdpb::AllocIDResponse AllocID(const pdpb::AllocIDRequest& request);
  pdpb::BootstrapResponse Bootstrap(const pdpb::BootstrapRequest& request);
  pdpb::IsBootstrappedResponse IsBootstrapped(const pdpb::IsBootstrappedRequest& request);
  pdpb::PutStoreResponse PutStore(const pdpb::PutStoreRequest& request);
  pdpb::GetStoreResponse GetStore(const pdpb::GetStoreRequest& request);
  pdpb::GetAllStoresResponse GetAllStores(const pdpb::GetAllStoresRequest& request);
  pdpb::StoreHeartbeatResponse StoreHeartbeat(const pdpb::StoreHeartbeatRequest& request);
  pdpb::RegionHeartbeatResponse RegionHeartbeat(const pdpb::RegionHeartbeatRequest& request);
  pdpb::GetRegionResponse GetRegion(const pdpb::GetRegionRequest& request);
  pdpb::GetRegionResponse GetRegionByID(const pdpb::GetRegionByIDRequest& request);
  pdpb::ScanRegionsResponse ScanRegions(const pdpb::ScanRegionsRequest& request);
  pdpb::AskSplitResponse AskSplit(const pdpb::AskSplitRequest& request);
  pdpb::ReportSplitResponse ReportSplit(const pdpb::ReportSplitRequest& request);
  pdpb::RemoveRegionResponse RemoveRegion(const pdpb::RemoveRegionRequest& request);

  // One scheduling round: region checks over every region, one leader and
  // one region balance decision, and the sweep of timed-out operators. The
  // server calls it every second.
  void Tick();

  // An operator asked for by hand (HTTP); replaces a pending one.
  Result<Operator> AddManualOperator(const ManualOperatorRequest& request);

  // Leadership (a replicated PD sets it; a single PD always leads).
  void SetLeadership(bool is_leader, std::string leader_address);
  bool is_leader() const;

  // Replication hooks (pd_replicator.h). With a proposer set, durable
  // changes go through it, and ApplyReplicated applies them on every member.
  void SetProposer(std::function<Status(const pdstatepb::Command&)> proposer);
  Status ApplyReplicated(const pdstatepb::Command& command);
  // A replica's snapshot data (raft_snapshot.h): the durable state, encoded.
  std::string SnapshotReplicated() const;
  // Replaces the durable state with a snapshot's, atomically (soft state of
  // the stores kept). Corruption if the data fails its checksum.
  Status RestoreReplicated(const std::string& data);
  // The Raft leader changed (0 = none) or this member became a ready leader:
  // a ready leader restarts its allocators above the replicated bounds and
  // serves; anyone else answers NOT_LEADER naming the leader.
  void OnLeaderChange(uint64_t leader_member_id, bool ready_leader);

  // Introspection for the HTTP API and metrics. Copies, taken under the lock.
  std::vector<StoreInfo> Stores() const;
  std::vector<RegionInfo> Regions() const;
  std::optional<RegionInfo> RegionByKey(std::string_view key) const;
  std::vector<Operator> Operators() const { return operators_.List(); }
  OperatorCounters operator_counters() const { return operators_.counters(); }
  const PdCounters& counters() const { return counters_; }
  ClusterSnapshot Snapshot() const;
  bool persistent() const { return storage_->persistent(); }
  const PdOptions& options() const { return options_; }
  uint64_t NowMs() const { return options_.clock_ms(); }
  uint64_t tso_saved_bound_ms() const { return Tsos()->saved_bound_ms(); }
  uint64_t id_saved_bound() const { return Ids()->saved_bound(); }
  uint64_t last_timestamp() const { return Tsos()->last_ts(); }
  // The bounds found in storage at Open (0 if none).
  uint64_t loaded_id_bound() const { return loaded_id_bound_; }
  uint64_t loaded_tso_bound_ms() const { return loaded_tso_bound_ms_; }

  // Allocates one id (operators' new peers, AskSplit).
  Result<uint64_t> AllocOneId() { return Ids()->Allocate(1); }

 private:
  explicit PlacementDriver(PdOptions options);
  // Applies a durable change (see the file comment).
  Status Propose(const pdstatepb::Command& command);
  // NOT_LEADER / NOT_BOOTSTRAPPED checks shared by the RPCs. False (and the
  // header filled) if the request must not go on.
  bool CheckServing(pdpb::ResponseHeader* header, bool need_bootstrap) const;
  // An allocator's error: NOT_LEADER if it retired, else as SetError.
  void SetAllocError(pdpb::ResponseHeader* header, const Status& s) const;
  Status AddScheduled(Operator op, uint64_t now_ms);
  // New allocators starting above the bounds in the state.
  void ResetAllocators();
  void RetireAllocators();
  std::shared_ptr<TsoAllocator> Tsos() const;
  std::shared_ptr<IdAllocator> Ids() const;

  PdOptions options_;
  std::unique_ptr<PdStorage> storage_;
  mutable std::mutex mu_;
  std::unique_ptr<ClusterState> state_;  // guarded by mu_
  mutable std::mutex alloc_mu_;
  std::shared_ptr<TsoAllocator> tso_;  // guarded by alloc_mu_ (the pointer)
  std::shared_ptr<IdAllocator> ids_;   // guarded by alloc_mu_ (the pointer)
  std::function<Status(const pdstatepb::Command&)> proposer_;  // set before serving
  OperatorController operators_;
  PdCounters counters_;
  uint64_t start_ms_ = 0;
  uint64_t loaded_id_bound_ = 0;
  uint64_t loaded_tso_bound_ms_ = 0;
  mutable std::mutex leader_mu_;
  bool is_leader_ = true;         // guarded by leader_mu_
  std::string leader_address_;    // guarded by leader_mu_
};

// Fills `header` with the error for `status` (OK leaves it clean).
void SetError(pdpb::ResponseHeader* header, const Status& status);
void SetError(pdpb::ResponseHeader* header, pdpb::ErrorType type, std::string message);

}  // namespace nokv::pd
