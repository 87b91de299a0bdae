// Tests for the bloom filter.
#include "sst/bloom_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/random.h"

namespace nokv {
namespace {

std::string Key(uint64_t i) { return "\x01user-key-" + std::to_string(i); }

TEST(BloomFilterTest, NoFalseNegativesAndLowFalsePositiveRate) {
  for (size_t n : {1u, 10u, 100u, 1000u, 10000u}) {
    std::vector<std::string> keys;
    for (size_t i = 0; i < n; ++i) keys.push_back(Key(i));
    const std::string filter = BuildBloomFilter(keys, 10);
    EXPECT_EQ(static_cast<int>(filter.back()), 7);  // round(10 * 0.69)
    for (const auto& k : keys) ASSERT_TRUE(BloomMayContain(filter, k)) << k;
    int false_positives = 0;
    const int probes = 20000;
    for (int i = 0; i < probes; ++i) {
      if (BloomMayContain(filter, Key(1000000 + i))) ++false_positives;
    }
    const double rate = static_cast<double>(false_positives) / probes;
    EXPECT_LE(rate, 0.02) << "n=" << n;
  }
}

TEST(BloomFilterTest, SizeAndProbeCount) {
  // Minimum 64 bits plus the k byte.
  EXPECT_EQ(BuildBloomFilter({}, 10).size(), 9u);
  EXPECT_EQ(BuildBloomFilter({"a"}, 10).size(), 9u);
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back(Key(i));
  EXPECT_EQ(BuildBloomFilter(keys, 10).size(), 1000u * 10 / 8 + 1);
  EXPECT_EQ(BuildBloomFilter(keys, 1).back(), 1);    // round(0.69) = 1
  EXPECT_EQ(BuildBloomFilter(keys, 0).back(), 1);    // clamped
  EXPECT_EQ(BuildBloomFilter(keys, 100).back(), 30);  // clamped to 30
  for (const auto& k : keys) ASSERT_TRUE(BloomMayContain(BuildBloomFilter(keys, 100), k));
}

TEST(BloomFilterTest, EmptySetRejectsKeys) {
  const std::string filter = BuildBloomFilter({}, 10);
  int hits = 0;
  for (int i = 0; i < 1000; ++i) hits += BloomMayContain(filter, Key(i)) ? 1 : 0;
  EXPECT_EQ(hits, 0);
}

TEST(BloomFilterTest, MalformedFilterMatchesEverything) {
  EXPECT_TRUE(BloomMayContain("", "x"));
  EXPECT_TRUE(BloomMayContain("a", "x"));
  std::string reserved(9, '\0');
  reserved.back() = 31;  // k > 30 is reserved
  EXPECT_TRUE(BloomMayContain(reserved, "x"));
  reserved.back() = 0;
  EXPECT_TRUE(BloomMayContain(reserved, "x"));
}

TEST(BloomFilterTest, HashIsStable) {
  // The hash is part of the on-disk format: pin a few values. If these
  // change, existing filters silently stop matching their keys.
  EXPECT_EQ(BloomHash(""), 2480924848214707955ull);
  EXPECT_EQ(BloomHash("a"), 3109729859243014199ull);
  EXPECT_EQ(BloomHash("nokv"), 12466171567497711276ull);
  EXPECT_EQ(BloomHash("0123456789abcdef!"), 18414231375720638940ull);
  EXPECT_NE(BloomHash("a"), BloomHash("b"));
  EXPECT_NE(BloomHash(std::string("\0", 1)), BloomHash(""));
  EXPECT_NE(BloomHash("12345678"), BloomHash("123456789"));
  const std::vector<uint64_t> hashes = {BloomHash("x"), BloomHash("y")};
  EXPECT_EQ(BuildBloomFilterFromHashes(hashes, 10), BuildBloomFilter({"x", "y"}, 10));
}

}  // namespace
}  // namespace nokv
