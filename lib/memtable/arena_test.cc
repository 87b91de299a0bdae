// Tests for the memtable Arena: contents survive, alignment, usage accounting.
#include "memtable/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "base/random.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

TEST(ArenaTest, EmptyUsesNothing) {
  Arena arena;
  EXPECT_EQ(arena.MemoryUsage(), 0u);
}

TEST(ArenaTest, AllocationsKeepTheirContents) {
  const uint64_t seed = testutil::TestSeed(301);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rng(seed);
  Arena arena;
  std::vector<std::pair<size_t, char*>> allocated;
  size_t bytes = 0;
  for (int i = 0; i < 20000; ++i) {
    size_t size;
    if (i % (20000 / 10) == 0) {
      size = static_cast<size_t>(i);  // an occasional large one (own block)
    } else {
      size = rng.OneIn(4000) ? rng.Uniform(6000)
                             : (rng.OneIn(10) ? rng.Uniform(100) : rng.Uniform(20));
    }
    if (size == 0) size = 1;
    char* p = rng.OneIn(10) ? arena.AllocateAligned(size) : arena.Allocate(size);
    for (size_t b = 0; b < size; ++b) p[b] = static_cast<char>(i % 256);
    bytes += size;
    allocated.emplace_back(size, p);
    ASSERT_GE(arena.MemoryUsage(), bytes);
    // Waste is bounded: at most ~10% of the filled blocks, plus the block
    // being filled now.
    ASSERT_LE(static_cast<double>(arena.MemoryUsage()),
              static_cast<double>(bytes) * 1.10 + Arena::kBlockSize + 64);
  }
  for (size_t i = 0; i < allocated.size(); ++i) {
    const auto [size, p] = allocated[i];
    for (size_t b = 0; b < size; ++b) {
      ASSERT_EQ(static_cast<int>(p[b]) & 0xff, static_cast<int>(i % 256)) << "allocation " << i;
    }
  }
}

TEST(ArenaTest, AlignedAllocationsAreAligned) {
  Arena arena;
  for (size_t i = 1; i < 2000; ++i) {
    (void)arena.Allocate(i % 7 + 1);  // knock the bump pointer off alignment
    char* p = arena.AllocateAligned(i % 50 + 1);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % Arena::kAlignment, 0u) << i;
  }
  char* big = arena.AllocateAligned(Arena::kBlockSize * 3);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big) % Arena::kAlignment, 0u);
}

TEST(ArenaTest, LargeAllocationGetsItsOwnBlock) {
  Arena arena;
  char* small = arena.Allocate(10);
  const size_t before = arena.MemoryUsage();
  EXPECT_GE(before, 10u);
  EXPECT_LT(before, 100u);  // the unused rest of the block is not counted
  char* big = arena.Allocate(Arena::kBlockSize * 2);
  EXPECT_GE(arena.MemoryUsage(), before + Arena::kBlockSize * 2);
  // The current block's tail is kept: the next small allocation follows `small`.
  char* next = arena.Allocate(10);
  EXPECT_EQ(next, small + 10);
  EXPECT_NE(big, nullptr);
}

TEST(ArenaTest, SmallAllocationsShareBlocks) {
  Arena arena;
  for (int i = 0; i < 100; ++i) (void)arena.Allocate(40);  // 4000 bytes: one block
  const size_t one_block = arena.MemoryUsage();
  EXPECT_GE(one_block, 4000u);
  EXPECT_LT(one_block, Arena::kBlockSize + 64);
  (void)arena.Allocate(200);  // does not fit: a second block; the first's tail stays counted
  EXPECT_GE(arena.MemoryUsage(), Arena::kBlockSize + 200);
  EXPECT_LT(arena.MemoryUsage(), Arena::kBlockSize + 200 + 128);
}

// A huge-block arena maps 2 MiB blocks aligned to 2 MiB, counts only what it
// handed out, and keeps contents across blocks and own (large) blocks.
TEST(ArenaTest, HugeBlocksAreAlignedAndCountedByUse) {
  Arena arena(Arena::kHugeBlockSize);
  EXPECT_EQ(arena.block_size(), Arena::kHugeBlockSize);
  char* first = arena.Allocate(100);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % Arena::kHugeBlockSize, 0u);
  EXPECT_LT(arena.MemoryUsage(), 1024u);  // not the whole 2 MiB block
  std::vector<char*> chunks;
  for (int i = 0; i < 100; ++i) {  // 100 x 100 KiB: five blocks
    char* p = arena.AllocateAligned(100 << 10);
    std::memset(p, i, 100 << 10);
    chunks.push_back(p);
  }
  char* own = arena.Allocate(3 << 20);  // own block, rounded to 4 MiB
  EXPECT_EQ(reinterpret_cast<uintptr_t>(own) % Arena::kHugeBlockSize, 0u);
  std::memset(own, 0x5a, 3 << 20);
  const size_t used = 100 + 100 * (100 << 10);
  EXPECT_GE(arena.MemoryUsage(), used + (4 << 20));
  EXPECT_LT(arena.MemoryUsage(), used + (4 << 20) + Arena::kHugeBlockSize / 8);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(chunks[i][0], static_cast<char>(i));
    ASSERT_EQ(chunks[i][(100 << 10) - 1], static_cast<char>(i));
  }
  EXPECT_EQ(own[(3 << 20) - 1], 0x5a);
}

}  // namespace
}  // namespace nokv
