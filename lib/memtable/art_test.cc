// Tests for the adaptive radix tree: node growth, path compression and path
// splits, prefix-related keys (through route keys), random keys against a
// std::map with seeks and walks both ways, and one writer racing three
// lock-free readers.
#include "memtable/art.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/coding.h"
#include "base/internal_key.h"
#include "base/random.h"
#include "memtable/route_key.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

// Distinct, recognizable values: the arena never needs to see them.
const char* ValueFor(size_t i) { return reinterpret_cast<const char*>(uintptr_t{8} * (i + 1)); }

std::string BigEndianKey(uint64_t v) {
  std::string k(8, '\0');
  EncodeBigEndian64(k.data(), v);
  return k;
}

// Route key of (default cf, user_key, version, sequence).
std::string RouteOf(std::string_view user_key, uint64_t version = 1, uint64_t sequence = 1) {
  std::string out;
  AppendRouteKey(&out, MakeInternalKey(ColumnFamily::kDefault, user_key, version, sequence));
  return out;
}

std::vector<std::string> ScanForward(const Art& tree) {
  std::vector<std::string> out;
  Art::Iterator it(&tree);
  for (it.SeekToFirst(); it.Valid(); it.Next()) out.emplace_back(it.key());
  return out;
}

std::vector<std::string> ScanBackward(const Art& tree) {
  std::vector<std::string> out;
  Art::Iterator it(&tree);
  for (it.SeekToLast(); it.Valid(); it.Prev()) out.emplace_back(it.key());
  std::reverse(out.begin(), out.end());
  return out;
}

TEST(ArtTest, Empty) {
  Arena arena;
  Art tree(&arena);
  EXPECT_EQ(tree.Find("x"), nullptr);
  Art::Iterator it(&tree);
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  EXPECT_FALSE(it.Valid());
  it.Seek("x");
  EXPECT_FALSE(it.Valid());
  it.SeekForPrev("x");
  EXPECT_FALSE(it.Valid());
  EXPECT_EQ(tree.ComputeStats().leaves, 0u);
}

TEST(ArtTest, SingleKeyAndReplacement) {
  Arena arena;
  Art tree(&arena);
  tree.Insert("key1", ValueFor(1));
  EXPECT_EQ(tree.Find("key1"), ValueFor(1));
  EXPECT_EQ(tree.Find("key2"), nullptr);
  tree.Insert("key1", ValueFor(2));  // same key: value replaced
  EXPECT_EQ(tree.Find("key1"), ValueFor(2));
  Art::Iterator it(&tree);
  it.Seek("key0");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), "key1");
  EXPECT_EQ(it.value(), ValueFor(2));
  it.Next();
  EXPECT_FALSE(it.Valid());
  it.SeekForPrev("key0");
  EXPECT_FALSE(it.Valid());
  it.SeekForPrev("key2");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), "key1");
  EXPECT_EQ(tree.ComputeStats().leaves, 1u);
}

// One inner node gains children 1..256 (in shuffled byte order) and must go
// Node4 -> Node16 -> Node48 -> Node256 at the right counts, staying ordered.
TEST(ArtTest, NodeGrowsThroughAllSizes) {
  const uint64_t seed = testutil::TestSeed(256);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rng(seed);
  std::vector<int> bytes(256);
  for (int i = 0; i < 256; ++i) bytes[i] = i;
  for (int i = 255; i > 0; --i) std::swap(bytes[i], bytes[rng.Uniform(i + 1)]);

  Arena arena;
  Art tree(&arena);
  std::set<std::string> model;
  for (size_t n = 1; n <= 256; ++n) {
    std::string key = "pre";
    key.push_back(static_cast<char>(bytes[n - 1]));
    key += "suf";  // fixed length: the keys are prefix-free
    tree.Insert(key, ValueFor(n));
    model.insert(key);

    const Art::Stats stats = tree.ComputeStats();
    ASSERT_EQ(stats.leaves, n);
    const size_t inner = stats.node4 + stats.node16 + stats.node48 + stats.node256;
    ASSERT_EQ(inner, n == 1 ? 0u : 1u) << n;
    if (n >= 2) {
      EXPECT_EQ(stats.node4, n <= 4 ? 1u : 0u) << n;
      EXPECT_EQ(stats.node16, n > 4 && n <= 16 ? 1u : 0u) << n;
      EXPECT_EQ(stats.node48, n > 16 && n <= 48 ? 1u : 0u) << n;
      EXPECT_EQ(stats.node256, n > 48 ? 1u : 0u) << n;
      EXPECT_EQ(stats.max_depth, 1u);
    }
    const std::vector<std::string> want(model.begin(), model.end());
    ASSERT_EQ(ScanForward(tree), want) << n;
    ASSERT_EQ(ScanBackward(tree), want) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string k = "pre";
      k.push_back(static_cast<char>(bytes[i]));
      ASSERT_EQ(tree.Find(k + "suf"), ValueFor(i + 1)) << n << " " << i;
      // Seeks between neighbors land on the right side.
      Art::Iterator it(&tree);
      it.Seek(k);  // a proper prefix of the key: the key follows it
      ASSERT_TRUE(it.Valid());
      ASSERT_EQ(it.key(), k + "suf");
      it.SeekForPrev(k + "sug");
      ASSERT_TRUE(it.Valid());
      ASSERT_EQ(it.key(), k + "suf");
    }
  }
}

