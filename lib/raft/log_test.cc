// RaftLog and Unstable: conflicts, fast-backtracking hints, append rules,
// commit, slicing across storage and the unstable tail, compaction.
#include "raft/log.h"

#include <gtest/gtest.h>

#include "raft/raft_testutil.h"

namespace nokv::raft {
namespace {

using testutil::MakeEntry;

std::vector<raftpb::Entry> Terms(uint64_t first_index, std::vector<uint64_t> terms) {
  std::vector<raftpb::Entry> ents;
  for (size_t i = 0; i < terms.size(); i++) ents.push_back(MakeEntry(first_index + i, terms[i]));
  return ents;
}

TEST(UnstableTest, TermAndStableTo) {
  Unstable u;
  u.offset = 5;
  u.entries = Terms(5, {1, 1, 2});
  EXPECT_EQ(u.MaybeTerm(6).value_or(0), 1u);
  EXPECT_EQ(u.MaybeTerm(7).value_or(0), 2u);
  EXPECT_FALSE(u.MaybeTerm(8).has_value());
  EXPECT_FALSE(u.MaybeTerm(4).has_value());
  u.StableTo(6, 2);  // wrong term: the entry was replaced meanwhile
  EXPECT_EQ(u.entries.size(), 3u);
  u.StableTo(6, 1);
  EXPECT_EQ(u.offset, 7u);
  EXPECT_EQ(u.entries.size(), 1u);
}

TEST(UnstableTest, TruncateAndAppend) {
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t want_offset;
    std::vector<uint64_t> want_terms;
  };
  const std::vector<Case> cases = {
      {Terms(7, {1, 1}), 5, {1, 1, 1, 1}},  // append
      {Terms(5, {2, 2}), 5, {2, 2}},        // replace all
      {Terms(4, {2, 2, 2}), 4, {2, 2, 2}},  // replace all, before offset
      {Terms(6, {2}), 5, {1, 2}},           // truncate then append
      {Terms(7, {2, 2}), 5, {1, 1, 2, 2}},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    Unstable u;
    u.offset = 5;
    u.entries = Terms(5, {1, 1});
    u.TruncateAndAppend(cases[i].ents);
    EXPECT_EQ(u.offset, cases[i].want_offset) << "case " << i;
    ASSERT_EQ(u.entries.size(), cases[i].want_terms.size()) << "case " << i;
    for (size_t k = 0; k < u.entries.size(); k++) {
      EXPECT_EQ(u.entries[k].term(), cases[i].want_terms[k]) << "case " << i;
      EXPECT_EQ(u.entries[k].index(), u.offset + k);
    }
  }
}

TEST(UnstableTest, RestoreAndSnapshotTerm) {
  Unstable u;
  u.offset = 5;
  u.entries = Terms(5, {1});
  raftpb::Snapshot s;
  s.mutable_metadata()->set_index(6);
  s.mutable_metadata()->set_term(2);
  u.Restore(s);
  EXPECT_EQ(u.offset, 7u);
  EXPECT_TRUE(u.entries.empty());
  EXPECT_EQ(u.MaybeTerm(6).value_or(0), 2u);
  EXPECT_EQ(u.MaybeFirstIndex().value_or(0), 7u);
  EXPECT_EQ(u.MaybeLastIndex().value_or(0), 6u);
  u.StableSnapTo(6);
  EXPECT_FALSE(u.snapshot.has_value());
}

struct LogFixture {
  MemoryStorage storage;
  std::unique_ptr<RaftLog> log;
  explicit LogFixture(std::vector<raftpb::Entry> stable = {}, uint64_t max = kNoLimit) {
    EXPECT_TRUE(storage.Append(stable).ok());
    log = std::make_unique<RaftLog>(&storage, max);
  }
};

TEST(RaftLogTest, FindConflict) {
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t want;
  };
  const std::vector<Case> cases = {
      {{}, 0},
      {Terms(1, {1, 2, 3}), 0},
      {Terms(2, {2, 3}), 0},
      {Terms(1, {1, 2, 3, 4, 4}), 4},  // extends the log
      {Terms(3, {3, 4, 4}), 4},
      {Terms(1, {4, 4}), 1},            // conflicts
      {Terms(2, {1, 4, 4}), 2},
      {Terms(3, {1, 2, 4, 4}), 3},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    LogFixture f;
    uint64_t last;
    ASSERT_TRUE(f.log->Append(Terms(1, {1, 2, 3}), &last).ok());
    EXPECT_EQ(f.log->FindConflict(cases[i].ents), cases[i].want) << "case " << i;
  }
}

