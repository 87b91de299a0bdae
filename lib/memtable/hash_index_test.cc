// Tests for MemTableHashIndex and for MemTable point reads through it.
#include "memtable/hash_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/internal_key.h"
#include "base/random.h"
#include "memtable/memtable.h"

namespace nokv {
namespace {

std::string Key(int i) { return "user:" + std::to_string(i); }  // shared prefixes on purpose

std::string InternalKey(const std::string& user, uint64_t version, uint64_t seq) {
  std::string ikey;
  AppendInternalKey(&ikey, ColumnFamily::kDefault, user, version, seq);
  return ikey;
}

TEST(MemTableHashIndexTest, DisabledBelowOneBucketLine) {
  Arena arena;
  MemTableHashIndex index(&arena, 63);
  EXPECT_FALSE(index.enabled());
  EXPECT_EQ(index.bucket_bytes(), 0u);
  EXPECT_EQ(index.Find(MemTableHashIndex::Hash("x"), "x"), nullptr);
  const uint64_t hash = MemTableHashIndex::Hash("x");
  index.PrefetchMany(&hash, 1);  // no buckets to touch
}

TEST(MemTableHashIndexTest, HashDependsOnEveryByteAndLength) {
  EXPECT_NE(MemTableHashIndex::Hash("abcdefgh1"), MemTableHashIndex::Hash("abcdefgh2"));
  EXPECT_NE(MemTableHashIndex::Hash(std::string("a\0", 2)), MemTableHashIndex::Hash("a"));
  EXPECT_NE(MemTableHashIndex::Hash(""), MemTableHashIndex::Hash(std::string(1, '\0')));
}

// Few buckets, many keys: long chains, every key still finds its newest entry.
TEST(MemTableHashIndexTest, NewestEntryPerKeyWithCollisions) {
  MemTable mem(MemTableEngine::kSkipList, 64);  // 8 buckets
  uint64_t seq = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 500; ++i) mem.Add(InternalKey(Key(i), kMaxVersion, ++seq), "r" + std::to_string(round));
  }
  for (int i = 0; i < 500; ++i) {
    std::string k, v;
    ASSERT_TRUE(mem.Get(UserPart(InternalKey(Key(i), kMaxVersion, seq)), kMaxVersion, seq, &k, &v));
    EXPECT_EQ(v, "r2");
  }
  std::string k, v;
  EXPECT_FALSE(mem.Get(UserPart(InternalKey(Key(999), kMaxVersion, seq)), kMaxVersion, seq, &k, &v));
}

// Random plain and versioned writes, reads at random versions and snapshots:
// a memtable with the hash index answers exactly like one without, on both
// ordered-index engines.
// Also with huge arena blocks, and with reads after PrefetchForGets hints
// (which must change nothing).
TEST(MemTableHashIndexTest, GetMatchesTheOrderedIndexAlone) {
  for (size_t block : {Arena::kBlockSize, Arena::kHugeBlockSize}) {
  for (MemTableEngine engine : {MemTableEngine::kSkipList, MemTableEngine::kArt}) {
    SCOPED_TRACE("block " + std::to_string(block));
    MemTable with(engine, 1024, block), without(engine, 0, block);
    Random rnd(20261127);
    uint64_t seq = 0;
    for (int op = 0; op < 20000; ++op) {
      const std::string user = Key(static_cast<int>(rnd.Uniform(300)));
      if (rnd.OneIn(2)) {
        const uint64_t version = rnd.OneIn(3) ? 1 + rnd.Uniform(50) : kMaxVersion;
        const std::string ikey = InternalKey(user, version, ++seq);
        const std::string value = rnd.OneIn(10) ? std::string(1, static_cast<char>(kMetaDelete))
                                                : "v" + std::to_string(seq);
        with.Add(ikey, value);
        without.Add(ikey, value);
      } else {
        const uint64_t version = rnd.OneIn(3) ? 1 + rnd.Uniform(60) : kMaxVersion;
        const uint64_t snapshot = rnd.OneIn(4) ? rnd.Uniform(seq + 1) : seq;
        const std::string lookup = InternalKey(user, version, snapshot);
        if (rnd.OneIn(3)) {
          const std::string other = InternalKey(Key(static_cast<int>(rnd.Uniform(400))), 1, 1);
          const std::string_view parts[] = {UserPart(lookup), UserPart(other), ""};
          with.PrefetchForGets(parts, 3);
          without.PrefetchForGets(parts, 3);
        }
        std::string k1, v1, k2, v2;
        const bool f1 = with.Get(UserPart(lookup), version, snapshot, &k1, &v1);
        const bool f2 = without.Get(UserPart(lookup), version, snapshot, &k2, &v2);
        ASSERT_EQ(f1, f2) << "op " << op;
        if (f1) {
          ASSERT_EQ(k1, k2) << "op " << op;
          ASSERT_EQ(v1, v2) << "op " << op;
        }
      }
    }
    EXPECT_GE(with.ApproximateMemoryUsage(), without.ApproximateMemoryUsage() + 1024);
  }
  }
}

// A memtable on huge blocks counts what it holds, not the 2 MiB blocks it
// opened: flush decisions stay as they were.
TEST(MemTableHashIndexTest, HugeBlockMemtableCountsByUse) {
  MemTable small(MemTableEngine::kArt, 4096, Arena::kBlockSize);
  MemTable huge(MemTableEngine::kArt, 4096, Arena::kHugeBlockSize);
  for (int i = 0; i < 100; ++i) {
    small.Add(InternalKey(Key(i), kMaxVersion, static_cast<uint64_t>(i) + 1), "value");
    huge.Add(InternalKey(Key(i), kMaxVersion, static_cast<uint64_t>(i) + 1), "value");
  }
  EXPECT_GE(huge.ApproximateMemoryUsage(), 4096u + 100u * 20u);
  EXPECT_LT(huge.ApproximateMemoryUsage(), small.ApproximateMemoryUsage() + 1024);
  EXPECT_LT(huge.ApproximateMemoryUsage(), 64u << 10);
}

}  // namespace
}  // namespace nokv
