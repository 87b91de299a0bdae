// TestCluster (see test_cluster.h).
#include "raftstore/test_cluster.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <thread>

#include "pd/pd_client.h"
#include "vfs/file_system.h"

namespace nokv::raftstore {
namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point Deadline(int ms) { return Clock::now() + std::chrono::milliseconds(ms); }

// Calls a Store method with a callback and waits for the answer.
template <typename Response, typename Fn>
std::optional<Response> CallAndWait(Fn&& fn, int timeout_ms) {
  auto promise = std::make_shared<std::promise<Response>>();
  std::future<Response> f = promise->get_future();
  fn([promise](Response r) { promise->set_value(std::move(r)); });
  if (f.wait_for(std::chrono::milliseconds(timeout_ms)) != std::future_status::ready) {
    return std::nullopt;
  }
  return f.get();
}

}  // namespace

metapb::Region MakeTestRegion(uint64_t id, std::string start, std::string end,
                              std::vector<std::pair<uint64_t, uint64_t>> peers) {
  metapb::Region r;
  r.set_id(id);
  r.set_start_key(std::move(start));
  r.set_end_key(std::move(end));
  r.mutable_region_epoch()->set_version(1);
  r.mutable_region_epoch()->set_conf_ver(1);
  for (auto [peer_id, store_id] : peers) {
    metapb::Peer* p = r.add_peers();
    p->set_id(peer_id);
    p->set_store_id(store_id);
  }
  return r;
}

