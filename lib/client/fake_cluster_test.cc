// The fake cluster of fake_cluster_testutil.h (built into client_test only).
#include "client/fake_cluster_testutil.h"

#include <gtest/gtest.h>

#include "client/region_cache.h"
#include "pd/pd_client.h"

namespace nokv::client::testing {

namespace {

bool SameEpoch(const metapb::RegionEpoch& a, const metapb::RegionEpoch& b) {
  return a.version() == b.version() && a.conf_ver() == b.conf_ver();
}

}  // namespace

FakeCluster::FakeCluster(int stores, std::vector<std::pair<std::string, std::string>> ranges)
    : num_stores_(stores) {
  pd::PdOptions po;
  po.id_start = 5000;
  pd_ = pd::PlacementDriver::Open(po).value();
  pd::PdServerOptions so;
  so.listen_address = "127.0.0.1:0";
  so.tick_interval_ms = 0;
  pd_server_ = std::make_unique<pd::PdServer>(pd_.get(), so);
  EXPECT_TRUE(pd_server_->Start().ok());
  for (int s = 1; s <= stores; ++s) EXPECT_TRUE(StartServer(s, 0));
  uint64_t id = 1;
  for (auto& [start, end] : ranges) {
    regions_[id] = MakeRegion(id, start, end);
    leader_store_[id] = 1;
    ++id;
  }
  pdpb::BootstrapRequest boot;
  boot.mutable_store()->set_id(1);
  boot.mutable_store()->set_address("127.0.0.1:" + std::to_string(servers_[1].port));
  *boot.mutable_region() = regions_[1];
  EXPECT_TRUE(pd::StatusFromHeader(pd_->Bootstrap(boot).header()).ok());
  for (int s = 1; s <= stores; ++s) {
    pdpb::PutStoreRequest put;
    put.mutable_store()->set_id(s);
    put.mutable_store()->set_address("127.0.0.1:" + std::to_string(servers_[s].port));
    EXPECT_TRUE(pd::StatusFromHeader(pd_->PutStore(put).header()).ok());
  }
  SyncPd();
}

FakeCluster::~FakeCluster() {
  for (auto& [id, s] : servers_) {
    if (s.server) s.server->Shutdown(std::chrono::system_clock::now());
  }
  pd_server_->Stop();
}

bool FakeCluster::StartServer(uint64_t store_id, int port) {
  Server& s = servers_[store_id];
  if (!s.service) s.service = std::make_unique<FakeStore>(this, store_id);
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                     &s.port);
  b.RegisterService(s.service.get());
  s.server = b.BuildAndStart();
  return s.server != nullptr;
}

void FakeCluster::StopStore(uint64_t store_id) {
  Server& s = servers_.at(store_id);
  s.server->Shutdown(std::chrono::system_clock::now());
  s.server.reset();
}

void FakeCluster::StartStore(uint64_t store_id) {
  EXPECT_TRUE(StartServer(store_id, servers_.at(store_id).port));
}

std::string FakeCluster::pd_address() const { return pd_server_->address(); }

metapb::Region FakeCluster::MakeRegion(uint64_t id, std::string start, std::string end) {
  metapb::Region r;
  r.set_id(id);
  r.set_start_key(std::move(start));
  r.set_end_key(std::move(end));
  r.mutable_region_epoch()->set_version(1);
  r.mutable_region_epoch()->set_conf_ver(1);
  for (int s = 1; s <= num_stores_; ++s) {
    metapb::Peer* p = r.add_peers();
    p->set_id(s * 100 + id);
    p->set_store_id(s);
  }
  return r;
}

void FakeCluster::Heartbeat(uint64_t region_id) {
  pdpb::RegionHeartbeatRequest hb;
  *hb.mutable_region() = regions_.at(region_id);
  for (const metapb::Peer& p : hb.region().peers()) {
    if (p.store_id() == leader_store_.at(region_id)) *hb.mutable_leader() = p;
  }
  Status s = pd::StatusFromHeader(pd_->RegionHeartbeat(hb).header());
  EXPECT_TRUE(s.ok()) << s.ToString();
}

void FakeCluster::SyncPd() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [id, r] : regions_) Heartbeat(id);
}

