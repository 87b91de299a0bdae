// Store: one store node's regions — a Raft group per region replica, all
// sharing one data engine and one raft log engine — and the API the KV
// service and the transport call. docs/raftstore.md describes the runtime.
//
// Threads: one raft thread drives every peer (ticks every tick_interval_ms,
// steps inbound messages, proposes, persists all peers' Ready in ONE synced
// raft-log batch per round, sends, applies committed entries to the data
// engine in ONE write batch per round, answers callers); a snapshot worker
// generates region snapshots and scans region sizes; a PD worker sends
// heartbeats and runs PD's operators. Reads run on the raft thread once they
// are safe (ReadIndex answered and applied).
//
// Every public method is thread-safe and non-blocking (work is queued for
// the store's threads), except Open, Start, Stop and Regions (which waits
// for the raft thread's answer). Callbacks are called
// exactly once, on a store thread (or on the caller's thread for an error
// found before anything was queued); they must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nokv/options.h"
#include "proto/kvrpcpb.pb.h"
#include "proto/metapb.pb.h"
#include "proto/raft_serverpb.pb.h"
#include "raftstore/transport.h"

namespace nokv {
class FileSystem;
}

namespace nokv::raftstore {

class Failpoints;
class PdLink;

enum class ReadMode {
  // A read asks the leader to confirm its leadership with a heartbeat round
  // to a quorum (raft ReadIndex), then waits until that index is applied.
  kReadIndex,
  // The leader trusts its lease (raft check_quorum keeps it short of an
  // election timeout; assumes bounded clock drift): no message round.
  kLease,
};

struct StoreOptions {
  uint64_t store_id = 0;    // > 0
  uint64_t cluster_id = 0;  // 0 = any; recorded in the store ident
  // <workdir>/data holds the data engine, <workdir>/raft the raft log engine.
  std::string workdir;
  std::shared_ptr<FileSystem> fs;  // null = POSIX
  // Options of the data engine (fs and create_if_missing are set by the
  // store).
  Options data_engine;
  size_t raft_log_memtable_size = 32ull << 20;

  int tick_interval_ms = 100;
  int election_ticks = 10;
  int heartbeat_ticks = 2;
  uint64_t max_size_per_msg = 1ull << 20;
  size_t max_inflight_msgs = 256;
  ReadMode read_mode = ReadMode::kReadIndex;
  // Seed of raft's election randomization (mixed with each peer id).
  uint64_t raft_seed = 0;

  // A proposal (write or admin) not applied within this long is answered
  // with an error ("timed out"; it may still apply later). Reads likewise.
  int command_timeout_ms = 3000;
  // Pending proposals per store beyond which writes get ServerIsBusy.
  size_t max_pending_proposals = 4096;
  // A command larger than this gets RaftEntryTooLarge.
  uint64_t max_entry_bytes = 8ull << 20;
  // RawScan limit when the request says 0, and the most it may ask for.
  uint32_t max_scan_limit = 10000;

  // Raft log compaction, checked every raft_log_gc_tick_interval_ms by each
  // leader: compact to the applied index minus raft_log_retain_entries, or
  // further down to the slowest follower's match, once more than
  // raft_log_gc_threshold entries are kept; a follower that falls further
  // behind than raft_log_gc_count_limit catches up by snapshot.
  int raft_log_gc_tick_interval_ms = 1000;
  uint64_t raft_log_gc_threshold = 256;
  uint64_t raft_log_retain_entries = 16;
  uint64_t raft_log_gc_count_limit = 10000;

  // PD: leaders send region heartbeats every region_heartbeat_interval_ms
  // (and at once after becoming leader or changing the region); the store
  // heartbeat goes every store_heartbeat_interval_ms.
  int region_heartbeat_interval_ms = 3000;
  int store_heartbeat_interval_ms = 10000;
  // A region whose approximate size passes this asks PD to split it
  // (0 = never; PD's operators may still split it).
  uint64_t region_split_size = 0;
  // Leaders rescan their region's size (keys, bytes) this often.
  int region_size_scan_interval_ms = 10000;
  // An empty peer (created by a message, still waiting for its snapshot)
  // that has heard nothing for this long asks PD whether the region still
  // lists it; if not (it was removed before it ever caught up, or the
  // region is gone), it is destroyed. 0 = never.
  int empty_peer_check_interval_ms = 60000;

