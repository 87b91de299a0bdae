// BlockCache: a sharded LRU cache of parsed SST blocks, keyed by
// (file number, block offset) and bounded by total charge in bytes. Shared by
// all TableReaders of a DB; thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "sst/block.h"

namespace nokv {

class BlockCache {
 public:
  static constexpr int kNumShards = 16;

  // capacity is the total charge the cache may hold, split evenly across the
  // shards; 0 disables caching (Insert is a no-op, Lookup always misses).
  explicit BlockCache(size_t capacity);

  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // Returns the cached block and marks it most recently used, or nullptr.
  // Counts a hit or a miss.
  std::shared_ptr<const Block> Lookup(uint64_t file_number, uint64_t offset);

  // Caches block under (file_number, offset) with the given charge, replacing
  // any previous entry, then evicts least recently used entries of the shard
  // until it fits. A block whose charge exceeds a shard's capacity is not
  // cached. Evicted blocks stay alive while readers hold them.
  void Insert(uint64_t file_number, uint64_t offset, std::shared_ptr<const Block> block,
              size_t charge);

  // Drops every block of the file (call when the file is deleted).
  void EraseFile(uint64_t file_number);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  // Total charge currently held.
  size_t usage() const;
  size_t capacity() const { return capacity_; }

 private:
  struct Key {
    uint64_t file_number;
    uint64_t offset;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Entry {
    Key key;
    std::shared_ptr<const Block> block;
    size_t charge;
  };
  struct Shard {
    mutable std::mutex mu;
    size_t usage = 0;                                            // guarded by mu
    std::list<Entry> lru;                                        // guarded by mu; front = newest
    std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> map;  // guarded by mu
  };

  Shard& ShardFor(const Key& key);

  const size_t capacity_;
  const size_t shard_capacity_;
  Shard shards_[kNumShards];
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace nokv
