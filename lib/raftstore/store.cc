// Store: open / start / stop, the public API's hand-off to the raft thread,
// bootstrap and the offline region reader (see store.h, store_impl.h).
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <set>

#include "base/crc32c.h"
#include "nokv/iterator.h"
#include "raftstore/store_impl.h"
#include "vfs/file_system.h"

namespace nokv::raftstore {
namespace {

constexpr const char* kStopped = "store is not running";
constexpr uint64_t kStoppedBackoffMs = 100;

template <typename Response>
void Refuse(const Callback<Response>& done, const std::string& why) {
  Response r;
  // A region error, so a client retries (after a backoff, or elsewhere once
  // the store stops answering) instead of failing the request.
  *r.mutable_region_error() = MakeServerIsBusy(why, kStoppedBackoffMs);
  done(std::move(r));
}

// Creates the workdir and makes its entry durable (a crash right after must
// not lose the directory with everything the engines then write in it).
Status CreateWorkdir(FileSystem* fs, const std::string& dir) {
  const bool existed = fs->FileExists(dir);
  NOKV_RETURN_IF_ERROR(fs->CreateDirIfMissing(dir));
  if (!existed) NOKV_RETURN_IF_ERROR(fs->SyncDir(DirName(dir)));
  return Status::OK();
}

Status CheckBootstrapRegions(const std::vector<metapb::Region>& regions) {
  std::set<uint64_t> region_ids, peer_ids;
  for (size_t i = 0; i < regions.size(); i++) {
    const metapb::Region& r = regions[i];
    const std::string where = "region " + std::to_string(r.id());
    if (r.id() == 0)
      return Status::InvalidArgument("bootstrap region #" + std::to_string(i) + " has id 0");
    if (!region_ids.insert(r.id()).second) return Status::InvalidArgument(where + " listed twice");
    if (r.region_epoch().version() == 0 || r.region_epoch().conf_ver() == 0) {
      return Status::InvalidArgument(where + ": epoch version and conf_ver must be >= 1");
    }
    if (!r.end_key().empty() && r.start_key() >= r.end_key()) {
      return Status::InvalidArgument(where + ": start_key must be below end_key");
    }
    if (r.peers_size() == 0) return Status::InvalidArgument(where + " has no peers");
    std::set<uint64_t> stores;
    for (const metapb::Peer& p : r.peers()) {
      if (p.id() == 0 || p.store_id() == 0) {
        return Status::InvalidArgument(where + ": peer and store ids must be > 0");
      }
      if (!peer_ids.insert(p.id()).second) {
        return Status::InvalidArgument(where + ": peer id " + std::to_string(p.id()) +
                                       " is not unique");
      }
      if (!stores.insert(p.store_id()).second) {
        return Status::InvalidArgument(where + ": two peers on store " +
                                       std::to_string(p.store_id()));
      }
    }
    for (size_t j = 0; j < i; j++) {
      const metapb::Region& o = regions[j];
      if (RangesOverlap(r.start_key(), r.end_key(), o.start_key(), o.end_key())) {
        return Status::InvalidArgument(where + " overlaps region " + std::to_string(o.id()));
      }
    }
  }
  return Status::OK();
}

}  // namespace

Status StoreOptions::Validate() const {
  if (store_id == 0) return Status::InvalidArgument("store_id must be > 0");
  if (workdir.empty()) return Status::InvalidArgument("workdir is empty");
  if (tick_interval_ms <= 0) return Status::InvalidArgument("tick_interval_ms must be > 0");
  if (heartbeat_ticks <= 0 || election_ticks <= heartbeat_ticks) {
    return Status::InvalidArgument("election_ticks must exceed heartbeat_ticks > 0");
  }
  if (max_inflight_msgs == 0) return Status::InvalidArgument("max_inflight_msgs must be > 0");
  if (command_timeout_ms <= 0) return Status::InvalidArgument("command_timeout_ms must be > 0");
  if (empty_peer_check_interval_ms < 0) {
    return Status::InvalidArgument("empty_peer_check_interval_ms must be >= 0");
  }
  if (max_scan_limit == 0) return Status::InvalidArgument("max_scan_limit must be > 0");
  return Status::OK();
}

Store::Impl::Impl(const StoreOptions& options, Transport* t, PdLink* p)
    : opts(options), transport(t), pd(p), fp(options.failpoints.get()) {
  stats.store_id = options.store_id;
}

bool Store::Impl::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> l(inbox_mu);
    if (stopping) return false;
    inbox.push_back(std::move(task));
  }
  inbox_cv.notify_one();
  return true;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() { Stop(); }

