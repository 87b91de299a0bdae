// Model-based randomized test: one seeded workload mixing every feature of the
// engine — the three column families, MVCC versioned puts/deletes/reads,
// TTL through an injected clock, range deletes, values on both sides of the
// value-log threshold, value-log GC, snapshots, flushes, compactions and
// reopen cycles — checked step by step against a small in-memory model of
// the documented semantics. Runs on both memtable engines.
// Reproduce a failure with NOKV_TEST_SEED=<seed printed on failure>;
// NOKV_LONG_TESTS=1 runs four times as many operations.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>

#include "base/internal_key.h"
#include "nokv/db.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

// ---------------------------------------------------------------- the model

// The documented read semantics, kept as full history:
//  * every write gets the next sequence; a reader at snapshot S sees writes
//    with sequence <= S;
//  * a range tombstone (cf, [begin, end), sequence T) hides an entry of that
//    cf and range with sequence < T from readers whose snapshot is >= T, as
//    if the entry did not exist (an older version may show instead);
//  * a read at version v sees the newest (highest version, then highest
//    sequence) visible entry with version <= v; the key is absent if there is
//    none or it is a tombstone or it expired (expires_at <= now).
class Model {
 public:
  struct Found {
    std::string value;
    uint64_t version = 0;
    uint64_t expires_at = 0;
  };

  uint64_t sequence() const { return seq_; }

  void Put(ColumnFamily cf, const std::string& key, uint64_t version, std::string value,
           uint64_t expires_at) {
    Add(cf, key, Entry{version, ++seq_, false, std::move(value), expires_at});
  }
  void Delete(ColumnFamily cf, const std::string& key, uint64_t version) {
    Add(cf, key, Entry{version, ++seq_, true, {}, 0});
  }
  void DeleteRange(ColumnFamily cf, const std::string& begin, const std::string& end) {
    tombstones_.push_back(Tombstone{Slot(cf, begin), Slot(cf, end), ++seq_});
  }

  // Snapshots that may still read old history (pruning keeps what they need).
  void set_snapshots(std::vector<uint64_t> snaps) { snapshots_ = std::move(snaps); }

  std::optional<Found> Read(ColumnFamily cf, const std::string& key, uint64_t version,
                            uint64_t snapshot, uint64_t now) const {
    auto it = entries_.find(Slot(cf, key));
    if (it == entries_.end()) return std::nullopt;
    return Visible(it->first, it->second, version, snapshot, now);
  }

  // The history of (cf, key) and the tombstones over it, for failure messages.
  std::string Describe(ColumnFamily cf, const std::string& key) const {
    const std::string slot = Slot(cf, key);
    std::string out = "\n  model history of " + key + ":";
    auto it = entries_.find(slot);
    if (it != entries_.end()) {
      for (const auto& e : it->second) {
        out += " [@" + std::to_string(e.version) + " seq " + std::to_string(e.seq) +
               (e.deleted ? " DEL" : " len " + std::to_string(e.value.size())) +
               (e.expires_at ? " exp " + std::to_string(e.expires_at) : "") + "]";
      }
    }
    out += "\n  range tombstones over it (seq):";
    for (const auto& t : tombstones_) {
      if (t.begin <= slot && slot < t.end) out += " " + std::to_string(t.seq);
    }
    return out + "\n  model sequence " + std::to_string(seq_);
  }

