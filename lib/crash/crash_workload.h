// Test-only helpers for the crash and corruption suites: a seeded workload
// over every write feature — puts on both sides of value_threshold (inline
// and value log), deletes, DeleteRange, TTL on an injected clock, multi-key
// batches mixing all of them, flushes, compactions, reopens, value-log GC —
// with a log of what was acknowledged, and the model states a recovered DB
// is compared against.
//
// Every DB call of the workload goes through DbCalls below, so an API
// change is adapted in one place.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/random.h"
#include "nokv/db.h"
#include "testutil/test_util.h"
#include "vfs/fault_file_system.h"

namespace nokv::crashtest {

// Long variants run only with NOKV_LONG_TESTS=1.
inline bool LongTests() {
  const char* v = std::getenv("NOKV_LONG_TESTS");
  return v != nullptr && std::string(v) == "1";
}

constexpr int kKeySpace = 48;

inline std::string KeyName(uint64_t i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%03d", static_cast<int>(i));
  return buf;
}

// The DB's clock for TTL: unix ms, advanced only by the workload, so which
// keys are expired at check time is known exactly. Shared by every DB
// opened with the Options it was installed in.
class TestClock {
 public:
  static constexpr uint64_t kStart = 1'700'000'000'000;  // 2023-11, unix ms
  uint64_t Now() const { return now_->load(std::memory_order_acquire); }
  void Advance(uint64_t ms) { now_->fetch_add(ms, std::memory_order_acq_rel); }
  void InstallIn(Options* o) const {
    auto now = now_;
    o->clock_ms = [now] { return now->load(std::memory_order_acquire); };
  }

 private:
  std::shared_ptr<std::atomic<uint64_t>> now_ =
      std::make_shared<std::atomic<uint64_t>>(kStart);
};

// Values name their writer, so a wrong value in a failure message is easy to
// trace: "<op>:<key>:" + filler. Sizes straddle `threshold` (the value-log
// cut): small, exactly threshold-1/threshold/threshold+1, 1-4 KiB and
// 8-24 KiB (these fill value-log segments fast, so GC has work).
inline std::string ValueFor(Random* rng, size_t op, const std::string& key, size_t threshold) {
  std::string v = std::to_string(op) + ":" + key + ":";
  const uint64_t dice = rng->Uniform(100);
  size_t len = 0;
  if (dice < 40 || threshold == 0) {
    len = 8 + rng->Uniform(40);
  } else if (dice < 55) {
    len = threshold - 1 + rng->Uniform(3);
  } else if (dice < 88) {
    len = 1000 + rng->Uniform(3000);
  } else {
    len = (8 << 10) + rng->Uniform(16 << 10);
  }
  len = std::max(len, v.size());
  while (v.size() < len) v.push_back(static_cast<char>('a' + rng->Uniform(26)));
  return v;
}

// One key's model value; expires_at_ms 0 = never.
struct ModelValue {
  std::string value;
  uint64_t expires_at_ms = 0;
  bool operator==(const ModelValue&) const = default;
};
// Key -> value, absent = never written, deleted or (after Visible) expired.
using State = std::map<std::string, ModelValue>;

inline bool Expired(const ModelValue& v, uint64_t now) {
  return v.expires_at_ms != 0 && v.expires_at_ms <= now;
}

// What a reader sees at `now`: expired entries dropped.
inline State Visible(const State& raw, uint64_t now) {
  State out;
  for (const auto& [k, v] : raw) {
    if (!Expired(v, now)) out.emplace(k, v);
  }
  return out;
}

struct Update {
  enum class Kind { kPut, kDelete, kDeleteRange };
  Kind kind = Kind::kPut;
  std::string key;         // kDeleteRange: begin
  std::string value;       // kPut: value; kDeleteRange: end (exclusive)
  uint64_t ttl_ms = 0;     // kPut: 0 = no expiry
  uint64_t expires_at = 0; // kPut with ttl: fixed when issued (clock + ttl)

