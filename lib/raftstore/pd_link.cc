// The two PdLinks: over a PdClient (gRPC) and over an in-process
// PlacementDriver (tests).
#include "raftstore/pd_link.h"

#include "pd/pd_client.h"
#include "pd/placement_driver.h"

namespace nokv::raftstore {
namespace {

class PdClientLink final : public PdLink {
 public:
  explicit PdClientLink(pd::PdClient* c) : c_(c) {}
  Result<uint64_t> AllocID() override { return c_->AllocID(); }
  Status PutStore(const metapb::Store& store) override { return c_->PutStore(store); }
  Result<metapb::Store> GetStore(uint64_t id) override { return c_->GetStore(id); }
  Status StoreHeartbeat(const pdpb::StoreStats& stats) override {
    return c_->StoreHeartbeat(stats);
  }
  Result<pdpb::RegionHeartbeatResponse> RegionHeartbeat(
      const pdpb::RegionHeartbeatRequest& req) override {
    return c_->RegionHeartbeat(req);
  }
  Result<metapb::Region> GetRegionByID(uint64_t id) override {
    Result<pd::RegionWithLeader> r = c_->GetRegionByID(id);
    if (!r.ok()) return r.status();
    if (r.value().region.id() == 0) return Status::NotFound("PD does not know the region");
    return r.value().region;
  }
  Result<pdpb::AskSplitResponse> AskSplit(const metapb::Region& region) override {
    return c_->AskSplit(region);
  }
  Status ReportSplit(const metapb::Region& left, const metapb::Region& right) override {
    return c_->ReportSplit(left, right);
  }

 private:
  pd::PdClient* const c_;
};

class PlacementDriverLink final : public PdLink {
 public:
  explicit PlacementDriverLink(pd::PlacementDriver* pd) : pd_(pd) {}
  Result<uint64_t> AllocID() override {
    pdpb::AllocIDRequest req;
    req.set_count(1);
    pdpb::AllocIDResponse resp = pd_->AllocID(req);
    NOKV_RETURN_IF_ERROR(pd::StatusFromHeader(resp.header()));
    return resp.id();
  }
  Status PutStore(const metapb::Store& store) override {
    pdpb::PutStoreRequest req;
    *req.mutable_store() = store;
    return pd::StatusFromHeader(pd_->PutStore(req).header());
  }
  Result<metapb::Store> GetStore(uint64_t id) override {
    pdpb::GetStoreRequest req;
    req.set_store_id(id);
    pdpb::GetStoreResponse resp = pd_->GetStore(req);
    NOKV_RETURN_IF_ERROR(pd::StatusFromHeader(resp.header()));
    return resp.store();
  }
  Status StoreHeartbeat(const pdpb::StoreStats& stats) override {
    pdpb::StoreHeartbeatRequest req;
    *req.mutable_stats() = stats;
    return pd::StatusFromHeader(pd_->StoreHeartbeat(req).header());
  }
  Result<pdpb::RegionHeartbeatResponse> RegionHeartbeat(
      const pdpb::RegionHeartbeatRequest& req) override {
    pdpb::RegionHeartbeatResponse resp = pd_->RegionHeartbeat(req);
    NOKV_RETURN_IF_ERROR(pd::StatusFromHeader(resp.header()));
    return resp;
  }
  Result<metapb::Region> GetRegionByID(uint64_t id) override {
    pdpb::GetRegionByIDRequest req;
    req.set_region_id(id);
    pdpb::GetRegionResponse resp = pd_->GetRegionByID(req);
    NOKV_RETURN_IF_ERROR(pd::StatusFromHeader(resp.header()));
    if (!resp.has_region()) return Status::NotFound("PD does not know the region");
    return resp.region();
  }
  Result<pdpb::AskSplitResponse> AskSplit(const metapb::Region& region) override {
    pdpb::AskSplitRequest req;
    *req.mutable_region() = region;
    pdpb::AskSplitResponse resp = pd_->AskSplit(req);
    NOKV_RETURN_IF_ERROR(pd::StatusFromHeader(resp.header()));
    return resp;
  }
  Status ReportSplit(const metapb::Region& left, const metapb::Region& right) override {
    pdpb::ReportSplitRequest req;
    *req.mutable_left() = left;
    *req.mutable_right() = right;
    return pd::StatusFromHeader(pd_->ReportSplit(req).header());
  }

 private:
  pd::PlacementDriver* const pd_;
};

}  // namespace

std::unique_ptr<PdLink> NewPdClientLink(pd::PdClient* client) {
  return std::make_unique<PdClientLink>(client);
}

std::unique_ptr<PdLink> NewPlacementDriverLink(pd::PlacementDriver* pd) {
  return std::make_unique<PlacementDriverLink>(pd);
}

}  // namespace nokv::raftstore
