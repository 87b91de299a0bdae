// Storage mechanics of the Redis gateway; see redis_store.h.
#include "redis/redis_store.h"

#include <algorithm>
#include <functional>
#include <random>

#include "base/internal_key.h"
#include "redis/glob.h"
#include "redis/key_layout.h"

namespace nokv::redis {
namespace {

// The smallest engine key greater than the engine key of every Redis key
// starting with `prefix`. Never past the keyspace: the prefix byte is not 0xff.
std::string PrefixSuccessor(std::string_view prefix) {
  std::string s = EncodeKey(prefix);
  while (true) {
    unsigned char c = static_cast<unsigned char>(s.back());
    if (c != 0xff) {
      s.back() = static_cast<char>(c + 1);
      return s;
    }
    s.pop_back();
  }
}

// Read options for a walk over the Redis keys in [from, end of `prefix`).
ReadOptions WalkOptions(std::string_view from, std::string_view prefix) {
  ReadOptions ro;
  ro.fill_cache = false;
  ro.lower_bound = EncodeKey(std::max(from, prefix));
  ro.upper_bound = PrefixSuccessor(prefix);
  return ro;
}

size_t StripeOf(std::string_view key) {
  return std::hash<std::string_view>{}(key) % KeyLocks::kStripes;
}

}  // namespace

KeyLocks::Guard::Guard(KeyLocks* locks, size_t stripe) : locks_(locks), single_(stripe) {
  locks_->mutexes_[single_].lock();
}

KeyLocks::Guard::Guard(KeyLocks* locks, std::vector<size_t> stripes)
    : locks_(locks), stripes_(std::move(stripes)) {
  for (size_t s : stripes_) locks_->mutexes_[s].lock();
}

KeyLocks::Guard::~Guard() {
  if (single_ != kNone) locks_->mutexes_[single_].unlock();
  for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) locks_->mutexes_[*it].unlock();
}

KeyLocks::Guard KeyLocks::Lock(std::string_view key) { return Guard(this, StripeOf(key)); }

KeyLocks::Guard KeyLocks::Lock(const std::vector<std::string_view>& keys) {
  std::vector<size_t> stripes;
  stripes.reserve(keys.size());
  for (auto k : keys) stripes.push_back(StripeOf(k));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  return Guard(this, std::move(stripes));
}

KeyLocks::Guard KeyLocks::LockAll() {
  std::vector<size_t> stripes(kStripes);
  for (size_t i = 0; i < kStripes; i++) stripes[i] = i;
  return Guard(this, std::move(stripes));
}

void RedisCounters::ResetStats() {
  for (auto* c : {&total_connections, &total_commands, &rejected_connections, &protocol_errors,
                  &error_replies, &keyspace_hits, &keyspace_misses, &expired_keys, &net_input_bytes,
                  &net_output_bytes, &reply_syncs}) {
    c->store(0, std::memory_order_relaxed);
  }
}

void KeyBatch::Put(std::string_view key, std::string_view value) {
  batch_.Put(EngineKey(key).view(), value);
}

void KeyBatch::Delete(std::string_view key) { batch_.Delete(EngineKey(key).view()); }

RedisStore::RedisStore(DB* db, RedisCounters* counters) : db_(db), counters_(counters) {
  std::random_device rd;
  const uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  next_cursor_ = (r & ((1ull << 52) - 1)) + 1;  // leaves 2^52 cursors before 2^53
}

WriteOptions RedisStore::WriteOpts() const {
  WriteOptions wo;
  if (!batched_durability_) {
    wo.sync = fsync_policy() == FsyncPolicy::kAlways;
    return wo;
  }
  // FlushBeforeReplies makes it durable (DB::FlushWAL syncs the value log
  // and the WAL) before any reply that could depend on it.
  wo.defer_wal_flush = true;
  return wo;
}

WriteOptions RedisStore::StandaloneWriteOpts() const {
  WriteOptions wo;
  wo.sync = fsync_policy() == FsyncPolicy::kAlways;
  return wo;
}

