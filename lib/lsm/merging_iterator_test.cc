// Tests for NewMergingIterator against a sorted model: full scans, seeks
// followed by random Next/Prev mixes, identical keys across children, and
// error propagation.
#include "lsm/merging_iterator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "base/internal_key.h"
#include "base/random.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// An InternalIterator over a sorted vector, optionally reporting an error.
class VectorIterator final : public InternalIterator {
 public:
  explicit VectorIterator(Entries entries, Status status = Status::OK())
      : entries_(std::move(entries)), status_(std::move(status)) {}

  bool Valid() const override { return pos_ < entries_.size(); }
  void SeekToFirst() override { pos_ = 0; }
  void SeekToLast() override { pos_ = entries_.empty() ? kInvalid : entries_.size() - 1; }
  void Seek(std::string_view target) override {
    pos_ = static_cast<size_t>(std::lower_bound(entries_.begin(), entries_.end(), target,
                                                [](const auto& e, std::string_view t) {
                                                  return CompareInternalKeys(e.first, t) < 0;
                                                }) -
                               entries_.begin());
  }
  void SeekForPrev(std::string_view target) override {
    const size_t ub =
        static_cast<size_t>(std::upper_bound(entries_.begin(), entries_.end(), target,
                                             [](std::string_view t, const auto& e) {
                                               return CompareInternalKeys(t, e.first) < 0;
                                             }) -
                            entries_.begin());
    pos_ = ub == 0 ? kInvalid : ub - 1;
  }
  void Next() override {
    ASSERT_TRUE(Valid());
    ++pos_;
  }
  void Prev() override {
    ASSERT_TRUE(Valid());
    pos_ = pos_ == 0 ? kInvalid : pos_ - 1;
  }
  std::string_view key() const override { return entries_.at(pos_).first; }
  std::string_view value() const override { return entries_.at(pos_).second; }
  Status status() const override { return status_; }

 private:
  static constexpr size_t kInvalid = SIZE_MAX;
  Entries entries_;
  Status status_;
  size_t pos_ = kInvalid;
};

// One model entry: the key, and the child it came from (also in the value).
struct ModelEntry {
  std::string key;
  size_t child;
  std::string value;
};

struct Fixture {
  std::vector<ModelEntry> model;  // sorted by (key, child)
  std::vector<std::unique_ptr<InternalIterator>> children;
};

std::string RandomInternalKey(Random* rng) {
  std::string user_key(rng->Uniform(3), 'a');
  for (char& c : user_key) c = static_cast<char>('a' + rng->Uniform(3));
  return MakeInternalKey(static_cast<ColumnFamily>(rng->Uniform(2)), user_key, rng->Uniform(3),
                         rng->Uniform(4));
}

// 1..8 children, some empty; a small key space makes identical keys across
// children common.
Fixture MakeFixture(Random* rng) {
  Fixture f;
  const size_t num_children = 1 + rng->Uniform(8);
  for (size_t c = 0; c < num_children; ++c) {
    std::set<std::string, InternalKeyLess> keys;
    if (!rng->OneIn(4)) {
      const uint64_t n = rng->Uniform(60);
      for (uint64_t i = 0; i < n; ++i) keys.insert(RandomInternalKey(rng));
    }
    Entries entries;
    for (const std::string& k : keys) {
      std::string value = "child" + std::to_string(c) + ":" + std::to_string(entries.size());
      f.model.push_back({k, c, value});
      entries.emplace_back(k, std::move(value));
    }
    f.children.push_back(std::make_unique<VectorIterator>(std::move(entries)));
  }
  std::sort(f.model.begin(), f.model.end(), [](const ModelEntry& a, const ModelEntry& b) {
    const int r = CompareInternalKeys(a.key, b.key);
    return r < 0 || (r == 0 && a.child < b.child);
  });
  return f;
}

// Checks that the iterator is at model[pos], or invalid if pos is out of range.
void ExpectAt(const InternalIterator& it, const std::vector<ModelEntry>& model, long pos) {
  if (pos < 0 || pos >= static_cast<long>(model.size())) {
    ASSERT_FALSE(it.Valid()) << "pos " << pos;
    return;
  }
  ASSERT_TRUE(it.Valid()) << "pos " << pos;
  ASSERT_EQ(it.key(), model[static_cast<size_t>(pos)].key) << "pos " << pos;
  ASSERT_EQ(it.value(), model[static_cast<size_t>(pos)].value) << "pos " << pos;
}