// Keys sharing hundreds of bytes sit under one compressed path; later keys
// split that path at various depths.
TEST(ArtTest, LongSharedPrefixesAreCompressedAndSplit) {
  constexpr size_t kLen = 600;
  auto key = [](size_t diverge_at, char c) {
    std::string k(kLen, 'a');
    k[diverge_at] = c;
    return k;
  };
  Arena arena;
  Art tree(&arena);
  std::set<std::string> model;
  auto insert = [&](const std::string& k) {
    tree.Insert(k, ValueFor(model.size()));
    model.insert(k);
  };
  insert(key(500, 'x'));
  insert(key(500, 'y'));
  Art::Stats stats = tree.ComputeStats();
  EXPECT_EQ(stats.node4, 1u);
  EXPECT_EQ(stats.max_depth, 1u);  // one node whose path holds 500 bytes

  insert(key(250, 'b'));  // splits the path at 250
  insert(key(0, 'Z'));    // splits it at the root
  insert(key(599, 'c'));  // below the deepest node, next to 500's branch
  insert(key(500, 'w'));  // another child of the deepest node
  insert(key(250, '0'));  // beside 'b' at the middle node
  stats = tree.ComputeStats();
  EXPECT_EQ(stats.leaves, 7u);
  EXPECT_LE(stats.max_depth, 4u);  // not hundreds: paths are compressed

  const std::vector<std::string> want(model.begin(), model.end());
  EXPECT_EQ(ScanForward(tree), want);
  EXPECT_EQ(ScanBackward(tree), want);
  for (const auto& k : model) EXPECT_NE(tree.Find(k), nullptr);
  EXPECT_EQ(tree.Find(key(300, 'b')), nullptr);
  EXPECT_EQ(tree.Find(std::string(kLen, 'a')), nullptr);

  // Seeks that leave a compressed path on either side.
  Art::Iterator it(&tree);
  it.Seek(std::string(kLen, 'a'));  // not stored; falls between stored keys
  auto lb = model.lower_bound(std::string(kLen, 'a'));
  ASSERT_TRUE(lb != model.end());
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), *lb);
  it.SeekForPrev(std::string(400, 'a') + "b");
  auto ub = model.upper_bound(std::string(400, 'a') + "b");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), *std::prev(ub));
  it.Seek(std::string(100, 'a'));  // a prefix of most keys
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), *model.lower_bound(std::string(100, 'a')));
}

