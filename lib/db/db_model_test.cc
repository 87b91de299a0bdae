// Model-based randomized test: a long seeded sequence of puts, deletes,
// batches, gets, scans (both directions, with bounds), snapshots, flushes,
// compactions and reopen cycles, checked step by step against std::map.
// Reproduce a failure with NOKV_TEST_SEED=<seed printed on failure>.
#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "nokv/db.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

using Model = std::map<std::string, std::string>;

struct ModelRun {
  uint64_t seed;
  int ops;
  Options options;
};

class DBModelTest : public ::testing::TestWithParam<int> {};

std::string KeyFor(Random* rng, int space) {
  // Variable-length keys with shared prefixes stress prefix compression and
  // the "a" < "ab" ordering.
  int n = static_cast<int>(rng->Uniform(static_cast<uint64_t>(space)));
  std::string k = "key" + std::to_string(n);
  if (n % 7 == 0) k += "/child";
  return k;
}

void CheckScan(DB* db, const Model& model, Random* rng, const std::string& ctx) {
  ReadOptions ro;
  Model::const_iterator lo = model.begin(), hi = model.end();
  if (rng->OneIn(2)) {
    ro.lower_bound = KeyFor(rng, 3000);
    lo = model.lower_bound(ro.lower_bound);
  }
  if (rng->OneIn(2)) {
    ro.upper_bound = KeyFor(rng, 3000);
    hi = model.lower_bound(ro.upper_bound);
  }
  if (!ro.lower_bound.empty() && !ro.upper_bound.empty() && ro.upper_bound < ro.lower_bound) {
    hi = lo;
  }
  auto it = db->NewIterator(ro);
  if (rng->OneIn(2)) {
    auto m = lo;
    int steps = 0;
    for (it->SeekToFirst(); it->Valid() && steps < 300; it->Next(), ++m, ++steps) {
      ASSERT_NE(m, hi) << ctx << " extra key " << it->key();
      ASSERT_EQ(it->key(), m->first) << ctx;
      ASSERT_EQ(it->value(), m->second) << ctx;
    }
    if (steps < 300) {
      ASSERT_TRUE(m == hi) << ctx << " iterator ended early";
    }
  } else {
    auto m = hi;
    int steps = 0;
    for (it->SeekToLast(); it->Valid() && steps < 300; it->Prev(), ++steps) {
      ASSERT_NE(m, lo) << ctx << " extra key " << it->key();
      --m;
      ASSERT_EQ(it->key(), m->first) << ctx;
      ASSERT_EQ(it->value(), m->second) << ctx;
    }
    if (steps < 300) {
      ASSERT_TRUE(m == lo) << ctx << " reverse iterator ended early";
    }
  }
  ASSERT_TRUE(it->status().ok()) << ctx << it->status().ToString();
}

// Seek to a random key then walk a random mix of Next/Prev.
void CheckSeekWalk(DB* db, const Model& model, Random* rng, const std::string& ctx) {
  auto it = db->NewIterator(ReadOptions());
  std::string target = KeyFor(rng, 3000);
  auto m = model.lower_bound(target);
  it->Seek(target);
  for (int step = 0; step < 20; ++step) {
    if (m == model.end()) {
      ASSERT_FALSE(it->Valid()) << ctx;
      return;
    }
    ASSERT_TRUE(it->Valid()) << ctx << " expected " << m->first;
    ASSERT_EQ(it->key(), m->first) << ctx;
    if (rng->OneIn(3)) {
      if (m == model.begin()) {
        it->Prev();
        ASSERT_FALSE(it->Valid()) << ctx;
        return;
      }
      --m;
      it->Prev();
    } else {
      ++m;
      it->Next();
    }
  }
}

