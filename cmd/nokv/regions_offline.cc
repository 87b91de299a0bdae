// `nokv regions --workdir`: a store's regions read from its workdir, offline
// and read-only, through lib/raftstore's ReadStoreRegions (the store runtime
// owns the on-disk format; this file only checks that the directory looks
// like a store workdir before asking, so nothing is ever created in a wrong
// directory, and converts the result). Without the store runtime in the
// build it reports that it cannot read.
#include <filesystem>

#include "region_listing.h"
#ifdef NOKV_WITH_RAFTSTORE
#include "raftstore/store.h"
#endif

namespace nokv::cli {
namespace {

namespace fs = std::filesystem;

// A store workdir holds its data engine in data/ and its raft log engine in
// raft/ (lib/raftstore/store.h, StoreOptions::workdir); each has a CURRENT.
Status CheckStoreWorkdir(const std::string& workdir) {
  std::error_code ec;
  if (!fs::exists(workdir, ec)) return Status::InvalidArgument(workdir + ": no such directory");
  if (!fs::is_directory(workdir, ec)) {
    return Status::InvalidArgument(workdir + ": not a directory");
  }
  const bool data = fs::exists(fs::path(workdir) / "data" / "CURRENT", ec);
  const bool raft = fs::exists(fs::path(workdir) / "raft" / "CURRENT", ec);
  if (data && raft) return Status::OK();
  if (fs::exists(fs::path(workdir) / "CURRENT", ec)) {
    return Status::InvalidArgument(workdir +
                                   " is an embedded NoKV workdir, not a store workdir (no "
                                   "data/ and raft/ engines); see nokv stats / nokv manifest");
  }
  return Status::InvalidArgument(workdir + " is not a store workdir (no data/CURRENT and "
                                           "raft/CURRENT; bootstrap it with nokv-config "
                                           "bootstrap, or start nokv serve on it)");
}

#ifdef NOKV_WITH_RAFTSTORE
const char* PeerStateName(raft_serverpb::PeerState state) {
  switch (state) {
    case raft_serverpb::NORMAL: return "normal";
    case raft_serverpb::APPLYING: return "applying";
    case raft_serverpb::TOMBSTONE: return "tombstone";
    case raft_serverpb::MERGING: return "merging";
    default: return "unknown";
  }
}
#endif

}  // namespace

Status ReadOfflineRegions(const std::string& workdir, RegionListing* listing) {
  NOKV_RETURN_IF_ERROR(CheckStoreWorkdir(workdir));
  listing->offline = true;
  listing->workdir = workdir;
#ifdef NOKV_WITH_RAFTSTORE
  std::vector<raftstore::RegionStatus> regions;
  Status s = raftstore::ReadStoreRegions(workdir, nullptr, &listing->store_id, &regions);
  if (s.IsBusy()) {
    return Status::Busy(workdir + ": the store is running (its engine is locked); ask PD with "
                                  "nokv regions --pd-addr, or stop the store first (" +
                        s.message() + ")");
  }
  NOKV_RETURN_IF_ERROR(s);
  for (const raftstore::RegionStatus& s : regions) {
    RegionRow row;
    row.id = s.region.id();
    row.start_key = s.region.start_key();
    row.end_key = s.region.end_key();
    row.epoch_version = s.region.region_epoch().version();
    row.epoch_conf_version = s.region.region_epoch().conf_ver();
    for (const metapb::Peer& p : s.region.peers()) {
      row.peers.push_back({p.id(), p.store_id(), p.role() == metapb::LEARNER});
      if (p.id() == s.leader_peer_id) row.leader = row.peers.back();
    }
    row.state = PeerStateName(s.state);
    row.local_peer_id = s.peer_id;
    row.applied_index = s.applied_index;
    row.commit_index = s.commit_index;
    row.term = s.term;
    row.first_index = s.first_index;
    row.last_index = s.last_index;
    listing->regions.push_back(std::move(row));
  }
  return Status::OK();
#else
  return Status::NotSupported("this nokv was built without the store runtime (lib/raftstore)");
#endif
}

}  // namespace nokv::cli