Status RedisStore::FlushBeforeReplies() {
  if (!batched_durability_) return Status::OK();
  if (fsync_policy() != FsyncPolicy::kAlways) return db_->FlushWAL(false);
  // Every write a reader or writer of the batch could have seen has a
  // sequence up to the published last sequence, and its WAL record was
  // appended before that sequence was published: a FlushWAL(true) that
  // starts after reading `last` covers them all. Batches waiting at the same
  // time share one fsync (the later ones find their sequence synced).
  uint64_t last = 0;
  if (!db_->GetIntProperty("nokv.last-sequence", &last)) {
    return Status::Corruption("nokv.last-sequence is not a DB property");
  }
  if (last <= synced_sequence_.load(std::memory_order_acquire)) return Status::OK();
  std::lock_guard<std::mutex> l(reply_sync_mu_);
  if (last <= synced_sequence_.load(std::memory_order_acquire)) return Status::OK();
  db_->GetIntProperty("nokv.last-sequence", &last);  // cover what came meanwhile too
  NOKV_RETURN_IF_ERROR(db_->FlushWAL(true));
  counters_->reply_syncs.fetch_add(1, std::memory_order_relaxed);
  synced_sequence_.store(last, std::memory_order_release);
  return Status::OK();
}

Status RedisStore::SyncIfDue() {
  if (fsync_policy() != FsyncPolicy::kEverySec) return Status::OK();
  const uint64_t now = NowMs();
  if (now < last_sync_ms_.load(std::memory_order_relaxed) + 1000) return Status::OK();
  last_sync_ms_.store(now, std::memory_order_relaxed);
  if (!unsynced_.exchange(false, std::memory_order_acq_rel)) return Status::OK();
  return db_->FlushWAL(true);
}

Status RedisStore::Wrote(Status s) {
  if (s.ok()) unsynced_.store(true, std::memory_order_release);
  return s;
}

Status RedisStore::Get(std::string_view key, std::string* value, uint64_t* expires_at_ms) {
  Status s = GetForWrite(key, value, expires_at_ms);
  if (s.ok()) {
    counters_->keyspace_hits.fetch_add(1, std::memory_order_relaxed);
  } else if (s.IsNotFound()) {
    counters_->keyspace_misses.fetch_add(1, std::memory_order_relaxed);
  }
  return s;
}

Status RedisStore::GetForWrite(std::string_view key, std::string* value, uint64_t* expires_at_ms) {
  ReadResult r;
  Status s = db_->Get(ReadOptions(), EngineKey(key).view(), &r);
  if (!s.ok()) return s;
  *value = std::move(r.value);
  if (expires_at_ms != nullptr) *expires_at_ms = r.expires_at_ms;
  return s;
}

Status RedisStore::Put(std::string_view key, std::string_view value, uint64_t expires_at_ms) {
  const EngineKey engine_key(key);
  if (expires_at_ms == 0) return Wrote(db_->Put(WriteOpts(), engine_key.view(), value));
  UpdateOptions expiring;
  expiring.expires_at_ms = expires_at_ms;
  NOKV_RETURN_IF_ERROR(
      Wrote(db_->Put(WriteOpts(), expiring, engine_key.view(), value)));
  TrackExpiry(key, expires_at_ms);
  return Status::OK();
}

Status RedisStore::Delete(std::string_view key) {
  return Wrote(db_->Delete(WriteOpts(), EngineKey(key).view()));
}

Status RedisStore::Write(const KeyBatch& batch) {
  return Wrote(db_->Write(WriteOpts(), batch.batch()));
}

Status RedisStore::Scan(std::string_view start, size_t count, std::string_view match,
                        std::vector<std::string>* keys, std::optional<std::string>* next) {
  // Resume at max(start, prefix): keys before the prefix cannot match.
  ReadOptions ro = WalkOptions(start, GlobLiteralPrefix(match));
  auto it = db_->NewIterator(ro);
  it->Seek(ro.lower_bound);
  size_t visited = 0;
  for (; it->Valid() && visited < count; it->Next(), visited++) {
    std::string_view key = DecodeKey(it->key());
    if (match.empty() || GlobMatch(match, key)) keys->emplace_back(key);
  }
  next->reset();
  if (it->Valid()) next->emplace(DecodeKey(it->key()));
  return it->status();
}

Status RedisStore::Keys(std::string_view match, std::vector<std::string>* keys) {
  // Like Redis, exactly "*" takes every key without matching: the glob
  // itself does not match the empty key with "*".
  const bool all = match == "*";
  ReadOptions ro = WalkOptions("", GlobLiteralPrefix(match));
  auto it = db_->NewIterator(ro);
  for (it->Seek(ro.lower_bound); it->Valid(); it->Next()) {
    std::string_view key = DecodeKey(it->key());
    if (all || GlobMatch(match, key)) keys->emplace_back(key);
  }
  return it->status();
}

