// TestCluster: several stores in one process for tests — an in-process PD
// (lib/pd's PlacementDriver, no sockets), a MemNetwork with fault hooks,
// each store on its own FaultFileSystem (so a test can crash it the way a
// machine crash would) with its own failpoints, stores stoppable and
// restartable on their workdirs, and a small client that routes by the
// stores' own region views and retries region errors.
//
// Built into nokv_raftstore_testutil (not the store library); the gRPC
// transport and client tests may reuse it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pd/placement_driver.h"
#include "raftstore/failpoints.h"
#include "raftstore/mem_transport.h"
#include "raftstore/pd_link.h"
#include "raftstore/store.h"
#include "vfs/fault_file_system.h"

namespace nokv::raftstore {

struct TestClusterOptions {
  int num_stores = 3;
  // Bootstrap regions; empty = one region 1 covering everything with peer
  // store_id * 100 + 1 on every store.
  std::vector<metapb::Region> regions;
  // Template for every store (store_id, workdir, fs, failpoints are set per
  // store). Tests default to fast ticks.
  StoreOptions store;
  // Stores run on a FaultFileSystem (crashable; fsync only modelled, not
  // done). False: the POSIX file system with real fsyncs (for figures);
  // CrashStore then needs the fault file system.
  bool fault_fs = true;
  TestClusterOptions() {
    store.tick_interval_ms = 20;
    store.region_heartbeat_interval_ms = 200;
    store.store_heartbeat_interval_ms = 500;
    store.raft_log_gc_tick_interval_ms = 100;
    store.data_engine.memtable_size = 4 << 20;
    store.raft_log_memtable_size = 4 << 20;
  }
};

// A region with peers (peer id, store id), epoch (1, 1).
metapb::Region MakeTestRegion(uint64_t id, std::string start, std::string end,
                              std::vector<std::pair<uint64_t, uint64_t>> peers);

class TestCluster {
 public:
  TestCluster(std::string dir, TestClusterOptions options = TestClusterOptions());
  ~TestCluster();

  // Bootstraps PD and every store's workdir, opens and starts the stores.
  Status Start();

  Store* store(uint64_t id);  // null while stopped
  std::vector<uint64_t> store_ids() const;
  MemNetwork& net() { return net_; }
  pd::PlacementDriver* pd() { return pd_.get(); }
  FaultFileSystem* fs(uint64_t id) { return nodes_.at(id).fs.get(); }
  Failpoints* failpoints(uint64_t id) { return nodes_.at(id).failpoints.get(); }
  StoreOptions& store_options(uint64_t id) { return nodes_.at(id).options; }

  // A clean stop (engines closed, WAL synced).
  void StopStore(uint64_t id);
  // Reopens a stopped store on its workdir.
  Status StartStore(uint64_t id);
  // Kills the store like a machine crash: its file system freezes, the store
  // stops, and unsynced data is lost (per `mode`). Start it again with
  // StartStore.
  Status CrashStore(uint64_t id, CrashMode mode = CrashMode::kDropUnsyncedData);
  // Adds an empty store (no regions) to the cluster and starts it.
  Status AddStore(uint64_t id);

  // Polls `pred` every 10 ms until it holds or `timeout_ms` passes.
  static bool WaitFor(const std::function<bool()>& pred, int timeout_ms);
  // The store leading the region (0 if none in time).
  uint64_t WaitLeader(uint64_t region_id, int timeout_ms = 10000);
  std::optional<RegionStatus> RegionOn(uint64_t store_id, uint64_t region_id);
  // True once every running store holding the region applied `index`.
  bool WaitApplied(uint64_t region_id, uint64_t index, int timeout_ms = 10000);
  // True once every store holds `target` reaching the end of the key space
  // and no longer holds `source` (the last region, merged into `target`).
  bool WaitMergedAtTheEnd(uint64_t source, uint64_t target, int timeout_ms = 15000);

  // ---- client: leader routing from the stores' views, retries on region
  // errors until timeout_ms.
  Status Put(const std::string& key, const std::string& value, int timeout_ms = 10000);
  Status Delete(const std::string& key, int timeout_ms = 10000);
  // The value, nullopt if the key is missing.
  Result<std::optional<std::string>> Get(const std::string& key, int timeout_ms = 10000);
  // All pairs in [start, end) across regions.
  Result<std::vector<std::pair<std::string, std::string>>> Scan(const std::string& start,
                                                                const std::string& end,
                                                                int timeout_ms = 10000);

  // Region operations through the region's leader (retried while leadership
  // moves).
  Status Split(uint64_t region_id, const std::string& key, int timeout_ms = 10000);
  Status Merge(uint64_t source, uint64_t target, int timeout_ms = 20000);
  Status ChangePeer(uint64_t region_id, bool add, const metapb::Peer& peer, int timeout_ms = 10000);
  Status TransferLeader(uint64_t region_id, uint64_t to_store, int timeout_ms = 10000);

  // The local data of [start, end) on a store (DebugScan of "default").
  std::vector<std::pair<std::string, std::string>> LocalData(uint64_t store_id,
                                                             const std::string& start,
                                                             const std::string& end);

 private:
  struct Node {
    StoreOptions options;
    std::shared_ptr<FaultFileSystem> fs;
    std::shared_ptr<Failpoints> failpoints;
    std::unique_ptr<Store> store;
  };
  // The running store leading the region holding `key`, with its view.
  std::pair<Store*, RegionStatus> LeaderForKey(const std::string& key);
  Store* LeaderOf(uint64_t region_id);
  Status RetryAdmin(uint64_t region_id, int timeout_ms,
                    const std::function<void(Store*, std::function<void(Status)>)>& op);
  // Fills node `id`'s options, file system and failpoints (not yet bootstrapped).
  Node& PrepareNode(uint64_t id);
  Status OpenNode(uint64_t id);

  const std::string dir_;
  TestClusterOptions options_;
  MemNetwork net_;
  std::unique_ptr<pd::PlacementDriver> pd_;
  std::unique_ptr<PdLink> pd_link_;
  std::map<uint64_t, Node> nodes_;
};

}  // namespace nokv::raftstore
