// Block management for the memtable arena.
#include "memtable/arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>

namespace nokv {
namespace {

static_assert((Arena::kAlignment & (Arena::kAlignment - 1)) == 0, "alignment must be a power of 2");

// Maps `bytes` (a multiple of kHugeBlockSize) aligned to kHugeBlockSize and
// asks for transparent huge pages: maps one huge page more than needed and
// unmaps the unaligned head and the tail. nullptr if the mapping fails.
char* MapHugeBlock(size_t bytes) {
  constexpr size_t kHuge = Arena::kHugeBlockSize;
  const size_t span = bytes + kHuge;
  void* p = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = (start + kHuge - 1) & ~(uintptr_t{kHuge} - 1);
  if (aligned > start) munmap(p, aligned - start);
  const uintptr_t end = start + span;
  if (end > aligned + bytes) munmap(reinterpret_cast<void*>(aligned + bytes), end - (aligned + bytes));
  // Advice only: without THP support the block is an ordinary mapping.
  (void)madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<char*>(aligned);
}

}  // namespace

Arena::Arena(size_t block_size)
    : block_size_(block_size == kHugeBlockSize ? kHugeBlockSize : kBlockSize) {}

Arena::~Arena() {
  for (const Block& b : blocks_) {
    if (b.mapped) {
      munmap(b.data, b.bytes);
    } else {
      delete[] b.data;
    }
  }
}

char* Arena::AllocateFallback(size_t bytes) {
  if (bytes > large_allocation()) {
    // Keep the current block's tail for later small requests.
    char* result = AllocateNewBlock(bytes);
    PublishUsage();
    return result;
  }
  // The tail of the current block (< bytes) is abandoned: it stays counted.
  alloc_ptr_ = AllocateNewBlock(block_size_);
  alloc_bytes_remaining_ = block_size_;
  char* result = alloc_ptr_;
  alloc_ptr_ += bytes;
  alloc_bytes_remaining_ -= bytes;
  PublishUsage();
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
    PublishUsage();
    return result;
  }
  // New blocks come from operator new[] (max_align_t aligned) or mmap.
  return AllocateFallback(bytes == 0 ? 1 : bytes);
}

char* Arena::AllocateNewBlock(size_t block_bytes) {
  // Room first (growing geometrically), so push_back cannot throw and leak
  // the block.
  if (blocks_.size() == blocks_.capacity()) blocks_.reserve(std::max<size_t>(16, 2 * blocks_.size()));
  Block block{nullptr, block_bytes, false};
  // Huge arenas map their blocks, and their own blocks of half a huge page
  // or more (rounded up to whole huge pages); smaller ones come from new[].
  if (block_size_ == kHugeBlockSize && block_bytes >= kHugeBlockSize / 2) {
    const size_t rounded = (block_bytes + kHugeBlockSize - 1) & ~(kHugeBlockSize - 1);
    if (char* p = MapHugeBlock(rounded); p != nullptr) block = Block{p, rounded, true};
  }
  if (block.data == nullptr) block.data = new char[block_bytes];
  blocks_.push_back(block);
  reserved_ += block.bytes + sizeof(Block);
  return block.data;
}

}  // namespace nokv