  // Up to `limit` visible (key, value) pairs of cf at kMaxVersion, walking
  // from `from` (a user key; inclusive) forward, or backward from just before
  // `from` (empty = the end of the cf), stopping at the bound `stop` (empty =
  // none; exclusive forward, inclusive backward).
  std::vector<std::pair<std::string, std::string>> Walk(ColumnFamily cf, const std::string& from,
                                                        const std::string& stop, bool forward,
                                                        size_t limit, uint64_t snapshot,
                                                        uint64_t now,
                                                        uint64_t version = kMaxVersion) const {
    std::vector<std::pair<std::string, std::string>> out;
    const std::string lo = Slot(cf, forward ? from : stop);
    const std::string hi = (forward ? stop : from).empty()
                               ? std::string(1, static_cast<char>(static_cast<int>(cf) + 1))
                               : Slot(cf, forward ? stop : from);
    if (forward) {
      for (auto it = entries_.lower_bound(lo); it != entries_.end() && it->first < hi; ++it) {
        if (out.size() >= limit) break;
        auto f = Visible(it->first, it->second, version, snapshot, now);
        if (f) out.emplace_back(it->first.substr(1), f->value);
      }
    } else {
      auto it = entries_.lower_bound(hi);
      while (it != entries_.begin() && out.size() < limit) {
        --it;
        if (it->first < lo) break;
        auto f = Visible(it->first, it->second, version, snapshot, now);
        if (f) out.emplace_back(it->first.substr(1), f->value);
      }
    }
    return out;
  }

 private:
  struct Entry {
    uint64_t version, seq;
    bool deleted;
    std::string value;
    uint64_t expires_at;
  };
  struct Tombstone {
    std::string begin, end;  // slots: cf byte + user key
    uint64_t seq;
  };

  static std::string Slot(ColumnFamily cf, const std::string& key) {
    return std::string(1, static_cast<char>(cf)) + key;
  }

  bool Covered(const std::string& slot, const Entry& e, uint64_t snapshot) const {
    for (const auto& t : tombstones_) {
      if (t.seq > e.seq && t.seq <= snapshot && t.begin <= slot && slot < t.end) return true;
    }
    return false;
  }

  std::optional<Found> Visible(const std::string& slot, const std::vector<Entry>& entries,
                               uint64_t version, uint64_t snapshot, uint64_t now) const {
    const Entry* best = nullptr;
    for (const auto& e : entries) {
      if (e.seq > snapshot || e.version > version) continue;
      if (best && (e.version < best->version ||
                   (e.version == best->version && e.seq < best->seq))) {
        continue;
      }
      if (Covered(slot, e, snapshot)) continue;
      best = &e;
    }
    if (!best || best->deleted || (best->expires_at != 0 && best->expires_at <= now)) {
      return std::nullopt;
    }
    return Found{best->value, best->version, best->expires_at};
  }

  // Drops entries no reader can pick: for one version, an entry older than a
  // newer one of that version is needed only by a snapshot that cannot see
  // the newer one. (If the newer one is covered by a range tombstone, so is
  // the older one.)
  void Add(ColumnFamily cf, const std::string& key, Entry e) {
    auto& list = entries_[Slot(cf, key)];
    list.push_back(std::move(e));
    const Entry& added = list.back();
    std::vector<Entry> kept;
    for (auto& old : list) {
      bool needed = &old == &added || old.version != added.version;
      for (uint64_t s : snapshots_) {
        if (needed) break;
        if (old.seq > s) continue;
        // Needed if it is the newest entry of its version at snapshot s.
        bool newest = true;
        for (const auto& other : list) {
          if (other.version == old.version && other.seq > old.seq && other.seq <= s) newest = false;
        }
        needed = newest;
      }
      if (needed) kept.push_back(std::move(old));
    }
    list = std::move(kept);
  }

  uint64_t seq_ = 0;
  std::map<std::string, std::vector<Entry>> entries_;  // slot -> history (oldest first)
  std::vector<Tombstone> tombstones_;
  std::vector<uint64_t> snapshots_;
};

// ------------------------------------------------------------- the workload

constexpr ColumnFamily kCfs[] = {ColumnFamily::kDefault, ColumnFamily::kLock,
                                 ColumnFamily::kWrite};
constexpr int kKeySpace = 800;
constexpr uint64_t kMaxTestVersion = 40;

