// MemoryStorage: entries, terms, compaction, snapshots and their errors.
#include "raft/memory_storage.h"

#include <gtest/gtest.h>

#include "raft/raft_testutil.h"

namespace nokv::raft {
namespace {

using testutil::MakeEntry;

// Storage holding a snapshot at (3,3) and entries 4..5 of terms 4, 5.
void Fill(MemoryStorage& ms) {
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(3);
  snap.mutable_metadata()->set_term(3);
  EXPECT_TRUE(ms.ApplySnapshot(snap).ok());
  EXPECT_TRUE(ms.Append({MakeEntry(4, 4), MakeEntry(5, 5)}).ok());
}

TEST(MemoryStorageTest, Term) {
  MemoryStorage ms;
  Fill(ms);
  uint64_t t = 0;
  EXPECT_TRUE(ms.Term(2, &t).IsCompacted());
  ASSERT_TRUE(ms.Term(3, &t).ok());
  EXPECT_EQ(t, 3u);
  ASSERT_TRUE(ms.Term(5, &t).ok());
  EXPECT_EQ(t, 5u);
  EXPECT_TRUE(ms.Term(6, &t).IsUnavailable());
}

TEST(MemoryStorageTest, EntriesBoundsAndSizeLimit) {
  MemoryStorage ms;
  Fill(ms);
  ASSERT_TRUE(ms.Append({MakeEntry(6, 6)}).ok());
  std::vector<raftpb::Entry> ents;
  EXPECT_TRUE(ms.Entries(2, 6, kNoLimit, &ents).IsCompacted());
  EXPECT_TRUE(ms.Entries(3, 4, kNoLimit, &ents).IsCompacted());
  EXPECT_TRUE(ms.Entries(4, 8, kNoLimit, &ents).IsUnavailable());
  ASSERT_TRUE(ms.Entries(4, 5, kNoLimit, &ents).ok());
  EXPECT_EQ(ents.size(), 1u);
  ASSERT_TRUE(ms.Entries(4, 7, kNoLimit, &ents).ok());
  EXPECT_EQ(ents.size(), 3u);
  const uint64_t one = MakeEntry(4, 4).ByteSizeLong();
  // The first entry is always returned even if it exceeds the limit.
  ASSERT_TRUE(ms.Entries(4, 7, 0, &ents).ok());
  EXPECT_EQ(ents.size(), 1u);
  ASSERT_TRUE(ms.Entries(4, 7, 2 * one, &ents).ok());
  EXPECT_EQ(ents.size(), 2u);
  ASSERT_TRUE(ms.Entries(4, 7, 2 * one - 1, &ents).ok());
  EXPECT_EQ(ents.size(), 1u);
}

TEST(MemoryStorageTest, FirstAndLastIndex) {
  MemoryStorage ms;
  Fill(ms);
  uint64_t i = 0;
  ASSERT_TRUE(ms.FirstIndex(&i).ok());
  EXPECT_EQ(i, 4u);
  ASSERT_TRUE(ms.LastIndex(&i).ok());
  EXPECT_EQ(i, 5u);
  ASSERT_TRUE(ms.Append({MakeEntry(6, 5)}).ok());
  ASSERT_TRUE(ms.LastIndex(&i).ok());
  EXPECT_EQ(i, 6u);
  ASSERT_TRUE(ms.Compact(4).ok());
  ASSERT_TRUE(ms.FirstIndex(&i).ok());
  EXPECT_EQ(i, 5u);
}

TEST(MemoryStorageTest, Compact) {
  MemoryStorage ms;
  Fill(ms);
  EXPECT_TRUE(ms.Compact(2).IsCompacted());
  EXPECT_TRUE(ms.Compact(3).IsCompacted());
  EXPECT_TRUE(ms.Compact(6).IsUnavailable());
  ASSERT_TRUE(ms.Compact(5).ok());
  uint64_t t = 0;
  // The compact index keeps its term (it becomes the dummy entry).
  ASSERT_TRUE(ms.Term(5, &t).ok());
  EXPECT_EQ(t, 5u);
  EXPECT_TRUE(ms.Term(4, &t).IsCompacted());
}

TEST(MemoryStorageTest, CreateSnapshotCarriesDataAndConfState) {
  MemoryStorage ms;
  Fill(ms);
  raftpb::ConfState cs = testutil::Voters({1, 2, 3});
  raftpb::Snapshot snap;
  EXPECT_TRUE(ms.CreateSnapshot(3, &cs, "old", &snap).IsSnapOutOfDate());
  EXPECT_TRUE(ms.CreateSnapshot(6, &cs, "x", &snap).IsUnavailable());
  ASSERT_TRUE(ms.CreateSnapshot(4, &cs, "state@4", &snap).ok());
  EXPECT_EQ(snap.metadata().index(), 4u);
  EXPECT_EQ(snap.metadata().term(), 4u);
  EXPECT_EQ(snap.data(), "state@4");
  raftpb::Snapshot got;
  ASSERT_TRUE(ms.Snapshot(&got).ok());
  EXPECT_EQ(got.data(), "state@4");
  EXPECT_EQ(got.metadata().conf_state().voters_size(), 3);
}

TEST(MemoryStorageTest, AppendTruncatesConflictsAndIgnoresCompacted) {
  struct Case {
    std::vector<raftpb::Entry> in;
    std::vector<uint64_t> want_terms;  // terms of entries 4..
    bool ok;
  };
  const std::vector<Case> cases = {
      {{MakeEntry(4, 4), MakeEntry(5, 5)}, {4, 5}, true},
      {{MakeEntry(4, 4), MakeEntry(5, 6), MakeEntry(6, 6)}, {4, 6, 6}, true},
      // entries before the first index are skipped
      {{MakeEntry(2, 3), MakeEntry(3, 3), MakeEntry(4, 5)}, {5}, true},
      {{MakeEntry(6, 5)}, {4, 5, 5}, true},
      // a gap is refused
      {{MakeEntry(7, 5)}, {4, 5}, false},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    MemoryStorage ms;
    Fill(ms);
    EXPECT_EQ(ms.Append(cases[i].in).ok(), cases[i].ok) << "case " << i;
    uint64_t last = 0;
    ASSERT_TRUE(ms.LastIndex(&last).ok());
    ASSERT_EQ(last - 3, cases[i].want_terms.size()) << "case " << i;
    for (size_t k = 0; k < cases[i].want_terms.size(); k++) {
      uint64_t t = 0;
      ASSERT_TRUE(ms.Term(4 + k, &t).ok());
      EXPECT_EQ(t, cases[i].want_terms[k]) << "case " << i;
    }
  }
}

TEST(MemoryStorageTest, ApplySnapshotRefusesOlder) {
  MemoryStorage ms;
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(4);
  snap.mutable_metadata()->set_term(4);
  ASSERT_TRUE(ms.ApplySnapshot(snap).ok());
  snap.mutable_metadata()->set_index(3);
  EXPECT_TRUE(ms.ApplySnapshot(snap).IsSnapOutOfDate());
}

TEST(MemoryStorageTest, BootstrapOnlyOnFreshStorage) {
  MemoryStorage ms;
  ASSERT_TRUE(ms.Bootstrap(testutil::Voters({1, 2})).ok());
  raftpb::HardState hs;
  raftpb::ConfState cs;
  ASSERT_TRUE(ms.InitialState(&hs, &cs).ok());
  EXPECT_EQ(cs.voters_size(), 2);
  ASSERT_TRUE(ms.Append({MakeEntry(1, 1)}).ok());
  EXPECT_TRUE(ms.Bootstrap(testutil::Voters({1})).IsInvalidArgument());
}

}  // namespace
}  // namespace nokv::raft
