// Tests for the route-key encoding: round trips, lengths, prefix-freeness,
// and - randomized - that byte order of route keys equals CompareInternalKeys.
#include "memtable/route_key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/coding.h"
#include "base/internal_key.h"
#include "base/random.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

std::string Route(std::string_view internal_key) {
  std::string out;
  AppendRouteKey(&out, internal_key);
  return out;
}

int Sign(int v) { return (v > 0) - (v < 0); }

// An internal key whose user part is drawn from bytes that sit on the
// encoding's edges (0x00 is the padding byte, 0xF7..0xFF the marker range).
std::string RandomUserPart(Random* rng) {
  static constexpr unsigned char kAlphabet[] = {0x00, 0x01, 'a', 0xF7, 0xFE, 0xFF};
  std::string user(rng->Uniform(26), '\0');
  for (char& c : user) c = static_cast<char>(kAlphabet[rng->Uniform(sizeof(kAlphabet))]);
  return user;
}

std::string WithRandomTrailer(std::string_view user, Random* rng) {
  std::string ikey(user);
  // Small trailer ranges so equal user parts with different trailers occur.
  const uint64_t version = rng->OneIn(4) ? kMaxVersion : rng->Uniform(4);
  const uint64_t sequence = rng->OneIn(4) ? kMaxSequence : rng->Uniform(4);
  ikey.resize(user.size() + kTrailerSize);
  EncodeBigEndian64(ikey.data() + user.size(), ~version);
  EncodeBigEndian64(ikey.data() + user.size() + 8, ~sequence);
  return ikey;
}

std::string RandomInternalKey(Random* rng) { return WithRandomTrailer(RandomUserPart(rng), rng); }

TEST(RouteKeyTest, LayoutOfShortKeys) {
  const std::string trailer(kTrailerSize, '\x11');
  // Empty user part: one all-padding group with marker 0xFF - 8.
  EXPECT_EQ(Route(trailer), std::string(8, '\0') + "\xF7" + trailer);
  // "abc": 3 real bytes, 5 padding, marker 0xFF - 5.
  EXPECT_EQ(Route("abc" + trailer), std::string("abc\0\0\0\0\0\xFA", 9) + trailer);
  // Exactly 8 bytes: a full group, then an empty last group.
  EXPECT_EQ(Route("abcdefgh" + trailer),
            std::string("abcdefgh\xFF") + std::string(8, '\0') + "\xF7" + trailer);
}

TEST(RouteKeyTest, RoundTripAndLength) {
  Random rng(testutil::TestSeed(7));
  for (size_t user_len = 0; user_len <= 40; ++user_len) {
    std::string ikey = testutil::RandomBytes(&rng, user_len + kTrailerSize);
    const std::string route = Route(ikey);
    ASSERT_EQ(route.size(), RouteKeyLength(ikey.size())) << user_len;
    ASSERT_EQ((route.size() - kTrailerSize) % 9, 0u);
    std::string decoded;
    ASSERT_TRUE(DecodeRouteKey(route, &decoded)) << user_len;
    ASSERT_EQ(decoded, ikey) << user_len;
    RouteKeyBuffer buffer(ikey);
    ASSERT_EQ(buffer.key(), route);
  }
  // Long enough for RouteKeyBuffer to use the heap.
  const std::string long_key(1000, 'q');
  RouteKeyBuffer buffer(long_key);
  EXPECT_EQ(buffer.key(), Route(long_key));
}

TEST(RouteKeyTest, DecodeRejectsMalformedInput) {
  const std::string good = Route(std::string("abcdefghij") + std::string(kTrailerSize, '\x01'));
  std::string decoded;
  ASSERT_TRUE(DecodeRouteKey(good, &decoded));
  EXPECT_FALSE(DecodeRouteKey(good.substr(1), &decoded));  // length not 9k + 16
  EXPECT_FALSE(DecodeRouteKey(std::string(kTrailerSize, 'x'), &decoded));
  std::string bad = good;
  bad[8] = '\xFE';  // a middle group must be full
  EXPECT_FALSE(DecodeRouteKey(bad, &decoded));
  bad = good;
  bad[17] = '\xFF';  // the last group must not claim to be full
  EXPECT_FALSE(DecodeRouteKey(bad, &decoded));
  bad = good;
  bad[15] = 'x';  // padding must be zero
  EXPECT_FALSE(DecodeRouteKey(bad, &decoded));
}

// The property the ART relies on: for random pairs, byte order of route keys
// equals CompareInternalKeys order, and no route key is a proper prefix of
// another.
TEST(RouteKeyTest, ByteOrderEqualsInternalKeyOrder) {
  const uint64_t seed = testutil::TestSeed(20240);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rng(seed);
  for (int i = 0; i < 200000; ++i) {
    const std::string a = RandomInternalKey(&rng);
    // Sometimes the same user part, to exercise the trailer comparison.
    const std::string b = rng.OneIn(8) ? WithRandomTrailer(UserPart(a), &rng)
                                       : RandomInternalKey(&rng);
    const std::string ra = Route(a);
    const std::string rb = Route(b);
    ASSERT_EQ(Sign(ra.compare(rb)), Sign(CompareInternalKeys(a, b)))
        << "pair " << i << " a.size=" << a.size() << " b.size=" << b.size();
    if (ra != rb) {
      ASSERT_FALSE(rb.starts_with(ra)) << "pair " << i;
      ASSERT_FALSE(ra.starts_with(rb)) << "pair " << i;
    }
  }

  // Sorting a batch both ways gives the same sequence.
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back(RandomInternalKey(&rng));
  std::vector<std::string> by_internal = keys;
  std::sort(by_internal.begin(), by_internal.end(), InternalKeyLess());
  std::vector<std::string> routes;
  for (const auto& k : keys) routes.push_back(Route(k));
  std::sort(routes.begin(), routes.end());
  ASSERT_EQ(routes.size(), by_internal.size());
  for (size_t i = 0; i < routes.size(); ++i) {
    ASSERT_EQ(routes[i], Route(by_internal[i])) << i;
  }
}

}  // namespace
}  // namespace nokv
