// The value log inside the DB: large values round-trip through memtables,
// tables, iterators and reopen; GC reclaims space without losing live or
// concurrently written values, and waits for snapshots.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "db/db_stats.h"
#include "nokv/db.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

class DBVlogTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override {
    if (db_) {
      EXPECT_TRUE(db_->Close().ok());
    }
  }
  void Open() {
    Options o;
    o.value_threshold = 512;
    o.value_log_segment_size = 1 << 20;
    o.memtable_size = 256 << 10;
    o.l0_compaction_trigger = 2;
    options_ = o;
    ASSERT_TRUE(DB::Open(o, dir_.path(), &db_).ok());
  }
  void Reopen() {
    ASSERT_TRUE(db_->Close().ok());
    db_.reset();
    Open();
  }
  static std::string Big(int i, int gen, size_t len = 2000) {
    std::string v = "gen" + std::to_string(gen) + "-key" + std::to_string(i) + "-";
    v.resize(len, static_cast<char>('a' + (i + gen) % 26));
    return v;
  }
  testutil::TempDir dir_;
  Options options_;
  std::unique_ptr<DB> db_;
};

// A value-log record that no longer verifies is never shown as a value:
// Get returns Corruption, and an iterator stops at that entry with the
// error, in both directions. Regression test: the iterator resolved values
// lazily in value(), which returned an empty string (with Valid() still
// true) when the read failed.
TEST_F(DBVlogTest, DamagedValueStopsIteratorsWithCorruption) {
  ASSERT_TRUE(db_->Put(WriteOptions(), "a", "inline").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "b", Big(1, 0)).ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "c", "inline").ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  // Flip a byte in the middle of b's value (the only value record).
  for (const auto& e : std::filesystem::directory_iterator(dir_.File("vlog"))) {
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(e.path()) - 100));
    f.put('!');
  }
  Open();
  std::string v;
  EXPECT_TRUE(db_->Get(ReadOptions(), "b", &v).IsCorruption());
  auto it = db_->NewIterator(ReadOptions());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "inline");
  it->Next();
  EXPECT_FALSE(it->Valid()) << "b shown with value '" << it->value() << "'";
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
  auto back = db_->NewIterator(ReadOptions());
  back->SeekToLast();
  ASSERT_TRUE(back->Valid());
  EXPECT_EQ(back->key(), "c");
  back->Prev();
  EXPECT_FALSE(back->Valid()) << "b shown with value '" << back->value() << "'";
  EXPECT_TRUE(back->status().IsCorruption()) << back->status().ToString();
}

TEST_F(DBVlogTest, LargeValuesRoundTripEverywhere) {
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "k" + std::to_string(i), Big(i, 0)).ok());
  }
  ASSERT_TRUE(db_->Put(WriteOptions(), "small", "tiny").ok());
  DbStats st = CollectDbStats(*db_);
  EXPECT_EQ(st.vlog_values_written, 500u);
  EXPECT_GE(st.vlog_segments, 1);
  auto check = [&] {
    std::string v;
    for (int i = 0; i < 500; i += 7) {
      ASSERT_TRUE(db_->Get(ReadOptions(), "k" + std::to_string(i), &v).ok());
      ASSERT_EQ(v, Big(i, 0));
    }
    ASSERT_TRUE(db_->Get(ReadOptions(), "small", &v).ok());
    EXPECT_EQ(v, "tiny");
    auto it = db_->NewIterator(ReadOptions());
    int n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string k(it->key());
      if (k == "small") {
        EXPECT_EQ(it->value(), "tiny");
      } else {
        EXPECT_EQ(it->value(), Big(std::stoi(k.substr(1)), 0));
      }
      ++n;
    }
    EXPECT_TRUE(it->status().ok());
    EXPECT_EQ(n, 501);
  };
  check();
  ASSERT_TRUE(db_->Flush().ok());
  check();
  ASSERT_TRUE(db_->CompactAll().ok());
  check();
  Reopen();
  check();
}

TEST_F(DBVlogTest, GcReclaimsOverwrittenValues) {
  for (int gen = 0; gen < 3; ++gen) {
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(db_->Put(WriteOptions(), "k" + std::to_string(i), Big(i, gen)).ok());
    }
  }
  ASSERT_TRUE(db_->CompactAll().ok());  // compaction learns the garbage
  DbStats before = CollectDbStats(*db_);
  EXPECT_GT(before.vlog_discard_bytes, 0u);
  int rewrites = 0;
  while (db_->RunValueLogGC(0.5).ok()) ++rewrites;
  DbStats after = CollectDbStats(*db_);
  EXPECT_GT(rewrites, 0);
  EXPECT_GT(after.vlog_gc_segments_deleted, 0u);
  EXPECT_LT(after.vlog_bytes, before.vlog_bytes);
  std::string v;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(db_->Get(ReadOptions(), "k" + std::to_string(i), &v).ok()) << i;
    ASSERT_EQ(v, Big(i, 2)) << i;
  }
  Reopen();
  for (int i = 0; i < 1000; i += 3) {
    ASSERT_TRUE(db_->Get(ReadOptions(), "k" + std::to_string(i), &v).ok()) << i;
    ASSERT_EQ(v, Big(i, 2)) << i;
  }
}

