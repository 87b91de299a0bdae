#include "sst/block_cache.h"

#include <utility>

namespace nokv {

static_assert((BlockCache::kNumShards & (BlockCache::kNumShards - 1)) == 0);

uint64_t BlockCache::Hash(const Key& k) {
  uint64_t h = k.file_number * 0x9e3779b97f4a7c15ull ^ k.offset;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

BlockCache::BlockCache(size_t capacity)
    : capacity_(capacity), shard_capacity_((capacity + kNumShards - 1) / kNumShards) {}

// --- Shard: the open-addressing index (the top hash bits chose the shard,
// the low bits choose the home slot).

size_t BlockCache::Shard::FindIndex(const Key& key, uint64_t hash) const {
  if (index.empty()) return 0;
  const size_t mask = index.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const IndexSlot& slot = index[i];
    if (slot.entry == kNoEntry) return index.size();
    if (slot.key == key) return i;
  }
}

void BlockCache::Shard::IndexInsert(const Key& key, uint64_t hash, uint32_t entry) {
  if ((live + 1) * 2 > index.size()) Grow();
  Place(IndexSlot{key, entry}, hash);
}

// Puts slot in the first free place of its probe run (the key is absent).
void BlockCache::Shard::Place(const IndexSlot& slot, uint64_t hash) {
  const size_t mask = index.size() - 1;
  size_t i = hash & mask;
  while (index[i].entry != kNoEntry) i = (i + 1) & mask;
  index[i] = slot;
}

// Backward-shift deletion: later members of the probe run move up so that
// every key stays reachable from its home slot without tombstones.
void BlockCache::Shard::IndexErase(size_t slot) {
  const size_t mask = index.size() - 1;
  size_t hole = slot;
  for (size_t i = (slot + 1) & mask; index[i].entry != kNoEntry; i = (i + 1) & mask) {
    const size_t home = Hash(index[i].key) & mask;
    // Move i into the hole unless its home lies cyclically in (hole, i].
    const bool home_after_hole = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
    if (!home_after_hole) {
      index[hole] = index[i];
      hole = i;
    }
  }
  index[hole] = IndexSlot{};
}

void BlockCache::Shard::Grow() {
  std::vector<IndexSlot> old = std::move(index);
  index.assign(old.empty() ? 64 : old.size() * 2, IndexSlot{});
  for (const IndexSlot& s : old) {
    if (s.entry != kNoEntry) Place(s, Hash(s.key));
  }
}

void BlockCache::Shard::Remove(uint32_t entry,
                               std::vector<std::shared_ptr<const Block>>* released) {
  Entry& e = entries[entry];
  IndexErase(FindIndex(e.key, Hash(e.key)));
  usage -= e.charge;
  released->push_back(std::move(e.block));
  e = Entry{};
  free.push_back(entry);
  --live;
}

// --- BlockCache

std::shared_ptr<const Block> BlockCache::Lookup(uint64_t file_number, uint64_t offset) {
  if (capacity_ == 0) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  const Key key{file_number, offset};
  const uint64_t hash = Hash(key);
  Shard& shard = ShardFor(hash);
  std::shared_ptr<const Block> block;
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    const size_t slot = shard.FindIndex(key, hash);
    if (slot < shard.index.size()) {
      Entry& e = shard.entries[shard.index[slot].entry];
      e.referenced = true;
      block = e.block;
    }
  }
  (block ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return block;
}

void BlockCache::Insert(uint64_t file_number, uint64_t offset, std::shared_ptr<const Block> block,
                        size_t charge) {
  if (capacity_ == 0 || charge > shard_capacity_ || block == nullptr) return;
  const Key key{file_number, offset};
  const uint64_t hash = Hash(key);
  Shard& shard = ShardFor(hash);
  std::vector<std::shared_ptr<const Block>> released;  // dropped outside the lock
  std::lock_guard<std::mutex> lock(shard.mu);
  const size_t existing = shard.FindIndex(key, hash);
  if (existing < shard.index.size()) shard.Remove(shard.index[existing].entry, &released);
  // Sweep: a referenced entry gets a second chance, an unreferenced one goes.
  // Two full turns always free enough (the first clears every bit).
  while (shard.usage + charge > shard_capacity_ && shard.live > 0) {
    if (shard.hand >= shard.entries.size()) shard.hand = 0;
    Entry& e = shard.entries[shard.hand];
    if (e.block != nullptr) {
      if (e.referenced) {
        e.referenced = false;
      } else {
        shard.Remove(static_cast<uint32_t>(shard.hand), &released);
      }
    }
    ++shard.hand;
  }
  uint32_t slot;
  if (!shard.free.empty()) {
    slot = shard.free.back();
    shard.free.pop_back();
  } else {
    slot = static_cast<uint32_t>(shard.entries.size());
    shard.entries.emplace_back();
  }
  shard.entries[slot] = Entry{key, std::move(block), charge, false};
  shard.IndexInsert(key, hash, slot);
  shard.usage += charge;
  ++shard.live;
}

void BlockCache::EraseFile(uint64_t file_number) {
  for (Shard& shard : shards_) {
    std::vector<std::shared_ptr<const Block>> released;
    std::lock_guard<std::mutex> lock(shard.mu);
    for (size_t i = 0; i < shard.entries.size(); ++i) {
      const Entry& e = shard.entries[i];
      if (e.block != nullptr && e.key.file_number == file_number) {
        shard.Remove(static_cast<uint32_t>(i), &released);
      }
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