uint64_t FakeCluster::Split(uint64_t id, const std::string& key, bool tell_pd) {
  std::lock_guard<std::mutex> l(mu_);
  metapb::Region& parent = regions_.at(id);
  const uint64_t child = next_region_id_++;
  metapb::Region right = MakeRegion(child, key, parent.end_key());
  parent.set_end_key(key);
  parent.mutable_region_epoch()->set_version(parent.region_epoch().version() + 1);
  *right.mutable_region_epoch() = parent.region_epoch();
  regions_[child] = right;
  leader_store_[child] = leader_store_[id];
  if (tell_pd) {
    Heartbeat(id);
    Heartbeat(child);
  }
  return child;
}

void FakeCluster::SetLeader(uint64_t region_id, uint64_t store_id, bool tell_pd) {
  std::lock_guard<std::mutex> l(mu_);
  leader_store_[region_id] = store_id;
  if (tell_pd) Heartbeat(region_id);
}

void FakeCluster::InjectError(uint64_t store_id, errorpb::RegionError error) {
  std::lock_guard<std::mutex> l(mu_);
  injected_[store_id].push_back(std::move(error));
}

uint64_t FakeCluster::requests(uint64_t store_id) {
  std::lock_guard<std::mutex> l(mu_);
  return requests_[store_id];
}

std::map<std::string, std::string> FakeCluster::Data(const std::string& cf) {
  std::lock_guard<std::mutex> l(mu_);
  return data_[cf.empty() ? "default" : cf];
}

metapb::Region FakeCluster::region(uint64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  return regions_.at(id);
}

bool FakeCluster::Validate(uint64_t store, const kvrpcpb::Context& ctx,
                           const std::vector<std::string>& keys, errorpb::RegionError* error,
                           metapb::Region* region) {
  ++requests_[store];
  if (auto& q = injected_[store]; !q.empty()) {
    *error = q.front();
    q.pop_front();
    return false;
  }
  auto it = regions_.find(ctx.region_id());
  if (it == regions_.end()) {
    error->set_message("region not found");
    error->mutable_region_not_found()->set_region_id(ctx.region_id());
    return false;
  }
  const metapb::Region& r = it->second;
  if (!SameEpoch(ctx.region_epoch(), r.region_epoch())) {
    error->set_message("epoch not match");
    *error->mutable_epoch_not_match()->add_current_regions() = r;
    for (const std::string& k : keys) {  // the regions now holding the keys
      for (auto& [id, other] : regions_) {
        if (id != r.id() && KeyInRegion(k, other)) {
          *error->mutable_epoch_not_match()->add_current_regions() = other;
        }
      }
    }
    return false;
  }
  for (const std::string& k : keys) {
    if (!KeyInRegion(k, r)) {
      error->set_message("key not in region");
      error->mutable_key_not_in_region()->set_key(k);
      error->mutable_key_not_in_region()->set_region_id(r.id());
      return false;
    }
  }
  const uint64_t leader = leader_store_.at(r.id());
  if (leader != store) {
    error->set_message("not leader");
    error->mutable_not_leader()->set_region_id(r.id());
    for (const metapb::Peer& p : r.peers()) {
      if (p.store_id() == leader) *error->mutable_not_leader()->mutable_leader() = p;
    }
    return false;
  }
  *region = r;
  return true;
}

namespace {
std::string Cf(const std::string& cf) { return cf.empty() ? "default" : cf; }
}  // namespace

grpc::Status FakeStore::RawGet(grpc::ServerContext*, const kvrpcpb::RawGetRequest* q,
                               kvrpcpb::RawGetResponse* r) {
  std::lock_guard<std::mutex> l(cluster_->mu_);
  metapb::Region region;
  errorpb::RegionError error;
  if (!cluster_->Validate(id_, q->context(), {q->key()}, &error, &region)) {
    *r->mutable_region_error() = std::move(error);
    return grpc::Status::OK;
  }
  auto& kv = cluster_->data_[Cf(q->cf())];
  auto it = kv.find(q->key());
  if (it == kv.end()) {
    r->set_not_found(true);
  } else {
    r->set_value(it->second);
  }
  return grpc::Status::OK;
}

grpc::Status FakeStore::RawBatchGet(grpc::ServerContext*, const kvrpcpb::RawBatchGetRequest* q,
                                    kvrpcpb::RawBatchGetResponse* r) {
  std::lock_guard<std::mutex> l(cluster_->mu_);
  metapb::Region region;
  std::vector<std::string> keys(q->keys().begin(), q->keys().end());
  errorpb::RegionError error;
  if (!cluster_->Validate(id_, q->context(), keys, &error, &region)) {
    *r->mutable_region_error() = std::move(error);
    return grpc::Status::OK;
  }
  auto& kv = cluster_->data_[Cf(q->cf())];
  for (const std::string& k : keys) {
    auto it = kv.find(k);
    if (it == kv.end()) continue;
    kvrpcpb::KvPair* p = r->add_pairs();
    p->set_key(k);
    p->set_value(it->second);
  }
  return grpc::Status::OK;
}