TestCluster::TestCluster(std::string dir, TestClusterOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {
  if (options_.regions.empty()) {
    std::vector<std::pair<uint64_t, uint64_t>> peers;
    for (int i = 1; i <= options_.num_stores; i++) peers.emplace_back(i * 100 + 1, i);
    options_.regions.push_back(MakeTestRegion(1, "", "", peers));
  }
}

TestCluster::~TestCluster() {
  for (auto& [id, node] : nodes_) {
    if (node.store) node.store->Stop();
    node.store.reset();
  }
}

Status TestCluster::Start() {
  pd::PdOptions po;
  po.id_start = 100000;  // above every bootstrap id the tests use
  Result<std::unique_ptr<pd::PlacementDriver>> pd = pd::PlacementDriver::Open(po);
  if (!pd.ok()) return pd.status();
  pd_ = std::move(pd.value());
  pd_link_ = NewPlacementDriverLink(pd_.get());
  pdpb::BootstrapRequest boot;
  boot.mutable_store()->set_id(1);
  boot.mutable_store()->set_address("mem://1");
  *boot.mutable_region() = options_.regions[0];
  NOKV_RETURN_IF_ERROR(pd::StatusFromHeader(pd_->Bootstrap(boot).header()));
  for (size_t i = 1; i < options_.regions.size(); i++) {
    // PD learns the other bootstrap regions as if from a heartbeat.
    pdpb::RegionHeartbeatRequest hb;
    *hb.mutable_region() = options_.regions[i];
    *hb.mutable_leader() = options_.regions[i].peers(0);
    (void)pd_->RegionHeartbeat(hb);
  }
  for (int i = 1; i <= options_.num_stores; i++)
    NOKV_RETURN_IF_ERROR(BootstrapStore(PrepareNode(i).options, options_.regions));
  for (auto& [id, n] : nodes_) NOKV_RETURN_IF_ERROR(OpenNode(id));
  return Status::OK();
}

TestCluster::Node& TestCluster::PrepareNode(uint64_t id) {
  Node& n = nodes_[id];
  n.options = options_.store;
  n.options.store_id = id;
  n.options.workdir = JoinPath(dir_, "store" + std::to_string(id));
  FaultFileSystem::Options fo;
  fo.forward_syncs = false;
  n.fs = std::make_shared<FaultFileSystem>(NewPosixFileSystem(), fo);
  n.options.fs = n.fs;
  if (!options_.fault_fs) n.options.fs = NewPosixFileSystem();
  n.failpoints = std::make_shared<Failpoints>();
  n.options.failpoints = n.failpoints;
  return n;
}

Status TestCluster::AddStore(uint64_t id) {
  NOKV_RETURN_IF_ERROR(BootstrapStore(PrepareNode(id).options, {}));
  return OpenNode(id);
}

Status TestCluster::OpenNode(uint64_t id) {
  Node& n = nodes_.at(id);
  NOKV_RETURN_IF_ERROR(Store::Open(n.options, net_.TransportFor(id), pd_link_.get(), &n.store));
  return n.store->Start("mem://" + std::to_string(id));
}

Store* TestCluster::store(uint64_t id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.store.get();
}

std::vector<uint64_t> TestCluster::store_ids() const {
  std::vector<uint64_t> out;
  for (const auto& [id, n] : nodes_) out.push_back(id);
  return out;
}

void TestCluster::StopStore(uint64_t id) {
  Node& n = nodes_.at(id);
  if (n.store) n.store->Stop();
  n.store.reset();
}

Status TestCluster::StartStore(uint64_t id) {
  Node& n = nodes_.at(id);
  if (n.store) return Status::InvalidArgument("store is running");
  return OpenNode(id);
}

Status TestCluster::CrashStore(uint64_t id, CrashMode mode) {
  Node& n = nodes_.at(id);
  n.fs->Freeze();
  if (n.store) n.store->Stop();
  n.store.reset();
  n.failpoints->Reset();
  return n.fs->SimulateCrash(mode);
}

bool TestCluster::WaitFor(const std::function<bool()>& pred, int timeout_ms) {
  const auto deadline = Deadline(timeout_ms);
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

bool TestCluster::WaitMergedAtTheEnd(uint64_t source, uint64_t target, int timeout_ms) {
  return WaitFor(
      [&] {
        for (uint64_t id : store_ids()) {
          auto r = RegionOn(id, target);
          if (!r || !r->region.end_key().empty() || RegionOn(id, source)) return false;
        }
        return true;
      },
      timeout_ms);
}

std::optional<RegionStatus> TestCluster::RegionOn(uint64_t store_id, uint64_t region_id) {
  Store* s = store(store_id);
  if (s == nullptr) return std::nullopt;
  for (RegionStatus& r : s->Regions()) {
    if (r.region.id() == region_id) return r;
  }
  return std::nullopt;
}

Store* TestCluster::LeaderOf(uint64_t region_id) {
  for (auto& [id, n] : nodes_) {
    if (!n.store) continue;
    std::optional<RegionStatus> r = RegionOn(id, region_id);
    if (r && r->is_leader && r->initialized) return n.store.get();
  }
  return nullptr;
}

uint64_t TestCluster::WaitLeader(uint64_t region_id, int timeout_ms) {
  Store* leader = nullptr;
  WaitFor([&] { return (leader = LeaderOf(region_id)) != nullptr; }, timeout_ms);
  return leader == nullptr ? 0 : leader->store_id();
}

bool TestCluster::WaitApplied(uint64_t region_id, uint64_t index, int timeout_ms) {
  return WaitFor(
      [&] {
        for (auto& [id, n] : nodes_) {
          if (!n.store) continue;
          std::optional<RegionStatus> r = RegionOn(id, region_id);
          if (r && r->applied_index < index) return false;
        }
        return true;
      },
      timeout_ms);
}

std::pair<Store*, RegionStatus> TestCluster::LeaderForKey(const std::string& key) {
  for (auto& [id, n] : nodes_) {
    if (!n.store) continue;
    Result<RegionStatus> r = n.store->RegionForKey(key);
    if (r.ok() && r->is_leader) return {n.store.get(), r.value()};
  }
  return {nullptr, RegionStatus()};
}

namespace {

template <typename Request>
void FillContext(Request* req, Store* s, const RegionStatus& r) {
  kvrpcpb::Context* ctx = req->mutable_context();
  ctx->set_region_id(r.region.id());
  *ctx->mutable_region_epoch() = r.region.region_epoch();
  ctx->mutable_peer()->set_id(r.peer_id);
  ctx->mutable_peer()->set_store_id(s->store_id());
}

}  // namespace

Status TestCluster::Put(const std::string& key, const std::string& value, int timeout_ms) {
  const auto deadline = Deadline(timeout_ms);
  std::string last = "no leader";
  while (Clock::now() < deadline) {
    auto [s, r] = LeaderForKey(key);
    if (s != nullptr) {
      kvrpcpb::RawPutRequest req;
      FillContext(&req, s, r);
      req.set_key(key);
      req.set_value(value);
      auto resp = CallAndWait<kvrpcpb::RawPutResponse>(
          [&](Callback<kvrpcpb::RawPutResponse> cb) { s->RawPut(req, std::move(cb)); }, 5000);
      if (!resp) {
        last = "no answer";
      } else if (resp->has_region_error()) {
        last = resp->region_error().message();
      } else if (!resp->error().empty()) {
        last = resp->error();
        if (last.find("timed out") == std::string::npos) return Status::IOError(last);
      } else {
        return Status::OK();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::IOError("put " + key + ": " + last);
}

Status TestCluster::Delete(const std::string& key, int timeout_ms) {
  const auto deadline = Deadline(timeout_ms);
  std::string last = "no leader";
  while (Clock::now() < deadline) {
    auto [s, r] = LeaderForKey(key);
    if (s != nullptr) {
      kvrpcpb::RawDeleteRequest req;
      FillContext(&req, s, r);
      req.set_key(key);
      auto resp = CallAndWait<kvrpcpb::RawDeleteResponse>(
          [&](Callback<kvrpcpb::RawDeleteResponse> cb) { s->RawDelete(req, std::move(cb)); }, 5000);
      if (resp && !resp->has_region_error() && resp->error().empty()) return Status::OK();
      if (resp) last = resp->has_region_error() ? resp->region_error().message() : resp->error();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::IOError("delete " + key + ": " + last);
}

Result<std::optional<std::string>> TestCluster::Get(const std::string& key, int timeout_ms) {
  const auto deadline = Deadline(timeout_ms);
  std::string last = "no leader";
  while (Clock::now() < deadline) {
    auto [s, r] = LeaderForKey(key);
    if (s != nullptr) {
      kvrpcpb::RawGetRequest req;
      FillContext(&req, s, r);
      req.set_key(key);
      auto resp = CallAndWait<kvrpcpb::RawGetResponse>(
          [&](Callback<kvrpcpb::RawGetResponse> cb) { s->RawGet(req, std::move(cb)); }, 5000);
      if (resp && !resp->has_region_error() && resp->error().empty()) {
        if (resp->not_found()) return std::optional<std::string>();
        return std::optional<std::string>(resp->value());
      }
      if (resp) last = resp->has_region_error() ? resp->region_error().message() : resp->error();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::IOError("get " + key + ": " + last);
}

Result<std::vector<std::pair<std::string, std::string>>> TestCluster::Scan(const std::string& start,
                                                                           const std::string& end,
                                                                           int timeout_ms) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto deadline = Deadline(timeout_ms);
  std::string cursor = start;
  std::string last = "no leader";
  while (Clock::now() < deadline) {
    auto [s, r] = LeaderForKey(cursor);
    if (s == nullptr) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    kvrpcpb::RawScanRequest req;
    FillContext(&req, s, r);
    req.set_start_key(cursor);
    req.set_end_key(end);
    req.set_limit(0);
    auto resp = CallAndWait<kvrpcpb::RawScanResponse>(
        [&](Callback<kvrpcpb::RawScanResponse> cb) { s->RawScan(req, std::move(cb)); }, 5000);
    if (!resp || resp->has_region_error() || !resp->error().empty()) {
      if (resp) last = resp->has_region_error() ? resp->region_error().message() : resp->error();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    for (const kvrpcpb::KvPair& kv : resp->kvs()) out.emplace_back(kv.key(), kv.value());
    const std::string& region_end = r.region.end_key();
    if (static_cast<size_t>(resp->kvs_size()) >= 10000) {
      cursor = resp->kvs(resp->kvs_size() - 1).key() + std::string(1, '\0');
      continue;
    }
    if (region_end.empty() || (!end.empty() && region_end >= end)) return out;
    cursor = region_end;
  }
  return Status::IOError("scan: " + last);
}

Status TestCluster::RetryAdmin(uint64_t region_id, int timeout_ms,
                               const std::function<void(Store*, std::function<void(Status)>)>& op) {
  const auto deadline = Deadline(timeout_ms);
  Status last = Status::IOError("no leader for region " + std::to_string(region_id));
  while (Clock::now() < deadline) {
    Store* s = LeaderOf(region_id);
    if (s != nullptr) {
      auto st = CallAndWait<Status>([&](std::function<void(Status)> cb) { op(s, std::move(cb)); },
                                    timeout_ms);
      if (!st) {
        last = Status::IOError("no answer");
      } else if (st->ok() || st->IsInvalidArgument()) {
        return *st;
      } else {
        last = *st;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

Status TestCluster::Split(uint64_t region_id, const std::string& key, int timeout_ms) {
  return RetryAdmin(region_id, timeout_ms, [&](Store* s, std::function<void(Status)> cb) {
    s->SplitRegion(region_id, key, std::move(cb));
  });
}

Status TestCluster::Merge(uint64_t source, uint64_t target, int timeout_ms) {
  return RetryAdmin(source, timeout_ms, [&](Store* s, std::function<void(Status)> cb) {
    s->MergeRegion(source, target, std::move(cb));
  });
}

Status TestCluster::ChangePeer(uint64_t region_id, bool add, const metapb::Peer& peer,
                               int timeout_ms) {
  return RetryAdmin(region_id, timeout_ms, [&](Store* s, std::function<void(Status)> cb) {
    s->ChangePeer(region_id, add, peer, std::move(cb));
  });
}

Status TestCluster::TransferLeader(uint64_t region_id, uint64_t to_store, int timeout_ms) {
  const auto deadline = Deadline(timeout_ms);
  while (Clock::now() < deadline) {
    Store* s = LeaderOf(region_id);
    if (s != nullptr && s->store_id() == to_store) return Status::OK();
    std::optional<RegionStatus> target = RegionOn(to_store, region_id);
    if (s != nullptr && target) {
      (void)CallAndWait<Status>(
          [&](std::function<void(Status)> cb) {
            s->TransferLeader(region_id, target->peer_id, std::move(cb));
          },
          1000);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::IOError("leadership of region " + std::to_string(region_id) +
                         " did not move to store " + std::to_string(to_store));
}

std::vector<std::pair<std::string, std::string>> TestCluster::LocalData(uint64_t store_id,
                                                                        const std::string& start,
                                                                        const std::string& end) {
  std::vector<std::pair<std::string, std::string>> out;
  Store* s = store(store_id);
  if (s != nullptr) (void)s->DebugScan("default", start, end, &out);
  return out;
}

}  // namespace nokv::raftstore
