// Tests for MemTable, run against both index engines (skiplist and ART): Get's
// version/snapshot semantics, tombstones, column families, prefix-related
// keys, counters, and the iterator against a model.
#include "memtable/memtable.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "base/internal_key.h"
#include "base/random.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

std::string Value(std::string_view v, uint8_t meta = 0) {
  std::string out;
  AppendValueRecord(&out, ValueRecord{meta, 0, v});
  return out;
}

std::string UserPartOf(ColumnFamily cf, std::string_view user_key) {
  std::string out(1, static_cast<char>(cf));
  out.append(user_key);
  return out;
}

class MemTableTest : public ::testing::TestWithParam<MemTableEngine> {
 protected:
  MemTableTest() : mem_(GetParam()) {}

  void Put(std::string_view key, uint64_t version, uint64_t seq, std::string_view value,
           ColumnFamily cf = ColumnFamily::kDefault) {
    mem_.Add(MakeInternalKey(cf, key, version, seq), Value(value));
  }
  void Delete(std::string_view key, uint64_t version, uint64_t seq) {
    mem_.Add(MakeInternalKey(ColumnFamily::kDefault, key, version, seq), Value("", kMetaDelete));
  }

  // "<value>@<version>/<seq>", "DEL@<version>/<seq>" or "NONE".
  std::string Get(std::string_view key, uint64_t version, uint64_t snapshot,
                  ColumnFamily cf = ColumnFamily::kDefault) {
    std::string found_key, found_value;
    if (!mem_.Get(UserPartOf(cf, key), version, snapshot, &found_key, &found_value)) {
      return "NONE";
    }
    ParsedInternalKey parsed;
    ValueRecord record;
    if (!ParseInternalKey(found_key, &parsed) || !DecodeValueRecord(found_value, &record)) {
      return "MALFORMED";
    }
    EXPECT_EQ(parsed.cf, cf);
    EXPECT_EQ(parsed.user_key, key);
    return (record.IsDelete() ? std::string("DEL") : std::string(record.value)) + "@" +
           std::to_string(parsed.version) + "/" + std::to_string(parsed.sequence);
  }

  MemTable mem_;
};

