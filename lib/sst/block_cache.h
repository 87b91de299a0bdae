// BlockCache: a sharded cache of parsed SST blocks, keyed by (file number,
// block offset) and bounded by total charge in bytes. Shared by all
// TableReaders of a DB; thread-safe.
//
// Replacement is CLOCK (second chance), an LRU approximation whose hit path
// only sets a bit: a hit costs one probe of an open-addressing table plus
// one touch of the entry, with no list relinking under the shard lock. The
// clock hand sweeps the entries in insertion order; an entry hit since the
// hand last passed survives one more sweep.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

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
  static uint64_t Hash(const Key& k);

  // One cached block; slots are reused through a free list.
  struct Entry {
    Key key{};
    std::shared_ptr<const Block> block;  // null: the slot is free
    size_t charge = 0;
    bool referenced = false;  // hit since the clock hand last passed
  };
  // Open-addressing (linear probing) index from key to entry slot.
  struct IndexSlot {
    Key key{};
    uint32_t entry = kNoEntry;
  };
  static constexpr uint32_t kNoEntry = UINT32_MAX;

  struct Shard {
    mutable std::mutex mu;
    size_t usage = 0;                // guarded by mu, as is everything below
    std::vector<Entry> entries;      // the clock's ring
    std::vector<uint32_t> free;      // free entry slots (LIFO)
    std::vector<IndexSlot> index;    // size is a power of two, at most half full
    size_t live = 0;                 // entries in use
    size_t hand = 0;                 // next entry the clock inspects

    size_t FindIndex(const Key& key, uint64_t hash) const;  // slot or index.size()
    void IndexInsert(const Key& key, uint64_t hash, uint32_t entry);
    void IndexErase(size_t slot);
    void Place(const IndexSlot& slot, uint64_t hash);
    void Grow();
    // Frees an entry; its block is moved to *released (dropped outside mu).
    void Remove(uint32_t entry, std::vector<std::shared_ptr<const Block>>* released);
  };

  Shard& ShardFor(uint64_t hash) { return shards_[hash >> 60 & (kNumShards - 1)]; }

  const size_t capacity_;
  const size_t shard_capacity_;
  Shard shards_[kNumShards];
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace nokv