TEST(MergingIteratorTest, NoChildrenIsEmpty) {
  auto it = NewMergingIterator({});
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek(MakeInternalKey(ColumnFamily::kDefault, "a", 1, 1));
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST(MergingIteratorTest, OneChildIsReturnedItself) {
  auto child = std::make_unique<VectorIterator>(Entries{});
  InternalIterator* raw = child.get();
  std::vector<std::unique_ptr<InternalIterator>> children;
  children.push_back(std::move(child));
  auto it = NewMergingIterator(std::move(children));
  EXPECT_EQ(it.get(), raw);
}

TEST(MergingIteratorTest, IdenticalKeysComeInChildOrder) {
  const std::string k1 = MakeInternalKey(ColumnFamily::kDefault, "k", 1, 1);
  const std::string k2 = MakeInternalKey(ColumnFamily::kDefault, "k", 1, 2);  // sorts before k1
  std::vector<std::unique_ptr<InternalIterator>> children;
  children.push_back(std::make_unique<VectorIterator>(Entries{{k1, "c0"}}));
  children.push_back(std::make_unique<VectorIterator>(Entries{{k2, "c1"}, {k1, "c1"}}));
  children.push_back(std::make_unique<VectorIterator>(Entries{{k1, "c2"}}));
  auto it = NewMergingIterator(std::move(children));
  std::vector<std::string> forward, backward;
  for (it->SeekToFirst(); it->Valid(); it->Next()) forward.emplace_back(it->value());
  for (it->SeekToLast(); it->Valid(); it->Prev()) backward.emplace_back(it->value());
  EXPECT_EQ(forward, (std::vector<std::string>{"c1", "c0", "c1", "c2"}));
  EXPECT_EQ(backward, (std::vector<std::string>{"c2", "c1", "c0", "c1"}));

  // Direction switches in the middle of the run of identical keys.
  it->Seek(k1);
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "c0");
  it->Next();
  EXPECT_EQ(it->value(), "c1");
  it->Prev();
  EXPECT_EQ(it->value(), "c0");
  it->Prev();
  EXPECT_EQ(it->value(), "c1");
  EXPECT_EQ(it->key(), k2);
  it->Next();
  EXPECT_EQ(it->value(), "c0");
  it->SeekForPrev(k1);
  EXPECT_EQ(it->value(), "c2");
  it->Prev();
  EXPECT_EQ(it->value(), "c1");
  it->Next();
  EXPECT_EQ(it->value(), "c2");
  it->Next();
  EXPECT_FALSE(it->Valid());
}

TEST(MergingIteratorTest, MatchesModel) {
  const uint64_t seed = testutil::TestSeed(2024);
  SCOPED_TRACE("seed=" + std::to_string(seed));
  Random rng(seed);
  for (int trial = 0; trial < 300; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    Fixture f = MakeFixture(&rng);
    const std::vector<ModelEntry>& model = f.model;
    auto it = NewMergingIterator(std::move(f.children));
    const long size = static_cast<long>(model.size());

    // Full scans both ways.
    it->SeekToFirst();
    for (long pos = 0; pos <= size; ++pos) {
      ExpectAt(*it, model, pos);
      if (it->Valid()) it->Next();
    }
    it->SeekToLast();
    for (long pos = size - 1; pos >= -1; --pos) {
      ExpectAt(*it, model, pos);
      if (it->Valid()) it->Prev();
    }

    // Seeks followed by random walks that change direction often.
    for (int q = 0; q < 30; ++q) {
      long pos;
      const std::string target =
          rng.OneIn(3) && size > 0 ? model[rng.Uniform(model.size())].key : RandomInternalKey(&rng);
      const int how = static_cast<int>(rng.Uniform(4));
      if (how == 0) {
        it->Seek(target);
        pos = std::lower_bound(model.begin(), model.end(), target,
                               [](const ModelEntry& e, const std::string& t) {
                                 return CompareInternalKeys(e.key, t) < 0;
                               }) -
              model.begin();
      } else if (how == 1) {
        it->SeekForPrev(target);
        pos = std::upper_bound(model.begin(), model.end(), target,
                               [](const std::string& t, const ModelEntry& e) {
                                 return CompareInternalKeys(t, e.key) < 0;
                               }) -
              model.begin() - 1;
      } else if (how == 2) {
        it->SeekToFirst();
        pos = 0;
      } else {
        it->SeekToLast();
        pos = size - 1;
      }
      ExpectAt(*it, model, pos);
      for (int step = 0; step < 20 && it->Valid(); ++step) {
        if (rng.OneIn(2)) {
          it->Next();
          ++pos;
        } else {
          it->Prev();
          --pos;
        }
        ExpectAt(*it, model, pos);
      }
    }
    EXPECT_TRUE(it->status().ok());
  }
}

