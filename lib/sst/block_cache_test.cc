// Tests for the sharded CLOCK BlockCache.
#include "sst/block_cache.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "base/random.h"

#include "sst/block_builder.h"

namespace nokv {
namespace {

std::shared_ptr<const Block> MakeBlock() {
  BlockBuilder builder(16);
  return std::make_shared<const Block>(std::string(builder.Finish()));
}

TEST(BlockCacheTest, HitAndMissCounting) {
  BlockCache cache(1 << 20);
  EXPECT_EQ(cache.capacity(), 1u << 20);
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
  EXPECT_EQ(cache.misses(), 1u);
  auto block = MakeBlock();
  cache.Insert(1, 0, block, 100);
  EXPECT_EQ(cache.usage(), 100u);
  EXPECT_EQ(cache.Lookup(1, 0), block);
  EXPECT_EQ(cache.Lookup(1, 0), block);
  EXPECT_EQ(cache.Lookup(2, 0), nullptr);  // other file
  EXPECT_EQ(cache.Lookup(1, 4096), nullptr);  // other offset
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 3u);
}

TEST(BlockCacheTest, EvictsByCapacity) {
  const size_t capacity = BlockCache::kNumShards * 1000;
  BlockCache cache(capacity);
  for (uint64_t i = 0; i < 2000; ++i) {
    cache.Insert(7, i * 4096, MakeBlock(), 100);
    ASSERT_LE(cache.usage(), capacity);
  }
  // 10 entries per shard fit; every shard saw far more than that.
  EXPECT_GT(cache.usage(), capacity / 2);
  size_t present = 0;
  for (uint64_t i = 0; i < 2000; ++i) present += cache.Lookup(7, i * 4096) != nullptr;
  EXPECT_EQ(present * 100, cache.usage());
  EXPECT_LE(present, 160u);
  // The oldest entries are gone, the newest ten are all there.
  EXPECT_EQ(cache.Lookup(7, 0), nullptr);
  for (uint64_t i = 1990; i < 2000; ++i) EXPECT_NE(cache.Lookup(7, i * 4096), nullptr);
}

TEST(BlockCacheTest, RecentlyUsedEntrySurvives) {
  BlockCache cache(BlockCache::kNumShards * 300);  // 3 entries of 100 per shard
  auto hot = MakeBlock();
  cache.Insert(1, 0, hot, 100);
  for (uint64_t i = 1; i < 1000; ++i) {
    cache.Insert(1, i, MakeBlock(), 100);
    ASSERT_EQ(cache.Lookup(1, 0), hot) << "evicted after " << i << " inserts";
  }
  EXPECT_EQ(cache.Lookup(1, 1), nullptr);
}

TEST(BlockCacheTest, EvictedBlockStaysAliveForHolders) {
  BlockCache cache(BlockCache::kNumShards * 100);
  cache.Insert(1, 0, MakeBlock(), 100);
  auto held = cache.Lookup(1, 0);
  ASSERT_NE(held, nullptr);
  for (uint64_t i = 1; i < 200; ++i) cache.Insert(1, i, MakeBlock(), 100);
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
  EXPECT_TRUE(held->status().ok());  // still a valid object
}

TEST(BlockCacheTest, ReplaceUpdatesCharge) {
  BlockCache cache(1 << 20);
  cache.Insert(1, 0, MakeBlock(), 100);
  auto second = MakeBlock();
  cache.Insert(1, 0, second, 300);
  EXPECT_EQ(cache.usage(), 300u);
  EXPECT_EQ(cache.Lookup(1, 0), second);
}

TEST(BlockCacheTest, ZeroCapacityDisablesCaching) {
  BlockCache cache(0);
  cache.Insert(1, 0, MakeBlock(), 1);
  EXPECT_EQ(cache.usage(), 0u);
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
  EXPECT_EQ(cache.misses(), 1u);
}

TEST(BlockCacheTest, OversizedBlockIsNotCached) {
  BlockCache cache(BlockCache::kNumShards * 100);
  cache.Insert(1, 0, MakeBlock(), 101);
  EXPECT_EQ(cache.usage(), 0u);
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
}

TEST(BlockCacheTest, EraseFileDropsOnlyThatFile) {
  BlockCache cache(1 << 20);
  for (uint64_t i = 0; i < 50; ++i) {
    cache.Insert(1, i, MakeBlock(), 10);
    cache.Insert(2, i, MakeBlock(), 10);
  }
  cache.EraseFile(1);
  EXPECT_EQ(cache.usage(), 500u);
  for (uint64_t i = 0; i < 50; ++i) {
    EXPECT_EQ(cache.Lookup(1, i), nullptr);
    EXPECT_NE(cache.Lookup(2, i), nullptr);
  }
}

// Random inserts, replacements, lookups and file erasures against a model of
// what was last inserted per key: whatever the cache returns must be exactly
// that block, erased files must be gone, and usage must equal the charges of
// what is present. Exercises the open-addressing index's backward-shift
// deletion with long probe runs (many keys, few shards' worth of capacity).
TEST(BlockCacheTest, RandomOperationsMatchModel) {
  Random rnd(20261127);
  BlockCache cache(BlockCache::kNumShards * 4000);
  std::map<std::pair<uint64_t, uint64_t>, std::pair<std::shared_ptr<const Block>, size_t>> model;
  for (int op = 0; op < 60000; ++op) {
    const uint64_t file = rnd.Uniform(8);
    const uint64_t offset = rnd.Uniform(400) * 4096;
    const uint64_t kind = rnd.Uniform(1000);
    if (kind < 500) {
      auto block = MakeBlock();
      const size_t charge = 10 + rnd.Uniform(90);
      cache.Insert(file, offset, block, charge);
      model[{file, offset}] = {block, charge};
    } else if (kind < 999) {
      auto got = cache.Lookup(file, offset);
      if (got != nullptr) {
        auto it = model.find({file, offset});
        ASSERT_NE(it, model.end()) << "op " << op;
        ASSERT_EQ(got, it->second.first) << "op " << op << ": stale block for the key";
      }
    } else {
      cache.EraseFile(file);
      for (uint64_t o = 0; o < 400; ++o) model.erase({file, o * 4096});
    }
    ASSERT_LE(cache.usage(), cache.capacity());
  }
  size_t present_charge = 0;
  for (const auto& [key, value] : model) {
    auto got = cache.Lookup(key.first, key.second);
    if (got != nullptr) {
      EXPECT_EQ(got, value.first);
      present_charge += value.second;
    }
  }
  EXPECT_EQ(present_charge, cache.usage());
  EXPECT_GT(present_charge, cache.capacity() / 2);
}

TEST(BlockCacheTest, ConcurrentUse) {
  BlockCache cache(BlockCache::kNumShards * 2000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (uint64_t i = 0; i < 5000; ++i) {
        const uint64_t key = (i * 7 + static_cast<uint64_t>(t)) % 500;
        if (cache.Lookup(3, key) == nullptr) cache.Insert(3, key, MakeBlock(), 100);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(cache.hits() + cache.misses(), 20000u);
  EXPECT_LE(cache.usage(), cache.capacity());
}

}  // namespace
}  // namespace nokv