TEST_P(MemTableTest, Empty) {
  EXPECT_TRUE(mem_.empty());
  EXPECT_EQ(mem_.num_entries(), 0u);
  EXPECT_EQ(mem_.num_deletions(), 0u);
  EXPECT_EQ(mem_.largest_sequence(), 0u);
  EXPECT_EQ(mem_.smallest_sequence(), 0u);
  EXPECT_EQ(Get("a", kMaxVersion, kMaxSequence), "NONE");
  auto it = mem_.NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST_P(MemTableTest, NewestVersionAtOrBelowTheRequestedOne) {
  Put("k", 1, 1, "v1");
  Put("k", 5, 2, "v5");
  Put("k", 3, 3, "v3");
  EXPECT_EQ(Get("k", kMaxVersion, kMaxSequence), "v5@5/2");
  EXPECT_EQ(Get("k", 10, kMaxSequence), "v5@5/2");
  EXPECT_EQ(Get("k", 5, kMaxSequence), "v5@5/2");
  EXPECT_EQ(Get("k", 4, kMaxSequence), "v3@3/3");
  EXPECT_EQ(Get("k", 2, kMaxSequence), "v1@1/1");
  EXPECT_EQ(Get("k", 1, kMaxSequence), "v1@1/1");
  EXPECT_EQ(Get("k", 0, kMaxSequence), "NONE");
}

TEST_P(MemTableTest, SnapshotFiltersBySequence) {
  Put("k", 7, 10, "a");
  Put("k", 7, 20, "b");  // the same version rewritten later
  EXPECT_EQ(Get("k", 7, kMaxSequence), "b@7/20");
  EXPECT_EQ(Get("k", 7, 20), "b@7/20");
  EXPECT_EQ(Get("k", 7, 19), "a@7/10");
  EXPECT_EQ(Get("k", 7, 10), "a@7/10");
  EXPECT_EQ(Get("k", 7, 9), "NONE");
  EXPECT_EQ(Get("k", 6, kMaxSequence), "NONE");
}

TEST_P(MemTableTest, OlderVersionWithNewerSequenceIsSkipped) {
  Put("k", 5, 10, "v5");
  Put("k", 3, 20, "v3");  // an older version, written after the snapshot below
  Put("k", 1, 5, "v1");
  EXPECT_EQ(Get("k", 10, 25), "v5@5/10");
  EXPECT_EQ(Get("k", 10, 15), "v5@5/10");
  EXPECT_EQ(Get("k", 4, 25), "v3@3/20");
  EXPECT_EQ(Get("k", 4, 15), "v1@1/5");  // v3 is invisible at snapshot 15
  EXPECT_EQ(Get("k", 4, 4), "NONE");
  EXPECT_EQ(Get("k", 10, 7), "v1@1/5");  // both newer entries invisible
}

TEST_P(MemTableTest, TombstonesAreEntries) {
  Put("k", kMaxVersion, 1, "live");
  Delete("k", kMaxVersion, 2);
  EXPECT_EQ(Get("k", kMaxVersion, kMaxSequence), "DEL@" + std::to_string(kMaxVersion) + "/2");
  EXPECT_EQ(Get("k", kMaxVersion, 1), "live@" + std::to_string(kMaxVersion) + "/1");
  EXPECT_EQ(mem_.num_deletions(), 1u);
  EXPECT_EQ(mem_.num_entries(), 2u);
}

TEST_P(MemTableTest, ColumnFamiliesAreIsolated) {
  Put("k", 1, 1, "default", ColumnFamily::kDefault);
  Put("k", 1, 2, "write", ColumnFamily::kWrite);
  EXPECT_EQ(Get("k", 1, kMaxSequence, ColumnFamily::kDefault), "default@1/1");
  EXPECT_EQ(Get("k", 1, kMaxSequence, ColumnFamily::kWrite), "write@1/2");
  EXPECT_EQ(Get("k", 1, kMaxSequence, ColumnFamily::kLock), "NONE");
}

TEST_P(MemTableTest, PrefixRelatedKeysAreNotConfused) {
  Put("ab", 5, 1, "ab");
  Put(std::string("a\0", 2), 5, 2, "a0");
  EXPECT_EQ(Get("a", kMaxVersion, kMaxSequence), "NONE");
  EXPECT_EQ(Get("", kMaxVersion, kMaxSequence), "NONE");
  EXPECT_EQ(Get("abc", kMaxVersion, kMaxSequence), "NONE");
  Put("a", 5, 3, "a");
  Put("", 5, 4, "empty");
  EXPECT_EQ(Get("a", kMaxVersion, kMaxSequence), "a@5/3");
  EXPECT_EQ(Get("a", 4, kMaxSequence), "NONE");  // must not run on into "a\0" or "ab"
  EXPECT_EQ(Get("a", 5, 2), "NONE");
  EXPECT_EQ(Get("", kMaxVersion, kMaxSequence), "empty@5/4");
  EXPECT_EQ(Get("ab", kMaxVersion, kMaxSequence), "ab@5/1");
  // The last user part of one cf is not confused with the next cf.
  Put("", 1, 5, "lock", ColumnFamily::kLock);
  EXPECT_EQ(Get("ab", 4, kMaxSequence), "NONE");
}

TEST_P(MemTableTest, LongKeysAndValues) {
  const std::string long_key(1000, 'x');  // longer than Get's inline buffer
  const std::string long_value(10000, 'v');
  Put(long_key, 2, 1, long_value);
  Put(long_key + "y", 2, 2, "short");
  EXPECT_EQ(Get(long_key, kMaxVersion, kMaxSequence), long_value + "@2/1");
  EXPECT_EQ(Get(long_key, 1, kMaxSequence), "NONE");
  auto it = mem_.NewIterator();
  it->Seek(MakeInternalKey(ColumnFamily::kDefault, long_key, kMaxVersion, kMaxSequence));
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), Value(long_value));
}

TEST_P(MemTableTest, Counters) {
  const size_t initial = mem_.ApproximateMemoryUsage();
  Put("a", 1, 42, "x");
  Put("b", 1, 7, "y");
  Delete("c", 1, 100);
  Put("d", 1, 50, std::string(5000, 'z'));
  EXPECT_FALSE(mem_.empty());
  EXPECT_EQ(mem_.num_entries(), 4u);
  EXPECT_EQ(mem_.num_deletions(), 1u);
  EXPECT_EQ(mem_.smallest_sequence(), 7u);
  EXPECT_EQ(mem_.largest_sequence(), 100u);
  EXPECT_GT(mem_.ApproximateMemoryUsage(), initial + 5000);
}

