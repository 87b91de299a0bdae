// Tests for MemTableBloom and for MemTable point reads with the filter on.
#include "memtable/memtable_bloom.h"

#include <gtest/gtest.h>

#include <string>

#include "base/internal_key.h"
#include "memtable/memtable.h"

namespace nokv {
namespace {

std::string Key(int i) { return "key" + std::to_string(i); }

TEST(MemTableBloomTest, NoFalseNegativesAndFewFalsePositives) {
  MemTableBloom bloom(64 << 10);  // 512 Ki bits for 20k keys: ~26 bits per key
  ASSERT_TRUE(bloom.enabled());
  EXPECT_EQ(bloom.bytes(), size_t{64} << 10);
  for (int i = 0; i < 20000; ++i) bloom.Add(MemTableBloom::Hash(Key(i)));
  for (int i = 0; i < 20000; ++i) ASSERT_TRUE(bloom.MayContain(MemTableBloom::Hash(Key(i)))) << i;
  int false_positives = 0;
  for (int i = 20000; i < 120000; ++i) false_positives += bloom.MayContain(MemTableBloom::Hash(Key(i)));
  EXPECT_LT(false_positives, 1000) << "false-positive rate above 1%";
}

TEST(MemTableBloomTest, TooSmallMeansDisabled) {
  MemTableBloom bloom(63);
  EXPECT_FALSE(bloom.enabled());
  EXPECT_EQ(bloom.bytes(), 0u);
  EXPECT_TRUE(bloom.MayContain(MemTableBloom::Hash("anything")));
}

TEST(MemTableBloomTest, HashDependsOnEveryByteAndLength) {
  EXPECT_NE(MemTableBloom::Hash("abcdefgh1"), MemTableBloom::Hash("abcdefgh2"));
  EXPECT_NE(MemTableBloom::Hash(std::string("a\0", 2)), MemTableBloom::Hash("a"));
  EXPECT_NE(MemTableBloom::Hash(""), MemTableBloom::Hash(std::string(1, '\0')));
}

// With the filter on, Get finds every added key (all versions logic intact)
// and misses absent ones, for both index engines; the filter counts toward
// the memtable's memory.
TEST(MemTableBloomTest, MemTableGetWithFilter) {
  for (MemTableEngine engine : {MemTableEngine::kSkipList, MemTableEngine::kArt}) {
    MemTable mem(engine, 4096);
    EXPECT_GE(mem.ApproximateMemoryUsage(), 4096u);
    uint64_t seq = 0;
    for (int i = 0; i < 2000; i += 2) {
      std::string ikey;
      AppendInternalKey(&ikey, ColumnFamily::kDefault, Key(i), kMaxVersion, ++seq);
      mem.Add(ikey, "v" + std::to_string(i));
    }
    for (int i = 0; i < 2000; ++i) {
      std::string lookup;
      AppendInternalKey(&lookup, ColumnFamily::kDefault, Key(i), kMaxVersion, seq);
      std::string k, v;
      const bool found = mem.Get(UserPart(lookup), kMaxVersion, seq, &k, &v);
      ASSERT_EQ(found, i % 2 == 0) << Key(i);
      if (found) EXPECT_EQ(v, "v" + std::to_string(i));
    }
  }
}

}  // namespace
}  // namespace nokv