  static Update Put(std::string k, std::string v, uint64_t ttl_ms = 0) {
    Update u;
    u.key = std::move(k);
    u.value = std::move(v);
    u.ttl_ms = ttl_ms;
    return u;
  }
  static Update Delete(std::string k) {
    Update u;
    u.kind = Kind::kDelete;
    u.key = std::move(k);
    return u;
  }
  static Update DeleteRange(std::string begin, std::string end) {
    Update u;
    u.kind = Kind::kDeleteRange;
    u.key = std::move(begin);
    u.value = std::move(end);
    return u;
  }
};

// One write call (a single update or a batch) as issued.
struct WriteOp {
  std::vector<Update> updates;
  bool acked = false;  // the call returned OK
};

inline void Apply(const WriteOp& op, State* s) {
  for (const auto& u : op.updates) {
    switch (u.kind) {
      case Update::Kind::kPut:
        (*s)[u.key] = ModelValue{u.value, u.ttl_ms == 0 ? 0 : u.expires_at};
        break;
      case Update::Kind::kDelete:
        s->erase(u.key);
        break;
      case Update::Kind::kDeleteRange:
        s->erase(s->lower_bound(u.key), s->lower_bound(u.value));
        break;
    }
  }
}

// ---------------------------------------------------------------------------
// DbCalls: every DB call the workloads make.
struct DbCalls {
  // Issues `op` at clock time `now`: single updates through their own API
  // call (Put, Put with a TTL, Delete, DeleteRange), several as one WriteBatch.
  // Fills in each TTL put's expires_at (now + ttl, as the DB computes it).
  static Status Write(DB* db, const WriteOptions& wo, uint64_t now, WriteOp* op) {
    for (auto& u : op->updates) {
      if (u.kind == Update::Kind::kPut && u.ttl_ms != 0) {
        // A TTL of 0 is "already expired"; the model uses now.
        u.expires_at = now + u.ttl_ms;
      }
    }
    if (op->updates.size() == 1) {
      const Update& u = op->updates[0];
      switch (u.kind) {
        case Update::Kind::kPut:
          return u.ttl_ms == 0 ? db->Put(wo, u.key, u.value)
                               : db->Put(wo, WithTtl(u.ttl_ms), u.key, u.value);
        case Update::Kind::kDelete:
          return db->Delete(wo, u.key);
        case Update::Kind::kDeleteRange:
          return db->DeleteRange(wo, u.key, u.value);
      }
    }
    WriteBatch batch;
    for (const auto& u : op->updates) {
      switch (u.kind) {
        case Update::Kind::kPut:
          if (u.ttl_ms == 0) {
            batch.Put(u.key, u.value);
          } else {
            UpdateOptions expiring;
            expiring.expires_at_ms = u.expires_at;
            batch.Put(expiring, u.key, u.value);
          }
          break;
        case Update::Kind::kDelete:
          batch.Delete(u.key);
          break;
        case Update::Kind::kDeleteRange:
          batch.DeleteRange(u.key, u.value);
          break;
      }
    }
    return db->Write(wo, batch);
  }

  // Get with the value's expiry (0 = never).
  static Status Get(DB* db, const std::string& key, ModelValue* out) {
    ReadResult r;
    Status s = db->Get(ReadOptions(), key, &r);
    out->value = std::move(r.value);
    out->expires_at_ms = r.expires_at_ms;
    return s;
  }

  // A full scan; *error is set if the iterator failed.
  static State Scan(DB* db, std::string* error) {
    State out;
    auto it = db->NewIterator(ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out[std::string(it->key())] = ModelValue{std::string(it->value()), it->expires_at_ms()};
    }
    if (!it->status().ok()) *error = it->status().ToString();
    return out;
  }

  static Status Flush(DB* db) { return db->Flush(); }
  static Status CompactAll(DB* db) { return db->CompactAll(); }
  static Status ValueLogGC(DB* db, double ratio) { return db->RunValueLogGC(ratio); }
  static std::string BackgroundError(DB* db) {
    std::string error;
    return db->GetProperty("nokv.background-error", &error) ? error : std::string();
  }
  static UpdateOptions WithTtl(uint64_t ttl_ms) {
    UpdateOptions o;
    o.ttl_ms = ttl_ms;
    return o;
  }
};

// What a workload did: every write issued (acked ones first, at most one
// unacknowledged at the end), plus bookkeeping for the checks.
struct WorkloadLog {
  std::vector<WriteOp> writes;
  size_t acked = 0;          // writes[0..acked) returned OK
  size_t durable_floor = 0;  // writes before the last OK Flush/CompactAll/GC/Close
  std::string stopped_by;    // the failing step's status, if any
  // Feature coverage, for the printed counts.
  uint64_t gc_rewrites = 0, ttl_puts = 0, range_deletes = 0, vlog_values = 0;