// Random entries over a small key space; Get and the iterator are checked
// against a std::map model.
TEST_P(MemTableTest, MatchesModel) {
  const uint64_t seed = testutil::TestSeed(4242);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rng(seed);
  std::map<std::string, std::string, InternalKeyLess> model;
  auto random_user_key = [&] {
    // Lengths 0..3 over {a,b}, plus the odd key long enough for a 2-byte varint.
    if (rng.OneIn(20)) return std::string(130 + rng.Uniform(3), 'a');
    std::string key(rng.Uniform(4), 'a');
    for (char& c : key) c = static_cast<char>('a' + rng.Uniform(2));
    return key;
  };
  auto random_cf = [&] { return static_cast<ColumnFamily>(rng.Uniform(3)); };
  for (uint64_t seq = 1; seq <= 3000; ++seq) {
    std::string key = MakeInternalKey(random_cf(), random_user_key(), rng.Uniform(8), seq);
    std::string value =
        rng.OneIn(5) ? Value("", kMetaDelete) : Value(testutil::RandomBytes(&rng, rng.Uniform(40)));
    mem_.Add(key, value);
    model.emplace(std::move(key), std::move(value));
  }
  ASSERT_EQ(mem_.num_entries(), model.size());

  // Get vs. a linear filter of the model.
  for (int q = 0; q < 3000; ++q) {
    const std::string user_part = UserPartOf(random_cf(), random_user_key());
    const uint64_t version = rng.OneIn(10) ? kMaxVersion : rng.Uniform(9);
    const uint64_t snapshot = rng.OneIn(10) ? kMaxSequence : rng.Uniform(3100);
    const std::string* want_key = nullptr;
    const std::string* want_value = nullptr;
    for (auto m =
             model.lower_bound(MakeInternalKey(static_cast<ColumnFamily>(user_part[0]),
                                               user_part.substr(1), kMaxVersion, kMaxSequence));
         m != model.end() && UserPart(m->first) == user_part; ++m) {
      if (InternalKeyVersion(m->first) <= version && InternalKeySequence(m->first) <= snapshot) {
        want_key = &m->first;
        want_value = &m->second;
        break;
      }
    }
    std::string found_key, found_value;
    const bool found = mem_.Get(user_part, version, snapshot, &found_key, &found_value);
    ASSERT_EQ(found, want_key != nullptr) << "query " << q;
    if (found) {
      ASSERT_EQ(found_key, *want_key) << "query " << q;
      ASSERT_EQ(found_value, *want_value) << "query " << q;
    }
  }

  // Full scans both ways.
  auto it = mem_.NewIterator();
  it->SeekToFirst();
  for (const auto& [k, v] : model) {
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(it->key(), k);
    ASSERT_EQ(it->value(), v);
    it->Next();
  }
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  for (auto m = model.rbegin(); m != model.rend(); ++m) {
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(it->key(), m->first);
    it->Prev();
  }
  EXPECT_FALSE(it->Valid());

  // Seek / SeekForPrev to random targets, existing or not.
  for (int q = 0; q < 1000; ++q) {
    const std::string target =
        MakeInternalKey(random_cf(), random_user_key(), rng.Uniform(9), rng.Uniform(3100));
    it->Seek(target);
    auto lb = model.lower_bound(target);
    ASSERT_EQ(it->Valid(), lb != model.end());
    if (it->Valid()) {
      ASSERT_EQ(it->key(), lb->first);
    }

    it->SeekForPrev(target);
    auto ub = model.upper_bound(target);
    ASSERT_EQ(it->Valid(), ub != model.begin());
    if (!it->Valid()) continue;
    ASSERT_EQ(it->key(), std::prev(ub)->first);
    ASSERT_EQ(it->value(), std::prev(ub)->second);
  }
}

// The skiplist keeps the first 16 bytes of each user part in its nodes and
// compares those first: keys that agree on a long prefix and differ around
// and past that boundary (or only in length, or in zero bytes) must still
// order exactly as internal keys do.
TEST_P(MemTableTest, KeysSharingLongPrefixesOrderExactly) {
  const uint64_t seed = testutil::TestSeed(1616);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rng(seed);
  std::map<std::string, std::string, InternalKeyLess> model;
  const std::string stem = "user123456";  // cf byte + 10 = 11 bytes of prefix
  for (uint64_t seq = 1; seq <= 2000; ++seq) {
    std::string key = stem;
    const size_t tail = rng.Uniform(12);  // user parts of 11..22 bytes
    for (size_t i = 0; i < tail; ++i) {
      key.push_back(rng.OneIn(4) ? '\0' : static_cast<char>('0' + rng.Uniform(3)));
    }
    std::string ikey = MakeInternalKey(ColumnFamily::kDefault, key, rng.Uniform(3), seq);
    std::string value = Value(key);
    mem_.Add(ikey, value);
    model.emplace(std::move(ikey), std::move(value));
  }
  auto it = mem_.NewIterator();
  it->SeekToFirst();
  for (const auto& [k, v] : model) {
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(it->key(), k);
    it->Next();
  }
  EXPECT_FALSE(it->Valid());
  for (const auto& [k, v] : model) {
    const std::string user_part(UserPart(k));
    std::string found_key;
    ASSERT_TRUE(mem_.Get(user_part, InternalKeyVersion(k), InternalKeySequence(k), &found_key,
                         nullptr));
    ASSERT_EQ(found_key, k);
  }
}

