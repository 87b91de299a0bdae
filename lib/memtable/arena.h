// Arena: a bump allocator for the memtable. Memory is handed out from 4 KiB
// blocks and released all at once when the arena is destroyed.
//
// Thread safety: Allocate and AllocateAligned are for one thread at a time
// (the memtable's single writer). MemoryUsage() may be read from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace nokv {

class Arena {
 public:
  static constexpr size_t kBlockSize = 4096;
  // Requests larger than this get a block of their own, so at most a quarter
  // of a block is wasted when the current block's tail is abandoned.
  static constexpr size_t kLargeAllocation = kBlockSize / 4;
  static constexpr size_t kAlignment = 8;

  Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() = default;

  // Returns `bytes` bytes of uninitialized memory (a zero-byte request is
  // served as one byte), with no alignment guarantee. The memory lives as
  // long as the arena.
  char* Allocate(size_t bytes);

  // Like Allocate, but the result is aligned to kAlignment (8) bytes, suitable
  // for pointers and 64-bit atomics.
  char* AllocateAligned(size_t bytes);

  // Bytes reserved from the system so far, including block bookkeeping.
  size_t MemoryUsage() const { return memory_usage_.load(std::memory_order_relaxed); }

 private:
  char* AllocateFallback(size_t bytes);
  char* AllocateNewBlock(size_t block_bytes);

  char* alloc_ptr_ = nullptr;         // next free byte in the current block
  size_t alloc_bytes_remaining_ = 0;  // free bytes left in the current block
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::atomic<size_t> memory_usage_{0};
};

inline char* Arena::Allocate(size_t bytes) {
  // Zero-byte allocations have no sensible meaning; callers never make them.
  if (bytes <= alloc_bytes_remaining_ && bytes > 0) {
    char* result = alloc_ptr_;
    alloc_ptr_ += bytes;
    alloc_bytes_remaining_ -= bytes;
    return result;
  }
  return AllocateFallback(bytes == 0 ? 1 : bytes);
}

}  // namespace nokv
