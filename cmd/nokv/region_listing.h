// What `nokv regions` prints, whichever source it comes from: a store's
// workdir read offline (regions_offline.cc, through lib/raftstore's
// read-only ReadStoreRegions) or PD's routing table (regions_live.cc,
// PdClient::ScanRegions). cmd_regions.cc renders it as text or JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace nokv::cli {

struct RegionPeerRow {
  uint64_t peer_id = 0;
  uint64_t store_id = 0;
  bool learner = false;
};

struct RegionRow {
  uint64_t id = 0;
  std::string start_key;  // bytes; empty = -inf
  std::string end_key;    // bytes; empty = +inf
  uint64_t epoch_version = 0;
  uint64_t epoch_conf_version = 0;
  std::vector<RegionPeerRow> peers;
  RegionPeerRow leader;  // peer_id 0 = unknown

  // Offline only (a store's own view of its replica).
  std::string state;  // normal, applying, tombstone, merging
  uint64_t local_peer_id = 0;
  uint64_t applied_index = 0;
  uint64_t commit_index = 0;
  uint64_t term = 0;
  uint64_t first_index = 0;  // raft log: entries [first, last] are kept
  uint64_t last_index = 0;

  // Live only (PD's estimate from the leader's heartbeats).
  uint64_t approximate_size = 0;
  uint64_t approximate_keys = 0;
};

struct StoreRow {
  uint64_t store_id = 0;
  std::string address;
  std::string state;
};

struct RegionListing {
  bool offline = true;
  std::string workdir;    // offline
  uint64_t store_id = 0;  // offline: the store the workdir belongs to
  std::string pd_addr;    // live
  bool bootstrapped = true;  // live: false = no store has bootstrapped PD yet
  std::vector<StoreRow> stores;  // live: every store PD knows
  std::vector<RegionRow> regions;  // sorted by start key
};

// Reads the regions a store's workdir holds, without starting the store and
// without writing anything. InvalidArgument for a directory that is not a
// store workdir (missing, empty, an embedded NoKV workdir, ...).
Status ReadOfflineRegions(const std::string& workdir, RegionListing* listing);

// Asks PD at `pd_addr` for every region with its leader, and for the stores.
Status ReadLiveRegions(const std::string& pd_addr, int timeout_ms, RegionListing* listing);

}  // namespace nokv::cli