Status RedisStore::CountKeys(uint64_t* keys, uint64_t* expires, uint64_t* avg_ttl_ms) {
  ReadOptions ro = WalkOptions("", "");
  auto it = db_->NewIterator(ro);
  uint64_t now = NowMs();
  uint64_t n = 0, with_ttl = 0;
  long double ttl_sum = 0;
  for (it->Seek(ro.lower_bound); it->Valid(); it->Next()) {
    n++;
    uint64_t exp = it->expires_at_ms();
    if (exp != 0) {
      with_ttl++;
      if (exp > now) ttl_sum += static_cast<long double>(exp - now);
    }
  }
  *keys = n;
  *expires = with_ttl;
  *avg_ttl_ms = with_ttl == 0 ? 0 : static_cast<uint64_t>(ttl_sum / with_ttl);
  return it->status();
}

bool RedisStore::HasKeysOutsideKeyspace() {
  ReadOptions below;
  below.fill_cache = false;
  below.upper_bound = std::string(kKeyspaceBegin);
  auto it = db_->NewIterator(below);
  it->SeekToFirst();
  if (it->Valid()) return true;
  ReadOptions above;
  above.fill_cache = false;
  above.lower_bound = std::string(kKeyspaceEnd);
  it = db_->NewIterator(above);
  it->Seek(above.lower_bound);
  return it->Valid();
}

Status RedisStore::Move(std::string_view from, std::string_view to, std::string_view value,
                        uint64_t expires_at_ms) {
  WriteBatch batch;
  UpdateOptions expiring;
  expiring.expires_at_ms = expires_at_ms;
  batch.Put(expiring, EncodeKey(to), value);
  batch.Delete(EncodeKey(from));
  NOKV_RETURN_IF_ERROR(Wrote(db_->Write(WriteOpts(), batch)));
  if (expires_at_ms != 0) TrackExpiry(to, expires_at_ms);
  return Status::OK();
}

Status RedisStore::RandomKey(std::optional<std::string>* key) {
  // The first 8 bytes of a key as a big-endian number (zero padded).
  auto head = [](std::string_view k) {
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++) v = (v << 8) | (i < k.size() ? static_cast<uint8_t>(k[i]) : 0);
    return v;
  };
  key->reset();
  ReadOptions ro = WalkOptions("", "");
  auto it = db_->NewIterator(ro);
  it->SeekToFirst();
  if (!it->Valid()) return it->status();
  const uint64_t lo = head(DecodeKey(it->key()));
  it->SeekToLast();
  if (!it->Valid()) return it->status();
  const uint64_t hi = head(DecodeKey(it->key()));
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  const uint64_t r = std::uniform_int_distribution<uint64_t>(lo, std::max(lo, hi))(gen);
  std::string target(8, '\0');
  for (size_t i = 0; i < 8; i++) target[i] = static_cast<char>(r >> (56 - 8 * i));
  // Keys are not spread evenly over that range ("user:1" ... "user:999"
  // leave wide gaps), so the key after a gap would come up far too often:
  // step a random 0..63 keys further (wrapping), spreading each gap over the
  // keys behind it.
  it->Seek(EncodeKey(target));
  for (uint64_t skip = gen() % 64;; skip--) {
    if (!it->Valid()) it->SeekToFirst();
    if (!it->Valid() || skip == 0) break;
    it->Next();
  }
  if (it->Valid()) key->emplace(DecodeKey(it->key()));
  return it->status();
}

Status RedisStore::DeleteAll() {
  NOKV_RETURN_IF_ERROR(Wrote(db_->DeleteRange(WriteOpts(), kKeyspaceBegin, kKeyspaceEnd)));
  // The tracked expiries name keys that are gone; a key written since is
  // found again by the rediscovery walk.
  // The keyspace is empty now: a walk restarts from the first key.
  std::lock_guard<std::mutex> l(expiry_mu_);
  expiries_ = {};
  expiry_scan_key_.clear();
  walk_generation_++;
  walk_keys_ = walk_expires_ = 0;
  walk_ttl_sum_ = 0;
  last_count_ = KeyspaceEstimate{true, 0, 0, 0, NowMs()};
  return Status::OK();
}