TEST(RaftLogTest, FindConflictByTerm) {
  // Log: index 1..6 with terms 2 2 5 5 5 7 on top of a snapshot at (0,0).
  LogFixture f(Terms(1, {2, 2, 5, 5, 5, 7}));
  struct Case {
    uint64_t index, term, want_index, want_term;
  };
  const std::vector<Case> cases = {
      {6, 9, 6, 7}, {6, 7, 6, 7}, {6, 6, 5, 5}, {6, 5, 5, 5},
      {6, 4, 2, 2}, {6, 2, 2, 2}, {6, 1, 0, 0}, {3, 4, 2, 2},
      {1, 2, 1, 2}, {0, 0, 0, 0},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    auto [idx, term] = f.log->FindConflictByTerm(cases[i].index, cases[i].term);
    EXPECT_EQ(idx, cases[i].want_index) << "case " << i;
    EXPECT_EQ(term, cases[i].want_term) << "case " << i;
  }
}

TEST(RaftLogTest, MaybeAppend) {
  const std::vector<raftpb::Entry> prev = Terms(1, {1, 2, 3});
  struct Case {
    uint64_t log_term, index, committed;
    std::vector<raftpb::Entry> ents;
    bool want_ok;
    uint64_t want_last, want_commit;
    bool want_error;
  };
  const std::vector<Case> cases = {
      // term mismatch: nothing appended
      {2, 3, 3, Terms(4, {4}), false, 0, 1, false},
      // index beyond the log
      {3, 4, 3, Terms(5, {4}), false, 0, 1, false},
      // match, no new entries; commit bounded by the last new index
      {3, 3, 3, {}, true, 3, 3, false},
      {3, 3, 4, {}, true, 3, 3, false},
      {3, 3, 2, {}, true, 3, 2, false},
      {3, 3, 0, {}, true, 3, 1, false},  // commit never goes back
      // match, new entries
      {3, 3, 3, Terms(4, {4}), true, 4, 3, false},
      {3, 3, 5, Terms(4, {4, 4}), true, 5, 5, false},
      // a conflict after the commit index replaces the tail
      {1, 1, 3, Terms(2, {4}), true, 2, 2, false},
      // a conflict at or below the commit index is an error
      {1, 1, 3, Terms(2, {4}), false, 0, 0, true},
  };
  for (size_t i = 0; i < cases.size(); i++) {
    LogFixture f;
    uint64_t last;
    ASSERT_TRUE(f.log->Append(prev, &last).ok());
    ASSERT_TRUE(f.log->CommitTo(cases[i].want_error ? 2 : 1).ok());
    bool ok = false;
    uint64_t last_new = 0;
    nokv::Status s = f.log->MaybeAppend(cases[i].index, cases[i].log_term, cases[i].committed,
                                        cases[i].ents, &last_new, &ok);
    if (cases[i].want_error) {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      continue;
    }
    ASSERT_TRUE(s.ok()) << "case " << i;
    EXPECT_EQ(ok, cases[i].want_ok) << "case " << i;
    if (ok) {
      EXPECT_EQ(last_new, cases[i].want_last) << "case " << i;
    }
    EXPECT_EQ(f.log->committed(), cases[i].want_commit) << "case " << i;
  }
}

TEST(RaftLogTest, IsUpToDate) {
  LogFixture f(Terms(1, {1, 2, 3}));
  EXPECT_TRUE(f.log->IsUpToDate(2, 4));   // higher term wins
  EXPECT_FALSE(f.log->IsUpToDate(5, 2));  // lower term loses
  EXPECT_TRUE(f.log->IsUpToDate(3, 3));   // same term, same length
  EXPECT_TRUE(f.log->IsUpToDate(4, 3));   // same term, longer
  EXPECT_FALSE(f.log->IsUpToDate(2, 3));  // same term, shorter
}

