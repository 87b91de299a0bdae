// Test-only harness shared by the crash and injected-fault suites: the DB
// options they run with, one trial's environment (a FaultFileSystem, the
// injected clock, the workdir), the verdict on a recovered state, and the
// counts the suites print at the end.
#pragma once

#include <cstdint>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "crash/crash_workload.h"

namespace nokv::crashtest {

// Small everything, so that rotations, flushes, compactions, value-log
// segment seals and GC all happen within a few hundred steps.
inline Options MakeOptions(std::shared_ptr<FaultFileSystem> fs, bool sync_writes,
                           const TestClock& clock, bool vlog = true) {
  Options o;
  o.fs = std::move(fs);
  o.sync_writes = sync_writes;
  o.memtable_size = 64 << 10;  // the minimum: rotations and flushes happen often
  o.block_cache_size = 1 << 20;
  o.target_file_size = 64 << 10;
  o.max_bytes_for_level_base = 1 << 20;
  o.table.block_size = 1024;
  o.value_threshold = vlog ? 1024 : 0;
  o.value_log_segment_size = 64 << 10;  // the minimum: segments seal often
  clock.InstallIn(&o);
  return o;
}

// One trial: a FaultFileSystem over a fresh temp dir, the DB in its "db"
// subdirectory (so that creating the workdir is part of the crash model),
// and the clock the workload advances.
struct TrialEnv {
  TrialEnv(uint64_t fs_seed, bool sync_writes, bool vlog = true) {
    FaultFileSystem::Options fo;
    fo.seed = fs_seed;
    fo.forward_syncs = false;  // the model tracks durability; fsync is slow
    fs = std::make_shared<FaultFileSystem>(NewPosixFileSystem(), fo);
    options = MakeOptions(fs, sync_writes, clock, vlog);
    path = dir.File("db");
  }
  Status Open(std::unique_ptr<DB>* db) const { return DB::Open(options, path, db); }
  auto Opener() const {
    return [this](std::unique_ptr<DB>* db) { return Open(db); };
  }
  // Creates the DB and closes it, then resets the counters: crash and fault
  // points count from the first reopen.
  bool Create() {
    std::unique_ptr<DB> db;
    Status s = Open(&db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return false;
    s = db->Close();
    EXPECT_TRUE(s.ok()) << s.ToString();
    fs->ResetCounters();
    return s.ok();
  }

  // The machine goes down under *db: nothing more reaches the disk, the DB
  // is destroyed (its Close fails), then the crash model is applied.
  Status Crash(std::unique_ptr<DB>* db, CrashMode mode) {
    fs->Freeze();
    db->reset();
    return fs->SimulateCrash(mode);
  }

  testutil::TempDir dir;
  TestClock clock;
  std::shared_ptr<FaultFileSystem> fs;
  Options options;
  std::string path;
};

inline WorkloadConfig Config(uint64_t seed, int steps) {
  WorkloadConfig cfg;
  cfg.seed = seed;
  cfg.steps = steps;
  return cfg;
}

// Runs the workload without a crash; returns the mutating ops it took.
inline uint64_t DryRun(bool sync_writes, uint64_t seed, int steps) {
  TrialEnv env(seed, sync_writes);
  EXPECT_TRUE(env.Create());
  std::unique_ptr<DB> db;
  EXPECT_TRUE(env.Open(&db).ok());
  if (!db) return 1;
  WorkloadLog log;
  RunWorkload(Config(seed, steps), &db, env.Opener(), &env.clock, &log);
  EXPECT_TRUE(log.stopped_by.empty()) << "dry run, seed " << seed << ": " << log.stopped_by;
  if (db) {
    EXPECT_TRUE(db->Close().ok());
  }
  return env.fs->MutatingOps();
}

// `count` points spread over [1, total], jittered by the seed.
inline std::vector<uint64_t> CrashPoints(uint64_t total, int count, uint64_t seed) {
  Random rng(seed * 7919 + 17);
  std::vector<uint64_t> points;
  const uint64_t stride = std::max<uint64_t>(1, total / static_cast<uint64_t>(count));
  for (int i = 0; i < count; ++i) {
    points.push_back(1 + static_cast<uint64_t>(i) * stride + rng.Uniform(stride));
  }
  return points;
}

// Counts across the whole binary, printed at exit (the closing notes quote
// them).
struct Counts {
  std::atomic<uint64_t> crash_points{0};
  std::atomic<uint64_t> recovery_crash_points{0};
  std::atomic<uint64_t> fault_points{0};
  std::atomic<uint64_t> corruptions{0};
  std::atomic<uint64_t> verdicts_ok{0};
  std::atomic<uint64_t> lost_acked{0};    // a verdict that lost acknowledged writes
  std::atomic<uint64_t> wrong_values{0};  // a verdict matching no prefix at all
  std::atomic<uint64_t> acked_writes{0}, vlog_values{0}, ttl_puts{0}, range_deletes{0},
      gc_rewrites{0};