// Plain keys ("k...") and MVCC keys ("v...") never share a name (the API
// forbids mixing the two on one key). Variable lengths with shared prefixes
// stress prefix compression and the "a" < "ab" ordering.
std::string PlainKey(Random* rng) {
  int n = static_cast<int>(rng->Uniform(kKeySpace));
  std::string k = "k" + std::to_string(n);
  if (n % 7 == 0) k += "/child";
  return k;
}
std::string VersionedKey(Random* rng) {
  return "v" + std::to_string(rng->Uniform(kKeySpace / 4));
}
std::string AnyKey(Random* rng) { return rng->OneIn(4) ? VersionedKey(rng) : PlainKey(rng); }
ColumnFamily AnyCf(Random* rng) { return kCfs[rng->Uniform(3)]; }

std::string ValueFor(Random* rng) {
  // About one in six values goes to the value log (threshold 128).
  size_t len = rng->OneIn(6) ? 128 + rng->Uniform(2000) : rng->Uniform(128);
  return testutil::RandomPrintable(rng, len);
}

struct HeldSnapshot {
  const Snapshot* snap;
  uint64_t model_seq;
};

class DBModelTest : public ::testing::TestWithParam<MemTableEngine> {
 protected:
  void SetUp() override {
    const uint64_t salt = GetParam() == MemTableEngine::kSkipList ? 0 : 1;
    seed_ = testutil::TestSeed(2000 + salt);
    const char* long_tests = std::getenv("NOKV_LONG_TESTS");
    ops_ = long_tests != nullptr && std::string(long_tests) == "1" ? 60000 : 15000;
    options_.memtable_engine = GetParam();
    options_.memtable_size = 64 << 10;  // many flushes
    options_.max_bytes_for_level_base = 256 << 10;
    options_.target_file_size = 64 << 10;
    options_.l0_compaction_trigger = 3;
    options_.block_cache_size = salt == 0 ? (1 << 20) : 0;
    options_.table.compression = salt == 0 ? CompressionType::kLz4 : CompressionType::kZstd;
    // Small blocks and restart intervals: many blocks per table, so seeks and
    // reverse steps cross block boundaries.
    options_.table.block_size = salt == 0 ? 4096 : 1024;
    options_.table.restart_interval = salt == 0 ? 16 : 2;
    // Values cross the separation threshold both ways; small segments give
    // value-log GC work.
    options_.value_threshold = 128;
    options_.value_log_segment_size = 1 << 20;
    // Manifest rewrites (a fresh snapshot) happen during the run too.
    options_.manifest_rewrite_threshold = 32 << 10;
    options_.clock_ms = [this] { return now_.load(); };
  }

  void TearDown() override {
    held_it_.reset();
    if (db_) {
      for (auto& h : snaps_) db_->ReleaseSnapshot(h.snap);
      snaps_.clear();
    }
  }