  // Crash points and message filters for tests (null = none).
  std::shared_ptr<Failpoints> failpoints;

  // OK, or InvalidArgument naming the first bad field.
  Status Validate() const;
};

// One region as this store sees it (for /debug, `nokv regions`, tests).
struct RegionStatus {
  metapb::Region region;
  raft_serverpb::PeerState state = raft_serverpb::NORMAL;
  uint64_t peer_id = 0;
  uint64_t leader_peer_id = 0;  // 0 = unknown
  bool is_leader = false;
  uint64_t term = 0;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  uint64_t first_index = 0;  // raft log: entries [first, last] are kept
  uint64_t last_index = 0;
  uint64_t approximate_keys = 0;
  uint64_t approximate_size = 0;
  bool initialized = true;  // false: created by a message, waiting for a snapshot
  bool stopped = false;     // an apply or persist failure stopped it
};

// Counters for /metrics and /debug/vars. Monotonic unless noted.
struct StoreStats {
  uint64_t store_id = 0;
  // Gauges.
  uint64_t regions = 0, regions_normal = 0, regions_merging = 0, regions_uninitialized = 0;
  uint64_t regions_stopped = 0, leaders = 0;
  uint64_t raft_log_lag = 0;  // sum over local peers of (last index - applied index)
  uint64_t pending_proposals = 0;
  // Raft thread.
  uint64_t rounds = 0, raft_log_writes = 0, ready_peers = 0;
  uint64_t proposals = 0, proposals_dropped = 0, proposals_stale = 0, proposals_timed_out = 0;
  uint64_t admin_proposals = 0;
  uint64_t applied_entries = 0, apply_batches = 0, apply_micros_total = 0, apply_micros_max = 0;
  uint64_t apply_failures = 0;
  uint64_t reads = 0, read_index_requests = 0;
  uint64_t messages_received = 0, messages_sent = 0, messages_dropped = 0;
  uint64_t messages_refused = 0;  // stepped, but refused by raft
  uint64_t snapshots_generated = 0, snapshots_sent = 0, snapshots_send_failed = 0;
  uint64_t snapshots_received = 0, snapshots_rejected = 0, snapshots_applied = 0;
  uint64_t snapshot_bytes_sent = 0, snapshot_bytes_received = 0;
  uint64_t splits = 0, merges = 0, conf_changes = 0, leader_transfers = 0, log_compactions = 0;
  // Source entries a merge applied from the local source peer's own log.
  uint64_t merge_catch_up_entries = 0;
  uint64_t peers_created = 0, peers_destroyed = 0;
  uint64_t region_heartbeats = 0, store_heartbeats = 0, pd_errors = 0, pd_operators = 0;
  uint64_t epoch_not_match = 0, not_leader = 0, key_not_in_region = 0, server_is_busy = 0;
};

template <typename Response>
using Callback = std::function<void(Response response)>;

class Store final : public RaftMessageHandler {
 public:
  // Opens (creating when missing) the store's engines in options.workdir and
  // loads its regions. The store ident is checked: a workdir written by
  // another store id or cluster is refused (InvalidArgument). `transport`
  // and `pd` are not owned and must outlive the store.
  static Status Open(const StoreOptions& options, Transport* transport, PdLink* pd,
                     std::unique_ptr<Store>* store);
  ~Store() override;  // Stop()s if running.

  // Starts the threads, registers with the transport (SetHandler) and
  // announces the store to PD (PutStore with `address`, from the PD worker,
  // retried until it succeeds or the store stops).
  Status Start(const std::string& address);
  // Stops the threads (pending callbacks get an error), unregisters from the
  // transport, closes the engines. Idempotent.
  void Stop();

  uint64_t store_id() const;

