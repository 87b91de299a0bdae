// Store::Impl: the store runtime behind store.h. Its parts live in
//   store.cc           open / start / stop, the public API's hand-off, bootstrap
//   store_loop.cc      the raft thread: rounds, ticks, Ready handling, sending
//   store_peers.cc     peer lifecycle: load, create from a message, destroy
//   store_apply.cc     applying committed entries and snapshots
//   store_requests.cc  raw KV requests: validation, proposals, reads
//   store_admin.cc     split, merge, membership, leader transfer, log GC
//   store_pd.cc        heartbeats and PD operators (PD worker)
//
// Threading: everything below "raft thread only" is touched by the raft
// thread alone; other threads reach it by Post()ing a task. The inbox, the
// published stats and the store-address cache have their own mutexes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "proto/raft_cmdpb.pb.h"
#include "raftstore/engine_adapter.h"
#include "raftstore/failpoints.h"
#include "raftstore/pd_link.h"
#include "raftstore/peer.h"
#include "raftstore/raft_log_engine.h"
#include "raftstore/store.h"
#include "raftstore/worker.h"

namespace nokv::raftstore {

// A region error with its message.
errorpb::RegionError MakeNotLeader(uint64_t region_id, const metapb::Peer* leader,
                                   std::string address);
errorpb::RegionError MakeEpochNotMatch(std::vector<metapb::Region> current);
errorpb::RegionError MakeKeyNotInRegion(std::string_view key, const metapb::Region& region);
errorpb::RegionError MakeRegionNotFound(uint64_t region_id);
errorpb::RegionError MakeServerIsBusy(std::string reason, uint64_t backoff_ms);
errorpb::RegionError MakeStaleCommand(std::string why);
ApplyResult RegionErrorResult(errorpb::RegionError e);

struct Store::Impl {
  Impl(const StoreOptions& options, Transport* transport, PdLink* pd);

  // ---- fixed after Open
  const StoreOptions opts;
  Transport* const transport;
  PdLink* const pd;
  Failpoints* const fp;  // may be null
  std::unique_ptr<DataEngine> data;
  std::unique_ptr<RaftLogEngine> raft_log;
  std::string address;

  // ---- inbox (any thread)
  std::mutex inbox_mu;
  std::condition_variable inbox_cv;
  std::vector<std::function<void()>> inbox;  // guarded by inbox_mu
  bool stopping = false;                     // guarded by inbox_mu
  // Queues a task for the raft thread; false once the store is stopping.
  bool Post(std::function<void()> task);

  std::thread raft_thread;
  Worker snap_worker{"raftstore-snap"};
  Worker pd_worker{"raftstore-pd"};
  std::atomic<bool> running{false};
  // The raft thread runs (from Start until Stop joined it): only then must
  // other threads go through it to read peer state.
  std::atomic<bool> loop_alive{false};

  // ---- published for other threads
  mutable std::mutex stats_mu;
  StoreStats published;  // guarded by stats_mu
  mutable std::mutex addr_mu;
  std::map<uint64_t, std::string> store_addresses;  // guarded by addr_mu
  std::set<uint64_t> address_lookups;               // guarded by addr_mu

  // ---- raft thread only
  std::map<uint64_t, std::unique_ptr<Peer>> peers;  // by region id
  std::map<std::string, uint64_t> ranges;           // start key -> region id (initialized peers)
  std::map<uint64_t, raft_serverpb::RegionLocalState> tombstones;
  std::set<uint64_t> creating;                         // regions whose peer creation awaits PD
  std::map<uint64_t, uint64_t> last_create_lookup_ms;  // region -> last PD lookup
  RaftLogBatch log_batch;                              // staged for the next raft log write
  // (region, index) compactions waiting for the data engine to be synced.
  std::vector<std::pair<uint64_t, uint64_t>> pending_compactions;
  struct DelayedMessage {
    uint64_t due_ms;
    uint64_t store_id;
    raft_serverpb::RaftMessage message;
  };
  std::deque<DelayedMessage> delayed;
  StoreStats stats;  // counters; published each round
  uint64_t proposals_this_round = 0;
  std::vector<Peer*> peers_with_new_reads;  // reads_new non-empty
  bool halted = false;   // a crash point fired: the raft thread does nothing more
  bool closing = false;  // Stop() began: requests are refused, waiters failed
  uint64_t now_ms = 0;
  uint64_t last_tick_ms = 0;
  uint64_t last_store_heartbeat_ms = 0;
  uint64_t start_ms = 0;