  void Open() {
    Status s = DB::Open(options_, dir_.path(), &db_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    // The model names families by id; created in this order on the first
    // open they get ids 1 and 2, found by name afterwards.
    for (const char* name : {"lock", "write"}) {
      ColumnFamilyHandle* h = db_->GetColumnFamily(name);
      if (h == nullptr) {
        ASSERT_TRUE(db_->CreateColumnFamily(name, &h).ok()) << name;
      }
      handles_[h->id()] = h;
    }
    ASSERT_EQ(handles_[1]->name(), "lock");
    ASSERT_EQ(handles_[2]->name(), "write");
  }
  // The handle of a model family (null: the default family).
  ColumnFamilyHandle* H(ColumnFamily cf) {
    return cf == ColumnFamily::kDefault ? nullptr : handles_[static_cast<int>(cf)];
  }
  // ro reading family cf.
  ReadOptions In(ReadOptions ro, ColumnFamily cf) {
    ro.column_family = H(cf);
    return ro;
  }
  static UpdateOptions Update(ColumnFamilyHandle* cf, uint64_t version = kMaxVersion,
                              uint64_t expires_at = 0) {
    UpdateOptions o;
    o.column_family = cf;
    if (version != kMaxVersion) o.version = version;
    o.expires_at_ms = expires_at;
    return o;
  }

  void ReleaseAll() {
    for (auto& h : snaps_) db_->ReleaseSnapshot(h.snap);
    snaps_.clear();
    SyncSnapshots();
  }
  void SyncSnapshots() {
    std::vector<uint64_t> seqs;
    for (const auto& h : snaps_) seqs.push_back(h.model_seq);
    if (held_it_) seqs.push_back(held_seq_);  // an iterator is a snapshot too
    model_.set_snapshots(std::move(seqs));
  }

  // A reader: latest, or one of the held snapshots.
  std::pair<ReadOptions, uint64_t> PickReader(Random* rng) {
    ReadOptions ro;
    uint64_t seq = model_.sequence();
    if (!snaps_.empty() && rng->OneIn(3)) {
      const auto& h = snaps_[rng->Uniform(snaps_.size())];
      ro.snapshot = h.snap;
      seq = h.model_seq;
    }
    return {ro, seq};
  }

  void WriteRandomBatch(Random* rng, const std::string& ctx);
  void WriteDirect(Random* rng, const std::string& ctx);
  void CheckPointRead(Random* rng, const std::string& ctx);
  void CheckVersionedRead(Random* rng, const std::string& ctx);
  void CheckScan(Random* rng, const std::string& ctx);
  void CheckSeekWalk(Random* rng, const std::string& ctx);
  void CheckEverything(const std::string& ctx);
  void CheckHeldIterator(Random* rng, const std::string& ctx);

  uint64_t seed_ = 0;
  int ops_ = 0;
  Options options_;
  testutil::TempDir dir_;
  std::atomic<uint64_t> now_{1'000'000};
  std::unique_ptr<DB> db_;
  ColumnFamilyHandle* handles_[3] = {};
  Model model_;
  std::vector<HeldSnapshot> snaps_;
  std::unique_ptr<Iterator> held_it_;
  ColumnFamily held_cf_ = ColumnFamily::kDefault;
  uint64_t held_seq_ = 0;
  uint64_t held_now_ = 0;  // an iterator judges TTL at its creation time
};

// One batch of 1..8 random updates (a single update most of the time),
// mirrored into the model in the same order.
void DBModelTest::WriteRandomBatch(Random* rng, const std::string& ctx) {
  WriteBatch batch;
  std::vector<std::function<void()>> apply;
  const int n = rng->OneIn(4) ? 1 + static_cast<int>(rng->Uniform(8)) : 1;
  for (int i = 0; i < n; ++i) {
    const ColumnFamily cf = AnyCf(rng);
    const uint64_t dice = rng->Uniform(100);
    if (dice < 3) {
      std::string a = AnyKey(rng), b = AnyKey(rng);
      if (a > b) std::swap(a, b);
      if (a == b) b += "~";
      batch.DeleteRange(H(cf), a, b);
      apply.push_back([this, cf, a, b] { model_.DeleteRange(cf, a, b); });
      continue;
    }
    const bool versioned = dice < 35;
    const std::string key = versioned ? VersionedKey(rng) : PlainKey(rng);
    const uint64_t version = versioned ? 1 + rng->Uniform(kMaxTestVersion) : kMaxVersion;
    if (dice % 5 == 0) {
      if (versioned) {
        batch.Delete(Update(H(cf), version), key);
      } else {
        batch.Delete(Update(H(cf)), key);
      }
      apply.push_back([this, cf, key, version] { model_.Delete(cf, key, version); });
      continue;
    }
    std::string value = ValueFor(rng);
    // One put in eight expires within a few simulated seconds.
    const uint64_t expires = rng->OneIn(8) ? now_.load() + 1 + rng->Uniform(3000) : 0;
    batch.Put(Update(H(cf), version, expires), key, value);
    apply.push_back([this, cf, key, version, value, expires] {
      model_.Put(cf, key, version, value, expires);
    });
  }
  Status s = db_->Write(WriteOptions(), batch);
  ASSERT_TRUE(s.ok()) << ctx << " write: " << s.ToString();
  for (auto& f : apply) f();
}

// The single-key calls of the default column family.
void DBModelTest::WriteDirect(Random* rng, const std::string& ctx) {
  const std::string key = PlainKey(rng);
  const ColumnFamily cf = ColumnFamily::kDefault;
  Status s;
  switch (rng->Uniform(3)) {
    case 0: {
      std::string value = ValueFor(rng);
      s = db_->Put(WriteOptions(), key, value);
      model_.Put(cf, key, kMaxVersion, std::move(value), 0);
      break;
    }
    case 1: {
      std::string value = ValueFor(rng);
      const uint64_t ttl = 1 + rng->Uniform(3000);
      UpdateOptions with_ttl;
      with_ttl.ttl_ms = ttl;
      s = db_->Put(WriteOptions(), with_ttl, key, value);
      model_.Put(cf, key, kMaxVersion, std::move(value), now_.load() + ttl);
      break;
    }
    default:
      s = db_->Delete(WriteOptions(), key);
      model_.Delete(cf, key, kMaxVersion);
      break;
  }
  ASSERT_TRUE(s.ok()) << ctx << " " << s.ToString();
}

void DBModelTest::CheckPointRead(Random* rng, const std::string& ctx) {
  const ColumnFamily cf = AnyCf(rng);
  const std::string key = AnyKey(rng);
  auto [ro, seq] = PickReader(rng);
  std::string v;
  uint64_t expires_at = 0;
  const bool with_expiry = cf == ColumnFamily::kDefault && rng->OneIn(2);
  Status s;
  if (with_expiry) {
    ReadResult r;
    s = db_->Get(ro, key, &r);
    v = r.value;
    expires_at = r.expires_at_ms;
  } else {
    s = db_->Get(In(ro, cf), key, &v);
  }
  auto want = model_.Read(cf, key, kMaxVersion, seq, now_.load());
  const std::string where = ctx + " GetCF(" + ColumnFamilyName(cf) + ", " + key + ")" +
                            (ro.snapshot ? " at a snapshot" : "");
  if (!want) {
    ASSERT_TRUE(s.IsNotFound()) << where << " got " << s.ToString() << " value " << v
                                << model_.Describe(cf, key);
  } else {
    ASSERT_TRUE(s.ok()) << where << " " << s.ToString() << model_.Describe(cf, key);
    ASSERT_EQ(v, want->value) << where << model_.Describe(cf, key);
    if (with_expiry) {
      ASSERT_EQ(expires_at, want->expires_at) << where;
    }
  }
}

void DBModelTest::CheckVersionedRead(Random* rng, const std::string& ctx) {
  const ColumnFamily cf = AnyCf(rng);
  const std::string key = rng->OneIn(5) ? PlainKey(rng) : VersionedKey(rng);
  const uint64_t at = rng->OneIn(5) ? kMaxVersion : rng->Uniform(kMaxTestVersion + 2);
  auto [ro, seq] = PickReader(rng);
  ReadOptions entry_ro = In(ro, cf);
  if (at != kMaxVersion || rng->OneIn(2)) entry_ro.version = at;
  entry_ro.include_tombstones = true;
  ReadResult e;
  Status s = db_->Get(entry_ro, key, &e);
  const uint64_t e_version = e.version.value_or(kMaxVersion);
  auto want = model_.Read(cf, key, at, seq, now_.load());
  const std::string where = ctx + " GetEntry(" + ColumnFamilyName(cf) + ", " + key + ", @" +
                            std::to_string(at) + ")" + (ro.snapshot ? " at a snapshot" : "");
  if (!want) {
    ASSERT_TRUE(s.IsNotFound() || (s.ok() && (e.deleted || e.expired)))
        << where << " got " << s.ToString() << " version " << e_version << " seq " << e.sequence
        << " value " << e.value << model_.Describe(cf, key);
  } else {
    ASSERT_TRUE(s.ok()) << where << " " << s.ToString() << model_.Describe(cf, key);
    ASSERT_FALSE(e.deleted || e.expired)
        << where << " version " << e_version << " seq " << e.sequence << model_.Describe(cf, key);
    ASSERT_EQ(e_version, want->version) << where << model_.Describe(cf, key);
    ASSERT_EQ(e.value, want->value) << where << model_.Describe(cf, key);
  }
}

void DBModelTest::CheckScan(Random* rng, const std::string& ctx) {
  const ColumnFamily cf = AnyCf(rng);
  auto [ro, seq] = PickReader(rng);
  if (rng->OneIn(2)) ro.lower_bound = AnyKey(rng);
  if (rng->OneIn(2)) ro.upper_bound = AnyKey(rng);
  // An MVCC scan: the newest version <= v of each key.
  const uint64_t version = rng->OneIn(3) ? rng->Uniform(kMaxTestVersion + 2) : kMaxVersion;
  if (version != kMaxVersion) ro.version = version;
  const std::string where = ctx + " scan of " + ColumnFamilyName(cf) + " [" + ro.lower_bound +
                            ", " + ro.upper_bound + ")" + (ro.snapshot ? " at a snapshot" : "") +
                            (ro.version ? " @" + std::to_string(version) : "");
  constexpr size_t kSteps = 200;
  const bool empty_range =
      !ro.lower_bound.empty() && !ro.upper_bound.empty() && ro.upper_bound <= ro.lower_bound;
  const bool forward = rng->OneIn(2);
  std::vector<std::pair<std::string, std::string>> want;
  if (!empty_range) {
    want = forward ? model_.Walk(cf, ro.lower_bound, ro.upper_bound, true, kSteps, seq, now_,
                                 version)
                   : model_.Walk(cf, ro.upper_bound, ro.lower_bound, false, kSteps, seq, now_,
                                 version);
  }
  auto it = db_->NewIterator(In(ro, cf));
  size_t i = 0;
  for (forward ? it->SeekToFirst() : it->SeekToLast(); it->Valid() && i < kSteps;
       forward ? it->Next() : it->Prev(), ++i) {
    ASSERT_LT(i, want.size()) << where << " extra key " << it->key();
    ASSERT_EQ(it->key(), want[i].first)
        << where << (forward ? " forward" : " backward") << model_.Describe(cf, want[i].first)
        << model_.Describe(cf, std::string(it->key()));
    ASSERT_EQ(it->value(), want[i].second) << where << " key " << want[i].first;
  }
  if (i < kSteps) {
    ASSERT_EQ(i, want.size()) << where << " iterator ended early";
  }
  ASSERT_TRUE(it->status().ok()) << where << " " << it->status().ToString();
}

// Seek to a random key, then walk a random mix of Next and Prev.
void DBModelTest::CheckSeekWalk(Random* rng, const std::string& ctx) {
  const ColumnFamily cf = AnyCf(rng);
  auto [ro, seq] = PickReader(rng);
  const std::string target = AnyKey(rng);
  if (rng->OneIn(3)) ro.lower_bound = AnyKey(rng);
  if (rng->OneIn(3)) ro.upper_bound = AnyKey(rng);
  const bool for_prev = rng->OneIn(3);
  // The visible keys in bounds on either side of a pivot: keys >= pivot in
  // `after`, keys < pivot in `before`. Seek lands on after[0], SeekForPrev
  // on the last key <= target.
  std::string pivot = target;
  if (!for_prev && !ro.lower_bound.empty() && pivot < ro.lower_bound) pivot = ro.lower_bound;
  if (for_prev && !ro.upper_bound.empty() && pivot >= ro.upper_bound) pivot = ro.upper_bound;
  constexpr size_t kSteps = 16;
  auto after = model_.Walk(cf, pivot, ro.upper_bound, true, kSteps + 1, seq, now_);
  auto before = model_.Walk(cf, pivot, ro.lower_bound, false, kSteps + 1, seq, now_);
  auto it = db_->NewIterator(In(ro, cf));
  long pos = 0;  // index into after (>= 0) or before (-1 - index)
  if (for_prev) {
    it->SeekForPrev(target);
    const bool on_target = !after.empty() && after[0].first == target &&
                           (ro.lower_bound.empty() || target >= ro.lower_bound);
    if (!on_target) pos = -1;
  } else {
    it->Seek(target);
  }
  const std::string where = ctx + " seek walk in " + ColumnFamilyName(cf) + " from " + target +
                            (for_prev ? " (SeekForPrev)" : "") + " bounds [" + ro.lower_bound +
                            ", " + ro.upper_bound + ")";
  for (size_t step = 0; step < kSteps; ++step) {
    const std::pair<std::string, std::string>* want = nullptr;
    if (pos >= 0 && static_cast<size_t>(pos) < after.size()) want = &after[pos];
    if (pos < 0 && static_cast<size_t>(-1 - pos) < before.size()) want = &before[-1 - pos];
    if (want == nullptr) {
      ASSERT_FALSE(it->Valid()) << where << " step " << step << " extra key " << it->key();
      return;
    }
    ASSERT_TRUE(it->Valid()) << where << " step " << step << " expected " << want->first;
    ASSERT_EQ(it->key(), want->first) << where << " step " << step
                                      << model_.Describe(cf, want->first)
                                      << model_.Describe(cf, std::string(it->key()));
    ASSERT_EQ(it->value(), want->second) << where << " step " << step;
    if (rng->OneIn(3)) {
      --pos;
      it->Prev();
    } else {
      ++pos;
      it->Next();
    }
  }
  ASSERT_TRUE(it->status().ok()) << where << " " << it->status().ToString();
}

void DBModelTest::CheckHeldIterator(Random* rng, const std::string& ctx) {
  constexpr size_t kSteps = 100;
  const std::string from = rng->OneIn(2) ? std::string() : AnyKey(rng);
  auto want = model_.Walk(held_cf_, from, "", true, kSteps, held_seq_, held_now_);
  const std::string where = ctx + " held iterator over " + ColumnFamilyName(held_cf_) + " from '" +
                            from + "' at model sequence " + std::to_string(held_seq_);
  size_t i = 0;
  for (from.empty() ? held_it_->SeekToFirst() : held_it_->Seek(from);
       held_it_->Valid() && i < kSteps; held_it_->Next(), ++i) {
    ASSERT_LT(i, want.size()) << where << " extra key " << held_it_->key();
    ASSERT_EQ(held_it_->key(), want[i].first)
        << where << model_.Describe(held_cf_, want[i].first)
        << model_.Describe(held_cf_, std::string(held_it_->key()));
    ASSERT_EQ(held_it_->value(), want[i].second) << where << " key " << want[i].first;
  }
  if (i < kSteps) {
    ASSERT_EQ(i, want.size()) << where << " iterator ended early";
  }
  ASSERT_TRUE(held_it_->status().ok()) << where << " " << held_it_->status().ToString();
}

// Every key of every column family, forward, at the latest state.
void DBModelTest::CheckEverything(const std::string& ctx) {
  for (ColumnFamily cf : kCfs) {
    auto want = model_.Walk(cf, "", "", true, SIZE_MAX, model_.sequence(), now_);
    auto it = db_->NewIterator(In(ReadOptions(), cf));
    size_t i = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
      ASSERT_LT(i, want.size()) << ctx << " extra key " << it->key();
      ASSERT_EQ(it->key(), want[i].first) << ctx;
      ASSERT_EQ(it->value(), want[i].second) << ctx;
    }
    ASSERT_EQ(i, want.size()) << ctx << " " << ColumnFamilyName(cf);
    ASSERT_TRUE(it->status().ok()) << ctx;
  }
}