  void AddWorkload(const WorkloadLog& log) {
    acked_writes += log.acked;
    vlog_values += log.vlog_values;
    ttl_puts += log.ttl_puts;
    range_deletes += log.range_deletes;
    gc_rewrites += log.gc_rewrites;
  }
};
inline Counts& TheCounts() {
  static Counts counts;
  return counts;
}

class CountReporter : public ::testing::Environment {
 public:
  void TearDown() override {
    Counts& c = TheCounts();
    std::printf(
        "crash suite: %llu crash points (%llu of them during recovery), %llu injected-fault "
        "points, %llu corruptions injected\n"
        "crash suite: workload acked %llu writes (%llu value-log values, %llu TTL puts, %llu "
        "range deletes, %llu GC rewrites)\n"
        "crash suite: verdicts %llu ok, %llu lost acknowledged writes, %llu wrong values\n",
        static_cast<unsigned long long>(c.crash_points.load()),
        static_cast<unsigned long long>(c.recovery_crash_points.load()),
        static_cast<unsigned long long>(c.fault_points.load()),
        static_cast<unsigned long long>(c.corruptions.load()),
        static_cast<unsigned long long>(c.acked_writes.load()),
        static_cast<unsigned long long>(c.vlog_values.load()),
        static_cast<unsigned long long>(c.ttl_puts.load()),
        static_cast<unsigned long long>(c.range_deletes.load()),
        static_cast<unsigned long long>(c.gc_rewrites.load()),
        static_cast<unsigned long long>(c.verdicts_ok.load()),
        static_cast<unsigned long long>(c.lost_acked.load()),
        static_cast<unsigned long long>(c.wrong_values.load()));
  }
};

enum class Expect { kAllAcked, kPrefix };

// Judges a recovered state (read at clock time `now`) against the log: it
// must be the model after writes [0, j) for some j in [lo, hi], where hi is
// every write issued (acked + at most one in flight) and lo is every acked
// write (kAllAcked) or those before the last Flush/CompactAll/GC/Close
// (kPrefix).
struct Verdict {
  enum class Kind { kOk, kLostAcked, kWrong };
  Kind kind = Kind::kOk;
  std::string message;  // "" when kOk
};

inline Verdict JudgeState(const State& got, const WorkloadLog& log, Expect expect, uint64_t now) {
  const size_t lo = expect == Expect::kAllAcked ? log.acked : log.durable_floor;
  const size_t hi = log.writes.size();
  State model;
  std::vector<State> prefixes;  // prefixes[j] = what a reader sees after j writes
  prefixes.reserve(hi + 1);
  prefixes.push_back(Visible(model, now));
  for (size_t j = 0; j < hi; ++j) {
    Apply(log.writes[j], &model);
    prefixes.push_back(Visible(model, now));
  }
  for (size_t j = hi + 1; j-- > lo;) {
    if (prefixes[j] == got) return Verdict{};
  }
  bool older = false;
  for (size_t j = 0; j < lo && !older; ++j) older = prefixes[j] == got;
  // The closest prefix (fewest keys that differ) says where recovery went wrong.
  auto differing = [&](const State& want) {
    size_t n = 0;
    for (const auto& [k, val] : got) {
      auto w = want.find(k);
      n += (w == want.end() || !(w->second == val)) ? 1 : 0;
    }
    for (const auto& [k, val] : want) n += got.count(k) == 0 ? 1 : 0;
    return n;
  };
  size_t closest = 0, closest_diff = SIZE_MAX;
  for (size_t j = 0; j <= hi; ++j) {
    const size_t d = differing(prefixes[j]);
    if (d <= closest_diff) closest = j, closest_diff = d;
  }
  Verdict v;
  v.kind = older ? Verdict::Kind::kLostAcked : Verdict::Kind::kWrong;
  v.message = std::string(older ? "LOST ACKNOWLEDGED WRITES: " : "WRONG DATA: ") +
              "recovered state matches no allowed prefix [" + std::to_string(lo) + ", " +
              std::to_string(hi) + "] of " + std::to_string(log.acked) +
              " acked writes; closest is prefix " + std::to_string(closest) + " (" +
              std::to_string(closest_diff) + " key(s) differ):" + Diff(got, prefixes[closest]) +
              "; vs all acked:" + Diff(got, prefixes[log.acked]);
  return v;
}

// JudgeState, counted in TheCounts(); returns "" if the state is allowed.
inline std::string CheckState(const State& got, const WorkloadLog& log, Expect expect,
                              uint64_t now) {
  Verdict v = JudgeState(got, log, expect, now);
  switch (v.kind) {
    case Verdict::Kind::kOk: ++TheCounts().verdicts_ok; break;
    case Verdict::Kind::kLostAcked: ++TheCounts().lost_acked; break;
    case Verdict::Kind::kWrong: ++TheCounts().wrong_values; break;
  }
  return v.message;
}

}  // namespace nokv::crashtest
