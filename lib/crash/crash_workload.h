// Test-only helpers for the crash and corruption suites: a seeded workload
// (puts, deletes, multi-key batches, overwrites, small and ~4 KiB values,
// flushes, compactions, reopens) with a log of what was acknowledged, and the
// model states that a recovered DB is compared against.
#pragma once

#include <gtest/gtest.h>

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

// Values name their writer, so a wrong value in a failure message is easy to
// trace: "<op>:<key>:" + filler, 8..48 bytes or ~4 KiB.
inline std::string ValueFor(Random* rng, size_t op, const std::string& key) {
  std::string v = std::to_string(op) + ":" + key + ":";
  const size_t len = rng->OneIn(5) ? 4000 + rng->Uniform(200) : 8 + rng->Uniform(40);
  while (v.size() < len) v.push_back(static_cast<char>('a' + rng->Uniform(26)));
  return v;
}

// A key -> value map; absent = never written or deleted.
using State = std::map<std::string, std::string>;

struct Update {
  std::string key;
  std::optional<std::string> value;  // nullopt = delete
};

// One write call (Put, Delete or a batch) as issued.
struct WriteOp {
  std::vector<Update> updates;
  bool acked = false;  // the call returned OK
};

inline void Apply(const WriteOp& op, State* s) {
  for (const auto& u : op.updates) {
    if (u.value) {
      (*s)[u.key] = *u.value;
    } else {
      s->erase(u.key);
    }
  }
}

// What a workload did: every write issued (acked ones first, at most one
// unacknowledged at the end), plus bookkeeping for the checks.
struct WorkloadLog {
  std::vector<WriteOp> writes;
  size_t acked = 0;          // writes[0..acked) returned OK
  size_t durable_floor = 0;  // writes before the last OK Flush/CompactAll/Close
  // Every value ever written per key (for corruption checks).
  std::map<std::string, std::set<std::string>> written;
  std::string stopped_by;  // the failing step's status, if any

  State ModelAt(size_t n) const {
    State s;
    for (size_t i = 0; i < n && i < writes.size(); ++i) Apply(writes[i], &s);
    return s;
  }
};

struct WorkloadConfig {
  uint64_t seed = 1;
  int steps = 150;
  bool verify_reads = true;   // check Gets against the model while healthy
  bool stop_on_error = true;  // stop at the first failing step
};

// Runs the workload against *db (which it may close and reopen through
// `open`). Returns false if a live read disagreed with the model (a test
// failure is recorded then).
template <typename OpenFn>
bool RunWorkload(const WorkloadConfig& cfg, std::unique_ptr<DB>* db, OpenFn open,
                 WorkloadLog* log) {
  Random rng(cfg.seed);
  State model;
  WriteOptions wo;
  for (int step = 0; step < cfg.steps; ++step) {
    const uint64_t dice = rng.Uniform(1000);
    Status s;
    bool is_write = false;
    WriteOp op;
    const size_t op_index = log->writes.size();
    if (dice < 430) {
      const std::string key = KeyName(rng.Uniform(kKeySpace));
      op.updates.push_back({key, ValueFor(&rng, op_index, key)});
      is_write = true;
    } else if (dice < 560) {
      op.updates.push_back({KeyName(rng.Uniform(kKeySpace)), std::nullopt});
      is_write = true;
    } else if (dice < 780) {
      const int n = 2 + static_cast<int>(rng.Uniform(4));
      for (int i = 0; i < n; ++i) {
        const std::string key = KeyName(rng.Uniform(kKeySpace));
        if (rng.OneIn(4)) {
          op.updates.push_back({key, std::nullopt});
        } else {
          op.updates.push_back({key, ValueFor(&rng, op_index, key)});
        }
      }
      is_write = true;
    } else if (dice < 810) {
      s = (*db)->Flush();
      if (s.ok()) log->durable_floor = log->acked;
    } else if (dice < 822) {
      s = (*db)->CompactAll();
      if (s.ok()) log->durable_floor = log->acked;
    } else if (dice < 834) {
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
    } else if (cfg.verify_reads && log->stopped_by.empty()) {
      const std::string key = KeyName(rng.Uniform(kKeySpace));
      std::string got;
      Status g = (*db)->Get(ReadOptions(), key, &got);
      auto it = model.find(key);
      if (g.ok() || g.IsNotFound()) {
        const bool match = it == model.end() ? g.IsNotFound() : (g.ok() && got == it->second);
        EXPECT_TRUE(match) << "seed " << cfg.seed << " step " << step << ": live Get(" << key
                           << ") = " << (g.ok() ? got.substr(0, 40) : g.ToString())
                           << ", model " << (it == model.end() ? "<absent>" : it->second.substr(0, 40));
        if (!match) return false;
      }
      // Read errors are allowed (an injected read fault).
      continue;
    }
    if (is_write) {
      if (op.updates.size() == 1) {
        const Update& u = op.updates[0];
        s = u.value ? (*db)->Put(wo, u.key, *u.value) : (*db)->Delete(wo, u.key);
      } else {
        WriteBatch batch;
        for (const auto& u : op.updates) {
          if (u.value) {
            batch.Put(u.key, *u.value);
          } else {
            batch.Delete(u.key);
          }
        }
        s = (*db)->Write(wo, batch);
      }
      for (const auto& u : op.updates) {
        if (u.value) log->written[u.key].insert(*u.value);
      }
      op.acked = s.ok();
      // After the first failure nothing may be acknowledged again (checked by
      // the callers); keep at most one unacknowledged write in the log.
      if (log->acked == log->writes.size()) {
        log->writes.push_back(op);
        if (op.acked) {
          ++log->acked;
          Apply(op, &model);
        }
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

// The DB's whole state over the key space, read with Get and cross-checked
// with a full scan. Sets *error if a read failed.
inline State ReadState(DB* db, std::string* error) {
  State s;
  for (int i = 0; i < kKeySpace; ++i) {
    const std::string key = KeyName(i);
    std::string v;
    Status g = db->Get(ReadOptions(), key, &v);
    if (g.ok()) {
      s[key] = v;
    } else if (!g.IsNotFound() && error->empty()) {
      *error = "Get(" + key + "): " + g.ToString();
    }
  }
  State scanned;
  auto it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    scanned[std::string(it->key())] = std::string(it->value());
  }
  if (!it->status().ok() && error->empty()) *error = "scan: " + it->status().ToString();
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
  for (const auto& k : keys) {
    auto g = got.find(k);
    auto w = want.find(k);
    const std::string gv = g == got.end() ? "<absent>" : g->second.substr(0, 24);
    const std::string wv = w == want.end() ? "<absent>" : w->second.substr(0, 24);
    if (gv == wv && (g == got.end()) == (w == want.end()) &&
        (g == got.end() || g->second == w->second)) {
      continue;
    }
    if (++shown > 5) {
      out += " ...";
      break;
    }
    out += " " + k + ": got " + gv + " want " + wv + ";";
  }
  return out;
}

}  // namespace nokv::crashtest
