// In-process crash tests: a seeded workload (crash_workload.h: inline and
// value-log values, deletes, DeleteRange, TTL on an injected clock, batches,
// flushes, compactions, reopens, value-log GC) runs against a DB on a
// FaultFileSystem; at a chosen mutating file-system operation the "machine"
// goes down, the crash model is applied (sometimes a second time part-way
// through the recovery), and the reopened DB, read at the crash-time clock,
// must hold exactly what the durability contract promises:
//   sync_writes, any crash:         every acknowledged write (+ maybe the
//                                   one in flight), batches all-or-nothing;
//   no sync_writes, machine crash:  a prefix of the acknowledged writes, at
//                                   least up to the last Flush/CompactAll/
//                                   GC/Close;
//   no sync_writes, process crash:  every acknowledged write.
// Reproduce a failure with NOKV_TEST_SEED=<seed> and the printed crash point.
// NOKV_LONG_TESTS=1 runs the long variants (>= 2,000 crash points).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "crash/crash_harness.h"
#include "db/db_testutil.h"

namespace nokv::crashtest {
namespace {

struct CrashCase {
  const char* name;
  bool sync_writes;
  CrashMode mode;
  Expect expect;
};

// Regression note (engine bug, fixed): without sync_writes a WAL rotation
// fsynced the old WAL segment but not the value log it points into; after a
// machine crash ReplayWals refused to open ("record at offset N points at
// lost value-log data" in a segment that is not the last). The NoSync
// machine-crash cases below run with the value log on and cover it.
const CrashCase kCases[] = {
    {"SyncMachineCrash", true, CrashMode::kDropUnsyncedData, Expect::kAllAcked},
    {"SyncTornWriteBack", true, CrashMode::kKeepRandomPrefix, Expect::kAllAcked},
    {"SyncProcessCrash", true, CrashMode::kKeepUnsyncedData, Expect::kAllAcked},
    {"NoSyncMachineCrash", false, CrashMode::kDropUnsyncedData, Expect::kPrefix},
    {"NoSyncTornWriteBack", false, CrashMode::kKeepRandomPrefix, Expect::kPrefix},
    {"NoSyncProcessCrash", false, CrashMode::kKeepUnsyncedData, Expect::kAllAcked},
};

struct Trial {
  const CrashCase* c;
  uint64_t seed;
  int steps;
  uint64_t crash_at;           // crash before this mutating op (past the end: after the workload)
  uint64_t recovery_crash_at;  // >0: crash again this many ops into recovery
};

std::string Describe(const Trial& t) {
  return std::string(t.c->name) + " seed " + std::to_string(t.seed) + " crash_at " +
         std::to_string(t.crash_at) + " recovery_crash_at " +
         std::to_string(t.recovery_crash_at) + " steps " + std::to_string(t.steps) +
         " (replay: NOKV_CRASH_TRIAL=\"" + t.c->name + " " + std::to_string(t.seed) + " " +
         std::to_string(t.crash_at) + " " + std::to_string(t.recovery_crash_at) + " " +
         std::to_string(t.steps) + "\")";
}

void RunCrashTrial(const Trial& t) {
  SCOPED_TRACE(Describe(t));
  TrialEnv env(t.seed ^ t.crash_at, t.c->sync_writes);
  ASSERT_TRUE(env.Create());
  env.fs->CrashAtMutatingOp(t.crash_at);
  std::unique_ptr<DB> db;
  WorkloadLog log;
  if (env.Open(&db).ok()) {
    if (!RunWorkload(Config(t.seed, t.steps), &db, env.Opener(), &env.clock, &log)) return;
  }
  TheCounts().AddWorkload(log);
  ASSERT_TRUE(env.Crash(&db, t.c->mode).ok());
  ++TheCounts().crash_points;

  if (t.recovery_crash_at > 0) {
    // Crash again part-way through recovery; whatever it left must recover too.
    env.fs->CrashAtMutatingOp(env.fs->MutatingOps() + t.recovery_crash_at);
    (void)env.Open(&db);
    ASSERT_TRUE(env.Crash(&db, t.c->mode).ok());
    ++TheCounts().crash_points;
    ++TheCounts().recovery_crash_points;
  }

  Status s = env.Open(&db);
  ASSERT_TRUE(s.ok()) << "reopen after crash failed: " << s.ToString()
                      << " (workload stopped by: " << log.stopped_by << ")";
  std::string err;
  const State got = ReadState(db.get(), &err);
  ASSERT_TRUE(err.empty()) << err;
  const std::string verdict = CheckState(got, log, t.c->expect, env.clock.Now());
  ASSERT_TRUE(verdict.empty()) << verdict << " (workload stopped by: " << log.stopped_by << ")";
  // The recovered DB takes writes (and GC) and closes cleanly.
  WriteOp after;
  after.updates.push_back(Update::Put("after-crash", "x"));
  ASSERT_TRUE(DbCalls::Write(db.get(), WriteOptions(), env.clock.Now(), &after).ok());
  s = DbCalls::ValueLogGC(db.get(), 0.1);
  ASSERT_TRUE(s.ok() || s.IsNotFound()) << "GC after recovery: " << s.ToString();
  ASSERT_TRUE(db->Close().ok());
}

void RunCrashCase(const CrashCase& c, const std::vector<uint64_t>& seeds, int points_per_seed,
                  int steps) {
  for (uint64_t seed : seeds) {
    const uint64_t total = DryRun(c.sync_writes, seed, steps);
    int i = 0;
    for (uint64_t at : CrashPoints(total + 4, points_per_seed, seed)) {
      // Every fourth trial also crashes during the recovery, in every mode
      // (torn write-back included: see TornTailThenCrashDuringRecovery).
      const bool recovery_crash = i++ % 4 == 3;
      Trial t{&c, seed, steps, at, recovery_crash ? 1 + at % 23 : 0};
      RunCrashTrial(t);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

class CrashTest : public ::testing::TestWithParam<CrashCase> {
 protected:
  uint64_t CaseIndex() const {
    for (size_t i = 0; i < std::size(kCases); ++i) {
      if (std::string(kCases[i].name) == GetParam().name) return i;
    }
    return 0;
  }
};

TEST_P(CrashTest, RecoversAtCrashPoints) {
  const uint64_t seed = testutil::TestSeed(1000 + CaseIndex());
  RunCrashCase(GetParam(), {seed, seed + 100, seed + 200}, 25, 150);
}

// 6 cases x 5 seeds x 60 points, plus one recovery crash in four: ~2,250.
TEST_P(CrashTest, LongRecoversAtCrashPoints) {
  if (!LongTests()) GTEST_SKIP() << "set NOKV_LONG_TESTS=1";
  const uint64_t base = testutil::TestSeed(5000 + 10 * CaseIndex());
  RunCrashCase(GetParam(), {base, base + 1, base + 2, base + 3, base + 4}, 60, 250);
}

INSTANTIATE_TEST_SUITE_P(Modes, CrashTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

// Replays one trial, as a failure prints it:
//   NOKV_CRASH_TRIAL="NoSyncMachineCrash 1103 455 19 150" [NOKV_CRASH_TRIAL_REPEAT=N]
// Background flushes and compactions race the workload, so a failure may need
// a few repeats; skipped unless the variable is set.
TEST(CrashReplayTest, ReplaysTheTrialNamedInTheEnvironment) {
  const char* spec = std::getenv("NOKV_CRASH_TRIAL");
  if (spec == nullptr) GTEST_SKIP() << "set NOKV_CRASH_TRIAL=\"<case> <seed> <crash_at> <recovery_crash_at>\"";
  char name[64] = {0};
  unsigned long long seed = 0, at = 0, rec = 0;
  int steps = 150;
  ASSERT_GE(std::sscanf(spec, "%63s %llu %llu %llu %d", name, &seed, &at, &rec, &steps), 4)
      << "NOKV_CRASH_TRIAL: want \"<case> <seed> <crash_at> <recovery_crash_at>\", got " << spec;
  const CrashCase* c = nullptr;
  for (const auto& k : kCases) {
    if (std::string(k.name) == name) c = &k;
  }
  ASSERT_NE(c, nullptr) << "NOKV_CRASH_TRIAL: unknown case " << name;
  const char* rep = std::getenv("NOKV_CRASH_TRIAL_REPEAT");
  const int repeat = rep ? std::atoi(rep) : 1;
  for (int i = 0; i < repeat && !::testing::Test::HasFailure(); ++i) {
    RunCrashTrial(Trial{c, seed, steps, at, rec});
  }
}

// Regression test, engine bug now fixed (seen as NoSyncMachineCrash seed 1103
// crash_at 455, about one run in 30): a compaction dropped table entries
// covered by a range tombstone that was still only in the memtable, its WAL
// record not yet durable. A machine crash then lost the tombstone and the
// writes before it, but not the compaction: data from before the last
// durable point was gone. Compaction now applies only tombstones that are in
// tables. The scenario: `a` is flushed (durable); while the next flush runs,
// an unsynced put of `c` and a range delete over `a` land in the new
// memtable; the flush ends and the compaction of both L0 tables starts with
// the tombstone in memory. After the crash `c` is gone, so `a` must be back.
TEST(CompactionCrashTest, UnsyncedRangeTombstoneDoesNotDropTableData) {
  int hits = 0;
  for (int attempt = 0; attempt < 5 && hits == 0; ++attempt) {
    SCOPED_TRACE("attempt " + std::to_string(attempt));
    TrialEnv env(7 + attempt, /*sync_writes=*/false, /*vlog=*/false);
    env.options.l0_compaction_trigger = 2;
    env.options.memtable_size = 16 << 20;
    ASSERT_TRUE(env.Create());
    std::unique_ptr<DB> db;
    ASSERT_TRUE(env.Open(&db).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "a", "kept").ok());
    ASSERT_TRUE(db->Flush().ok());  // L0 table 1: `a`, durable
    const std::string filler(100, 'x');
    for (int i = 0; i < 30000; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), "b" + std::to_string(100000 + i), filler).ok());
    }
    auto prop = [&](const char* name) { return testutil::Prop(db.get(), name); };
    Status flushed;
    std::atomic<bool> flush_done{false};
    std::thread flusher([&] {
      flushed = db->Flush();  // L0 table 2, then the compaction of both
      flush_done = true;
    });
    while (!flush_done && prop("nokv.memtable.immutable-count") == 0) std::this_thread::yield();
    ASSERT_TRUE(db->Put(WriteOptions(), "c", "unsynced").ok());
    ASSERT_TRUE(db->DeleteRange(WriteOptions(), "a", "b").ok());
    // Still flushing: the compaction has not started, the tombstone is in the
    // memtable when it does.
    const bool hit = !flush_done && prop("nokv.memtable.immutable-count") == 1;
    flusher.join();
    ASSERT_TRUE(flushed.ok()) << flushed.ToString();
    if (!hit) continue;  // the flush ended first; try again
    ++hits;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (prop("nokv.compaction.count") == 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_GE(prop("nokv.compaction.count"), 1u) << "the L0 compaction never ran";
    // Machine crash: the WAL holding `c` and the tombstone was never synced.
    ASSERT_TRUE(env.Crash(&db, CrashMode::kDropUnsyncedData).ok());
    ASSERT_TRUE(env.Open(&db).ok());
    std::string v;
    ASSERT_TRUE(db->Get(ReadOptions(), "c", &v).IsNotFound()) << "c was never synced";
    Status g = db->Get(ReadOptions(), "a", &v);
    EXPECT_TRUE(g.ok()) << "a, flushed before the lost range delete, is gone: " << g.ToString();
    EXPECT_EQ(v, "kept");
    EXPECT_TRUE(db->Close().ok());
  }
  ASSERT_GE(hits, 1) << "the range delete never landed while the flush ran";
}

// The checker itself: a recovered state that lost an acknowledged write, or
// holds a value never written, or shows an expired key, is rejected.
TEST(CrashCheckTest, RejectsLostStaleAndExpiredStates) {
  WorkloadLog log;
  auto put = [&](const std::string& k, const std::string& v, uint64_t ttl, uint64_t at) {
    WriteOp op;
    op.updates.push_back(Update::Put(k, v, ttl));
    op.updates.back().expires_at = at;
    op.acked = true;
    log.writes.push_back(op);
    ++log.acked;
  };
  put("a", "1", 0, 0);
  put("a", "2", 0, 0);
  put("b", "x", 10, 110);  // expires at 110
  WriteOp range;
  range.updates.push_back(Update::DeleteRange("a", "b"));
  range.acked = true;
  log.writes.push_back(range);
  ++log.acked;
  log.durable_floor = 2;
  const State all_acked = Visible(log.ModelAt(4), 100);
  ASSERT_EQ(all_acked.size(), 1u);  // a range-deleted, b alive at 100
  using K = Verdict::Kind;
  EXPECT_EQ(JudgeState(all_acked, log, Expect::kAllAcked, 100).kind, K::kOk);
  EXPECT_EQ(JudgeState(Visible(log.ModelAt(3), 100), log, Expect::kAllAcked, 100).kind,
            K::kLostAcked);
  EXPECT_EQ(JudgeState(Visible(log.ModelAt(3), 100), log, Expect::kPrefix, 100).kind, K::kOk);
  EXPECT_EQ(JudgeState(Visible(log.ModelAt(1), 100), log, Expect::kPrefix, 100).kind,
            K::kLostAcked);
  State wrong = all_acked;
  wrong["b"].value = "y";
  EXPECT_EQ(JudgeState(wrong, log, Expect::kPrefix, 100).kind, K::kWrong);
  State stale_expiry = all_acked;
  stale_expiry["b"].expires_at_ms = 0;
  EXPECT_EQ(JudgeState(stale_expiry, log, Expect::kPrefix, 100).kind, K::kWrong);
  EXPECT_EQ(JudgeState(all_acked, log, Expect::kAllAcked, 110).kind, K::kWrong)
      << "b expired at 110";
  EXPECT_EQ(JudgeState(State(), log, Expect::kAllAcked, 110).kind, K::kOk);
}

// Regression test, engine bug now fixed (seed-independent; first seen as SyncProcessCrash
// crash_at 9 and IoErrorTest fail_at 8/9 before creation was moved out of the
// measured range). A crash or I/O error while DB::Open creates a new database
// — after VersionSet::CreateNew wrote MANIFEST-000001 but before CURRENT
// names it — leaves a directory that Open refuses forever ("CURRENT is
// missing but the workdir holds 1 WAL/SST/MANIFEST files"), though nothing
// was ever acknowledged. See the report / lib/manifest/version_set.cc
// CreateNew and lib/db/db_impl.cc Recover.
TEST(CreationCrashTest, CrashDuringCreationLeavesOpenableDir) {
  for (uint64_t at = 1; at <= 16; ++at) {
    for (CrashMode mode : {CrashMode::kDropUnsyncedData, CrashMode::kKeepUnsyncedData,
                           CrashMode::kKeepRandomPrefix}) {
      SCOPED_TRACE("crash_at " + std::to_string(at) + " mode " +
                   std::to_string(static_cast<int>(mode)));
      TrialEnv env(at, /*sync_writes=*/true);
      env.fs->CrashAtMutatingOp(at);
      std::unique_ptr<DB> db;
      (void)env.Open(&db);
      ASSERT_TRUE(env.Crash(&db, mode).ok());
      Status s = env.Open(&db);
      EXPECT_TRUE(s.ok()) << s.ToString();
      if (db) {
        EXPECT_TRUE(db->Close().ok());
      }
    }
  }
}

// A WAL whose last record is torn (a machine crash that wrote back part of
// the unsynced tail), then a second crash at every point of the recovery that
// replays it. Regression test, engine bug now fixed (, seen once as NoSyncTornWriteBack with a
// recovery crash; deterministic here): DBImpl::Recover (lib/db/db_impl.cc)
// creates and dir-syncs a fresh WAL segment before LogAndApply records the
// replayed data and the new log_number. A crash in between leaves the torn
// segment followed by an empty one, and the next Open fails: "corrupt record
// at offset N (record runs past end of file) in a segment that is not the
// last". Fix: truncate the torn tail during recovery (the design's WAL
// VerifyDir step) before starting a new segment, or let the torn-tail policy
// apply to a segment followed only by empty segments.
TEST(RecoveryCrashTest, TornTailThenCrashDuringRecovery) {
  for (uint64_t at = 1; at <= 40; ++at) {
    SCOPED_TRACE("recovery crash_at " + std::to_string(at));
    testutil::TempDir dir;
    FaultFileSystem::Options fo;
    fo.forward_syncs = false;
    auto fs = std::make_shared<FaultFileSystem>(NewPosixFileSystem(), fo);
    TestClock clock;
    const Options o = MakeOptions(fs, false, clock, /*vlog=*/false);
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, dir.path(), &db).ok());
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), KeyName(i), "value" + std::to_string(i)).ok());
    }
    ASSERT_TRUE(db->Close().ok());
    db.reset();
    // Tear the last record of the newest WAL segment.
    std::vector<std::string> names;
    ASSERT_TRUE(fs->GetChildren(dir.path(), &names).ok());
    std::string wal;
    for (const auto& n : names) {
      if (n.ends_with(".wal") && n > wal) wal = n;
    }
    ASSERT_FALSE(wal.empty());
    uint64_t size = 0;
    ASSERT_TRUE(fs->GetFileSize(dir.File(wal), &size).ok());
    ASSERT_TRUE(NewPosixFileSystem()->Truncate(dir.File(wal), size - 3).ok());
    ASSERT_TRUE(fs->SimulateCrash(CrashMode::kDropUnsyncedData).ok());

    fs->CrashAtMutatingOp(fs->MutatingOps() + at);
    (void)DB::Open(o, dir.path(), &db);
    fs->Freeze();
    db.reset();
    ASSERT_TRUE(fs->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
    Status s = DB::Open(o, dir.path(), &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::string v;
    EXPECT_TRUE(db->Get(ReadOptions(), KeyName(18), &v).ok());
    EXPECT_TRUE(db->Close().ok());
    db.reset();
  }
}

