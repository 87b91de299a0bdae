// Arena: a bump allocator for the memtable. Memory is handed out from blocks
// (4 KiB by default) and released all at once when the arena is destroyed.
//
// A big memtable asks for huge blocks (kHugeBlockSize, 2 MiB): each is mapped
// on its own, aligned to 2 MiB and marked MADV_HUGEPAGE, so the kernel backs
// it with one transparent huge page where it can. An index search or a hash
// probe touches a few random cache lines spread over tens of MiB; with 4 KiB
// pages nearly every one of them also misses the TLB (dearer still under a
// hypervisor's nested paging), with 2 MiB pages the whole memtable fits in
// the TLB. Where the kernel has no huge page to give, the block is an
// ordinary mapping and nothing else changes.
//
// Thread safety: Allocate and AllocateAligned are for one thread at a time
// (the memtable's single writer). MemoryUsage() may be read from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

namespace nokv {

class Arena {
 public:
  static constexpr size_t kBlockSize = 4096;
  static constexpr size_t kHugeBlockSize = size_t{2} << 20;
  static constexpr size_t kAlignment = 8;

  // block_size is kBlockSize or kHugeBlockSize; anything else is treated as
  // kBlockSize.
  explicit Arena(size_t block_size = kBlockSize);
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();

  // Returns `bytes` bytes of uninitialized memory (a zero-byte request is
  // served as one byte), with no alignment guarantee. The memory lives as
  // long as the arena.
  char* Allocate(size_t bytes);

  // Like Allocate, but the result is aligned to kAlignment (8) bytes, suitable
  // for pointers and 64-bit atomics.
  char* AllocateAligned(size_t bytes);

  // Bytes used so far: every allocation, the abandoned tails of earlier
  // blocks and the blocks' bookkeeping, but not the unused rest of the
  // current block (so a huge-block arena does not look 2 MiB fuller the
  // moment it opens a block). Any thread may read it.
  size_t MemoryUsage() const { return memory_usage_.load(std::memory_order_relaxed); }

  size_t block_size() const { return block_size_; }
  // Requests larger than this get a block of their own, so at most a quarter
  // of a block is wasted when the current block's tail is abandoned.
  size_t large_allocation() const { return block_size_ / 4; }

 private:
  struct Block {
    char* data;
    size_t bytes;
    bool mapped;  // munmap (a huge block) rather than delete[]
  };

  char* AllocateFallback(size_t bytes);
  char* AllocateNewBlock(size_t block_bytes);
  // Publishes the bytes used after an allocation (one writer, so a plain
  // store, no read-modify-write).
  void PublishUsage() {
    memory_usage_.store(reserved_ - alloc_bytes_remaining_, std::memory_order_relaxed);
  }

  const size_t block_size_;
  char* alloc_ptr_ = nullptr;         // next free byte in the current block
  size_t alloc_bytes_remaining_ = 0;  // free bytes left in the current block
  size_t reserved_ = 0;               // block bytes plus bookkeeping, writer only
  std::vector<Block> blocks_;
  std::atomic<size_t> memory_usage_{0};
};

inline char* Arena::Allocate(size_t bytes) {
  // Zero-byte allocations have no sensible meaning; callers never make them.
  if (bytes <= alloc_bytes_remaining_ && bytes > 0) {
    char* result = alloc_ptr_;
    alloc_ptr_ += bytes;
    alloc_bytes_remaining_ -= bytes;
    PublishUsage();
    return result;
  }
  return AllocateFallback(bytes == 0 ? 1 : bytes);
}

}  // namespace nokv
