// PdClient: what stores, the distributed client and the gateway use to talk
// to PD. Dials one or more PD endpoints, follows the leader (a NOT_LEADER
// answer names it), retries unreachable endpoints with exponential backoff,
// batches concurrent timestamp requests into one message on a Tso stream,
// and caches regions by key. Never throws: every call returns Status or
// Result. Thread-safe.
//
// PD errors come back as Status: INVALID_ARGUMENT -> InvalidArgument,
// NOT_FOUND -> NotFound, STALE_EPOCH -> Aborted, ALREADY_BOOTSTRAPPED ->
// Busy, NOT_BOOTSTRAPPED / STORE_TOMBSTONE -> NotSupported, unreachable PD
// (after the retries) -> IOError; the message names the PD error.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "proto/pdpb.pb.h"

namespace nokv::pd {

struct PdClientOptions {
  std::vector<std::string> endpoints;  // host:port of PD members
  int rpc_timeout_ms = 3000;           // per attempt
  // A call tries the endpoints in turn (following NOT_LEADER redirects at
  // once) and sleeps a backoff only after a whole round failed; it gives up
  // after max_attempts tries or retry_budget_ms, whichever comes first. The
  // budget covers a PD leader election.
  int max_attempts = 100;
  int retry_budget_ms = 10'000;
  int backoff_initial_ms = 20;
  int backoff_max_ms = 500;
  bool batch_tso = true;               // one stream message for concurrent callers
  bool cache_regions = true;
};

struct RegionWithLeader {
  metapb::Region region;
  metapb::Peer leader;  // id 0 = unknown
};

class PdClient {
 public:
  // InvalidArgument without endpoints. Does not wait for PD: the first call
  // does (use GetMembers to check it answers).
  static Result<std::unique_ptr<PdClient>> Create(PdClientOptions options);
  ~PdClient();
  PdClient(const PdClient&) = delete;
  PdClient& operator=(const PdClient&) = delete;

  // One timestamp, larger than every timestamp PD handed out before.
  Result<uint64_t> GetTimestamp();
  // The first of `count` consecutive timestamps (one request, not batched).
  Result<uint64_t> GetTimestamps(uint32_t count);
  Result<uint64_t> AllocID();

  Result<pdpb::GetMembersResponse> GetMembers();
  Status Bootstrap(const metapb::Store& store, const metapb::Region& region);
  Result<bool> IsBootstrapped();
  Status PutStore(const metapb::Store& store);
  Result<metapb::Store> GetStore(uint64_t store_id);
  Result<std::vector<metapb::Store>> GetAllStores(bool exclude_tombstones = true);
  Status StoreHeartbeat(const pdpb::StoreStats& stats);
  // The response may carry an operator step for the region's leader.
  Result<pdpb::RegionHeartbeatResponse> RegionHeartbeat(const pdpb::RegionHeartbeatRequest& req);
  // The region holding `key`, from the cache when it is there.
  Result<RegionWithLeader> GetRegion(std::string_view key);
  Result<RegionWithLeader> GetRegionByID(uint64_t region_id);
  Result<std::vector<pdpb::RegionInfo>> ScanRegions(std::string_view start, std::string_view end,
                                                    int limit);
  Result<pdpb::AskSplitResponse> AskSplit(const metapb::Region& region);
  Status ReportSplit(const metapb::Region& left, const metapb::Region& right);
  Result<bool> RemoveRegion(uint64_t region_id);

  // Forget a cached region (after a store said its epoch is stale).
  void InvalidateRegion(uint64_t region_id);
  // The endpoint calls go to now.
  std::string current_endpoint() const;

 private:
  struct Impl;
  explicit PdClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The Status for a PD response header (OK if it carries no error).
Status StatusFromHeader(const pdpb::ResponseHeader& header);

}  // namespace nokv::pd