TEST_F(DBVlogTest, GcValidatesArgumentsAndReportsNothingToDo) {
  EXPECT_TRUE(db_->RunValueLogGC(0).IsInvalidArgument());
  EXPECT_TRUE(db_->RunValueLogGC(1.0).IsInvalidArgument());
  EXPECT_TRUE(db_->RunValueLogGC(0.5).IsNotFound());  // nothing sealed yet
}

TEST_F(DBVlogTest, GcWaitsForSnapshotsAndIterators) {
  for (int i = 0; i < 800; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "k" + std::to_string(i), Big(i, 0)).ok());
  }
  const Snapshot* snap = db_->GetSnapshot();
  auto it = db_->NewIterator(ReadOptions());
  for (int i = 0; i < 800; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "k" + std::to_string(i), Big(i, 1)).ok());
  }
  for (int i = 0; i < 800; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "k" + std::to_string(i), Big(i, 2)).ok());
  }
  int rewrites = 0;
  while (db_->RunValueLogGC(0.3).ok()) ++rewrites;
  ASSERT_GT(rewrites, 0);
  EXPECT_GT(CollectDbStats(*db_).vlog_pending_deletes, 0);
  EXPECT_EQ(CollectDbStats(*db_).vlog_gc_segments_deleted, 0u);
  // Old readers still read old values.
  ReadOptions ro;
  ro.snapshot = snap;
  std::string v;
  ASSERT_TRUE(db_->Get(ro, "k5", &v).ok());
  EXPECT_EQ(v, Big(5, 0));
  it->Seek("k5");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), Big(5, 0));
  it.reset();
  db_->ReleaseSnapshot(snap);
  EXPECT_EQ(CollectDbStats(*db_).vlog_pending_deletes, 0);
  EXPECT_GT(CollectDbStats(*db_).vlog_gc_segments_deleted, 0u);
  ASSERT_TRUE(db_->Get(ReadOptions(), "k5", &v).ok());
  EXPECT_EQ(v, Big(5, 2));
}

TEST_F(DBVlogTest, GcNeverLosesConcurrentWrites) {
  for (int i = 0; i < 600; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "k" + std::to_string(i), Big(i, 0)).ok());
  }
  for (int i = 0; i < 600; i += 2) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "k" + std::to_string(i), Big(i, 1)).ok());
  }
  std::atomic<bool> stop{false};
  std::map<int, int> final_gen;  // written by the writer thread only
  std::thread writer([&] {
    Random rng(9);
    int gen = 10;
    while (!stop) {
      int i = static_cast<int>(rng.Uniform(600));
      if (db_->Put(WriteOptions(), "k" + std::to_string(i), Big(i, gen)).ok()) final_gen[i] = gen;
      ++gen;
    }
  });
  for (int round = 0; round < 6; ++round) {
    Status s = db_->RunValueLogGC(0.2);
    EXPECT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
  }
  stop = true;
  writer.join();
  std::string v;
  for (int i = 0; i < 600; ++i) {
    int gen = final_gen.count(i) ? final_gen[i] : (i % 2 == 0 ? 1 : 0);
    ASSERT_TRUE(db_->Get(ReadOptions(), "k" + std::to_string(i), &v).ok()) << i;
    ASSERT_EQ(v, Big(i, gen)) << i;
  }
  Reopen();
  for (int i = 0; i < 600; ++i) {
    int gen = final_gen.count(i) ? final_gen[i] : (i % 2 == 0 ? 1 : 0);
    ASSERT_TRUE(db_->Get(ReadOptions(), "k" + std::to_string(i), &v).ok()) << i;
    ASSERT_EQ(v, Big(i, gen)) << i;
  }
}