  // ---- store_peers.cc
  Status LoadPeers();
  // Builds the peer object (storage, raft node) for a region. `state` is the
  // region's local state (initialized peer) or null (empty peer).
  Status CreatePeerObject(uint64_t region_id, uint64_t peer_id,
                          const raft_serverpb::RegionLocalState* state,
                          const raft_serverpb::RaftApplyState& apply_state,
                          std::unique_ptr<Peer>* out);
  void InsertRange(Peer* p);
  void EraseRange(Peer* p);
  // The initialized local region overlapping [start, end) other than
  // `except`, or 0.
  uint64_t FindOverlap(std::string_view start, std::string_view end, uint64_t except) const;
  // A message for a region this store lacks: ask PD whether to create it.
  void MaybeCreatePeer(const raft_serverpb::RaftMessage& msg);
  void CreatePeerFromPd(const raft_serverpb::RaftMessage& msg, const metapb::Region& pd_region);
  // Marks the peer for removal at the end of the round. With
  // write_tombstone its region state becomes TOMBSTONE (synced) and its
  // data is cleared; without, the caller already wrote the tombstone (a
  // merged-away source, whose data the target now owns).
  void DestroyPeer(Peer* p, bool write_tombstone, const std::string& why);
  // Removes the peers marked destroying (raft log dropped next write).
  void ReapDestroyed();
  // Stops a peer after a failure it cannot recover from (loudly).
  void StopPeer(Peer* p, const Status& why);
  void FailPending(Peer* p, const ApplyResult& result);
  Peer* FindPeer(uint64_t region_id);

  // ---- store_loop.cc
  void Run();
  void Round();
  void Tick();
  // Asks PD about an empty peer that heard nothing for
  // empty_peer_check_interval_ms; destroys it if PD no longer lists it.
  void MaybeCheckEmptyPeer(Peer* p);
  void HandleReadies();
  void HandleRaftMessage(raft_serverpb::RaftMessage msg);
  void HandleReceivedSnapshot(raft_serverpb::RaftMessage msg, raft_serverpb::SnapshotMeta meta,
                              std::string data);
  void SendRaftMessages(Peer* p, std::vector<raftpb::Message>* messages);
  void SendEnvelope(uint64_t store_id, raft_serverpb::RaftMessage env, uint64_t to_peer);
  void SendTombstone(Peer* p, const raft_serverpb::RaftMessage& to_stale);
  raft_serverpb::RaftMessage Envelope(const Peer& p, const metapb::Peer& to) const;
  void OnSoftStateChange(Peer* p, const raft::SoftState& soft);
  // One ReadIndex per peer for the reads accepted since the last round.
  void IssueReadIndexes();
  void HandleReadStates(Peer* p, const std::vector<raft::ReadState>& states);
  void RunReadyReads(Peer* p);
  void SweepTimeouts();
  void PublishStats();
  void Halt(CrashPoint point);
  bool CrashAt(CrashPoint point);
  // The snapshot builder behind PeerStorage::Snapshot.
  Status BuildSnapshot(uint64_t region_id, raftpb::Snapshot* out);
  void OnSnapshotGenerated(uint64_t region_id, uint64_t peer_id, Status s, GeneratedSnapshot snap);

