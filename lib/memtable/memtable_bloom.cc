#include "memtable/memtable_bloom.h"

#include <cstring>

namespace nokv {

MemTableBloom::MemTableBloom(size_t bytes)
    : num_blocks_(bytes / kBlockBytes),
      words_(num_blocks_ == 0 ? nullptr
                              : new std::atomic<uint64_t>[num_blocks_ * kWordsPerBlock]) {
  for (size_t i = 0; i < num_blocks_ * kWordsPerBlock; ++i) {
    words_[i].store(0, std::memory_order_relaxed);
  }
}

// A multiply-xorshift hash over 8-byte words (the filter needs speed and good
// bit mixing, not stability across versions: it is never persisted).
uint64_t MemTableBloom::Hash(std::string_view user_part) {
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

std::atomic<uint64_t>* MemTableBloom::BlockFor(uint64_t hash) const {
  // Multiply-shift maps the high 32 bits onto [0, num_blocks_) without a division.
  const uint64_t block = ((hash >> 32) * num_blocks_) >> 32;
  return &words_[block * kWordsPerBlock];
}

void MemTableBloom::Add(uint64_t hash) {
  if (num_blocks_ == 0) return;
  std::atomic<uint64_t>* block = BlockFor(hash);
  uint32_t h = static_cast<uint32_t>(hash);
  const uint32_t delta = (h >> 17) | (h << 15);
  for (int i = 0; i < kProbes; ++i, h += delta) {
    const uint32_t bit = h % (kBlockBytes * 8);
    std::atomic<uint64_t>& word = block[bit / 64];
    // One writer: a plain read-modify-write cannot lose a concurrent update.
    word.store(word.load(std::memory_order_relaxed) | (uint64_t{1} << (bit % 64)),
               std::memory_order_relaxed);
  }
}

bool MemTableBloom::MayContain(uint64_t hash) const {
  if (num_blocks_ == 0) return true;
  const std::atomic<uint64_t>* block = BlockFor(hash);
  uint32_t h = static_cast<uint32_t>(hash);
  const uint32_t delta = (h >> 17) | (h << 15);
  for (int i = 0; i < kProbes; ++i, h += delta) {
    const uint32_t bit = h % (kBlockBytes * 8);
    if ((block[bit / 64].load(std::memory_order_relaxed) & (uint64_t{1} << (bit % 64))) == 0) {
      return false;
    }
  }
  return true;
}

}  // namespace nokv