TEST_P(DBModelTest, RandomOpsMatchModel) {
  SCOPED_TRACE("NOKV_TEST_SEED=" + std::to_string(seed_));
  Random rng(seed_);
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int op = 0; op < ops_; ++op) {
    const std::string ctx = "op " + std::to_string(op);
    if (rng.OneIn(20)) now_ += rng.Uniform(400);  // simulated time passes
    const uint64_t dice = rng.Uniform(1000);
    if (dice < 360) {
      ASSERT_NO_FATAL_FAILURE(WriteRandomBatch(&rng, ctx));
    } else if (dice < 420) {
      ASSERT_NO_FATAL_FAILURE(WriteDirect(&rng, ctx));
    } else if (dice < 430) {
      // The DB-level range delete (default column family).
      std::string a = AnyKey(&rng), b = AnyKey(&rng);
      if (a > b) std::swap(a, b);
      if (a == b) b += "~";
      ASSERT_TRUE(db_->DeleteRange(WriteOptions(), a, b).ok()) << ctx;
      model_.DeleteRange(ColumnFamily::kDefault, a, b);
    } else if (dice < 690) {
      ASSERT_NO_FATAL_FAILURE(CheckPointRead(&rng, ctx));
    } else if (dice < 890) {
      ASSERT_NO_FATAL_FAILURE(CheckVersionedRead(&rng, ctx));
    } else if (dice < 930) {
      ASSERT_NO_FATAL_FAILURE(CheckScan(&rng, ctx));
    } else if (dice < 960) {
      ASSERT_NO_FATAL_FAILURE(CheckSeekWalk(&rng, ctx));
    } else if (dice < 975) {
      // An iterator held across later writes, flushes, compactions and GC
      // reads the state of its creation.
      if (!held_it_) {
        held_cf_ = AnyCf(&rng);
        held_it_ = db_->NewIterator(In(ReadOptions(), held_cf_));
        held_seq_ = model_.sequence();
        held_now_ = now_.load();
      } else {
        ASSERT_NO_FATAL_FAILURE(CheckHeldIterator(&rng, ctx));
        held_it_.reset();
      }
      SyncSnapshots();
    } else if (dice < 988) {
      // Take a snapshot (at most three held) or release one.
      if (snaps_.size() < 3 && (snaps_.empty() || rng.OneIn(2))) {
        snaps_.push_back(HeldSnapshot{db_->GetSnapshot(), model_.sequence()});
      } else {
        const size_t i = rng.Uniform(snaps_.size());
        db_->ReleaseSnapshot(snaps_[i].snap);
        snaps_.erase(snaps_.begin() + static_cast<long>(i));
      }
      SyncSnapshots();
    } else if (dice < 992) {
      ASSERT_TRUE(db_->Flush().ok()) << ctx;
    } else if (dice < 994) {
      ASSERT_TRUE(db_->CompactAll().ok()) << ctx;
    } else if (dice < 997) {
      Status s = db_->RunValueLogGC(0.3);
      ASSERT_TRUE(s.ok() || s.IsNotFound()) << ctx << " GC: " << s.ToString();
    } else {
      held_it_.reset();
      ReleaseAll();
      ASSERT_TRUE(db_->Close().ok()) << ctx;
      db_.reset();
      ASSERT_NO_FATAL_FAILURE(Open());
    }
  }
  held_it_.reset();
  ReleaseAll();
  ASSERT_NO_FATAL_FAILURE(CheckEverything("final"));
  // After a last compaction (which drops what it can) and a reopen.
  ASSERT_TRUE(db_->CompactAll().ok());
  ASSERT_NO_FATAL_FAILURE(CheckEverything("after the final compaction"));
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(CheckEverything("after the final reopen"));
  std::string background_error;
  ASSERT_TRUE(db_->GetProperty("nokv.background-error", &background_error));
  EXPECT_TRUE(background_error.empty()) << background_error;
  ASSERT_TRUE(db_->Close().ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, DBModelTest,
                         ::testing::Values(MemTableEngine::kSkipList, MemTableEngine::kArt),
                         [](const ::testing::TestParamInfo<MemTableEngine>& info) {
                           return info.param == MemTableEngine::kSkipList ? "SkipList" : "Art";
                         });

}  // namespace
}  // namespace nokv
