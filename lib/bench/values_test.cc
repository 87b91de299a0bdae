// Values are derived from (key, version) and every kind of wrong value is
// caught: another key's, another length, one flipped byte anywhere, a
// version that does not match the stream.
#include "bench/values.h"

#include <gtest/gtest.h>

namespace nokv::bench {
namespace {

TEST(ValuesTest, AValueChecksAgainstItsOwnKeyOnly) {
  for (size_t size : {size_t{8}, size_t{9}, size_t{16}, size_t{23}, size_t{256}, size_t{4096}}) {
    std::string v;
    MakeValue("user123", 77, size, &v);
    ASSERT_EQ(v.size(), size);
    EXPECT_EQ(ValueVersion(v), 77u);
    EXPECT_TRUE(CheckValue("user123", v, size)) << size;
    if (size > 8) {
      EXPECT_FALSE(CheckValue("user124", v, size)) << "another key's value, size " << size;
    }
    EXPECT_FALSE(CheckValue("user123", v, size + 1)) << "wrong expected size";
    EXPECT_FALSE(CheckValue("user123", v.substr(0, size - 1), size)) << "truncated";
    // One flipped byte anywhere past the version is caught.
    for (size_t i = 8; i < size; i += std::max<size_t>(1, size / 13)) {
      std::string bad = v;
      bad[i] = static_cast<char>(bad[i] ^ 0x01);
      EXPECT_FALSE(CheckValue("user123", bad, size)) << "byte " << i << " size " << size;
    }
    // A changed version no longer matches the stream.
    if (size > 8) {
      std::string other = v;
      other[0] = static_cast<char>(other[0] ^ 0x01);
      EXPECT_FALSE(CheckValue("user123", other, size));
    }
  }
}

TEST(ValuesTest, VersionsGiveDifferentIncompressibleBytes) {
  std::string a, b;
  MakeValue("k", 1, 256, &a);
  MakeValue("k", 2, 256, &b);
  EXPECT_NE(a.substr(8), b.substr(8));
  // Incompressible-looking: many distinct byte values.
  bool seen[256] = {};
  int distinct = 0;
  for (unsigned char c : a) distinct += seen[c] ? 0 : (seen[c] = true, 1);
  EXPECT_GT(distinct, 150);
  std::string empty_value;
  EXPECT_FALSE(CheckValue("k", empty_value, 256));
}

TEST(ValuesTest, WriteVersionsAreUniquePerPhaseThreadAndCount) {
  EXPECT_NE(WriteVersion(0, 0, 1), WriteVersion(0, 1, 1));
  EXPECT_NE(WriteVersion(0, 0, 1), WriteVersion(2, 0, 1));
  EXPECT_NE(WriteVersion(2, 3, 1), WriteVersion(2, 3, 2));
}

}  // namespace
}  // namespace nokv::bench
