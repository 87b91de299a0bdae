// Tests for Version queries and VersionBuilder invariants.
#include "manifest/version.h"

#include <gtest/gtest.h>

#include "base/internal_key.h"

namespace nokv {
namespace {

std::string IKey(const std::string& user_key, uint64_t seq) {
  return MakeInternalKey(ColumnFamily::kDefault, user_key, kMaxVersion, seq);
}
std::string UPart(const std::string& user_key) { return std::string(1, '\0') + user_key; }

FileMeta File(uint64_t number, const std::string& lo, const std::string& hi, uint64_t seq_lo,
              uint64_t seq_hi, uint64_t size = 100) {
  FileMeta f;
  f.number = number;
  f.file_size = size;
  f.smallest = IKey(lo, seq_lo);
  f.largest = IKey(hi, seq_hi);
  f.smallest_seq = seq_lo;
  f.largest_seq = seq_hi;
  return f;
}

std::vector<uint64_t> Numbers(const std::vector<std::shared_ptr<const FileMeta>>& files) {
  std::vector<uint64_t> out;
  for (const auto& f : files) out.push_back(f->number);
  return out;
}

std::shared_ptr<const Version> Build(const VersionEdit& edit,
                                     std::shared_ptr<const Version> base = nullptr) {
  VersionBuilder b(std::move(base));
  Status s = b.Apply(edit);
  EXPECT_TRUE(s.ok()) << s.ToString();
  auto v = b.Finish();
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : nullptr;
}

TEST(VersionBuilder, Level0IsNewestFirst) {
  VersionEdit e;
  e.new_files = {{0, File(4, "a", "z", 1, 10)},
                 {0, File(9, "a", "z", 11, 20)},
                 {0, File(7, "b", "c", 15, 20)},  // same largest_seq as 9: lower number last
                 {0, File(2, "a", "b", 21, 30)}};
  auto v = Build(e);
  ASSERT_TRUE(v);
  EXPECT_EQ(Numbers(v->files(0)), (std::vector<uint64_t>{2, 9, 7, 4}));
  EXPECT_EQ(v->NumFiles(0), 4);
  EXPECT_EQ(v->LevelBytes(0), 400u);
  EXPECT_EQ(v->NumFiles(1), 0);
}

TEST(VersionBuilder, Level1SortedAndOverlapRejected) {
  VersionEdit e;
  e.new_files = {{1, File(3, "m", "p", 1, 2)}, {1, File(1, "a", "c", 3, 4)},
                 {1, File(2, "d", "f", 5, 6)}};
  auto v = Build(e);
  ASSERT_TRUE(v);
  EXPECT_EQ(Numbers(v->files(1)), (std::vector<uint64_t>{1, 2, 3}));

  // Same user key at the boundary of two L1 files is an overlap.
  VersionEdit overlap;
  overlap.new_files = {{1, File(4, "f", "h", 7, 8)}};
  VersionBuilder b(v);
  ASSERT_TRUE(b.Apply(overlap).ok());
  auto bad = b.Finish();
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsCorruption());
  EXPECT_NE(bad.status().message().find("overlap"), std::string::npos)
      << bad.status().ToString();