// Open creates the workdir and vlog/; both hold acknowledged data from the
// first write on, so a machine crash must not lose them: the engine syncs
// each new directory's parent (FaultFileSystem models mkdir like file
// creation). Regression test: without those syncs the workdir (or vlog/)
// vanished with everything in it and Open started an empty database.
TEST(CreationCrashTest, CreatedDirectoriesSurviveAMachineCrash) {
  for (const char* sub : {"db", "db/nested"}) {
    SCOPED_TRACE(sub);
    testutil::TempDir dir;
    FaultFileSystem::Options fo;
    fo.forward_syncs = false;
    auto fs = std::make_shared<FaultFileSystem>(NewPosixFileSystem(), fo);
    TestClock clock;
    const Options o = MakeOptions(fs, /*sync_writes=*/true, clock);
    if (std::string(sub) == "db/nested") {
      ASSERT_TRUE(fs->CreateDirDurable(dir.File("db")).ok());
    }
    const std::string path = dir.File(sub);
    const std::string big(4000, 'b');
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, path, &db).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "small", "s").ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "big", big).ok());  // into vlog/
    fs->Freeze();
    db.reset();
    ASSERT_TRUE(fs->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
    Options reopen = o;
    reopen.create_if_missing = false;
    Status s = DB::Open(reopen, path, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::string v;
    s = db->Get(ReadOptions(), "small", &v);
    EXPECT_TRUE(s.ok() && v == "s") << s.ToString();
    s = db->Get(ReadOptions(), "big", &v);
    EXPECT_TRUE(s.ok() && v == big) << s.ToString();
    EXPECT_TRUE(db->Close().ok());
  }
}

const auto* const kReporter = ::testing::AddGlobalTestEnvironment(new CountReporter);

}  // namespace
}  // namespace nokv::crashtest
