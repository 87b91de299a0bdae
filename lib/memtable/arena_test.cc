// Tests for the memtable Arena: contents survive, alignment, usage accounting.
#include "memtable/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
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
              static_cast<double>(bytes) * 1.10 + Arena::kBlockSize + sizeof(char*));
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
  EXPECT_GE(before, Arena::kBlockSize);
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
  EXPECT_EQ(arena.MemoryUsage(), Arena::kBlockSize + sizeof(char*));
  (void)arena.Allocate(200);  // does not fit: a second block
  EXPECT_EQ(arena.MemoryUsage(), 2 * (Arena::kBlockSize + sizeof(char*)));
}

}  // namespace
}  // namespace nokv
