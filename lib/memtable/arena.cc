// Block management for the memtable arena.
#include "memtable/arena.h"

#include <cstdint>

namespace nokv {

static_assert((Arena::kAlignment & (Arena::kAlignment - 1)) == 0, "alignment must be a power of 2");

Arena::Arena() = default;

char* Arena::AllocateFallback(size_t bytes) {
  if (bytes > kLargeAllocation) {
    // Keep the current block's tail for later small requests.
    return AllocateNewBlock(bytes);
  }
  // The tail of the current block (< bytes) is abandoned.
  alloc_ptr_ = AllocateNewBlock(kBlockSize);
  alloc_bytes_remaining_ = kBlockSize;
  char* result = alloc_ptr_;
  alloc_ptr_ += bytes;
  alloc_bytes_remaining_ -= bytes;
  return result;
}

char* Arena::AllocateAligned(size_t bytes) {
  const auto current = reinterpret_cast<uintptr_t>(alloc_ptr_);
  const size_t mod = current & (kAlignment - 1);
  const size_t slop = mod == 0 ? 0 : kAlignment - mod;
  const size_t needed = bytes + slop;
  if (needed <= alloc_bytes_remaining_ && bytes > 0) {
    char* result = alloc_ptr_ + slop;
    alloc_ptr_ += needed;
    alloc_bytes_remaining_ -= needed;
    return result;
  }
  // New blocks come from operator new[], which is max_align_t aligned.
  return AllocateFallback(bytes == 0 ? 1 : bytes);
}

char* Arena::AllocateNewBlock(size_t block_bytes) {
  blocks_.push_back(std::make_unique_for_overwrite<char[]>(block_bytes));
  memory_usage_.fetch_add(block_bytes + sizeof(char*), std::memory_order_relaxed);
  return blocks_.back().get();
}

}  // namespace nokv