// Readers running Get and scans while the writer adds entries see every
// entry whose Add finished before the read began.
TEST_P(MemTableTest, ConcurrentGetSeesCompletedAdds) {
  constexpr uint64_t kNumKeys = 20000;
  auto user_key = [](uint64_t i) { return "key" + std::to_string(i * 7919 % kNumKeys); };
  std::atomic<uint64_t> added{0};
  std::atomic<bool> failed{false};
  auto reader = [&](uint64_t seed) {
    Random rng(seed);
    std::string found_key, found_value;
    uint64_t n = 0;
    while (n < kNumKeys && !failed.load()) {
      n = added.load(std::memory_order_acquire);
      if (n == 0) continue;
      for (int probe = 0; probe < 200; ++probe) {
        const uint64_t i = rng.Uniform(n);
        const std::string key = user_key(i);
        if (!mem_.Get(UserPartOf(ColumnFamily::kDefault, key), kMaxVersion, kMaxSequence,
                      &found_key, &found_value) ||
            found_value != Value(key) || InternalKeySequence(found_key) != i + 1) {
          ADD_FAILURE() << "missing or wrong entry " << i << " (n=" << n << ")";
          failed.store(true);
          return;
        }
      }
      if (mem_.num_entries() < n || mem_.largest_sequence() < n) {
        ADD_FAILURE() << "counters behind the writer (n=" << n << ")";
        failed.store(true);
      }
    }
  };
  std::thread r1(reader, 1), r2(reader, 2);
  for (uint64_t i = 0; i < kNumKeys; ++i) {
    const std::string key = user_key(i);
    mem_.Add(MakeInternalKey(ColumnFamily::kDefault, key, kMaxVersion, i + 1), Value(key));
    added.store(i + 1, std::memory_order_release);
  }
  r1.join();
  r2.join();
  EXPECT_FALSE(failed.load());
  EXPECT_EQ(mem_.num_entries(), kNumKeys);
}

// One writer and three readers that scan both ways and seek: every scan is
// strictly ordered and holds every entry whose Add finished before it began.
TEST_P(MemTableTest, ConcurrentScansAreOrderedAndComplete) {
  constexpr uint64_t kNumKeys = 20000;
  constexpr int kNumReaders = 3;
  auto internal_key = [](uint64_t i) {
    return MakeInternalKey(ColumnFamily::kDefault, "k" + std::to_string(i * 7919 % kNumKeys),
                           kMaxVersion, i + 1);
  };
  std::atomic<uint64_t> added{0};
  std::atomic<bool> failed{false};
  auto reader = [&](int id) {
    Random rng(static_cast<uint64_t>(id) + 1);
    for (int pass = 0; !failed.load(); ++pass) {
      const uint64_t n = added.load(std::memory_order_acquire);
      std::vector<std::string> seen;
      auto it = mem_.NewIterator();
      if ((pass + id) % 2 == 0) {
        for (it->SeekToFirst(); it->Valid(); it->Next()) seen.emplace_back(it->key());
      } else {
        for (it->SeekToLast(); it->Valid(); it->Prev()) seen.emplace_back(it->key());
        std::reverse(seen.begin(), seen.end());
      }
      bool ok = seen.size() >= n &&
                std::adjacent_find(seen.begin(), seen.end(), [](const auto& a, const auto& b) {
                  return CompareInternalKeys(a, b) >= 0;
                }) == seen.end();
      for (uint64_t i = 0; i < n && ok; ++i) {
        ok = std::binary_search(seen.begin(), seen.end(), internal_key(i), InternalKeyLess());
      }
      for (int probe = 0; probe < 50 && ok && n > 0; ++probe) {
        const std::string key = internal_key(rng.Uniform(n));
        it->Seek(key);
        ok = it->Valid() && it->key() == key;
        it->SeekForPrev(key);
        ok = ok && it->Valid() && it->key() == key;
      }
      if (!ok) {
        ADD_FAILURE() << "reader " << id << " saw an inconsistent memtable (n=" << n << ")";
        failed.store(true);
      }
      if (n == kNumKeys) break;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < kNumReaders; ++i) readers.emplace_back(reader, i);
  for (uint64_t i = 0; i < kNumKeys; ++i) {
    mem_.Add(internal_key(i), Value("v"));
    added.store(i + 1, std::memory_order_release);
  }
  for (auto& t : readers) t.join();
  EXPECT_FALSE(failed.load());
}

TEST_P(MemTableTest, ReportsItsEngine) { EXPECT_EQ(mem_.engine(), GetParam()); }

INSTANTIATE_TEST_SUITE_P(Engines, MemTableTest,
                         ::testing::Values(MemTableEngine::kSkipList, MemTableEngine::kArt),
                         [](const ::testing::TestParamInfo<MemTableEngine>& info) {
                           return info.param == MemTableEngine::kArt ? "Art" : "SkipList";
                         });

}  // namespace
}  // namespace nokv