Status Store::Open(const StoreOptions& options, Transport* transport, PdLink* pd,
                   std::unique_ptr<Store>* store) {
  NOKV_RETURN_IF_ERROR(options.Validate());
  StoreOptions opts = options;
  if (!opts.fs) opts.fs = NewPosixFileSystem();
  NOKV_RETURN_IF_ERROR(CreateWorkdir(opts.fs.get(), opts.workdir));
  auto impl = std::make_unique<Impl>(opts, transport, pd);
  Options data_options = opts.data_engine;
  data_options.fs = opts.fs;
  NOKV_RETURN_IF_ERROR(DataEngine::Open(data_options, JoinPath(opts.workdir, "data"), &impl->data));
  RaftLogEngine::Options log_options;
  log_options.fs = opts.fs;
  log_options.memtable_size = opts.raft_log_memtable_size;
  NOKV_RETURN_IF_ERROR(
      RaftLogEngine::Open(log_options, JoinPath(opts.workdir, "raft"), &impl->raft_log));

  raft_serverpb::StoreIdent ident;
  Status s = impl->data->LoadStoreIdent(&ident);
  if (s.IsNotFound()) {
    ident.set_store_id(opts.store_id);
    ident.set_cluster_id(opts.cluster_id);
    DataWriteBatch b;
    b.PutStoreIdent(ident);
    NOKV_RETURN_IF_ERROR(impl->data->Write(&b, /*sync=*/true));
  } else if (!s.ok()) {
    return s;
  } else if (ident.store_id() != opts.store_id) {
    return Status::InvalidArgument("workdir " + opts.workdir + " belongs to store " +
                                   std::to_string(ident.store_id()) + ", not store " +
                                   std::to_string(opts.store_id));
  } else if (ident.cluster_id() != 0 && opts.cluster_id != 0 &&
             ident.cluster_id() != opts.cluster_id) {
    return Status::InvalidArgument("workdir " + opts.workdir + " belongs to cluster " +
                                   std::to_string(ident.cluster_id()));
  }
  NOKV_RETURN_IF_ERROR(impl->LoadPeers());
  store->reset(new Store(std::move(impl)));
  return Status::OK();
}