// Several writers overwrite the same keys (large and small values) and now
// and then range-delete a slice of them, while GC rewrites segments. A GC
// rewrite must never replace a newer value or bring back a deleted one.
TEST_F(DBVlogTest, GcWithManyWritersOnTheSameKeys) {
  constexpr int kKeys = 300;
  constexpr int kWriters = 4;
  auto key = [](int i) {
    char k[16];
    std::snprintf(k, sizeof(k), "k%04d", i);
    return std::string(k);
  };
  // Per-key locks order the writes to one key, so the last value recorded
  // is the newest; writes to different keys stay concurrent. A range delete
  // takes `all` exclusively.
  std::shared_mutex all;
  std::vector<std::mutex> key_mu(kKeys);
  std::vector<std::string> latest(kKeys);  // empty = deleted
  for (int i = 0; i < kKeys; ++i) {
    latest[i] = Big(i, 0);
    ASSERT_TRUE(db_->Put(WriteOptions(), key(i), latest[i]).ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      Random rng(100 + static_cast<uint64_t>(w));
      for (int gen = 1; !stop; ++gen) {
        if (rng.OneIn(400)) {
          std::unique_lock<std::shared_mutex> x(all);
          const int from = static_cast<int>(rng.Uniform(kKeys - 20));
          if (!db_->DeleteRange(WriteOptions(), key(from), key(from + 20)).ok()) ++failures;
          for (int i = from; i < from + 20; ++i) latest[i].clear();
          continue;
        }
        std::shared_lock<std::shared_mutex> s(all);
        const int i = static_cast<int>(rng.Uniform(kKeys));
        // Mostly large values; a small one makes the old large one garbage.
        std::string v = rng.OneIn(4) ? "small-" + std::to_string(w) + "-" + std::to_string(gen)
                                     : Big(i, gen * kWriters + w, 600 + rng.Uniform(1500));
        std::lock_guard<std::mutex> g(key_mu[i]);
        if (db_->Put(WriteOptions(), key(i), v).ok()) {
          latest[i] = std::move(v);
        } else {
          ++failures;
        }
      }
    });
  }
  int rewrites = 0;
  // At least 30 rounds; on a slow machine (sanitizers) keep going until GC
  // has had garbage to rewrite, for up to 30 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int round = 0; round < 30 || (rewrites == 0 && std::chrono::steady_clock::now() < deadline);
       ++round) {
    Status s = db_->RunValueLogGC(0.2);
    EXPECT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
    if (s.ok()) ++rewrites;
    if (round % 10 == 9) {
      ASSERT_TRUE(db_->CompactAll().ok());
    }
  }
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(rewrites, 0);
  auto check = [&](const std::string& when) {
    std::string v;
    for (int i = 0; i < kKeys; ++i) {
      Status s = db_->Get(ReadOptions(), key(i), &v);
      if (latest[i].empty()) {
        ASSERT_TRUE(s.IsNotFound()) << when << " " << key(i) << " came back: " << s.ToString();
      } else {
        ASSERT_TRUE(s.ok()) << when << " " << key(i) << " " << s.ToString();
        ASSERT_EQ(v, latest[i]) << when << " " << key(i);
      }
    }
  };
  check("after the run");
  Reopen();
  check("after reopen");
  ASSERT_TRUE(db_->CompactAll().ok());
  check("after compaction");
}

// A range delete that lands while GC is between reading a segment and
// rewriting its live values: the rewrite must not bring the keys back.
// Regression: the rewrite's "still current?" check (FindEntry) used to pass
// for a range-deleted entry, and the rewrite resurrected it (about one run in
// ten of this test failed before the fix; timing-dependent by nature).
TEST_F(DBVlogTest, GcRewriteNeverResurrectsARangeDeletedKey) {
  constexpr int kLive = 100, kGarbage = 400;
  Random rng(3);
  for (int round = 0; round < 20; ++round) {
    // Each segment starts with live values and ends with many dead ones, so
    // the GC scan spends a while after reading the live ones.
    for (int i = 0; i < kLive; ++i) {
      ASSERT_TRUE(db_->Put(WriteOptions(), "r" + std::to_string(i), Big(i, round)).ok());
    }
    for (int i = 0; i < kGarbage; ++i) {
      const std::string k = "g" + std::to_string(round) + "-" + std::to_string(i);
      ASSERT_TRUE(db_->Put(WriteOptions(), k, Big(i, round)).ok());
      ASSERT_TRUE(db_->Delete(WriteOptions(), k).ok());
    }
    std::thread gc([&] {
      while (db_->RunValueLogGC(0.3).ok()) {
      }
    });
    std::this_thread::sleep_for(std::chrono::microseconds(rng.Uniform(3000)));
    ASSERT_TRUE(db_->DeleteRange(WriteOptions(), "r", "s").ok());
    gc.join();
    std::string v;
    for (int i = 0; i < kLive; ++i) {
      ASSERT_TRUE(db_->Get(ReadOptions(), "r" + std::to_string(i), &v).IsNotFound())
          << "round " << round << " key r" << i << " came back";
    }
  }
}

TEST_F(DBVlogTest, DeletedAndExpiredValuesAreGarbage) {
  for (int i = 0; i < 800; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "k" + std::to_string(i), Big(i, 0)).ok());
  }
  for (int i = 0; i < 800; ++i) {
    if (i % 4 != 0) {
      ASSERT_TRUE(db_->Delete(WriteOptions(), "k" + std::to_string(i)).ok());
    }
  }
  // Push the active segment forward so the old ones are sealed.
  for (int i = 0; i < 600; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "z" + std::to_string(i), Big(i, 5)).ok());
  }
  int rewrites = 0;
  while (db_->RunValueLogGC(0.5).ok()) ++rewrites;
  EXPECT_GT(rewrites, 0);
  std::string v;
  for (int i = 0; i < 800; ++i) {
    Status s = db_->Get(ReadOptions(), "k" + std::to_string(i), &v);
    if (i % 4 == 0) {
      ASSERT_TRUE(s.ok()) << i;
      EXPECT_EQ(v, Big(i, 0));
    } else {
      EXPECT_TRUE(s.IsNotFound()) << i;
    }
  }
}

}  // namespace
}  // namespace nokv
