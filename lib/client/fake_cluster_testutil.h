// A fake cluster for the client tests: an in-process PD on loopback and fake
// stores serving the NoKV service on loopback, all sharing one "truth"
// (regions with their leader store, one key-value map per column family).
// Each fake store validates a request the way a real one does (region on
// this store, epoch, keys in range, leadership) and answers with the
// matching region error; tests change the truth (split, move a leader, stop
// a store) and may leave PD stale, and can script one-shot errors.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pd/pd_service.h"
#include "pd/placement_driver.h"
#include "proto/kvrpcpb.grpc.pb.h"

namespace nokv::client::testing {

class FakeCluster;

class FakeStore final : public kvrpcpb::NoKV::Service {
 public:
  FakeStore(FakeCluster* cluster, uint64_t id) : cluster_(cluster), id_(id) {}
  grpc::Status RawGet(grpc::ServerContext*, const kvrpcpb::RawGetRequest*,
                      kvrpcpb::RawGetResponse*) override;
  grpc::Status RawBatchGet(grpc::ServerContext*, const kvrpcpb::RawBatchGetRequest*,
                           kvrpcpb::RawBatchGetResponse*) override;
  grpc::Status RawPut(grpc::ServerContext*, const kvrpcpb::RawPutRequest*,
                      kvrpcpb::RawPutResponse*) override;
  grpc::Status RawBatchPut(grpc::ServerContext*, const kvrpcpb::RawBatchPutRequest*,
                           kvrpcpb::RawBatchPutResponse*) override;
  grpc::Status RawDelete(grpc::ServerContext*, const kvrpcpb::RawDeleteRequest*,
                         kvrpcpb::RawDeleteResponse*) override;
  grpc::Status RawDeleteRange(grpc::ServerContext*, const kvrpcpb::RawDeleteRangeRequest*,
                              kvrpcpb::RawDeleteRangeResponse*) override;
  grpc::Status RawScan(grpc::ServerContext*, const kvrpcpb::RawScanRequest*,
                       kvrpcpb::RawScanResponse*) override;

  uint64_t id() const { return id_; }

 private:
  FakeCluster* const cluster_;
  const uint64_t id_;
};

class FakeCluster {
 public:
  // `regions`: [start, end) ranges covering the key space in order; every
  // region has a peer on every store (peer id = store * 100 + region id),
  // led by store `leader_of(i)` (default: store 1).
  FakeCluster(int stores, std::vector<std::pair<std::string, std::string>> ranges);
  ~FakeCluster();

  std::string pd_address() const;

  // ---- the truth
  // Splits region `id` at `key`: the parent keeps the left part, a new
  // region (returned) the right; both versions bump. PD is told only when
  // `tell_pd`.
  uint64_t Split(uint64_t id, const std::string& key, bool tell_pd);
  void SetLeader(uint64_t region_id, uint64_t store_id, bool tell_pd);
  // Reports every region to PD as it is now.
  void SyncPd();
  // Stops / restarts a store's server (same port).
  void StopStore(uint64_t store_id);
  void StartStore(uint64_t store_id);
  // The next request reaching `store_id` gets `error` instead.
  void InjectError(uint64_t store_id, errorpb::RegionError error);
  // Requests that reached each store.
  uint64_t requests(uint64_t store_id);
  std::map<std::string, std::string> Data(const std::string& cf = "");
  metapb::Region region(uint64_t id);

 private:
  friend class FakeStore;
  struct Server {
    std::unique_ptr<FakeStore> service;
    std::unique_ptr<grpc::Server> server;
    int port = 0;
  };

  // Checks a request against the truth; true if it may proceed (mu_ held).
  bool Validate(uint64_t store, const kvrpcpb::Context& ctx,
                const std::vector<std::string>& keys, errorpb::RegionError* error,
                metapb::Region* region);
  metapb::Region MakeRegion(uint64_t id, std::string start, std::string end);
  void Heartbeat(uint64_t region_id);
  bool StartServer(uint64_t store_id, int port);

  std::mutex mu_;
  std::map<uint64_t, metapb::Region> regions_;   // guarded by mu_
  std::map<uint64_t, uint64_t> leader_store_;    // guarded by mu_
  std::map<std::string, std::map<std::string, std::string>> data_;  // cf -> kv; guarded by mu_
  std::map<uint64_t, std::deque<errorpb::RegionError>> injected_;   // guarded by mu_
  std::map<uint64_t, uint64_t> requests_;                           // guarded by mu_
  uint64_t next_region_id_ = 1000;                                  // guarded by mu_

  int num_stores_;
  std::map<uint64_t, Server> servers_;
  std::unique_ptr<pd::PlacementDriver> pd_;
  std::unique_ptr<pd::PdServer> pd_server_;
};

}  // namespace nokv::client::testing