  // ---- store_apply.cc
  struct ApplyContext {
    DataWriteBatch batch;
    bool sync = false;
    std::vector<std::function<void()>> after_write;  // effects: peer creation...
    // Answers to callers, sent after the write (or failed if it fails).
    std::vector<std::pair<ProposalCallback, ApplyResult>> responses;
    std::set<Peer*> dirty;     // apply state to record
    std::vector<Peer*> peers;  // peers with entries in the batch
  };
  void ApplyCommitted(std::vector<std::pair<Peer*, raft::Ready>>& readies);
  // Applies one entry into ctx; false if the peer had to stop.
  bool ApplyEntry(Peer* p, const raftpb::Entry& e, ApplyContext* ctx);
  ApplyResult ApplyWrites(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd, ApplyContext* ctx);
  ApplyResult ApplyAdmin(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd, uint64_t index,
                         uint64_t term, ApplyContext* ctx);
  ApplyResult ApplyConfChange(Peer* p, const raftpb::Entry& e, ApplyContext* ctx);
  ApplyResult ApplySplit(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd, ApplyContext* ctx);
  ApplyResult ApplyPrepareMerge(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd, uint64_t index,
                                ApplyContext* ctx);
  ApplyResult ApplyCommitMerge(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd, ApplyContext* ctx);
  ApplyResult ApplyRollbackMerge(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd, ApplyContext* ctx);
  ApplyResult ApplyCompactLog(Peer* p, const raft_cmdpb::RaftCmdRequest& cmd, ApplyContext* ctx);
  // Resolves the proposals waiting on (term, index) and older ones.
  void ResolveProposals(Peer* p, uint64_t term, uint64_t index, ApplyResult result,
                        ApplyContext* ctx);
  void WriteRegionState(Peer* p, DataWriteBatch* batch);
  // Writes ctx's batch; false (peers stopped) on failure.
  bool FlushApply(ApplyContext* ctx);
  // Ready.snapshot of `p`: installs the received data (synced) and stages
  // the raft log reset. False if the peer had to stop.
  bool InstallSnapshot(Peer* p, const raftpb::Snapshot& snap);
  void RunCompactions();

  // ---- store_requests.cc
  void HandleRawGet(const kvrpcpb::RawGetRequest& req, Callback<kvrpcpb::RawGetResponse> done);
  void HandleRawBatchGet(const kvrpcpb::RawBatchGetRequest& req,
                         Callback<kvrpcpb::RawBatchGetResponse> done);
  void HandleRawPut(const kvrpcpb::RawPutRequest& req, Callback<kvrpcpb::RawPutResponse> done);
  void HandleRawBatchPut(const kvrpcpb::RawBatchPutRequest& req,
                         Callback<kvrpcpb::RawBatchPutResponse> done);
  void HandleRawDelete(const kvrpcpb::RawDeleteRequest& req,
                       Callback<kvrpcpb::RawDeleteResponse> done);
  void HandleRawDeleteRange(const kvrpcpb::RawDeleteRangeRequest& req,
                            Callback<kvrpcpb::RawDeleteRangeResponse> done);
  void HandleRawScan(const kvrpcpb::RawScanRequest& req, Callback<kvrpcpb::RawScanResponse> done);
  // Checks a request's context and keys against the region; the peer if it
  // may serve (leader), else fills *error.
  Peer* Validate(const kvrpcpb::Context& ctx, const std::vector<std::string_view>& keys,
                 errorpb::RegionError* error, Status* status);
  void Propose(Peer* p, raft_cmdpb::RaftCmdRequest cmd, ProposalCallback done);
  void Read(Peer* p, PendingRead read);
  std::string LeaderAddress(uint64_t store_id);

  // ---- store_admin.cc
  void ProposeAdmin(Peer* p, raft_cmdpb::AdminRequest admin, ProposalCallback done);
  // Splits at `keys` (empty: at the middle key found by a size scan).
  void StartSplit(uint64_t region_id, std::vector<std::string> keys,
                  std::function<void(Status)> done);
  void ProposeSplit(uint64_t region_id, metapb::RegionEpoch epoch, std::vector<std::string> keys,
                    std::vector<pdpb::AskSplitResponse> ids, std::function<void(Status)> done);
  void StartMerge(uint64_t source_id, uint64_t target_id, std::function<void(Status)> done);
  void StartChangePeer(uint64_t region_id, bool add, const metapb::Peer& peer,
                       std::function<void(Status)> done);
  void StartTransferLeader(uint64_t region_id, uint64_t to_peer_id,
                           std::function<void(Status)> done);
  void DriveMerge(Peer* source);
  void MaybeCompactLog(Peer* p);
  void MaybeScanSize(Peer* p);

  std::atomic<uint64_t> pd_region_heartbeats{0}, pd_store_heartbeats{0}, pd_errors{0};

  // ---- store_pd.cc
  void SendHeartbeats();
  void OnRegionHeartbeatResponse(uint64_t region_id, const pdpb::RegionHeartbeatResponse& resp);
  void ReportSplitToPd(const metapb::Region& left, const metapb::Region& right);
  void LookupStoreAddress(uint64_t store_id);
  pdpb::StoreStats CollectStoreStats();
};

// Turns an ApplyResult into a Status for the admin API's callbacks.
Status StatusOf(const ApplyResult& r);

}  // namespace nokv::raftstore