  State ModelAt(size_t n) const {
    State s;
    for (size_t i = 0; i < n && i < writes.size(); ++i) Apply(writes[i], &s);
    return s;
  }
};

struct WorkloadConfig {
  uint64_t seed = 1;
  int steps = 150;
  size_t value_threshold = 1024;  // for value sizes around the cut
  bool verify_reads = true;       // check Gets against the model while healthy
  bool stop_on_error = true;      // stop at the first failing step
  bool gc = true;                 // run value-log GC steps (needs the value log)
};

// A random update of the workload's kinds (puts 3/4, of which 1/4 with a
// TTL of 0-300 ms; deletes; range deletes over up to 8 keys).
inline Update RandomUpdate(Random* rng, size_t op_index, const WorkloadConfig& cfg,
                           bool allow_range) {
  Update u;
  const std::string key = KeyName(rng->Uniform(kKeySpace));
  const uint64_t dice = rng->Uniform(100);
  if (dice < 75) {
    u.kind = Update::Kind::kPut;
    u.key = key;
    u.value = ValueFor(rng, op_index, key, cfg.value_threshold);
    if (rng->OneIn(4)) u.ttl_ms = rng->Uniform(301);
    if (u.ttl_ms == 0 && rng->OneIn(50)) u.ttl_ms = 1;  // expires on the next tick
  } else if (dice < 92 || !allow_range) {
    u.kind = Update::Kind::kDelete;
    u.key = key;
  } else {
    const uint64_t first = rng->Uniform(kKeySpace);
    u.kind = Update::Kind::kDeleteRange;
    u.key = KeyName(first);
    u.value = KeyName(first + 1 + rng->Uniform(8));
  }
  return u;
}

// Runs the workload against *db (which it may close and reopen through
// `open`), advancing `clock` as it goes. Returns false if a live read
// disagreed with the model (a test failure is recorded then).
template <typename OpenFn>
bool RunWorkload(const WorkloadConfig& cfg, std::unique_ptr<DB>* db, OpenFn open,
                 TestClock* clock, WorkloadLog* log) {
  Random rng(cfg.seed);
  State model;
  WriteOptions wo;
  for (int step = 0; step < cfg.steps; ++step) {
    clock->Advance(rng.Uniform(4));
    const uint64_t dice = rng.Uniform(1000);
    Status s;
    bool is_write = false;
    WriteOp op;
    const size_t op_index = log->writes.size();
    if (dice < 440) {
      op.updates.push_back(RandomUpdate(&rng, op_index, cfg, /*allow_range=*/true));
      is_write = true;
    } else if (dice < 640) {
      const int n = 2 + static_cast<int>(rng.Uniform(5));
      for (int i = 0; i < n; ++i) {
        op.updates.push_back(RandomUpdate(&rng, op_index, cfg, /*allow_range=*/true));
      }
      is_write = true;
    } else if (dice < 665) {
      s = DbCalls::Flush(db->get());
      if (s.ok()) log->durable_floor = log->acked;
    } else if (dice < 675) {
      s = DbCalls::CompactAll(db->get());
      if (s.ok()) log->durable_floor = log->acked;
    } else if (dice < 710) {
      if (!cfg.gc) continue;
      static constexpr double kRatios[] = {0.1, 0.3, 0.5};
      s = DbCalls::ValueLogGC(db->get(), kRatios[rng.Uniform(3)]);
      if (s.ok()) {
        // A rewrite ends with a flush: everything acknowledged is in tables.
        log->durable_floor = log->acked;
        ++log->gc_rewrites;
      } else if (s.IsNotFound() || s.IsBusy()) {
        s = Status::OK();  // nothing qualified / already running
      }
    } else if (dice < 722) {
      s = (*db)->Close();
      db->reset();
      if (s.ok()) {
        log->durable_floor = log->acked;
      } else if (log->stopped_by.empty()) {
        log->stopped_by = "close: " + s.ToString();
      }
      Status o = open(db);
      if (s.ok()) s = o;
      if (!o.ok()) {
        log->stopped_by = "reopen: " + s.ToString();
        return true;  // no DB to continue with
      }
    } else if (dice < 740) {
      clock->Advance(50 + rng.Uniform(300));  // expire a batch of TTL keys at once
      continue;
    } else if (cfg.verify_reads && log->stopped_by.empty()) {
      const std::string key = KeyName(rng.Uniform(kKeySpace));
      ModelValue got;
      Status g = DbCalls::Get(db->get(), key, &got);
      auto it = model.find(key);
      const bool absent = it == model.end() || Expired(it->second, clock->Now());
      if (g.ok() || g.IsNotFound()) {
        const bool match = absent ? g.IsNotFound() : (g.ok() && got == it->second);
        EXPECT_TRUE(match) << "seed " << cfg.seed << " step " << step << ": live Get(" << key
                           << ") = " << (g.ok() ? got.value.substr(0, 40) : g.ToString())
                           << " expiring " << got.expires_at_ms << ", model "
                           << (absent ? "<absent>" : it->second.value.substr(0, 40));
        if (!match) return false;
      }
      // Read errors are allowed (an injected read fault).
      continue;
    } else {
      continue;
    }
    if (is_write) {
      s = DbCalls::Write(db->get(), wo, clock->Now(), &op);
      op.acked = s.ok();
      // After the first failure nothing may be acknowledged again (checked by
      // the callers); keep at most one unacknowledged write in the log.
      if (log->acked == log->writes.size()) {
        if (op.acked) {
          ++log->acked;
          Apply(op, &model);
          for (const auto& u : op.updates) {
            if (u.kind == Update::Kind::kDeleteRange) ++log->range_deletes;
            if (u.kind == Update::Kind::kPut && u.ttl_ms != 0) ++log->ttl_puts;
            if (u.kind == Update::Kind::kPut && cfg.value_threshold != 0 &&
                u.value.size() >= cfg.value_threshold) {
              ++log->vlog_values;
            }
          }
        }
        log->writes.push_back(std::move(op));
      } else if (op.acked) {
        ADD_FAILURE() << "seed " << cfg.seed << " step " << step
                      << ": a write was acknowledged after an earlier write failed ("
                      << log->stopped_by << ")";
        return false;
      }
    }
    if (!s.ok()) {
      if (log->stopped_by.empty()) log->stopped_by = s.ToString();
      if (cfg.stop_on_error) return true;
    }
  }
  return true;
}

// The DB's whole state over the key space, read with Get (value and expiry)
// and cross-checked with a full scan. Sets *error if a read failed or the
// two disagree.
inline State ReadState(DB* db, std::string* error) {
  State s;
  for (int i = 0; i < kKeySpace; ++i) {
    const std::string key = KeyName(i);
    ModelValue v;
    Status g = DbCalls::Get(db, key, &v);
    if (g.ok()) {
      s[key] = v;
    } else if (!g.IsNotFound() && error->empty()) {
      *error = "Get(" + key + "): " + g.ToString();
    }
  }
  std::string scan_error;
  State scanned = DbCalls::Scan(db, &scan_error);
  if (!scan_error.empty() && error->empty()) *error = "scan: " + scan_error;
  if (error->empty() && scanned != s) *error = "scan disagrees with Get";
  return s;
}

// A short description of how two states differ, for failure messages.
inline std::string Diff(const State& got, const State& want) {
  std::string out;
  int shown = 0;
  std::set<std::string> keys;
  for (const auto& [k, v] : got) keys.insert(k);
  for (const auto& [k, v] : want) keys.insert(k);
  auto show = [](const State& s, const std::string& k) -> std::string {
    auto it = s.find(k);
    if (it == s.end()) return "<absent>";
    std::string r = it->second.value.substr(0, 24);
    if (it->second.expires_at_ms != 0) r += "@" + std::to_string(it->second.expires_at_ms);
    return r;
  };
  for (const auto& k : keys) {
    auto g = got.find(k);
    auto w = want.find(k);
    if (g != got.end() && w != want.end() && g->second == w->second) continue;
    if (++shown > 5) {
      out += " ...";
      break;
    }
    out += " " + k + ": got " + show(got, k) + " want " + show(want, k) + ";";
  }
  return out;
}

}  // namespace nokv::crashtest