TEST_P(DBModelTest, RandomOpsMatchStdMap) {
  const uint64_t seed = testutil::TestSeed(1000 + GetParam());
  SCOPED_TRACE("NOKV_TEST_SEED=" + std::to_string(seed));
  Random rng(seed);
  testutil::TempDir dir;
  Options options;
  options.memtable_size = 96 << 10;  // many flushes
  options.max_bytes_for_level_base = 512 << 10;
  options.target_file_size = 96 << 10;
  options.l0_compaction_trigger = 3;
  options.block_cache_size = GetParam() % 2 == 0 ? (1 << 20) : 0;
  options.table.compression = GetParam() % 2 == 0 ? CompressionType::kLz4 : CompressionType::kZstd;
  // Values cross the separation threshold both ways; small segments make
  // value-log GC find work.
  options.value_threshold = 128;
  options.memtable_engine = GetParam() % 2 == 0 ? MemTableEngine::kSkipList : MemTableEngine::kArt;
  options.value_log_segment_size = 1 << 20;

  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(options, dir.path(), &db).ok());
  Model model;
  struct Snap {
    const Snapshot* snap;
    Model model;
  };
  std::optional<Snap> snap;
  const int kOps = 55000;
  for (int op = 0; op < kOps; ++op) {
    const std::string ctx = "op " + std::to_string(op);
    uint64_t dice = rng.Uniform(1000);
    if (dice < 400) {
      std::string k = KeyFor(&rng, 3000);
      std::string v = testutil::RandomPrintable(&rng, rng.OneIn(8) ? 200 + rng.Uniform(3000)
                                                                   : rng.Uniform(200));
      ASSERT_TRUE(db->Put(WriteOptions(), k, v).ok()) << ctx;
      model[k] = v;
    } else if (dice < 520) {
      std::string k = KeyFor(&rng, 3000);
      ASSERT_TRUE(db->Delete(WriteOptions(), k).ok()) << ctx;
      model.erase(k);
    } else if (dice < 408) {
      std::string a = KeyFor(&rng, 3000), b = KeyFor(&rng, 3000);
      if (a > b) std::swap(a, b);
      if (a == b) b += "~";
      ASSERT_TRUE(db->DeleteRange(WriteOptions(), a, b).ok()) << ctx;
      model.erase(model.lower_bound(a), model.lower_bound(b));
    } else if (dice < 560) {
      WriteBatch batch;
      Model after = model;
      int n = 1 + static_cast<int>(rng.Uniform(20));
      for (int i = 0; i < n; ++i) {
        std::string k = KeyFor(&rng, 3000);
        if (rng.OneIn(4)) {
          batch.Delete(k);
          after.erase(k);
        } else {
          std::string v = testutil::RandomPrintable(&rng, rng.Uniform(64));
          batch.Put(k, v);
          after[k] = v;
        }
      }
      ASSERT_TRUE(db->Write(WriteOptions(), batch).ok()) << ctx;
      model = std::move(after);
    } else if (dice < 900) {
      std::string k = KeyFor(&rng, 3000);
      std::string v;
      Status s = db->Get(ReadOptions(), k, &v);
      auto it = model.find(k);
      if (it == model.end()) {
        ASSERT_TRUE(s.IsNotFound()) << ctx << " key " << k << " got " << s.ToString() << " " << v;
      } else {
        ASSERT_TRUE(s.ok()) << ctx << " key " << k << " " << s.ToString();
        ASSERT_EQ(v, it->second) << ctx << " key " << k;
      }
    } else if (dice < 930) {
      CheckScan(db.get(), model, &rng, ctx);
    } else if (dice < 960) {
      CheckSeekWalk(db.get(), model, &rng, ctx);
    } else if (dice < 975) {
      // Snapshots: take one, or verify and release the held one.
      if (!snap) {
        snap = Snap{db->GetSnapshot(), model};
      } else {
        ReadOptions ro;
        ro.snapshot = snap->snap;
        for (int i = 0; i < 50; ++i) {
          std::string k = KeyFor(&rng, 3000);
          std::string v;
          Status s = db->Get(ro, k, &v);
          auto it = snap->model.find(k);
          if (it == snap->model.end()) {
            ASSERT_TRUE(s.IsNotFound()) << ctx << " snapshot key " << k;
          } else {
            ASSERT_TRUE(s.ok()) << ctx << " snapshot key " << k;
            ASSERT_EQ(v, it->second) << ctx;
          }
        }
        db->ReleaseSnapshot(snap->snap);
        snap.reset();
      }
    } else if (dice < 985) {
      ASSERT_TRUE(db->Flush().ok()) << ctx;
    } else if (dice < 988) {
      ASSERT_TRUE(db->CompactAll().ok()) << ctx;
    } else if (dice < 990) {
      Status s = db->RunValueLogGC(0.3);
      ASSERT_TRUE(s.ok() || s.IsNotFound()) << ctx << " GC: " << s.ToString();
    } else {
      if (snap) {
        db->ReleaseSnapshot(snap->snap);
        snap.reset();
      }
      ASSERT_TRUE(db->Close().ok()) << ctx;
      db.reset();
      Status s = DB::Open(options, dir.path(), &db);
      ASSERT_TRUE(s.ok()) << ctx << " reopen: " << s.ToString();
    }
  }
  if (snap) db->ReleaseSnapshot(snap->snap);
  // Final full comparison, after a last compaction and reopen.
  ASSERT_TRUE(db->CompactAll().ok());
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  ASSERT_TRUE(DB::Open(options, dir.path(), &db).ok());
  auto it = db->NewIterator(ReadOptions());
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(it->key(), m->first);
    ASSERT_EQ(it->value(), m->second);
  }
  ASSERT_EQ(m, model.end());
  EXPECT_TRUE(db->GetStats().background_error.empty());
  it.reset();
  ASSERT_TRUE(db->Close().ok());
}

// Two seeds x 55k ops = 110k operations per run; seed 0 uses the skiplist
// memtable, seed 1 the adaptive radix tree.
INSTANTIATE_TEST_SUITE_P(Seeds, DBModelTest, ::testing::Values(0, 1));

}  // namespace
}  // namespace nokv
