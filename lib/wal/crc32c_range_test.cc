// Tests for Crc32cRangeIndex against direct checksums.
#include "wal/crc32c_range.h"

#include <gtest/gtest.h>

#include "base/crc32c.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

TEST(Crc32cRangeIndex, MatchesDirectChecksumOnRandomRanges) {
  const uint64_t seed = testutil::TestSeed(301);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rng(seed);
  const std::string data = testutil::RandomBytes(&rng, 10000);
  const Crc32cRangeIndex index(data);
  for (int i = 0; i < 2000; ++i) {
    size_t a = rng.Uniform(data.size() + 1);
    size_t b = rng.Uniform(data.size() + 1);
    if (a > b) std::swap(a, b);
    ASSERT_EQ(index.Value(a, b), crc32c::Value(data.data() + a, b - a)) << a << ".." << b;
  }
  EXPECT_EQ(index.Value(0, data.size()), crc32c::Value(data));
  EXPECT_EQ(index.Value(17, 17), crc32c::Value("", 0));
}

TEST(Crc32cRangeIndex, EmptyAndTinyBuffers) {
  const Crc32cRangeIndex empty(std::string_view{});
  EXPECT_EQ(empty.Value(0, 0), 0u);
  const std::string one = "x";
  const Crc32cRangeIndex tiny(one);
  EXPECT_EQ(tiny.Value(0, 1), crc32c::Value(one));
}

}  // namespace
}  // namespace nokv
