// RaftLogStore with snapshots: compaction survives a reopen, and every state
// a crash can leave (new snapshot file before the log was compacted, an
// install interrupted before the old log was dropped) reopens to a log that
// the snapshot and the entries after it cover; a gap or a missing snapshot
// is Corruption.
#include "pd/raft_log_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "pd/raft_snapshot.h"
#include "testutil/test_util.h"

namespace nokv::pd {
namespace {

std::vector<raftpb::Entry> Entries(uint64_t first, uint64_t last, uint64_t term) {
  std::vector<raftpb::Entry> out;
  for (uint64_t i = first; i <= last; ++i) {
    raftpb::Entry e;
    e.set_index(i);
    e.set_term(term);
    e.set_data("entry " + std::to_string(i));
    out.push_back(e);
  }
  return out;
}

raftpb::HardState Hs(uint64_t term, uint64_t commit) {
  raftpb::HardState hs;
  hs.set_term(term);
  hs.set_commit(commit);
  return hs;
}

raftpb::Snapshot Snap(uint64_t index, uint64_t term) {
  raftpb::Snapshot s;
  s.mutable_metadata()->set_index(index);
  s.mutable_metadata()->set_term(term);
  s.mutable_metadata()->mutable_conf_state()->add_voters(1);
  s.set_data("state at " + std::to_string(index));
  return s;
}

struct Opened {
  raft::MemoryStorage memory;
  std::unique_ptr<RaftLogStore> store;
  Status status;
  explicit Opened(const std::string& dir) {
    auto r = RaftLogStore::Open(dir, &memory);
    status = r.status();
    if (r.ok()) store = std::move(r).value();
  }
  uint64_t First() const {
    uint64_t i = 0;
    EXPECT_TRUE(memory.FirstIndex(&i).ok());
    return i;
  }
  uint64_t Last() const {
    uint64_t i = 0;
    EXPECT_TRUE(memory.LastIndex(&i).ok());
    return i;
  }
};

// A log of entries 1..20 (term 1), committed up to 20.
void WriteLog(const std::string& dir) {
  Opened o(dir);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_TRUE(o.store->Save(Hs(1, 20), Entries(1, 20, 1)).ok());
}

TEST(RaftLogStoreTest, CompactionSurvivesReopen) {
  testutil::TempDir dir;
  {
    WriteLog(dir.path());
    Opened o(dir.path());
    raftpb::Snapshot snap;
    ASSERT_TRUE(o.memory.CreateSnapshot(15, nullptr, "state", &snap).ok());
    ASSERT_TRUE(o.store->SaveSnapshotAndCompact(snap, 10).ok());
    EXPECT_EQ(o.store->first_index(), 11u);
    EXPECT_EQ(o.store->snapshot_index(), 15u);
    EXPECT_EQ(o.First(), 11u);
  }
  Opened o(dir.path());
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.store->snapshot().metadata().index(), 15u);
  EXPECT_EQ(o.store->snapshot().data(), "state");
  EXPECT_EQ(o.store->first_index(), 11u);  // the kept tail is still on disk
  EXPECT_EQ(o.First(), 16u);               // Raft reads from after the snapshot
  EXPECT_EQ(o.Last(), 20u);
  std::vector<raftpb::Entry> got;
  ASSERT_TRUE(o.memory.Entries(16, 21, raft::kNoLimit, &got).ok());
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].data(), "entry 16");
}

TEST(RaftLogStoreTest, SnapshotSavedButLogNotYetCompacted) {
  testutil::TempDir dir;
  WriteLog(dir.path());
  // A crash right after the new snapshot file, before any entry went.
  ASSERT_TRUE(WriteSnapshotFile(NewPosixFileSystem().get(), dir.path(), Snap(15, 1)).ok());
  Opened o(dir.path());
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.First(), 16u);
  EXPECT_EQ(o.Last(), 20u);
  EXPECT_EQ(o.store->first_index(), 1u);
}

TEST(RaftLogStoreTest, InterruptedInstallDropsTheSupersededLog) {
  for (const raftpb::Snapshot& snap : {Snap(25, 3), Snap(15, 2)}) {  // beyond; conflicting term
    testutil::TempDir dir;
    WriteLog(dir.path());
    ASSERT_TRUE(WriteSnapshotFile(NewPosixFileSystem().get(), dir.path(), snap).ok());
    {
      Opened o(dir.path());
      ASSERT_TRUE(o.status.ok()) << o.status.ToString();
      EXPECT_EQ(o.First(), snap.metadata().index() + 1);
      EXPECT_EQ(o.Last(), snap.metadata().index());
      raftpb::HardState hs;
      raftpb::ConfState cs;
      ASSERT_TRUE(o.memory.InitialState(&hs, &cs).ok());
      EXPECT_EQ(hs.commit(), std::max<uint64_t>(20, snap.metadata().index()));
      EXPECT_EQ(hs.term(), snap.metadata().term());
      EXPECT_EQ(cs.voters_size(), 1);
    }
    Opened again(dir.path());  // the old entries are gone from disk too
    ASSERT_TRUE(again.status.ok());
    EXPECT_GT(again.store->first_index(), again.store->last_index());
  }
}

TEST(RaftLogStoreTest, InstallReplacesTheLog) {
  testutil::TempDir dir;
  WriteLog(dir.path());
  {
    Opened o(dir.path());
    ASSERT_TRUE(o.store->InstallSnapshot(Snap(30, 2)).ok());
    ASSERT_TRUE(o.store->Save(Hs(2, 31), Entries(31, 32, 2)).ok());
  }
  Opened o(dir.path());
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.store->first_index(), 31u);
  EXPECT_EQ(o.First(), 31u);
  EXPECT_EQ(o.Last(), 32u);
}

TEST(RaftLogStoreTest, GapOrMissingSnapshotIsCorruption) {
  testutil::TempDir dir;
  {
    WriteLog(dir.path());
    Opened o(dir.path());
    raftpb::Snapshot snap;
    ASSERT_TRUE(o.memory.CreateSnapshot(15, nullptr, "state", &snap).ok());
    ASSERT_TRUE(o.store->SaveSnapshotAndCompact(snap, 12).ok());  // disk keeps 13..20
  }
  // An older snapshot than the log's start: entries 6..12 are missing.
  ASSERT_TRUE(WriteSnapshotFile(NewPosixFileSystem().get(), dir.path(), Snap(5, 1)).ok());
  {
    Opened o(dir.path());
    EXPECT_TRUE(o.status.IsCorruption()) << o.status.ToString();
  }
  std::filesystem::remove(SnapshotFilePath(dir.path()));
  Opened o(dir.path());
  EXPECT_TRUE(o.status.IsCorruption()) << o.status.ToString();
  EXPECT_NE(o.status.ToString().find(SnapshotFilePath(dir.path())), std::string::npos);
}

TEST(RaftSnapshotTest, DataChecksumIsVerified) {
  pdstatepb::StateSnapshot state;
  state.set_tso_bound(42);
  std::string data = EncodeSnapshotData(state);
  pdstatepb::StateSnapshot back;
  ASSERT_TRUE(DecodeSnapshotData(data, &back).ok());
  EXPECT_EQ(back.tso_bound(), 42u);
  pdstatepb::SnapshotData d;
  ASSERT_TRUE(d.ParseFromString(data));
  d.mutable_state()->back() ^= 1;
  EXPECT_TRUE(DecodeSnapshotData(d.SerializeAsString(), &back).IsCorruption());
}

}  // namespace
}  // namespace nokv::pd
