// BlockCache implementation.
#include "sst/block_cache.h"

namespace nokv {

size_t BlockCache::KeyHash::operator()(const Key& k) const {
  uint64_t h = k.file_number * 0x9e3779b97f4a7c15ull ^ k.offset;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return static_cast<size_t>(h);
}

BlockCache::BlockCache(size_t capacity)
    : capacity_(capacity), shard_capacity_((capacity + kNumShards - 1) / kNumShards) {}

BlockCache::Shard& BlockCache::ShardFor(const Key& key) {
  // The top bits are independent of the bits unordered_map buckets on.
  return shards_[(KeyHash()(key) >> 60) % kNumShards];
}

std::shared_ptr<const Block> BlockCache::Lookup(uint64_t file_number, uint64_t offset) {
  if (capacity_ == 0) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  const Key key{file_number, offset};
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second->block;
}

void BlockCache::Insert(uint64_t file_number, uint64_t offset, std::shared_ptr<const Block> block,
                        size_t charge) {
  if (capacity_ == 0 || charge > shard_capacity_ || block == nullptr) return;
  const Key key{file_number, offset};
  Shard& shard = ShardFor(key);
  std::shared_ptr<const Block> replaced;  // released outside the lock
  std::list<Entry> evicted;
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    auto it = shard.map.find(key);
    if (it != shard.map.end()) {
      shard.usage -= it->second->charge;
      replaced = std::move(it->second->block);
      it->second->block = std::move(block);
      it->second->charge = charge;
      shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
    } else {
      shard.lru.push_front(Entry{key, std::move(block), charge});
      shard.map.emplace(key, shard.lru.begin());
    }
    shard.usage += charge;
    while (shard.usage > shard_capacity_) {
      auto victim = std::prev(shard.lru.end());
      shard.usage -= victim->charge;
      shard.map.erase(victim->key);
      evicted.splice(evicted.begin(), shard.lru, victim);
    }
  }
}

void BlockCache::EraseFile(uint64_t file_number) {
  for (Shard& shard : shards_) {
    std::list<Entry> erased;
    std::lock_guard<std::mutex> lock(shard.mu);
    for (auto it = shard.lru.begin(); it != shard.lru.end();) {
      auto next = std::next(it);
      if (it->key.file_number == file_number) {
        shard.usage -= it->charge;
        shard.map.erase(it->key);
        erased.splice(erased.begin(), shard.lru, it);
      }
      it = next;
    }
  }
}

size_t BlockCache::usage() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    total += shard.usage;
  }
  return total;
}

}  // namespace nokv