Status Store::Start(const std::string& address) {
  Impl* impl = impl_.get();
  if (impl->running.exchange(true)) return Status::InvalidArgument("store already started");
  impl->address = address;
  impl->snap_worker.Start();
  impl->pd_worker.Start();
  impl->loop_alive = true;
  impl->raft_thread = std::thread([impl] { impl->Run(); });
  if (impl->transport != nullptr) impl->transport->SetHandler(this);
  if (impl->pd != nullptr) {
    impl->pd_worker.Post([impl] {
      metapb::Store meta;
      meta.set_id(impl->opts.store_id);
      meta.set_address(impl->address);
      meta.set_version("nokv");
      for (int attempt = 0; impl->running.load(); attempt++) {
        Status s = impl->pd->PutStore(meta);
        if (s.ok()) return;
        if (attempt % 10 == 0) spdlog::warn("store {}: PutStore: {}", meta.id(), s.ToString());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  }
  spdlog::info("store {}: started with {} region(s) at {}", impl->opts.store_id, impl->peers.size(),
               address);
  return Status::OK();
}

void Store::Stop() {
  Impl* impl = impl_.get();
  if (impl == nullptr) return;
  const bool was_running = impl->running.exchange(false);
  if (was_running) {
    if (impl->transport != nullptr) impl->transport->SetHandler(nullptr);
    impl->Post([impl] {
      impl->closing = true;
      // Requests still waiting (writes not yet applied, reads not yet
      // served) are answered "server is busy": a raw write is idempotent and
      // a read has no effect, so the client retries them.
      ApplyResult stopped =
          RegionErrorResult(MakeServerIsBusy("store is stopping", kStoppedBackoffMs));
      for (auto& [id, p] : impl->peers) impl->FailPending(p.get(), stopped);
    });
    {
      std::lock_guard<std::mutex> l(impl->inbox_mu);
      impl->stopping = true;
    }
    impl->inbox_cv.notify_all();
    if (impl->raft_thread.joinable()) impl->raft_thread.join();
    impl->loop_alive = false;
  }
  impl->snap_worker.Stop();
  impl->pd_worker.Stop();
  // Engines close last: nothing else touches them now.
  for (auto& [id, p] : impl->peers) {
    p->node.reset();
    p->storage.reset();
  }
  if (impl->raft_log) {
    Status s = impl->raft_log->Close();
    if (!s.ok() && !impl->halted)
      spdlog::warn("store {}: closing raft log: {}", impl->opts.store_id, s.ToString());
    impl->raft_log.reset();
  }
  if (impl->data) {
    Status s = impl->data->Close();
    if (!s.ok() && !impl->halted)
      spdlog::warn("store {}: closing data engine: {}", impl->opts.store_id, s.ToString());
    impl->data.reset();
  }
  if (was_running) spdlog::info("store {}: stopped", impl->opts.store_id);
}

uint64_t Store::store_id() const { return impl_->opts.store_id; }

#define NOKV_STORE_FORWARD(Method, Req, Resp)                                      \
  void Store::Method(const kvrpcpb::Req& request, Callback<kvrpcpb::Resp> done) {  \
    Impl* impl = impl_.get();                                                      \
    auto shared_done = std::make_shared<Callback<kvrpcpb::Resp>>(std::move(done)); \
    if (!impl->Post([impl, request, shared_done] {                                 \
          impl->Handle##Method(request, std::move(*shared_done));                  \
        })) {                                                                      \
      Refuse(*shared_done, kStopped);                                              \
    }                                                                              \
  }

NOKV_STORE_FORWARD(RawGet, RawGetRequest, RawGetResponse)
NOKV_STORE_FORWARD(RawBatchGet, RawBatchGetRequest, RawBatchGetResponse)
NOKV_STORE_FORWARD(RawPut, RawPutRequest, RawPutResponse)
NOKV_STORE_FORWARD(RawBatchPut, RawBatchPutRequest, RawBatchPutResponse)
NOKV_STORE_FORWARD(RawDelete, RawDeleteRequest, RawDeleteResponse)
NOKV_STORE_FORWARD(RawDeleteRange, RawDeleteRangeRequest, RawDeleteRangeResponse)
NOKV_STORE_FORWARD(RawScan, RawScanRequest, RawScanResponse)
#undef NOKV_STORE_FORWARD

void Store::SplitRegion(uint64_t region_id, std::string split_key,
                        std::function<void(Status)> done) {
  Impl* impl = impl_.get();
  auto d = std::make_shared<std::function<void(Status)>>(std::move(done));
  if (!impl->Post([impl, region_id, split_key, d] {
        impl->StartSplit(
            region_id,
            split_key.empty() ? std::vector<std::string>{} : std::vector<std::string>{split_key},
            *d);
      })) {
    (*d)(Status::Aborted(kStopped));
  }
}

void Store::MergeRegion(uint64_t source_region_id, uint64_t target_region_id,
                        std::function<void(Status)> done) {
  Impl* impl = impl_.get();
  auto d = std::make_shared<std::function<void(Status)>>(std::move(done));
  if (!impl->Post([impl, source_region_id, target_region_id, d] {
        impl->StartMerge(source_region_id, target_region_id, *d);
      })) {
    (*d)(Status::Aborted(kStopped));
  }
}

void Store::ChangePeer(uint64_t region_id, bool add, const metapb::Peer& peer,
                       std::function<void(Status)> done) {
  Impl* impl = impl_.get();
  auto d = std::make_shared<std::function<void(Status)>>(std::move(done));
  if (!impl->Post(
          [impl, region_id, add, peer, d] { impl->StartChangePeer(region_id, add, peer, *d); })) {
    (*d)(Status::Aborted(kStopped));
  }
}

void Store::TransferLeader(uint64_t region_id, uint64_t to_peer_id,
                           std::function<void(Status)> done) {
  Impl* impl = impl_.get();
  auto d = std::make_shared<std::function<void(Status)>>(std::move(done));
  if (!impl->Post([impl, region_id, to_peer_id, d] {
        impl->StartTransferLeader(region_id, to_peer_id, *d);
      })) {
    (*d)(Status::Aborted(kStopped));
  }
}

void Store::Campaign(uint64_t region_id) {
  Impl* impl = impl_.get();
  impl->Post([impl, region_id] {
    Peer* p = impl->FindPeer(region_id);
    if (p != nullptr && p->initialized) (void)p->node->Campaign();
  });
}

void Store::OnRaftMessage(raft_serverpb::RaftMessage message) {
  Impl* impl = impl_.get();
  auto m = std::make_shared<raft_serverpb::RaftMessage>(std::move(message));
  impl->Post([impl, m] { impl->HandleRaftMessage(std::move(*m)); });
}

Status Store::OnSnapshot(raft_serverpb::RaftMessage message, std::string data) {
  Impl* impl = impl_.get();
  raftpb::Message m;
  if (!m.ParseFromString(message.message()) || m.type() != raftpb::MsgSnap) {
    return Status::Corruption("snapshot header does not carry a MsgSnap");
  }
  if (message.to_peer().store_id() != impl->opts.store_id) {
    return Status::InvalidArgument("snapshot for store " +
                                   std::to_string(message.to_peer().store_id()) +
                                   " sent to store " + std::to_string(impl->opts.store_id));
  }
  raft_serverpb::SnapshotMeta meta;
  if (!meta.ParseFromString(m.snapshot().data())) {
    return Status::Corruption("snapshot of region " + std::to_string(message.region_id()) +
                              ": unparsable snapshot metadata");
  }
  if (meta.region().id() != message.region_id()) {
    return Status::Corruption("snapshot metadata names region " +
                              std::to_string(meta.region().id()) + ", envelope region " +
                              std::to_string(message.region_id()));
  }
  if (meta.data_size() != data.size() || meta.data_crc32c() != crc32c::Value(data)) {
    return Status::Corruption("snapshot of region " + std::to_string(message.region_id()) +
                              " at index " + std::to_string(m.snapshot().metadata().index()) +
                              ": data does not match its metadata (size " +
                              std::to_string(data.size()) + " vs " +
                              std::to_string(meta.data_size()) + ")");
  }
  auto msg = std::make_shared<raft_serverpb::RaftMessage>(std::move(message));
  auto d = std::make_shared<std::string>(std::move(data));
  auto mt = std::make_shared<raft_serverpb::SnapshotMeta>(std::move(meta));
  if (!impl->Post([impl, msg, d, mt] {
        impl->HandleReceivedSnapshot(std::move(*msg), std::move(*mt), std::move(*d));
      })) {
    return Status::Busy(kStopped);
  }
  return Status::OK();
}

void Store::OnStoreUnreachable(uint64_t store_id) {
  Impl* impl = impl_.get();
  impl->Post([impl, store_id] {
    for (auto& [id, p] : impl->peers) {
      if (!p->is_leader() || p->stopped) continue;
      for (const metapb::Peer& peer : p->region.peers()) {
        if (peer.store_id() == store_id) p->node->ReportUnreachable(peer.id());
      }
    }
  });
}

StoreStats Store::Stats() const {
  std::lock_guard<std::mutex> l(impl_->stats_mu);
  return impl_->published;
}

namespace {

RegionStatus StatusOfPeer(const Peer& p) {
  RegionStatus st;
  st.region = p.region;
  if (!p.initialized) st.region.set_id(p.region_id);
  st.state = p.state;
  st.peer_id = p.peer_id;
  st.leader_peer_id = p.soft.lead;
  st.is_leader = p.is_leader();
  if (p.storage) {
    st.term = p.storage->hard_state().term();
    st.commit_index = p.storage->hard_state().commit();
    st.first_index = p.storage->first_index();
    st.last_index = p.storage->last_index();
  }
  st.applied_index = p.applied_index();
  st.approximate_keys = p.approximate_keys;
  st.approximate_size = p.approximate_size;
  st.initialized = p.initialized;
  st.stopped = p.stopped;
  return st;
}

}  // namespace

std::vector<RegionStatus> Store::Regions() const {
  Impl* impl = impl_.get();
  auto collect = [impl] {
    std::vector<RegionStatus> out;
    for (const auto& [id, p] : impl->peers) out.push_back(StatusOfPeer(*p));
    return out;
  };
  if (!impl->loop_alive.load()) return collect();
  auto promise = std::make_shared<std::promise<std::vector<RegionStatus>>>();
  std::future<std::vector<RegionStatus>> f = promise->get_future();
  if (!impl->Post([promise, collect] { promise->set_value(collect()); })) return {};
  if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return {};
  return f.get();
}

Result<RegionStatus> Store::RegionForKey(std::string_view key) const {
  for (RegionStatus& r : Regions()) {
    if (r.initialized && r.state != raft_serverpb::TOMBSTONE && KeyInRegion(key, r.region)) {
      return r;
    }
  }
  return Status::NotFound("no local region holds the key");
}

Status Store::DebugScan(std::string_view cf, std::string_view start, std::string_view end,
                        std::vector<std::pair<std::string, std::string>>* out) const {
  out->clear();
  Result<ColumnFamily> c = CfByName(cf);
  if (!c.ok()) return c.status();
  if (!impl_->data) return Status::Closed("store is closed");
  std::unique_ptr<Iterator> it = impl_->data->NewIterator(c.value(), start, end);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out->emplace_back(std::string(it->key()), std::string(it->value()));
  }
  return it->status();
}

// ---- bootstrap and offline reading ----

Status BootstrapStore(const StoreOptions& options, const std::vector<metapb::Region>& regions) {
  NOKV_RETURN_IF_ERROR(options.Validate());
  NOKV_RETURN_IF_ERROR(CheckBootstrapRegions(regions));
  std::shared_ptr<FileSystem> fs = options.fs ? options.fs : NewPosixFileSystem();
  NOKV_RETURN_IF_ERROR(CreateWorkdir(fs.get(), options.workdir));
  Options data_options = options.data_engine;
  data_options.fs = fs;
  std::unique_ptr<DataEngine> data;
  NOKV_RETURN_IF_ERROR(DataEngine::Open(data_options, JoinPath(options.workdir, "data"), &data));
  raft_serverpb::StoreIdent ident;
  Status s = data->LoadStoreIdent(&ident);
  if (s.ok()) {
    return Status::Busy("workdir " + options.workdir + " already holds store " +
                        std::to_string(ident.store_id()));
  }
  if (!s.IsNotFound()) return s;
  RaftLogEngine::Options log_options;
  log_options.fs = fs;
  std::unique_ptr<RaftLogEngine> raft_log;
  NOKV_RETURN_IF_ERROR(
      RaftLogEngine::Open(log_options, JoinPath(options.workdir, "raft"), &raft_log));

  DataWriteBatch batch;
  RaftLogBatch log_batch;
  for (const metapb::Region& r : regions) {
    bool here = false;
    for (const metapb::Peer& p : r.peers()) here = here || p.store_id() == options.store_id;
    if (!here) continue;
    raft_serverpb::RegionLocalState state;
    state.set_state(raft_serverpb::NORMAL);
    *state.mutable_region() = r;
    batch.PutRegionState(r.id(), state);
    raft_serverpb::RaftApplyState apply;
    apply.set_applied_index(kInitIndex);
    apply.set_applied_term(kInitTerm);
    apply.set_truncated_index(kInitIndex);
    apply.set_truncated_term(kInitTerm);
    batch.PutApplyState(r.id(), apply);
    raftpb::SnapshotMetadata meta;
    meta.set_index(kInitIndex);
    meta.set_term(kInitTerm);
    *meta.mutable_conf_state() = ConfStateOf(r);
    log_batch.ResetToSnapshot(r.id(), 1, 0, meta);
    raftpb::HardState hs;
    hs.set_term(kInitTerm);
    hs.set_commit(kInitIndex);
    log_batch.SetHardState(r.id(), hs);
  }
  // Raft state first: a store ident without it would look finished.
  NOKV_RETURN_IF_ERROR(raft_log->Write(&log_batch));
  ident.set_store_id(options.store_id);
  ident.set_cluster_id(options.cluster_id);
  batch.PutStoreIdent(ident);
  NOKV_RETURN_IF_ERROR(data->Write(&batch, /*sync=*/true));
  NOKV_RETURN_IF_ERROR(raft_log->Close());
  return data->Close();
}

Status ReadStoreRegions(const std::string& workdir, std::shared_ptr<FileSystem> fs,
                        uint64_t* store_id, std::vector<RegionStatus>* regions) {
  if (!fs) fs = NewPosixFileSystem();
  const std::string data_dir = JoinPath(workdir, "data");
  const std::string raft_dir = JoinPath(workdir, "raft");
  if (!fs->FileExists(data_dir) || !fs->FileExists(raft_dir)) {
    return Status::InvalidArgument(workdir + " is not a store workdir (no data/ and raft/)");
  }
  Options data_options;
  data_options.fs = fs;
  data_options.create_if_missing = false;
  data_options.read_only = true;  // an inspection writes nothing
  std::unique_ptr<DataEngine> data;
  NOKV_RETURN_IF_ERROR(DataEngine::Open(data_options, data_dir, &data));
  raft_serverpb::StoreIdent ident;
  Status s = data->LoadStoreIdent(&ident);
  if (s.IsNotFound())
    return Status::InvalidArgument(workdir + " is not a store workdir (no store ident)");
  NOKV_RETURN_IF_ERROR(s);
  *store_id = ident.store_id();
  std::map<uint64_t, raft_serverpb::RegionLocalState> states;
  NOKV_RETURN_IF_ERROR(data->LoadRegionStates(&states));
  RaftLogEngine::Options log_options;
  log_options.fs = fs;
  log_options.read_only = true;
  std::unique_ptr<RaftLogEngine> raft_log;
  NOKV_RETURN_IF_ERROR(RaftLogEngine::Open(log_options, raft_dir, &raft_log));
  regions->clear();
  for (const auto& [id, st] : states) {
    RegionStatus r;
    r.region = st.region();
    r.state = st.state();
    for (const metapb::Peer& p : st.region().peers()) {
      if (p.store_id() == ident.store_id()) r.peer_id = p.id();
    }
    raft_serverpb::RaftApplyState apply;
    if (data->LoadApplyState(id, &apply).ok()) r.applied_index = apply.applied_index();
    RegionRaftState rs;
    if (raft_log->Load(id, &rs).ok()) {
      r.term = rs.hard_state.term();
      r.commit_index = rs.hard_state.commit();
      r.first_index = rs.snapshot.index() + 1;
      r.last_index = rs.last_index;
    }
    regions->push_back(std::move(r));
  }
  NOKV_RETURN_IF_ERROR(raft_log->Close());
  return data->Close();
}

}  // namespace nokv::raftstore
