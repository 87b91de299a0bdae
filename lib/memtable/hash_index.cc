#include "memtable/hash_index.h"

#include <bit>
#include <cstring>
#include <new>

#include "base/internal_key.h"
#include "memtable/mem_index.h"

namespace nokv {
namespace {
size_t BucketCount(size_t bytes) {
  const size_t n = bytes / sizeof(void*);
  return n < 8 ? 0 : std::bit_floor(n);
}
}  // namespace

MemTableHashIndex::MemTableHashIndex(Arena* arena, size_t bytes)
    : arena_(arena),
      mask_(BucketCount(bytes) == 0 ? 0 : BucketCount(bytes) - 1),
      buckets_(enabled() ? reinterpret_cast<std::atomic<Node*>*>(
                               arena->AllocateAligned((mask_ + 1) * sizeof(std::atomic<Node*>)))
                         : nullptr) {
  static_assert(alignof(std::atomic<Node*>) <= Arena::kAlignment);
  for (size_t i = 0; enabled() && i <= mask_; ++i) new (&buckets_[i]) std::atomic<Node*>(nullptr);
}

// A multiply-xorshift hash over 8-byte words: fast with good bit mixing; it
// is never persisted, so it may change between versions.
uint64_t MemTableHashIndex::Hash(std::string_view user_part) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
  uint64_t h = 0x243f6a8885a308d3ull ^ (user_part.size() * kMul);
  const char* p = user_part.data();
  size_t n = user_part.size();
  auto mix = [&](uint64_t w) {
    h ^= w;
    h *= kMul;
    h ^= h >> 29;
  };
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    mix(w);
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    mix(w);
  }
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}

MemTableHashIndex::Node* MemTableHashIndex::FindNode(uint64_t hash,
                                                     std::string_view user_part) const {
  for (Node* n = buckets_[hash & mask_].load(std::memory_order_acquire); n != nullptr;
       n = n->next.load(std::memory_order_acquire)) {
    if (n->hash != hash) continue;
    const std::string_view key = EntryKey(n->entry.load(std::memory_order_acquire));
    if (UserPart(key) == user_part) return n;
  }
  return nullptr;
}

void MemTableHashIndex::Insert(uint64_t hash, std::string_view user_part, const char* entry) {
  if (!enabled()) return;
  if (Node* n = FindNode(hash, user_part); n != nullptr) {
    n->entry.store(entry, std::memory_order_release);
    return;
  }
  std::atomic<Node*>& bucket = buckets_[hash & mask_];
  Node* n = new (arena_->AllocateAligned(sizeof(Node))) Node;
  n->hash = hash;
  n->entry.store(entry, std::memory_order_relaxed);
  n->next.store(bucket.load(std::memory_order_relaxed), std::memory_order_relaxed);
  bucket.store(n, std::memory_order_release);  // publishes the node's fields
}

void MemTableHashIndex::PrefetchMany(const uint64_t* hashes, size_t n) const {
  if (!enabled()) return;
  for (size_t i = 0; i < n; ++i) Prefetch(hashes[i]);
  for (size_t i = 0; i < n; ++i) {
    if (const Node* head = buckets_[hashes[i] & mask_].load(std::memory_order_acquire)) {
      __builtin_prefetch(head);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    for (const Node* node = buckets_[hashes[i] & mask_].load(std::memory_order_acquire);
         node != nullptr; node = node->next.load(std::memory_order_acquire)) {
      if (node->hash == hashes[i]) {
        __builtin_prefetch(node->entry.load(std::memory_order_acquire));
        break;
      }
    }
  }
}

const char* MemTableHashIndex::Find(uint64_t hash, std::string_view user_part) const {
  if (!enabled()) return nullptr;
  const Node* n = FindNode(hash, user_part);
  return n == nullptr ? nullptr : n->entry.load(std::memory_order_acquire);
}

}  // namespace nokv