TEST(MergingIteratorTest, ChildErrorIsReported) {
  const std::string a = MakeInternalKey(ColumnFamily::kDefault, "a", 1, 1);
  const std::string b = MakeInternalKey(ColumnFamily::kDefault, "b", 1, 1);
  std::vector<std::unique_ptr<InternalIterator>> children;
  children.push_back(std::make_unique<VectorIterator>(Entries{{a, "a"}}));
  children.push_back(
      std::make_unique<VectorIterator>(Entries{}, Status::Corruption("bad block in 7.sst")));
  children.push_back(std::make_unique<VectorIterator>(Entries{{b, "b"}}));
  children.push_back(std::make_unique<VectorIterator>(Entries{}, Status::IOError("second")));
  auto it = NewMergingIterator(std::move(children));
  // A child that failed ends the merge; the first error (by index) is reported.
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  const Status s = it->status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(s.message(), "bad block in 7.sst");
}

// An iterator over sorted entries whose entries from `fail_at` on cannot be
// read (a damaged block): reaching them ends it with Corruption.
class FailingIterator final : public InternalIterator {
 public:
  FailingIterator(Entries entries, size_t fail_at) : entries_(std::move(entries)), fail_at_(fail_at) {}
  bool Valid() const override { return pos_ < fail_at_ && pos_ < entries_.size(); }
  void SeekToFirst() override { pos_ = 0; }
  void SeekToLast() override { pos_ = entries_.size() - 1; }
  void Seek(std::string_view target) override {
    for (pos_ = 0; pos_ < entries_.size(); ++pos_) {
      if (CompareInternalKeys(entries_[pos_].first, target) >= 0) break;
    }
  }
  void SeekForPrev(std::string_view) override { pos_ = fail_at_; }
  void Next() override { ++pos_; }
  void Prev() override { pos_ = fail_at_; }
  std::string_view key() const override { return entries_.at(pos_).first; }
  std::string_view value() const override { return entries_.at(pos_).second; }
  Status status() const override {
    return pos_ >= fail_at_ && pos_ < entries_.size() ? Status::Corruption("damaged block")
                                                      : Status::OK();
  }

 private:
  Entries entries_;
  size_t fail_at_;
  size_t pos_ = 0;
};

// Regression test: a child failing mid-scan was dropped from the heap and
// the merge went on with the other children, so an older version of a key
// whose newest version sat in the unreadable part showed up as current.
TEST(MergingIteratorTest, ChildFailingMidScanStopsTheMerge) {
  auto k = [](const char* user, uint64_t seq) {
    return MakeInternalKey(ColumnFamily::kDefault, user, kMaxVersion, seq);
  };
  std::vector<std::unique_ptr<InternalIterator>> children;
  // Newer data: b@9 readable, c@9 in a damaged block.
  children.push_back(
      std::make_unique<FailingIterator>(Entries{{k("b", 9), "b-new"}, {k("c", 9), "c-new"}}, 1));
  // Older data: b@1, c@1.
  children.push_back(
      std::make_unique<VectorIterator>(Entries{{k("b", 1), "b-old"}, {k("c", 1), "c-old"}}));
  auto it = NewMergingIterator(std::move(children));
  std::vector<std::string> seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) seen.emplace_back(it->value());
  EXPECT_EQ(seen, (std::vector<std::string>{"b-new"}));
  EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
}

}  // namespace
}  // namespace nokv