  // Overlap is fine in L0.
  VersionEdit l0;
  l0.new_files = {{0, File(5, "a", "z", 9, 9)}, {0, File(6, "b", "c", 10, 10)}};
  EXPECT_TRUE(Build(l0, v));
}

TEST(VersionBuilder, DeleteAndMoveRules) {
  VersionEdit add;
  add.new_files = {{1, File(1, "a", "c", 1, 1)}, {2, File(2, "a", "c", 2, 2)}};
  auto v = Build(add);
  ASSERT_TRUE(v);

  // Delete of a missing file, or of a file at the wrong level: Corruption.
  for (auto del : {std::pair<int, uint64_t>{1, 99}, std::pair<int, uint64_t>{2, 1}}) {
    VersionEdit e;
    e.deleted_files = {del};
    VersionBuilder b(v);
    Status s = b.Apply(e);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  }
  // Adding a number that already exists anywhere: Corruption.
  VersionEdit dup;
  dup.new_files = {{5, File(2, "x", "y", 3, 3)}};
  VersionBuilder b_dup(v);
  EXPECT_TRUE(b_dup.Apply(dup).IsCorruption());
  // smallest > largest: Corruption.
  VersionEdit inverted;
  inverted.new_files = {{3, File(8, "z", "a", 3, 3)}};
  VersionBuilder b_inv(v);
  EXPECT_TRUE(b_inv.Apply(inverted).IsCorruption());

  // A move: delete from L1 and add the same file to L3 in one edit.
  VersionEdit move;
  move.deleted_files = {{1, 1}};
  move.new_files = {{3, File(1, "a", "c", 1, 1)}};
  auto moved = Build(move, v);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->NumFiles(1), 0);
  EXPECT_EQ(Numbers(moved->files(3)), (std::vector<uint64_t>{1}));
  // The base is untouched and unchanged files are shared, not copied.
  EXPECT_EQ(v->NumFiles(1), 1);
  EXPECT_EQ(moved->files(2)[0].get(), v->files(2)[0].get());
}

TEST(Version, OverlappingAndFindFile) {
  VersionEdit e;
  e.new_files = {{2, File(1, "b", "d", 1, 1)}, {2, File(2, "f", "h", 2, 2)},
                 {2, File(3, "j", "l", 3, 3)}, {0, File(10, "a", "c", 4, 4)},
                 {0, File(11, "k", "z", 5, 5)}};
  auto v = Build(e);
  ASSERT_TRUE(v);
  auto over = [&](int level, const std::string& lo, const std::string& hi) {
    return Numbers(v->Overlapping(level, UPart(lo), UPart(hi)));
  };
  using N = std::vector<uint64_t>;
  EXPECT_EQ(over(2, "a", "a"), N{});
  EXPECT_EQ(over(2, "a", "b"), N{1});    // inclusive at the smallest end
  EXPECT_EQ(over(2, "d", "f"), (N{1, 2}));  // inclusive at both ends
  EXPECT_EQ(over(2, "e", "e"), N{});
  EXPECT_EQ(over(2, "c", "k"), (N{1, 2, 3}));
  EXPECT_EQ(over(2, "m", "z"), N{});
  EXPECT_EQ(over(2, "h", "a"), N{});  // empty range
  EXPECT_EQ(over(0, "c", "k"), (N{11, 10}));  // L0 order: newest first
  EXPECT_EQ(over(1, "a", "z"), N{});

  // FindFile: first file whose largest internal key >= the probe.
  EXPECT_EQ(v->FindFile(2, IKey("a", 9)), 0);
  EXPECT_EQ(v->FindFile(2, IKey("d", 1)), 0);  // equal to file 1's largest
  EXPECT_EQ(v->FindFile(2, IKey("d", 0)), 1);  // older than it sorts after
  EXPECT_EQ(v->FindFile(2, IKey("e", 5)), 1);
  EXPECT_EQ(v->FindFile(2, IKey("l", 3)), 2);
  EXPECT_EQ(v->FindFile(2, IKey("m", 5)), 3);
  EXPECT_EQ(v->FindFile(4, IKey("m", 5)), 0);

  const std::string debug = v->DebugString();
  EXPECT_NE(debug.find("#11"), std::string::npos) << debug;
  EXPECT_NE(debug.find("L2 (3 files, 300 bytes)"), std::string::npos) << debug;
}

TEST(Version, EmptyVersion) {
  Version v;
  for (int level = 0; level < kNumLevels; ++level) {
    EXPECT_EQ(v.NumFiles(level), 0);
    EXPECT_EQ(v.LevelBytes(level), 0u);
  }
  EXPECT_TRUE(v.Overlapping(1, UPart("a"), UPart("z")).empty());
  EXPECT_EQ(v.FindFile(1, IKey("a", 1)), 0);
}

}  // namespace
}  // namespace nokv
