// MemTableHashIndex: a hash table from user part (cf byte + user key) to the
// newest entry of that user part in one memtable, beside the ordered index.
// A point read of the latest plain (non-versioned) value then costs a bucket
// probe and a short chain walk instead of a skiplist search (tens of
// dependent cache misses with 100k+ entries, and no help from key prefixes
// when keys share them, as Redis-style "user:1234" keys do). A read it cannot
// answer exactly (versioned entries, a newer write than the reader's
// snapshot) falls back to the ordered index; a user part absent from the
// table is known absent at once.
//
// Entries are inserted in sequence order (one writer), so "newest inserted"
// is "highest sequence". Buckets and chain nodes live in the memtable's
// index arena.
//
// Thread safety: one writer calls Insert, concurrently with any number of
// lock-free Find calls. A reader that saw an entry's sequence published
// (acquire) also sees the index updated for it (the writer updates the index
// before publishing).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memtable/arena.h"

namespace nokv {

class MemTableHashIndex {
 public:
  // About `bytes` of buckets (rounded down to a power of two of 8-byte
  // buckets), allocated in `arena` like the chain nodes; fewer than 64 bytes
  // disables the index.
  MemTableHashIndex(Arena* arena, size_t bytes);
  MemTableHashIndex(const MemTableHashIndex&) = delete;
  MemTableHashIndex& operator=(const MemTableHashIndex&) = delete;

  static uint64_t Hash(std::string_view user_part);

  // Records `entry`, whose internal key's user part is user_part, as the
  // newest entry of that user part. One writer at a time.
  void Insert(uint64_t hash, std::string_view user_part, const char* entry);
  // Starts loading hash's bucket into the cache (Insert or Find of the same
  // hash soon after then finds it there). No effect when disabled.
  void Prefetch(uint64_t hash) const {
    if (enabled()) __builtin_prefetch(&buckets_[hash & mask_]);
  }
  // Loads into the cache what Find (or Insert) of each of `hashes` will
  // touch: the buckets, then the chains' first nodes, then the entries of
  // nodes whose hash matches. Each step issues all its loads before waiting
  // on any, so a batch pays about three memory latencies instead of three
  // per key. Safe beside the writer; it changes nothing.
  void PrefetchMany(const uint64_t* hashes, size_t n) const;
  // The newest entry of user_part, or nullptr if it has none.
  const char* Find(uint64_t hash, std::string_view user_part) const;

  bool enabled() const { return mask_ != 0; }
  size_t bucket_bytes() const { return enabled() ? (mask_ + 1) * sizeof(void*) : 0; }

 private:
  struct Node {
    uint64_t hash;
    std::atomic<const char*> entry;
    std::atomic<Node*> next;
  };
  Node* FindNode(uint64_t hash, std::string_view user_part) const;

  Arena* const arena_;
  const size_t mask_;  // buckets - 1; 0 when disabled
  std::atomic<Node*>* const buckets_;  // in arena_; nullptr when disabled
};

}  // namespace nokv
