// PdLink: the part of PD a store talks to. One small interface so the store
// runs against a real PD over gRPC (PdClientLink, over pd::PdClient) or an
// in-process PlacementDriver without sockets (PlacementDriverLink, for the
// in-process cluster tests). Calls may block on the network: the store
// calls them only from its PD worker thread, never from its raft thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/status.h"
#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace nokv::pd {
class PdClient;
class PlacementDriver;
}  // namespace nokv::pd

namespace nokv::raftstore {

class PdLink {
 public:
  virtual ~PdLink() = default;

  virtual Result<uint64_t> AllocID() = 0;
  virtual Status PutStore(const metapb::Store& store) = 0;
  virtual Result<metapb::Store> GetStore(uint64_t store_id) = 0;
  virtual Status StoreHeartbeat(const pdpb::StoreStats& stats) = 0;
  // The response may carry one operator step for this leader.
  virtual Result<pdpb::RegionHeartbeatResponse> RegionHeartbeat(
      const pdpb::RegionHeartbeatRequest& request) = 0;
  // NotFound when PD does not know the region.
  virtual Result<metapb::Region> GetRegionByID(uint64_t region_id) = 0;
  // Ids for splitting `region` once: the new region id and one peer id per
  // peer of the region.
  virtual Result<pdpb::AskSplitResponse> AskSplit(const metapb::Region& region) = 0;
  virtual Status ReportSplit(const metapb::Region& left, const metapb::Region& right) = 0;
};

// Over a PdClient (not owned; must outlive the link).
std::unique_ptr<PdLink> NewPdClientLink(pd::PdClient* client);
// Over an in-process PlacementDriver (not owned).
std::unique_ptr<PdLink> NewPlacementDriverLink(pd::PlacementDriver* pd);

}  // namespace nokv::raftstore
