// Tests for BlockBuilder / Block / BlockIterator.
#include "sst/block.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "base/coding.h"
#include "base/internal_key.h"
#include "base/random.h"
#include "sst/block_builder.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// Sorted, distinct internal keys. A long common prefix exercises prefix
// compression; several versions per user key exercise the trailer order.
Entries MakeEntries(Random* rng, size_t n, size_t prefix_len, bool empty_values) {
  const std::string prefix(prefix_len, 'p');
  std::map<std::string, std::string, InternalKeyLess> sorted;
  while (sorted.size() < n) {
    std::string user = prefix + testutil::RandomPrintable(rng, 1 + rng->Uniform(8));
    const uint64_t version = rng->Uniform(4) == 0 ? kMaxVersion : rng->Uniform(100);
    std::string value = empty_values ? "" : testutil::RandomBytes(rng, rng->Uniform(40));
    sorted.emplace(MakeInternalKey(ColumnFamily::kDefault, user, version, rng->Uniform(1000)),
                   value);
  }
  return Entries(sorted.begin(), sorted.end());
}

std::shared_ptr<const Block> BuildBlock(const Entries& entries, int restart_interval) {
  BlockBuilder builder(restart_interval);
  for (const auto& [k, v] : entries) builder.Add(k, v);
  const size_t estimate = builder.CurrentSizeEstimate();
  EXPECT_EQ(estimate, builder.Finish().size());
  EXPECT_EQ(estimate, builder.CurrentSizeEstimate());
  return std::make_shared<const Block>(std::string(builder.Finish()));
}

// A probe key strictly between (or around) the stored keys.
std::string ProbeAfter(const std::string& ikey) {
  // Same user part, one sequence lower sorts right after ikey (unless it is
  // the smallest sequence, in which case it is ikey itself).
  const uint64_t seq = InternalKeySequence(ikey);
  std::string probe(ikey);
  EncodeBigEndian64(probe.data() + probe.size() - 8, ~(seq == 0 ? 0 : seq - 1));
  return probe;
}

void CheckAgainstVector(const Entries& entries, const Block& block, Random* rng) {
  auto it = block.NewIterator();
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();

  // Forward.
  size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_LT(i, entries.size());
    ASSERT_EQ(it->key(), entries[i].first);
    ASSERT_EQ(it->value(), entries[i].second);
  }
  ASSERT_EQ(i, entries.size());
  ASSERT_TRUE(it->status().ok());

  // Backward.
  i = entries.size();
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    ASSERT_GT(i, 0u);
    --i;
    ASSERT_EQ(it->key(), entries[i].first);
    ASSERT_EQ(it->value(), entries[i].second);
  }
  ASSERT_EQ(i, 0u);

  // Seek / SeekForPrev to every key and to probes around keys.
  std::vector<std::string> targets;
  for (const auto& e : entries) {
    targets.push_back(e.first);
    targets.push_back(ProbeAfter(e.first));
  }
  targets.push_back(MakeInternalKey(ColumnFamily::kDefault, "", kMaxVersion, kMaxSequence));
  targets.push_back(MakeInternalKey(ColumnFamily::kWrite, "zzzz", 0, 0));
  for (int r = 0; r < 200; ++r) {
    targets.push_back(MakeInternalKey(ColumnFamily::kDefault, testutil::RandomPrintable(rng, 3),
                                      rng->Uniform(100), rng->Uniform(1000)));
  }
  for (const auto& t : targets) {
    auto lb = std::lower_bound(entries.begin(), entries.end(), t,
                               [](const auto& e, const std::string& k) {
                                 return CompareInternalKeys(e.first, k) < 0;
                               });
    it->Seek(t);
    if (lb == entries.end()) {
      ASSERT_FALSE(it->Valid());
    } else {
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(it->key(), lb->first);
      // Prev from a sought position.
      it->Prev();
      if (lb == entries.begin()) {
        ASSERT_FALSE(it->Valid());
      } else {
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(it->key(), (lb - 1)->first);
      }
    }
    auto ub = std::upper_bound(entries.begin(), entries.end(), t,
                               [](const std::string& k, const auto& e) {
                                 return CompareInternalKeys(k, e.first) < 0;
                               });
    it->SeekForPrev(t);
    if (ub == entries.begin()) {
      ASSERT_FALSE(it->Valid());
    } else {
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(it->key(), (ub - 1)->first);
      it->Next();
      if (ub == entries.end()) {
        ASSERT_FALSE(it->Valid());
      } else {
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(it->key(), ub->first);
      }
    }
  }
  ASSERT_TRUE(it->status().ok());
}

TEST(BlockTest, RoundTripAndSeekSemantics) {
  Random rng(testutil::TestSeed(301));
  for (int interval : {1, 2, 16, 1000}) {
    SCOPED_TRACE("restart_interval=" + std::to_string(interval));
    const Entries entries = MakeEntries(&rng, 500, 0, false);
    auto block = BuildBlock(entries, interval);
    CheckAgainstVector(entries, *block, &rng);
  }
}

TEST(BlockTest, LongSharedPrefixesAndEmptyValues) {
  Random rng(testutil::TestSeed(302));
  const Entries entries = MakeEntries(&rng, 300, 300, true);
  auto block = BuildBlock(entries, 16);
  // Prefix compression must pay off: far fewer bytes than the raw keys.
  size_t raw = 0;
  for (const auto& e : entries) raw += e.first.size();
  EXPECT_LT(block->size(), raw / 4);
  CheckAgainstVector(entries, *block, &rng);
}

TEST(BlockTest, SingleEntry) {
  Random rng(testutil::TestSeed(303));
  const Entries entries = MakeEntries(&rng, 1, 5, false);
  CheckAgainstVector(entries, *BuildBlock(entries, 16), &rng);
}

