// Raw key-value requests on the raft thread: validation against the region
// (store, region, epoch, keys, leadership), writes proposed through raft and
// answered when applied (matched by (term, index) on the proposing peer),
// reads answered once a read index is confirmed and applied.
#include <spdlog/spdlog.h>

#include "nokv/iterator.h"
#include "raftstore/store_impl.h"

namespace nokv::raftstore {

// ---- region errors ----

errorpb::RegionError MakeNotLeader(uint64_t region_id, const metapb::Peer* leader,
                                   std::string address) {
  errorpb::RegionError e;
  e.set_message("peer is not the leader of region " + std::to_string(region_id));
  errorpb::NotLeader* nl = e.mutable_not_leader();
  nl->set_region_id(region_id);
  if (leader != nullptr) *nl->mutable_leader() = *leader;
  nl->set_leader_address(std::move(address));
  return e;
}

errorpb::RegionError MakeEpochNotMatch(std::vector<metapb::Region> current) {
  errorpb::RegionError e;
  e.set_message(current.empty()
                    ? "region epoch does not match"
                    : "epoch of region " + std::to_string(current[0].id()) + " is now conf_ver " +
                          std::to_string(current[0].region_epoch().conf_ver()) + " version " +
                          std::to_string(current[0].region_epoch().version()));
  for (metapb::Region& r : current)
    *e.mutable_epoch_not_match()->add_current_regions() = std::move(r);
  return e;
}

errorpb::RegionError MakeKeyNotInRegion(std::string_view key, const metapb::Region& region) {
  errorpb::RegionError e;
  e.set_message("key is not in region " + std::to_string(region.id()));
  errorpb::KeyNotInRegion* k = e.mutable_key_not_in_region();
  k->set_key(std::string(key));
  k->set_region_id(region.id());
  k->set_start_key(region.start_key());
  k->set_end_key(region.end_key());
  return e;
}

errorpb::RegionError MakeRegionNotFound(uint64_t region_id) {
  errorpb::RegionError e;
  e.set_message("region " + std::to_string(region_id) + " is not on this store");
  e.mutable_region_not_found()->set_region_id(region_id);
  return e;
}

errorpb::RegionError MakeServerIsBusy(std::string reason, uint64_t backoff_ms) {
  errorpb::RegionError e;
  e.set_message("server is busy: " + reason);
  e.mutable_server_is_busy()->set_reason(std::move(reason));
  e.mutable_server_is_busy()->set_backoff_ms(backoff_ms);
  return e;
}

errorpb::RegionError MakeStaleCommand(std::string why) {
  errorpb::RegionError e;
  e.set_message("stale command: " + why);
  e.mutable_stale_command();
  return e;
}

ApplyResult RegionErrorResult(errorpb::RegionError e) {
  ApplyResult r;
  r.region_error = std::move(e);
  return r;
}

Status StatusOf(const ApplyResult& r) {
  if (!r.region_error) return r.status;
  const errorpb::RegionError& e = *r.region_error;
  if (e.has_not_leader()) return Status::NotSupported(e.message());
  if (e.has_server_is_busy()) return Status::Busy(e.message());
  if (e.has_region_not_found()) return Status::NotFound(e.message());
  return Status::Aborted(e.message());
}

namespace {

template <typename Response>
void Answer(const Callback<Response>& done, const ApplyResult& r) {
  Response resp;
  if (r.region_error) {
    *resp.mutable_region_error() = *r.region_error;
  } else if (!r.status.ok()) {
    resp.set_error(r.status.ToString());
  }
  done(std::move(resp));
}

template <typename Response>
std::shared_ptr<Callback<Response>> Share(Callback<Response> done) {
  return std::make_shared<Callback<Response>>(std::move(done));
}

}  // namespace

// ---- validation ----

std::string Store::Impl::LeaderAddress(uint64_t store_id) {
  std::lock_guard<std::mutex> l(addr_mu);
  auto it = store_addresses.find(store_id);
  if (it != store_addresses.end()) return it->second;
  if (pd != nullptr && address_lookups.insert(store_id).second) LookupStoreAddress(store_id);
  return "";
}

Peer* Store::Impl::Validate(const kvrpcpb::Context& ctx, const std::vector<std::string_view>& keys,
                            errorpb::RegionError* error, Status* status) {
  if (closing) {
    *status = Status::Aborted("store is stopping");
    return nullptr;
  }
  if (ctx.region_id() == 0) {
    *status = Status::InvalidArgument("region id missing in the request context");
    return nullptr;
  }
  if (ctx.peer().store_id() != 0 && ctx.peer().store_id() != opts.store_id) {
    error->set_message("request for store " + std::to_string(ctx.peer().store_id()) +
                       " reached store " + std::to_string(opts.store_id));
    error->mutable_store_not_match()->set_request_store_id(ctx.peer().store_id());
    error->mutable_store_not_match()->set_actual_store_id(opts.store_id);
    return nullptr;
  }
  Peer* p = FindPeer(ctx.region_id());
  if (p == nullptr || !p->initialized || p->destroying) {
    *error = MakeRegionNotFound(ctx.region_id());
    return nullptr;
  }
  if (p->stopped) {
    *status = Status::IOError(PeerName(*p) + " is stopped: " + p->stop_reason);
    return nullptr;
  }
  if (!ctx.has_region_epoch() || !EpochEqual(ctx.region_epoch(), p->region.region_epoch())) {
    stats.epoch_not_match++;
    std::vector<metapb::Region> current{p->region};
    // Local regions now holding the request's keys (a split's children).
    for (std::string_view k : keys) {
      auto it = ranges.upper_bound(std::string(k));
      if (it == ranges.begin()) continue;
      --it;
      Peer* q = FindPeer(it->second);
      if (q != nullptr && q != p && KeyInRegion(k, q->region)) current.push_back(q->region);
    }
    *error = MakeEpochNotMatch(std::move(current));
    return nullptr;
  }
  for (std::string_view k : keys) {
    if (!KeyInRegion(k, p->region)) {
      stats.key_not_in_region++;
      *error = MakeKeyNotInRegion(k, p->region);
      return nullptr;
    }
  }
  if (!p->is_leader()) {
    stats.not_leader++;
    const metapb::Peer* leader = p->FindPeer(p->soft.lead);
    *error = MakeNotLeader(p->region_id, leader,
                           leader != nullptr ? LeaderAddress(leader->store_id()) : "");
    return nullptr;
  }
  if (p->state == raft_serverpb::MERGING) {
    stats.server_is_busy++;
    *error = MakeServerIsBusy("region " + std::to_string(p->region_id) + " is merging", 100);
    return nullptr;
  }
  return p;
}

// ---- proposals and reads ----

void Store::Impl::Propose(Peer* p, raft_cmdpb::RaftCmdRequest cmd, ProposalCallback done) {
  // Pending count as of the last round, plus this round's proposals.
  if (stats.pending_proposals + proposals_this_round >= opts.max_pending_proposals) {
    stats.server_is_busy++;
    done(RegionErrorResult(MakeServerIsBusy("too many pending proposals", 50)));
    return;
  }
  cmd.mutable_header()->set_region_id(p->region_id);
  cmd.mutable_header()->set_peer_id(p->peer_id);
  *cmd.mutable_header()->mutable_region_epoch() = p->region.region_epoch();
  std::string data = cmd.SerializeAsString();
  if (data.size() > opts.max_entry_bytes) {
    errorpb::RegionError e;
    e.set_message("command of " + std::to_string(data.size()) + " bytes exceeds the entry limit");
    e.mutable_raft_entry_too_large()->set_region_id(p->region_id);
    e.mutable_raft_entry_too_large()->set_entry_size(data.size());
    done(RegionErrorResult(std::move(e)));
    return;
  }
  Status s = p->node->Propose(std::move(data));
  if (!s.ok()) {
    stats.proposals_dropped++;
    done(RegionErrorResult(MakeServerIsBusy("proposal dropped: " + s.message(), 50)));
    return;
  }
  // The new entry is the leader's last: its own progress records it.
  const raft::NodeStatus st = p->node->GetStatus();
  auto self = st.progress.find(p->peer_id);
  Proposal pr;
  pr.term = st.hard_state.term();
  pr.index = self == st.progress.end() ? 0 : self->second.match;
  pr.deadline_ms = now_ms + static_cast<uint64_t>(opts.command_timeout_ms);
  pr.done = std::move(done);
  p->proposals.push_back(std::move(pr));
  stats.proposals++;
  proposals_this_round++;
}

void Store::Impl::Read(Peer* p, PendingRead read) {
  // Batched: every read a peer accepts in one inbox drain shares one
  // ReadIndex (IssueReadIndexes, before the round's Ready handling).
  read.deadline_ms = now_ms + static_cast<uint64_t>(opts.command_timeout_ms);
  if (p->reads_new.empty()) peers_with_new_reads.push_back(p);
  p->reads_new.push_back(std::move(read));
}

// ---- handlers ----
//
// Each handler validates on the raft thread; reads re-check the region when
// they run (it may have split or merged while the read index was pending).

namespace {

// Re-validation at read time: the epoch the request was accepted under must
// still be the region's, and the peer must still exist.
Peer* StillValid(Store::Impl* s, uint64_t region_id, const metapb::RegionEpoch& epoch,
                 ApplyResult* error) {
  Peer* p = s->FindPeer(region_id);
  if (p == nullptr || p->destroying || !p->initialized) {
    *error = RegionErrorResult(MakeRegionNotFound(region_id));
    return nullptr;
  }
  if (!EpochEqual(p->region.region_epoch(), epoch)) {
    *error = RegionErrorResult(MakeEpochNotMatch({p->region}));
    return nullptr;
  }
  return p;
}

// Validates a request against its region; on a refusal answers `done` and
// returns nullptr.
template <typename Response>
Peer* ValidateOrAnswer(Store::Impl* s, const kvrpcpb::Context& ctx,
                       const std::vector<std::string_view>& keys, Callback<Response>& done) {
  errorpb::RegionError err;
  Status st;
  Peer* p = s->Validate(ctx, keys, &err, &st);
  if (p == nullptr) Answer(done, ApplyResult{st, st.ok() ? std::optional(err) : std::nullopt});
  return p;
}

// The shape of every raw read: resolve the column family, validate, wait
// for the read index, re-validate when it runs, then answer with what
// `body(peer, cf)` builds.
template <typename Response>
void ReadInRegion(Store::Impl* s, const kvrpcpb::Context& ctx, const std::string& cf_name,
                  const std::vector<std::string_view>& keys, Callback<Response> done,
                  std::function<Response(Peer*, ColumnFamily)> body) {
  Result<ColumnFamily> cf = CfByName(cf_name);
  if (!cf.ok()) return Answer(done, ApplyResult{cf.status(), std::nullopt});
  Peer* p = ValidateOrAnswer(s, ctx, keys, done);
  if (p == nullptr) return;
  auto d = Share(std::move(done));
  PendingRead r;
  r.epoch = p->region.region_epoch();
  r.run = [s, d, body = std::move(body), region_id = p->region_id, epoch = r.epoch,
           c = cf.value()] {
    ApplyResult e;
    Peer* peer = StillValid(s, region_id, epoch, &e);
    if (peer == nullptr) return Answer(*d, e);
    (*d)(body(peer, c));
  };
  r.fail = [d](ApplyResult e) { Answer(*d, e); };
  s->Read(p, std::move(r));
}

}  // namespace

void Store::Impl::HandleRawGet(const kvrpcpb::RawGetRequest& req,
                               Callback<kvrpcpb::RawGetResponse> done) {
  ReadInRegion<kvrpcpb::RawGetResponse>(
      this, req.context(), req.cf(), {req.key()}, std::move(done),
      [this, req](Peer*, ColumnFamily c) {
        kvrpcpb::RawGetResponse resp;
        std::string value;
        Status s = data->Get(c, req.key(), &value);
        if (s.ok()) {
          resp.set_value(std::move(value));
        } else if (s.IsNotFound()) {
          resp.set_not_found(true);
        } else {
          resp.set_error(s.ToString());
        }
        return resp;
      });
}

void Store::Impl::HandleRawBatchGet(const kvrpcpb::RawBatchGetRequest& req,
                                    Callback<kvrpcpb::RawBatchGetResponse> done) {
  ReadInRegion<kvrpcpb::RawBatchGetResponse>(
      this, req.context(), req.cf(), {req.keys().begin(), req.keys().end()}, std::move(done),
      [this, req](Peer*, ColumnFamily c) {
        kvrpcpb::RawBatchGetResponse resp;
        for (const std::string& k : req.keys()) {
          std::string value;
          Status s = data->Get(c, k, &value);
          if (s.ok()) {
            kvrpcpb::KvPair* kv = resp.add_pairs();
            kv->set_key(k);
            kv->set_value(std::move(value));
          } else if (!s.IsNotFound()) {
            resp.clear_pairs();
            resp.set_error(s.ToString());
            break;
          }
        }
        return resp;
      });
}

void Store::Impl::HandleRawScan(const kvrpcpb::RawScanRequest& req,
                                Callback<kvrpcpb::RawScanResponse> done) {
  const uint32_t limit =
      req.limit() == 0 ? opts.max_scan_limit : std::min(req.limit(), opts.max_scan_limit);
  ReadInRegion<kvrpcpb::RawScanResponse>(
      this, req.context(), req.cf(), {req.start_key()}, std::move(done),
      [this, req, limit](Peer* p, ColumnFamily c) {
        // The iterator itself stops at the region's end (or the request's, if
        // earlier): nothing outside the region is ever read.
        std::string end = p->region.end_key();
        if (!req.end_key().empty() && (end.empty() || req.end_key() < end)) end = req.end_key();
        kvrpcpb::RawScanResponse resp;
        std::unique_ptr<Iterator> it = data->NewIterator(c, req.start_key(), end);
        for (it->SeekToFirst(); it->Valid() && static_cast<uint32_t>(resp.kvs_size()) < limit;
             it->Next()) {
          kvrpcpb::KvPair* kv = resp.add_kvs();
          kv->set_key(std::string(it->key()));
          if (!req.key_only()) kv->set_value(std::string(it->value()));
        }
        if (!it->status().ok()) {
          resp.clear_kvs();
          resp.set_error(it->status().ToString());
        }
        return resp;
      });
}

namespace {

void AddPut(raft_cmdpb::RaftCmdRequest* cmd, const std::string& cf, const std::string& key,
            const std::string& value, uint64_t expires_at_ms) {
  raft_cmdpb::PutRequest* put = cmd->add_requests()->mutable_put();
  put->set_cf(cf);
  put->set_key(key);
  put->set_value(value);
  put->set_expires_at_ms(expires_at_ms);
}

}  // namespace

template <typename Response>
static void ProposeAndAnswer(Store::Impl* s, Peer* p, raft_cmdpb::RaftCmdRequest cmd,
                             Callback<Response> done) {
  auto d = Share(std::move(done));
  s->Propose(p, std::move(cmd), [d](ApplyResult r) { Answer(*d, r); });
}

void Store::Impl::HandleRawPut(const kvrpcpb::RawPutRequest& req,
                               Callback<kvrpcpb::RawPutResponse> done) {
  if (req.key().empty()) return Answer(done, ApplyResult{Status::InvalidArgument("empty key"), {}});
  if (!CfByName(req.cf()).ok()) return Answer(done, ApplyResult{CfByName(req.cf()).status(), {}});
  Peer* p = ValidateOrAnswer(this, req.context(), {req.key()}, done);
  if (p == nullptr) return;
  raft_cmdpb::RaftCmdRequest cmd;
  AddPut(&cmd, req.cf(), req.key(), req.value(), req.ttl_ms() ? data->NowMs() + req.ttl_ms() : 0);
  ProposeAndAnswer(this, p, std::move(cmd), std::move(done));
}

void Store::Impl::HandleRawBatchPut(const kvrpcpb::RawBatchPutRequest& req,
                                    Callback<kvrpcpb::RawBatchPutResponse> done) {
  if (!CfByName(req.cf()).ok()) return Answer(done, ApplyResult{CfByName(req.cf()).status(), {}});
  std::vector<std::string_view> keys;
  for (const kvrpcpb::KvPair& kv : req.pairs()) {
    if (kv.key().empty())
      return Answer(done, ApplyResult{Status::InvalidArgument("empty key"), {}});
    keys.push_back(kv.key());
  }
  Peer* p = ValidateOrAnswer(this, req.context(), keys, done);
  if (p == nullptr) return;
  if (req.pairs_size() == 0) return Answer(done, ApplyResult{});
  raft_cmdpb::RaftCmdRequest cmd;
  const uint64_t expires = req.ttl_ms() ? data->NowMs() + req.ttl_ms() : 0;
  for (const kvrpcpb::KvPair& kv : req.pairs())
    AddPut(&cmd, req.cf(), kv.key(), kv.value(), expires);
  ProposeAndAnswer(this, p, std::move(cmd), std::move(done));
}

void Store::Impl::HandleRawDelete(const kvrpcpb::RawDeleteRequest& req,
                                  Callback<kvrpcpb::RawDeleteResponse> done) {
  if (req.key().empty()) return Answer(done, ApplyResult{Status::InvalidArgument("empty key"), {}});
  if (!CfByName(req.cf()).ok()) return Answer(done, ApplyResult{CfByName(req.cf()).status(), {}});
  Peer* p = ValidateOrAnswer(this, req.context(), {req.key()}, done);
  if (p == nullptr) return;
  raft_cmdpb::RaftCmdRequest cmd;
  raft_cmdpb::DeleteRequest* del = cmd.add_requests()->mutable_delete_();
  del->set_cf(req.cf());
  del->set_key(req.key());
  ProposeAndAnswer(this, p, std::move(cmd), std::move(done));
}

void Store::Impl::HandleRawDeleteRange(const kvrpcpb::RawDeleteRangeRequest& req,
                                       Callback<kvrpcpb::RawDeleteRangeResponse> done) {
  if (!CfByName(req.cf()).ok()) return Answer(done, ApplyResult{CfByName(req.cf()).status(), {}});
  if (!req.end_key().empty() && req.end_key() <= req.start_key()) {
    return Answer(done,
                  ApplyResult{Status::InvalidArgument("end_key must be above start_key"), {}});
  }
  Peer* p = ValidateOrAnswer(this, req.context(), {req.start_key()}, done);
  if (p == nullptr) return;
  if (!req.end_key().empty() && !p->region.end_key().empty() &&
      req.end_key() > p->region.end_key()) {
    return Answer(done, RegionErrorResult(MakeKeyNotInRegion(req.end_key(), p->region)));
  }
  raft_cmdpb::RaftCmdRequest cmd;
  raft_cmdpb::DeleteRangeRequest* dr = cmd.add_requests()->mutable_delete_range();
  dr->set_cf(req.cf());
  dr->set_start_key(req.start_key());
  dr->set_end_key(req.end_key());
  ProposeAndAnswer(this, p, std::move(cmd), std::move(done));
}

}  // namespace nokv::raftstore
