// Tests for SkipList: agreement with std::set, cursor movement, and one writer
// racing three lock-free readers.
#include "memtable/skiplist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <iterator>
#include <set>
#include <thread>
#include <vector>

#include "base/random.h"
#include "memtable/arena.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

struct U64Comparator {
  int operator()(uint64_t a, uint64_t b) const { return a < b ? -1 : (a > b ? 1 : 0); }
};
using U64List = SkipList<uint64_t, U64Comparator>;

TEST(SkipListTest, Empty) {
  Arena arena;
  U64List list(U64Comparator(), &arena);
  EXPECT_FALSE(list.Contains(10));
  U64List::Iterator it(&list);
  EXPECT_FALSE(it.Valid());
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  EXPECT_FALSE(it.Valid());
  it.Seek(100);
  EXPECT_FALSE(it.Valid());
  it.SeekForPrev(100);
  EXPECT_FALSE(it.Valid());
}

TEST(SkipListTest, MatchesStdSet) {
  const uint64_t seed = testutil::TestSeed(17);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rng(seed);
  constexpr uint64_t kRange = 5000;
  Arena arena;
  U64List list(U64Comparator(), &arena, seed);
  std::set<uint64_t> model;
  for (int i = 0; i < 2000; ++i) {
    const uint64_t k = rng.Uniform(kRange);
    if (model.insert(k).second) list.Insert(k);
  }

  for (uint64_t k = 0; k < kRange; ++k) ASSERT_EQ(list.Contains(k), model.count(k) == 1) << k;

  // Forward scan.
  U64List::Iterator it(&list);
  it.SeekToFirst();
  for (uint64_t k : model) {
    ASSERT_TRUE(it.Valid());
    ASSERT_EQ(it.key(), k);
    it.Next();
  }
  EXPECT_FALSE(it.Valid());

  // Backward scan.
  it.SeekToLast();
  for (auto m = model.rbegin(); m != model.rend(); ++m) {
    ASSERT_TRUE(it.Valid());
    ASSERT_EQ(it.key(), *m);
    it.Prev();
  }
  EXPECT_FALSE(it.Valid());

  // Seek / SeekForPrev at every point of the range (and past both ends),
  // each followed by a few steps in a random direction.
  for (uint64_t target = 0; target <= kRange + 1; ++target) {
    it.Seek(target);
    auto lb = model.lower_bound(target);
    if (lb == model.end()) {
      ASSERT_FALSE(it.Valid()) << target;
    } else {
      ASSERT_TRUE(it.Valid()) << target;
      ASSERT_EQ(it.key(), *lb);
    }

    it.SeekForPrev(target);
    auto ub = model.upper_bound(target);
    if (ub == model.begin()) {
      ASSERT_FALSE(it.Valid()) << target;
      continue;
    }
    auto pos = std::prev(ub);
    ASSERT_TRUE(it.Valid()) << target;
    ASSERT_EQ(it.key(), *pos);
    for (int step = 0; step < 4 && it.Valid(); ++step) {
      if (rng.OneIn(2)) {
        it.Next();
        ++pos;
        ASSERT_EQ(it.Valid(), pos != model.end());
        if (pos == model.end()) break;
      } else {
        it.Prev();
        if (pos == model.begin()) {
          ASSERT_FALSE(it.Valid());
          break;
        }
        --pos;
        ASSERT_TRUE(it.Valid());
      }
      ASSERT_EQ(it.key(), *pos);
    }
  }
}

// One writer inserts kNumKeys keys in random order while three readers scan
// continuously. Every scan must be strictly ordered, hold only real keys, and
// include every key whose insertion finished before the scan began.
TEST(SkipListTest, ConcurrentReadersSeeConsistentList) {
  const uint64_t seed = testutil::TestSeed(99);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  constexpr size_t kNumKeys = 50000;
  constexpr int kNumReaders = 3;

  Random rng(seed);
  std::vector<uint64_t> keys;
  {
    std::set<uint64_t> unique;
    while (unique.size() < kNumKeys) {
      const uint64_t k = rng.Next64();
      if (unique.insert(k).second) keys.push_back(k);
    }
  }
  std::vector<uint64_t> sorted_keys = keys;
  std::sort(sorted_keys.begin(), sorted_keys.end());

  Arena arena;
  U64List list(U64Comparator(), &arena, seed);
  std::atomic<size_t> inserted{0};
  std::atomic<int> readers_ready{0};
  std::atomic<bool> failed{false};

  auto reader = [&](int id) {
    Random reader_rng(seed + static_cast<uint64_t>(id) + 1);
    std::vector<uint64_t> seen;
    seen.reserve(kNumKeys);
    readers_ready.fetch_add(1);
    bool last_pass = false;
    while (!failed.load()) {
      // The final pass starts after the writer is done and must see it all.
      const size_t n = inserted.load(std::memory_order_acquire);
      last_pass = n == kNumKeys;
      seen.clear();
      U64List::Iterator it(&list);
      for (it.SeekToFirst(); it.Valid(); it.Next()) seen.push_back(it.key());
      bool ok = std::adjacent_find(seen.begin(), seen.end(),
                                   [](uint64_t a, uint64_t b) { return a >= b; }) == seen.end();
      for (uint64_t k : seen) {
        ok = ok && std::binary_search(sorted_keys.begin(), sorted_keys.end(), k);
      }
      for (size_t i = 0; i < n && ok; ++i) {
        ok = std::binary_search(seen.begin(), seen.end(), keys[i]);
      }
      // Point reads of keys known to be present.
      for (int probe = 0; probe < 100 && ok && n > 0; ++probe) {
        const uint64_t k = keys[reader_rng.Uniform(n)];
        it.Seek(k);
        ok = it.Valid() && it.key() == k && list.Contains(k);
      }
      if (!ok) {
        ADD_FAILURE() << "reader " << id << " saw an inconsistent list (n=" << n << ")";
        failed.store(true);
      }
      if (last_pass) {
        EXPECT_EQ(seen.size(), kNumKeys);
        break;
      }
    }
  };

  std::vector<std::thread> readers;
  for (int i = 0; i < kNumReaders; ++i) readers.emplace_back(reader, i);
  while (readers_ready.load() < kNumReaders) std::this_thread::yield();
  for (size_t i = 0; i < kNumKeys; ++i) {
    list.Insert(keys[i]);
    inserted.store(i + 1, std::memory_order_release);
  }
  for (auto& t : readers) t.join();
  EXPECT_FALSE(failed.load());
}

}  // namespace
}  // namespace nokv