TEST(BlockTest, EmptyBlock) {
  BlockBuilder builder(16);
  EXPECT_TRUE(builder.empty());
  Block block{std::string(builder.Finish())};
  ASSERT_TRUE(block.status().ok());
  auto it = block.NewIterator();
  const std::string k = MakeInternalKey(ColumnFamily::kDefault, "a", 1, 1);
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek(k);
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev(k);
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(BlockTest, BuilderResetStartsOver) {
  BlockBuilder builder(4);
  builder.Add(MakeInternalKey(ColumnFamily::kDefault, "b", 1, 1), "x");
  builder.Finish();
  builder.Reset();
  EXPECT_TRUE(builder.empty());
  EXPECT_TRUE(builder.last_key().empty());
  const std::string a = MakeInternalKey(ColumnFamily::kDefault, "a", 1, 1);
  builder.Add(a, "y");
  EXPECT_EQ(builder.last_key(), a);
  Block block{std::string(builder.Finish())};
  auto it = block.NewIterator();
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), a);
  EXPECT_EQ(it->value(), "y");
  it->Next();
  EXPECT_FALSE(it->Valid());
}

TEST(BlockTest, OwningIteratorOutlivesCallerReference) {
  Random rng(testutil::TestSeed(304));
  const Entries entries = MakeEntries(&rng, 50, 10, false);
  auto block = BuildBlock(entries, 16);
  auto it = NewBlockIterator(std::move(block));
  block.reset();
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ASSERT_EQ(it->key(), entries[n++].first);
  EXPECT_EQ(n, entries.size());
}

void ExpectCorruptBlock(std::string contents) {
  Block block(std::move(contents));
  EXPECT_TRUE(block.status().IsCorruption());
  auto it = block.NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
}

TEST(BlockTest, MalformedRestartArrayIsCorruption) {
  ExpectCorruptBlock("");
  ExpectCorruptBlock("ab");
  std::string huge_count;
  PutFixed32(&huge_count, 1000);
  ExpectCorruptBlock(huge_count);

  Random rng(testutil::TestSeed(305));
  const Entries entries = MakeEntries(&rng, 40, 0, false);
  BlockBuilder builder(4);
  for (const auto& [k, v] : entries) builder.Add(k, v);
  const std::string good(builder.Finish());
  const uint32_t n = DecodeFixed32(good.data() + good.size() - 4);
  ASSERT_EQ(n, 10u);
  const size_t restarts = good.size() - 4 - 4 * n;

  std::string first_not_zero = good;
  EncodeFixed32(first_not_zero.data() + restarts, 3);
  ExpectCorruptBlock(first_not_zero);

  std::string not_increasing = good;
  EncodeFixed32(not_increasing.data() + restarts + 8, DecodeFixed32(good.data() + restarts + 4));
  ExpectCorruptBlock(not_increasing);

  std::string past_entries = good;
  EncodeFixed32(past_entries.data() + restarts + 4 * (n - 1), static_cast<uint32_t>(restarts));
  ExpectCorruptBlock(past_entries);

  std::string no_restarts = good.substr(0, restarts);
  PutFixed32(&no_restarts, 0);
  ExpectCorruptBlock(no_restarts);
}

TEST(BlockTest, MalformedEntryStopsIterationWithCorruption) {
  Random rng(testutil::TestSeed(306));
  const Entries entries = MakeEntries(&rng, 40, 0, false);
  BlockBuilder builder(16);
  for (const auto& [k, v] : entries) builder.Add(k, v);
  std::string bad(builder.Finish());
  // Entry 0 header: shared=0, non_shared, value_len. Claim a huge key.
  bad[1] = static_cast<char>(0x7f);
  bad[2] = static_cast<char>(0x7f);
  Block block(std::move(bad));
  ASSERT_TRUE(block.status().ok());  // the restart array is intact
  auto it = block.NewIterator();
  it->SeekToFirst();
  // Either rejected outright or decoded into something that later fails; it
  // must never yield all 40 entries with an OK status.
  size_t count = 0;
  for (; it->Valid(); it->Next()) ++count;
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
  EXPECT_NE(it->status().message().find("block entry at offset"), std::string::npos);
  EXPECT_LT(count, entries.size());
  // A new seek clears the error state and re-detects it.
  it->SeekToFirst();
  for (; it->Valid(); it->Next()) {
  }
  EXPECT_TRUE(it->status().IsCorruption());
}

// Random damage must never crash or read out of bounds (run under ASan).
TEST(BlockTest, RandomDamageNeverCrashes) {
  Random rng(testutil::TestSeed(307));
  const Entries entries = MakeEntries(&rng, 60, 20, false);
  BlockBuilder builder(4);
  for (const auto& [k, v] : entries) builder.Add(k, v);
  const std::string good(builder.Finish());
  for (int trial = 0; trial < 400; ++trial) {
    std::string bad = good;
    const int flips = 1 + static_cast<int>(rng.Uniform(4));
    for (int f = 0; f < flips; ++f) {
      bad[rng.Uniform(bad.size())] = static_cast<char>(rng.Uniform(256));
    }
    if (rng.OneIn(4)) bad.resize(rng.Uniform(bad.size()));
    Block block(std::move(bad));
    auto it = block.NewIterator();
    size_t steps = 0;
    for (it->SeekToFirst(); it->Valid() && steps < 1000; it->Next()) ++steps;
    for (it->SeekToLast(); it->Valid() && steps < 2000; it->Prev()) ++steps;
    it->Seek(entries[rng.Uniform(entries.size())].first);
    it->SeekForPrev(entries[rng.Uniform(entries.size())].first);
    EXPECT_TRUE(it->status().ok() || it->status().IsCorruption());
  }
}

}  // namespace
}  // namespace nokv