// User keys that are prefixes of each other ("", "a", "a\0", "ab", 8- and
// 9-byte keys...) become prefix-free route keys; the tree orders them like
// CompareInternalKeys.
TEST(ArtTest, UserKeysThatArePrefixesOfEachOther) {
  const std::vector<std::string> user_keys = {
      "",         "a",          std::string("a\0", 2), std::string("a\0\0", 3), "ab",
      "abcdefg",  "abcdefgh",   std::string("abcdefgh\0", 9), "abcdefghi", "abcdefghijklmnop",
      "abcdefghijklmnopq", "b", std::string(1, '\xff'), std::string(9, '\xff')};
  Arena arena;
  Art tree(&arena);
  std::map<std::string, std::string, InternalKeyLess> model;  // internal key -> route key
  size_t i = 0;
  for (const auto& user_key : user_keys) {
    for (uint64_t version : {uint64_t{1}, uint64_t{7}, kMaxVersion}) {
      const std::string ikey = MakeInternalKey(ColumnFamily::kDefault, user_key, version, ++i);
      std::string route;
      AppendRouteKey(&route, ikey);
      tree.Insert(route, ValueFor(i));
      model.emplace(ikey, route);
    }
  }
  std::vector<std::string> want;
  for (const auto& [ikey, route] : model) want.push_back(route);
  EXPECT_EQ(ScanForward(tree), want);
  EXPECT_EQ(ScanBackward(tree), want);
  // Seeking to a user key's newest possible entry finds its first entry, not a
  // longer key's.
  for (const auto& user_key : user_keys) {
    Art::Iterator it(&tree);
    it.Seek(RouteOf(user_key, kMaxVersion, kMaxSequence));
    ASSERT_TRUE(it.Valid());
    std::string decoded;
    ASSERT_TRUE(DecodeRouteKey(it.key(), &decoded));
    ParsedInternalKey parsed;
    ASSERT_TRUE(ParseInternalKey(decoded, &parsed));
    EXPECT_EQ(parsed.user_key, user_key);
    EXPECT_EQ(parsed.version, kMaxVersion);
  }
}

// Random keys over a small alphabet (many shared prefixes and path splits)
// checked against std::map: scans, Find, Seek/SeekForPrev to random targets
// and short Next/Prev walks from there.
TEST(ArtTest, RandomKeysMatchStdMap) {
  const uint64_t seed = testutil::TestSeed(31337);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rng(seed);
  auto random_user_key = [&] {
    std::string k(rng.Uniform(12), 'a');
    for (char& c : k) c = static_cast<char>("abc\0\xff"[rng.Uniform(5)]);
    return k;
  };
  Arena arena;
  Art tree(&arena);
  std::map<std::string, const char*> model;
  for (size_t i = 0; i < 20000; ++i) {
    const std::string route = RouteOf(random_user_key(), rng.Uniform(4), rng.Uniform(4));
    tree.Insert(route, ValueFor(i));
    model[route] = ValueFor(i);
  }
  ASSERT_EQ(tree.ComputeStats().leaves, model.size());

  std::vector<std::string> want;
  for (const auto& [k, v] : model) want.push_back(k);
  ASSERT_EQ(ScanForward(tree), want);
  ASSERT_EQ(ScanBackward(tree), want);
  for (const auto& [k, v] : model) ASSERT_EQ(tree.Find(k), v);

  Art::Iterator it(&tree);
  for (int q = 0; q < 5000; ++q) {
    // Targets: real route keys, route keys not stored, and raw bytes that
    // are no route key at all (prefixes, arbitrary lengths).
    std::string target;
    switch (rng.Uniform(3)) {
      case 0:
        target = RouteOf(random_user_key(), rng.Uniform(5), rng.Uniform(5));
        break;
      case 1: {
        auto m = model.begin();
        std::advance(m, static_cast<long>(rng.Uniform(model.size())));
        target = m->first.substr(0, rng.Uniform(m->first.size() + 1));
        break;
      }
      default:
        target = testutil::RandomBytes(&rng, rng.Uniform(40));
        break;
    }
    SCOPED_TRACE("query " + std::to_string(q));

    it.Seek(target);
    auto lb = model.lower_bound(target);
    ASSERT_EQ(it.Valid(), lb != model.end());
    for (int step = 0; step < 5 && it.Valid(); ++step) {
      ASSERT_EQ(it.key(), lb->first);
      ASSERT_EQ(it.value(), lb->second);
      if (rng.OneIn(2)) {
        it.Next();
        ++lb;
        ASSERT_EQ(it.Valid(), lb != model.end());
      } else {
        it.Prev();
        ASSERT_EQ(it.Valid(), lb != model.begin());
        if (lb != model.begin()) --lb;
      }
    }

    it.SeekForPrev(target);
    auto ub = model.upper_bound(target);
    ASSERT_EQ(it.Valid(), ub != model.begin());
    if (!it.Valid()) continue;
    auto m = std::prev(ub);
    for (int step = 0; step < 5 && it.Valid(); ++step) {
      ASSERT_EQ(it.key(), m->first);
      if (rng.OneIn(2)) {
        it.Prev();
        ASSERT_EQ(it.Valid(), m != model.begin());
        if (m != model.begin()) --m;
      } else {
        it.Next();
        ++m;
        ASSERT_EQ(it.Valid(), m != model.end());
      }
    }
  }
}