grpc::Status FakeStore::RawPut(grpc::ServerContext*, const kvrpcpb::RawPutRequest* q,
                               kvrpcpb::RawPutResponse* r) {
  std::lock_guard<std::mutex> l(cluster_->mu_);
  metapb::Region region;
  errorpb::RegionError error;
  if (!cluster_->Validate(id_, q->context(), {q->key()}, &error, &region)) {
    *r->mutable_region_error() = std::move(error);
    return grpc::Status::OK;
  }
  cluster_->data_[Cf(q->cf())][q->key()] = q->value();
  return grpc::Status::OK;
}

grpc::Status FakeStore::RawBatchPut(grpc::ServerContext*, const kvrpcpb::RawBatchPutRequest* q,
                                    kvrpcpb::RawBatchPutResponse* r) {
  std::lock_guard<std::mutex> l(cluster_->mu_);
  metapb::Region region;
  std::vector<std::string> keys;
  for (const auto& p : q->pairs()) keys.push_back(p.key());
  errorpb::RegionError error;
  if (!cluster_->Validate(id_, q->context(), keys, &error, &region)) {
    *r->mutable_region_error() = std::move(error);
    return grpc::Status::OK;
  }
  for (const auto& p : q->pairs()) cluster_->data_[Cf(q->cf())][p.key()] = p.value();
  return grpc::Status::OK;
}

grpc::Status FakeStore::RawDelete(grpc::ServerContext*, const kvrpcpb::RawDeleteRequest* q,
                                  kvrpcpb::RawDeleteResponse* r) {
  std::lock_guard<std::mutex> l(cluster_->mu_);
  metapb::Region region;
  errorpb::RegionError error;
  if (!cluster_->Validate(id_, q->context(), {q->key()}, &error, &region)) {
    *r->mutable_region_error() = std::move(error);
    return grpc::Status::OK;
  }
  cluster_->data_[Cf(q->cf())].erase(q->key());
  return grpc::Status::OK;
}

grpc::Status FakeStore::RawDeleteRange(grpc::ServerContext*,
                                       const kvrpcpb::RawDeleteRangeRequest* q,
                                       kvrpcpb::RawDeleteRangeResponse* r) {
  std::lock_guard<std::mutex> l(cluster_->mu_);
  metapb::Region region;
  errorpb::RegionError error;
  if (!cluster_->Validate(id_, q->context(), {q->start_key()}, &error, &region)) {
    *r->mutable_region_error() = std::move(error);
    return grpc::Status::OK;
  }
  const std::string& region_end = region.end_key();
  if (!q->end_key().empty() && !region_end.empty() && q->end_key() > region_end) {
    r->set_error("InvalidArgument: end key beyond the region");
    return grpc::Status::OK;
  }
  const std::string end = q->end_key().empty() ? region_end : q->end_key();
  auto& kv = cluster_->data_[Cf(q->cf())];
  auto it = kv.lower_bound(q->start_key());
  while (it != kv.end() && (end.empty() || it->first < end)) it = kv.erase(it);
  return grpc::Status::OK;
}

grpc::Status FakeStore::RawScan(grpc::ServerContext*, const kvrpcpb::RawScanRequest* q,
                                kvrpcpb::RawScanResponse* r) {
  std::lock_guard<std::mutex> l(cluster_->mu_);
  metapb::Region region;
  errorpb::RegionError error;
  if (!cluster_->Validate(id_, q->context(), {q->start_key()}, &error, &region)) {
    *r->mutable_region_error() = std::move(error);
    return grpc::Status::OK;
  }
  std::string end = region.end_key();
  if (!q->end_key().empty() && (end.empty() || q->end_key() < end)) end = q->end_key();
  auto& kv = cluster_->data_[Cf(q->cf())];
  for (auto it = kv.lower_bound(q->start_key());
       it != kv.end() && (end.empty() || it->first < end) &&
       static_cast<uint32_t>(r->kvs_size()) < q->limit();
       ++it) {
    kvrpcpb::KvPair* p = r->add_kvs();
    p->set_key(it->first);
    if (!q->key_only()) p->set_value(it->second);
  }
  return grpc::Status::OK;
}

}  // namespace nokv::client::testing
