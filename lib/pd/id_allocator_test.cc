// IdAllocator: unique ids, windows saved before use, no reuse after a
// restart from the saved bound.
#include "pd/id_allocator.h"

#include <gtest/gtest.h>

#include <set>

namespace nokv::pd {
namespace {

TEST(IdAllocatorTest, UniqueAcrossRestartsFromTheSavedBound) {
  uint64_t saved = 0;
  int saves = 0;
  auto save = [&](uint64_t b) {
    EXPECT_GT(b, saved);
    saved = b;
    ++saves;
    return Status::OK();
  };
  std::set<uint64_t> seen;
  for (int restart = 0; restart < 5; ++restart) {
    IdAllocator ids(save, saved, 1, /*window=*/10);
    for (int i = 0; i < 25; ++i) {
      const uint32_t count = 1 + i % 3;
      Result<uint64_t> first = ids.Allocate(count);
      ASSERT_TRUE(first.ok());
      ASSERT_NE(*first, 0u);
      for (uint64_t id = *first; id < *first + count; ++id) {
        ASSERT_TRUE(seen.insert(id).second) << "id " << id << " reused";
        ASSERT_LT(id, saved);  // covered by the saved bound before it was served
      }
    }
  }
  EXPECT_GT(saves, 5);
}

TEST(IdAllocatorTest, MinIdAndErrors) {
  bool fail = false;
  IdAllocator ids([&](uint64_t) { return fail ? Status::IOError("no space") : Status::OK(); }, 0,
                  1000, 5);
  EXPECT_EQ(ids.Allocate(1).value(), 1000u);
  EXPECT_TRUE(ids.Allocate(0).status().IsInvalidArgument());
  fail = true;
  EXPECT_TRUE(ids.Allocate(100).status().IsIOError());
  fail = false;
  EXPECT_EQ(ids.Allocate(1).value(), 1001u);  // the failed call consumed nothing
}

}  // namespace
}  // namespace nokv::pd
