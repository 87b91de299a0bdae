// RawKvClient operations: single-key requests, and the multi-key ones split
// per region (BatchGet/BatchPut grouped by region and regrouped after a
// region error; DeleteRange and Scan walking the regions of a range).
#include "client/raw_kv_client.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "client/client_impl.h"

namespace nokv::client {

RawKvClient::RawKvClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RawKvClient::~RawKvClient() = default;

Result<std::unique_ptr<RawKvClient>> RawKvClient::Create(RawKvClientOptions options) {
  if (options.pd_endpoints.empty()) return Status::InvalidArgument("no PD endpoints");
  pd::PdClientOptions po;
  po.endpoints = options.pd_endpoints;
  po.cache_regions = false;  // the RawKvClient's own cache routes
  Result<std::unique_ptr<pd::PdClient>> pd = pd::PdClient::Create(po);
  if (!pd.ok()) return pd.status();
  Result<std::unique_ptr<RawKvClient>> c = Create(std::move(options), pd->get());
  if (c.ok()) (*c)->impl_->owned_pd = std::move(pd.value());
  return c;
}

Result<std::unique_ptr<RawKvClient>> RawKvClient::Create(RawKvClientOptions options,
                                                         pd::PdClient* pd) {
  if (pd == nullptr) return Status::InvalidArgument("no PD client");
  if (options.max_attempts < 1 || options.request_timeout_ms < 1 || options.rpc_timeout_ms < 1 ||
      options.scan_batch < 1) {
    return Status::InvalidArgument(
        "max_attempts, request_timeout_ms, rpc_timeout_ms and scan_batch must be > 0");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->pd = pd;
  return std::unique_ptr<RawKvClient>(new RawKvClient(std::move(impl)));
}

ClientStats RawKvClient::Stats() const {
  const Impl::Counters& c = impl_->counters;
  ClientStats s;
  s.rpcs = c.rpcs.load();
  s.rpc_failures = c.rpc_failures.load();
  s.retries = c.retries.load();
  s.pd_lookups = c.pd_lookups.load();
  s.not_leader = c.not_leader.load();
  s.epoch_not_match = c.epoch_not_match.load();
  s.key_not_in_region = c.key_not_in_region.load();
  s.region_not_found = c.region_not_found.load();
  s.server_is_busy = c.server_is_busy.load();
  s.store_not_match = c.store_not_match.load();
  s.other_region_errors = c.other_region_errors.load();
  return s;
}

RegionCache* RawKvClient::region_cache() { return &impl_->cache; }

// ---- single key

Status RawKvClient::Get(std::string_view key, std::string* value, std::string_view cf) {
  RetryBudget budget(impl_->options, &impl_->counters.retries);
  kvrpcpb::RawGetRequest req;
  req.set_key(std::string(key));
  req.set_cf(std::string(cf));
  kvrpcpb::RawGetResponse resp;
  NOKV_RETURN_IF_ERROR(impl_->RunOnKey(key, &req, &resp, &Stub::RawGet, &budget));
  if (resp.not_found()) return Status::NotFound();
  *value = std::move(*resp.mutable_value());
  return Status::OK();
}

Status RawKvClient::Put(std::string_view key, std::string_view value, std::string_view cf,
                        uint64_t ttl_ms) {
  RetryBudget budget(impl_->options, &impl_->counters.retries);
  kvrpcpb::RawPutRequest req;
  req.set_key(std::string(key));
  req.set_value(std::string(value));
  req.set_cf(std::string(cf));
  req.set_ttl_ms(ttl_ms);
  kvrpcpb::RawPutResponse resp;
  return impl_->RunOnKey(key, &req, &resp, &Stub::RawPut, &budget);
}

Status RawKvClient::Delete(std::string_view key, std::string_view cf) {
  RetryBudget budget(impl_->options, &impl_->counters.retries);
  kvrpcpb::RawDeleteRequest req;
  req.set_key(std::string(key));
  req.set_cf(std::string(cf));
  kvrpcpb::RawDeleteResponse resp;
  return impl_->RunOnKey(key, &req, &resp, &Stub::RawDelete, &budget);
}

// ---- keys grouped by region

namespace {

// Keys (by index into the caller's list) grouped by the region holding them.
struct Group {
  RegionRoute route;
  std::vector<size_t> items;
};

// Groups `items` by region; on a routing failure, the error.
Status GroupByRegion(RawKvClient::Impl* impl, const std::vector<size_t>& items,
                     const std::function<std::string_view(size_t)>& key_of, RetryBudget* budget,
                     std::map<uint64_t, Group>* groups) {
  groups->clear();
  for (size_t i : items) {
    Result<RegionRoute> route = impl->Locate(key_of(i), budget);
    if (!route.ok()) return route.status();
    Group& g = (*groups)[route->region.id()];
    if (g.items.empty()) g.route = *route;
    g.items.push_back(i);
  }
  return Status::OK();
}

}  // namespace

Status RawKvClient::BatchGet(const std::vector<std::string>& keys,
                             std::map<std::string, std::string>* found, std::string_view cf) {
  found->clear();
  const std::set<std::string> distinct(keys.begin(), keys.end());
  const std::vector<std::string> unique(distinct.begin(), distinct.end());
  std::vector<size_t> pending(unique.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  RetryBudget budget(impl_->options, &impl_->counters.retries);
  auto key_of = [&](size_t i) -> std::string_view { return unique[i]; };
  std::map<uint64_t, Group> groups;
  while (!pending.empty()) {
    NOKV_RETURN_IF_ERROR(GroupByRegion(impl_.get(), pending, key_of, &budget, &groups));
    pending.clear();
    Outcome retry;
    for (auto& [id, g] : groups) {
      kvrpcpb::RawBatchGetRequest req;
      req.set_cf(std::string(cf));
      for (size_t i : g.items) req.add_keys(unique[i]);
      kvrpcpb::RawBatchGetResponse resp;
      Outcome o = impl_->Call(g.route, &req, &resp, &Stub::RawBatchGet, budget);
      if (o.verdict == Verdict::kFail) return o.status;
      if (o.verdict == Verdict::kRetry) {
        pending.insert(pending.end(), g.items.begin(), g.items.end());
        if (!retry.backoff) retry = o;
        continue;
      }
      for (kvrpcpb::KvPair& kv : *resp.mutable_pairs()) {
        (*found)[std::move(*kv.mutable_key())] = std::move(*kv.mutable_value());
      }
    }
    if (!pending.empty() && !budget.Next(retry)) return budget.GiveUp();
  }
  return Status::OK();
}

Status RawKvClient::BatchPut(const KvPairs& pairs, std::string_view cf, uint64_t ttl_ms) {
  std::vector<size_t> pending(pairs.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  RetryBudget budget(impl_->options, &impl_->counters.retries);
  auto key_of = [&](size_t i) -> std::string_view { return pairs[i].first; };
  std::map<uint64_t, Group> groups;
  while (!pending.empty()) {
    NOKV_RETURN_IF_ERROR(GroupByRegion(impl_.get(), pending, key_of, &budget, &groups));
    pending.clear();
    Outcome retry;
    for (auto& [id, g] : groups) {
      kvrpcpb::RawBatchPutRequest req;
      req.set_cf(std::string(cf));
      req.set_ttl_ms(ttl_ms);
      for (size_t i : g.items) {  // in the caller's order: a later duplicate wins
        kvrpcpb::KvPair* kv = req.add_pairs();
        kv->set_key(pairs[i].first);
        kv->set_value(pairs[i].second);
      }
      kvrpcpb::RawBatchPutResponse resp;
      Outcome o = impl_->Call(g.route, &req, &resp, &Stub::RawBatchPut, budget);
      if (o.verdict == Verdict::kFail) return o.status;
      if (o.verdict == Verdict::kRetry) {
        pending.insert(pending.end(), g.items.begin(), g.items.end());
        if (!retry.backoff) retry = o;
      }
    }
    std::sort(pending.begin(), pending.end());
    if (!pending.empty() && !budget.Next(retry)) return budget.GiveUp();
  }
  return Status::OK();
}

// ---- ranges

Status RawKvClient::DeleteRange(std::string_view start, std::string_view end,
                                std::string_view cf) {
  if (!end.empty() && start > end) return Status::InvalidArgument("DeleteRange: start > end");
  RetryBudget budget(impl_->options, &impl_->counters.retries);
  std::string cursor(start);
  const std::string end_key(end);
  while (end_key.empty() || cursor < end_key) {
    kvrpcpb::RawDeleteRangeRequest req;
    req.set_cf(std::string(cf));
    kvrpcpb::RawDeleteRangeResponse resp;
    RegionRoute used;
    // Each attempt deletes [cursor, min(end, region end)) of the region it
    // reached, so a region that split meanwhile is handled piece by piece.
    NOKV_RETURN_IF_ERROR(impl_->RunOnKey(
        cursor, &req, &resp, &Stub::RawDeleteRange, &budget,
        [&](const RegionRoute& r, kvrpcpb::RawDeleteRangeRequest* q) {
          q->set_start_key(cursor);
          const std::string& region_end = r.region.end_key();
          if (!end_key.empty() && (region_end.empty() || end_key < region_end)) {
            q->set_end_key(end_key);
          } else {
            q->set_end_key(region_end);
          }
        },
        &used));
    const std::string& region_end = used.region.end_key();
    if (region_end.empty() || (!end_key.empty() && region_end >= end_key)) break;
    cursor = region_end;
  }
  return Status::OK();
}

Status RawKvClient::Scan(std::string_view start, std::string_view end, size_t limit, KvPairs* out,
                         std::string_view cf, bool key_only) {
  out->clear();
  if (limit == 0) return Status::InvalidArgument("Scan: limit must be > 0");
  RetryBudget budget(impl_->options, &impl_->counters.retries);
  std::string cursor(start);
  const std::string end_key(end);
  while (out->size() < limit && (end_key.empty() || cursor < end_key)) {
    kvrpcpb::RawScanRequest req;
    req.set_end_key(end_key);
    req.set_cf(std::string(cf));
    req.set_key_only(key_only);
    const uint32_t want = static_cast<uint32_t>(
        std::min<size_t>(limit - out->size(), impl_->options.scan_batch));
    req.set_limit(want);
    req.set_start_key(cursor);
    kvrpcpb::RawScanResponse resp;
    RegionRoute used;
    NOKV_RETURN_IF_ERROR(
        impl_->RunOnKey(cursor, &req, &resp, &Stub::RawScan, &budget, nullptr, &used));
    const size_t got = resp.kvs_size();
    for (kvrpcpb::KvPair& kv : *resp.mutable_kvs()) {
      out->emplace_back(std::move(*kv.mutable_key()), std::move(*kv.mutable_value()));
    }
    if (got == want) {
      // More may follow in this region: continue right after the last key.
      // (key + '\0' is the next possible key; incrementing the last byte
      // would skip every key that extends the last one.)
      cursor = out->back().first;
      cursor.push_back('\0');
      continue;
    }
    // The region is exhausted: the next one starts at its end.
    const std::string& region_end = used.region.end_key();
    if (region_end.empty() || (!end_key.empty() && region_end >= end_key)) break;
    cursor = region_end;
  }
  return Status::OK();
}

}  // namespace nokv::client