TEST(RaftLogTest, NextEntriesRespectAppliedAndSizeLimit) {
  const uint64_t one = MakeEntry(1, 1).ByteSizeLong();
  LogFixture f(Terms(1, {1, 1, 1}), 2 * one);
  uint64_t last;
  ASSERT_TRUE(f.log->Append(Terms(4, {1, 1}), &last).ok());  // unstable 4..5
  ASSERT_TRUE(f.log->CommitTo(5).ok());
  std::vector<raftpb::Entry> ents;
  ASSERT_TRUE(f.log->NextEntries(&ents).ok());
  ASSERT_EQ(ents.size(), 2u);
  EXPECT_EQ(ents[0].index(), 1u);
  f.log->AppliedTo(2);
  ASSERT_TRUE(f.log->NextEntries(&ents).ok());
  ASSERT_EQ(ents.size(), 2u);  // crosses storage into the unstable tail
  EXPECT_EQ(ents[0].index(), 3u);
  EXPECT_EQ(ents[1].index(), 4u);
  f.log->AppliedTo(5);
  EXPECT_FALSE(f.log->HasNextEntries());
}

TEST(RaftLogTest, CommitBeyondLastIndexIsAnError) {
  LogFixture f(Terms(1, {1, 2}));
  EXPECT_TRUE(f.log->CommitTo(2).ok());
  EXPECT_TRUE(f.log->CommitTo(3).IsCorruption());
  EXPECT_EQ(f.log->committed(), 2u);
  EXPECT_TRUE(f.log->CommitTo(1).ok());  // never decreases
  EXPECT_EQ(f.log->committed(), 2u);
}

TEST(RaftLogTest, AppendBelowCommitIsAnError) {
  LogFixture f(Terms(1, {1, 2}));
  ASSERT_TRUE(f.log->CommitTo(2).ok());
  uint64_t last;
  EXPECT_TRUE(f.log->Append(Terms(2, {3}), &last).IsCorruption());
  EXPECT_TRUE(f.log->Append(Terms(3, {3}), &last).ok());
  EXPECT_EQ(last, 3u);
}

TEST(RaftLogTest, CompactedStorage) {
  LogFixture f(Terms(1, {1, 1, 2, 2, 3}));
  ASSERT_TRUE(f.log->CommitTo(5).ok());
  f.log->AppliedTo(5);
  ASSERT_TRUE(f.storage.CreateSnapshot(3, nullptr, "s").ok());
  ASSERT_TRUE(f.storage.Compact(3).ok());
  EXPECT_EQ(f.log->FirstIndex(), 4u);
  EXPECT_EQ(f.log->LastIndex(), 5u);
  uint64_t t = 0;
  ASSERT_TRUE(f.log->Term(3, &t).ok());  // the compaction point keeps its term
  EXPECT_EQ(t, 2u);
  ASSERT_TRUE(f.log->Term(2, &t).ok());  // below: 0, like etcd's out-of-range
  EXPECT_EQ(t, 0u);
  std::vector<raftpb::Entry> ents;
  EXPECT_TRUE(f.log->Slice(2, 5, kNoLimit, &ents).IsCompacted());
  ASSERT_TRUE(f.log->Slice(4, 6, kNoLimit, &ents).ok());
  EXPECT_EQ(ents.size(), 2u);
  EXPECT_TRUE(f.log->Slice(4, 7, kNoLimit, &ents).IsUnavailable());
}

TEST(RaftLogTest, RestoreFromSnapshot) {
  LogFixture f(Terms(1, {1, 1}));
  raftpb::Snapshot s;
  s.mutable_metadata()->set_index(10);
  s.mutable_metadata()->set_term(4);
  f.log->Restore(s);
  EXPECT_EQ(f.log->committed(), 10u);
  EXPECT_EQ(f.log->LastIndex(), 10u);
  EXPECT_EQ(f.log->FirstIndex(), 11u);
  EXPECT_EQ(f.log->LastTerm(), 4u);
  EXPECT_TRUE(f.log->HasPendingSnapshot());
}

}  // namespace
}  // namespace nokv::raft