// One writer inserts random 8-byte keys (the root grows to Node256, inner
// nodes grow and split) while three readers scan both ways and seek. Every
// scan must be strictly ordered, hold only real keys, and include every key
// whose insertion finished before the scan began.
TEST(ArtTest, ConcurrentWriterAndThreeReaders) {
  const uint64_t seed = testutil::TestSeed(99);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  constexpr size_t kNumKeys = 50000;
  constexpr int kNumReaders = 3;

  Random rng(seed);
  std::vector<std::string> keys;
  {
    std::set<uint64_t> unique;
    while (unique.size() < kNumKeys) {
      // Some keys share 6-byte prefixes, so deep nodes grow and split too.
      const uint64_t k = rng.OneIn(2) ? rng.Next64() : (0x1234567890ULL << 16) | rng.Uniform(4096);
      if (unique.insert(k).second) keys.push_back(BigEndianKey(k));
    }
  }
  std::vector<std::string> sorted_keys = keys;
  std::sort(sorted_keys.begin(), sorted_keys.end());

  Arena arena;
  Art tree(&arena);
  std::atomic<size_t> inserted{0};
  std::atomic<int> readers_ready{0};
  std::atomic<bool> failed{false};

  auto reader = [&](int id) {
    Random reader_rng(seed + static_cast<uint64_t>(id) + 1);
    std::vector<std::string> seen;
    seen.reserve(kNumKeys);
    readers_ready.fetch_add(1);
    int pass = 0;
    while (!failed.load()) {
      // The final pass starts after the writer is done and must see it all.
      const size_t n = inserted.load(std::memory_order_acquire);
      const bool last_pass = n == kNumKeys;
      const bool backward = (pass++ + id) % 2 == 1;
      seen = backward ? ScanBackward(tree) : ScanForward(tree);
      bool ok = std::adjacent_find(seen.begin(), seen.end(), [](const auto& a, const auto& b) {
                  return a >= b;
                }) == seen.end();
      for (const auto& k : seen) {
        ok = ok && std::binary_search(sorted_keys.begin(), sorted_keys.end(), k);
      }
      for (size_t i = 0; i < n && ok; ++i) {
        ok = std::binary_search(seen.begin(), seen.end(), keys[i]);
      }
      // Point reads of keys known to be present.
      Art::Iterator it(&tree);
      for (int probe = 0; probe < 100 && ok && n > 0; ++probe) {
        const size_t i = reader_rng.Uniform(n);
        const std::string& k = keys[i];
        it.Seek(k);
        ok = it.Valid() && it.key() == k && it.value() == ValueFor(i);
        it.SeekForPrev(k);
        ok = ok && it.Valid() && it.key() == k && tree.Find(k) == ValueFor(i);
      }
      if (!ok) {
        ADD_FAILURE() << "reader " << id << " saw an inconsistent tree (n=" << n << ")";
        failed.store(true);
      }
      if (last_pass) {
        EXPECT_EQ(seen.size(), kNumKeys);
        break;
      }
    }
  };

  std::vector<std::thread> readers;
  for (int i = 0; i < kNumReaders; ++i) readers.emplace_back(reader, i);
  while (readers_ready.load() < kNumReaders) std::this_thread::yield();
  for (size_t i = 0; i < kNumKeys; ++i) {
    tree.Insert(keys[i], ValueFor(i));
    inserted.store(i + 1, std::memory_order_release);
  }
  for (auto& t : readers) t.join();
  EXPECT_FALSE(failed.load());
  const Art::Stats stats = tree.ComputeStats();
  EXPECT_EQ(stats.leaves, kNumKeys);
  EXPECT_GT(stats.node256, 0u);
  EXPECT_GT(stats.node48 + stats.node16, 0u);
}

}  // namespace
}  // namespace nokv