KeyspaceEstimate RedisStore::LastKeyspaceCount() {
  std::lock_guard<std::mutex> l(expiry_mu_);
  return last_count_;
}

uint64_t RedisStore::SaveCursor(std::string next_key) {
  std::lock_guard<std::mutex> l(cursor_mu_);
  uint64_t id = next_cursor_++;
  cursors_.emplace(id, std::move(next_key));
  cursor_order_.push_back(id);
  while (cursor_order_.size() > kMaxCursors) {
    cursors_.erase(cursor_order_.front());
    cursor_order_.pop_front();
  }
  return id;
}

bool RedisStore::LoadCursor(uint64_t cursor, std::string* next_key) {
  std::lock_guard<std::mutex> l(cursor_mu_);
  auto it = cursors_.find(cursor);
  if (it == cursors_.end()) return false;
  *next_key = it->second;
  return true;
}

void RedisStore::TrackExpiry(std::string_view key, uint64_t expires_at_ms) {
  std::lock_guard<std::mutex> l(expiry_mu_);
  if (expiries_.size() >= kMaxTrackedExpiries) return;  // the walk finds it later
  expiries_.emplace(expires_at_ms, std::string(key));
}

size_t RedisStore::ActiveExpireCycle(size_t budget) {
  const uint64_t now = NowMs();
  std::vector<std::string> due;
  std::string walk_from;
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> l(expiry_mu_);
    while (!expiries_.empty() && expiries_.top().first <= now && due.size() < budget) {
      due.push_back(expiries_.top().second);
      expiries_.pop();
    }
    walk_from = expiry_scan_key_;
    generation = walk_generation_;
  }
  size_t deleted = 0;
  for (const auto& key : due) {
    auto guard = locks_.Lock(key);
    ReadResult e;
    const std::string engine_key = EncodeKey(key);
    ReadOptions with_tombstones;
    with_tombstones.include_tombstones = true;
    Status s = db_->Get(with_tombstones, engine_key, &e);
    // Only the record that actually expired is removed; a newer write wins.
    if (s.ok() && !e.deleted && e.expired &&
        Wrote(db_->Delete(StandaloneWriteOpts(), engine_key)).ok()) {
      deleted++;
      counters_->expired_keys.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // Rediscovery walk over a slice of the keyspace: keys with an expiry that
  // comes up soon are tracked (covers keys written before a restart).
  constexpr uint64_t kHorizonMs = 10'000;
  ReadOptions ro = WalkOptions(walk_from, "");
  auto it = db_->NewIterator(ro);
  it->Seek(ro.lower_bound);
  std::vector<Expiry> found;
  size_t visited = 0;
  uint64_t with_ttl = 0;
  long double ttl_sum = 0;
  for (; it->Valid() && visited < budget * 4; it->Next(), visited++) {
    uint64_t exp = it->expires_at_ms();
    if (exp == 0) continue;
    with_ttl++;
    if (exp > now) ttl_sum += static_cast<long double>(exp - now);
    if (exp <= now + kHorizonMs) found.emplace_back(exp, DecodeKey(it->key()));
  }
  // Past the end, the walk starts over at the first key (""); after a read
  // error it retries this slice next cycle.
  std::string resume;
  bool wrapped = false;
  if (it->Valid()) {
    resume = DecodeKey(it->key());
  } else if (it->status().ok()) {
    wrapped = true;
  } else {
    resume = walk_from;
    visited = with_ttl = 0;
    ttl_sum = 0;
  }
  it.reset();
  std::lock_guard<std::mutex> l(expiry_mu_);
  if (walk_generation_ != generation) return deleted;  // DeleteAll restarted the walk meanwhile
  walk_keys_ += visited;
  walk_expires_ += with_ttl;
  walk_ttl_sum_ += ttl_sum;
  if (wrapped) {
    const uint64_t avg =
        walk_expires_ == 0 ? 0 : static_cast<uint64_t>(walk_ttl_sum_ / walk_expires_);
    last_count_ = KeyspaceEstimate{true, walk_keys_, walk_expires_, avg, now};
    walk_keys_ = walk_expires_ = 0;
    walk_ttl_sum_ = 0;
  }
  expiry_scan_key_ = std::move(resume);
  for (auto& e : found) {
    if (expiries_.size() >= kMaxTrackedExpiries) break;
    expiries_.push(std::move(e));
  }
  return deleted;
}

}  // namespace nokv::redis