  // ---- raw key-value API (the NoKV service). Region errors come back in
  // the response's region_error; engine failures in its error string.
  void RawGet(const kvrpcpb::RawGetRequest& request, Callback<kvrpcpb::RawGetResponse> done);
  void RawBatchGet(const kvrpcpb::RawBatchGetRequest& request,
                   Callback<kvrpcpb::RawBatchGetResponse> done);
  void RawPut(const kvrpcpb::RawPutRequest& request, Callback<kvrpcpb::RawPutResponse> done);
  void RawBatchPut(const kvrpcpb::RawBatchPutRequest& request,
                   Callback<kvrpcpb::RawBatchPutResponse> done);
  void RawDelete(const kvrpcpb::RawDeleteRequest& request,
                 Callback<kvrpcpb::RawDeleteResponse> done);
  void RawDeleteRange(const kvrpcpb::RawDeleteRangeRequest& request,
                      Callback<kvrpcpb::RawDeleteRangeResponse> done);
  void RawScan(const kvrpcpb::RawScanRequest& request, Callback<kvrpcpb::RawScanResponse> done);

  // ---- region operations (what PD's operators trigger; also for tools and
  // tests). Each is sent to the region's local peer, which must lead;
  // `done` gets OK once the change is applied on this store (not on every
  // replica), or the error (NotSupported "not leader", Aborted for an epoch
  // or state conflict, InvalidArgument, TimedOut-like IOError).
  // Splits at `split_key`, or at the middle key of the region's data when
  // empty; ids come from PD.
  void SplitRegion(uint64_t region_id, std::string split_key, std::function<void(Status)> done);
  // Merges `source_region_id` into its adjacent `target_region_id` (same
  // stores, both led from this store or reachable through it).
  void MergeRegion(uint64_t source_region_id, uint64_t target_region_id,
                   std::function<void(Status)> done);
  // Adds (voter or learner, per peer.role()) or removes a peer. An added
  // peer's id should come from PD's AllocID; its store creates it on the
  // first message and it catches up by snapshot.
  void ChangePeer(uint64_t region_id, bool add, const metapb::Peer& peer,
                  std::function<void(Status)> done);
  void TransferLeader(uint64_t region_id, uint64_t to_peer_id, std::function<void(Status)> done);
  // Asks a leader to campaign now (tests, and a freshly bootstrapped
  // cluster that should not wait an election timeout).
  void Campaign(uint64_t region_id);

  // ---- RaftMessageHandler (the transport's inbound side)
  void OnRaftMessage(raft_serverpb::RaftMessage message) override;
  Status OnSnapshot(raft_serverpb::RaftMessage message, std::string data) override;
  void OnStoreUnreachable(uint64_t store_id) override;

  // ---- observability
  StoreStats Stats() const;
  std::vector<RegionStatus> Regions() const;
  // The local region holding `key` (NotFound if none).
  Result<RegionStatus> RegionForKey(std::string_view key) const;
  // The local replica's records of [start, end) (end empty = +inf) in column
  // family `cf`, read straight from this store's data engine whatever the
  // leadership: for tests and tools comparing replicas, not linearizable.
  Status DebugScan(std::string_view cf, std::string_view start, std::string_view end,
                   std::vector<std::pair<std::string, std::string>>* out) const;

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Writes the store ident and, for every region in `regions` that has a peer
// on store_id, its initial region and raft state into a new workdir (the
// topology file's bootstrap regions; `nokv-config manifest`). Refuses a
// workdir that already holds a store (Busy) and inconsistent input
// (InvalidArgument: overlapping regions, duplicate peer ids, epoch 0).
Status BootstrapStore(const StoreOptions& options, const std::vector<metapb::Region>& regions);

// Reads a store's regions from its workdir without starting it (`nokv
// regions --workdir`): read-only; InvalidArgument if the directory is not a
// store workdir.
Status ReadStoreRegions(const std::string& workdir, std::shared_ptr<FileSystem> fs,
                        uint64_t* store_id, std::vector<RegionStatus>* regions);

}  // namespace nokv::raftstore
