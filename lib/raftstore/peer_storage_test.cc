// Tests of the durable raft log: RaftLogEngine (layout, one fsync per round,
// reload, crash atomicity) and PeerStorage (raft::Storage semantics, conflict
// replacement, compaction, snapshot reset, the entry cache, a real RawNode
// restarting from it).
#include "raftstore/peer_storage.h"

#include <gtest/gtest.h>

#include <map>

#include "base/random.h"
#include "testutil/test_util.h"
#include "vfs/fault_file_system.h"
#include "vfs/file_system.h"

namespace nokv::raftstore {
namespace {

using testutil::TempDir;

raftpb::Entry Ent(uint64_t index, uint64_t term, std::string data = "") {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(data.empty() ? "v" + std::to_string(index) + "t" + std::to_string(term) : data);
  return e;
}

std::vector<raftpb::Entry> Ents(uint64_t lo, uint64_t hi, uint64_t term) {
  std::vector<raftpb::Entry> out;
  for (uint64_t i = lo; i <= hi; i++) out.push_back(Ent(i, term));
  return out;
}

raftpb::HardState Hs(uint64_t term, uint64_t vote, uint64_t commit) {
  raftpb::HardState hs;
  hs.set_term(term);
  hs.set_vote(vote);
  hs.set_commit(commit);
  return hs;
}

raftpb::ConfState Voters(std::initializer_list<uint64_t> ids) {
  raftpb::ConfState cs;
  for (uint64_t id : ids) cs.add_voters(id);
  return cs;
}

class PeerStorageTest : public ::testing::Test {
 protected:
  void OpenEngine(std::shared_ptr<FileSystem> fs = nullptr) {
    engine_.reset();
    RaftLogEngine::Options options;
    options.fs = std::move(fs);
    ASSERT_TRUE(RaftLogEngine::Open(options, dir_.path() + "/raft", &engine_).ok());
  }
  std::unique_ptr<PeerStorage> Peer(uint64_t region, PeerStorage::Options options = {}) {
    RegionRaftState state;
    EXPECT_TRUE(engine_->Load(region, &state).ok());
    return std::make_unique<PeerStorage>(region, engine_.get(), state, Voters({1, 2, 3}),
                                         nullptr, options);
  }
  // Every entry in [lo, hi] reads back with the given term.
  void ExpectEntries(PeerStorage* ps, uint64_t lo, uint64_t hi, uint64_t term) {
    std::vector<raftpb::Entry> got;
    ASSERT_TRUE(ps->Entries(lo, hi + 1, raft::kNoLimit, &got).ok());
    ASSERT_EQ(got.size(), hi - lo + 1);
    for (uint64_t i = lo; i <= hi; i++) {
      EXPECT_EQ(got[i - lo].index(), i);
      EXPECT_EQ(got[i - lo].term(), term) << "index " << i;
      EXPECT_EQ(got[i - lo].data(), Ent(i, term).data());
    }
  }

  TempDir dir_;
  std::unique_ptr<RaftLogEngine> engine_;
};

TEST_F(PeerStorageTest, FreshRegionIsEmpty) {
  OpenEngine();
  auto ps = Peer(7);
  uint64_t first = 0, last = 0, term = 99;
  ASSERT_TRUE(ps->FirstIndex(&first).ok());
  ASSERT_TRUE(ps->LastIndex(&last).ok());
  EXPECT_EQ(first, 1u);
  EXPECT_EQ(last, 0u);
  ASSERT_TRUE(ps->Term(0, &term).ok());
  EXPECT_EQ(term, 0u);
  EXPECT_TRUE(ps->Term(1, &term).IsUnavailable());
  raftpb::HardState hs;
  raftpb::ConfState cs;
  ASSERT_TRUE(ps->InitialState(&hs, &cs).ok());
  EXPECT_EQ(cs.voters_size(), 3);
  std::map<uint64_t, RegionRaftState> all;
  ASSERT_TRUE(engine_->LoadAll(&all).ok());
  EXPECT_TRUE(all.empty());
}

TEST_F(PeerStorageTest, OneRoundOfManyRegionsIsOneSyncedWrite) {
  OpenEngine();
  auto a = Peer(1);
  auto b = Peer(2);
  RaftLogBatch batch;
  ASSERT_TRUE(a->Append(Ents(1, 10, 1), &batch).ok());
  a->SetHardState(Hs(1, 1, 10), &batch);
  ASSERT_TRUE(b->Append(Ents(1, 4, 2), &batch).ok());
  b->SetHardState(Hs(2, 3, 3), &batch);
  const uint64_t syncs_before = engine_->Stats().wal_syncs;
  ASSERT_TRUE(engine_->Write(&batch).ok());
  EXPECT_EQ(engine_->writes(), 1u);
  EXPECT_EQ(engine_->Stats().wal_syncs, syncs_before + 1);
  EXPECT_TRUE(batch.empty());

  // Everything is back after a reopen.
  a.reset();
  b.reset();
  OpenEngine();
  std::map<uint64_t, RegionRaftState> all;
  ASSERT_TRUE(engine_->LoadAll(&all).ok());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].last_index, 10u);
  EXPECT_EQ(all[1].last_term, 1u);
  EXPECT_EQ(all[1].hard_state.commit(), 10u);
  EXPECT_EQ(all[2].last_index, 4u);
  EXPECT_EQ(all[2].hard_state.vote(), 3u);
  a = Peer(1);
  b = Peer(2);
  ExpectEntries(a.get(), 1, 10, 1);
  ExpectEntries(b.get(), 1, 4, 2);
  raftpb::HardState hs;
  raftpb::ConfState cs;
  ASSERT_TRUE(b->InitialState(&hs, &cs).ok());
  EXPECT_EQ(hs.term(), 2u);
  EXPECT_EQ(hs.commit(), 3u);
}

TEST_F(PeerStorageTest, ConflictingAppendReplacesTheTail) {
  OpenEngine();
  auto ps = Peer(1);
  RaftLogBatch batch;
  ASSERT_TRUE(ps->Append(Ents(1, 10, 1), &batch).ok());
  ASSERT_TRUE(engine_->Write(&batch).ok());
  // A new leader overwrites 6.. with a shorter log of term 2.
  ASSERT_TRUE(ps->Append(Ents(6, 7, 2), &batch).ok());
  ASSERT_TRUE(engine_->Write(&batch).ok());
  EXPECT_EQ(ps->last_index(), 7u);
  ExpectEntries(ps.get(), 1, 5, 1);
  ExpectEntries(ps.get(), 6, 7, 2);
  uint64_t term = 0;
  EXPECT_TRUE(ps->Term(8, &term).IsUnavailable());

  ps.reset();
  OpenEngine();
  ps = Peer(1);
  EXPECT_EQ(ps->last_index(), 7u);  // 8..10 are gone from disk too
  ExpectEntries(ps.get(), 1, 5, 1);
  ExpectEntries(ps.get(), 6, 7, 2);
  // Gaps and non-consecutive appends are refused.
  EXPECT_TRUE(ps->Append(Ents(9, 9, 2), &batch).IsInvalidArgument());
  EXPECT_TRUE(ps->Append({Ent(8, 2), Ent(10, 2)}, &batch).IsInvalidArgument());
}

TEST_F(PeerStorageTest, CompactKeepsTheTermOfTheCompactionPoint) {
  OpenEngine();
  auto ps = Peer(1);
  RaftLogBatch batch;
  ASSERT_TRUE(ps->Append(Ents(1, 5, 1), &batch).ok());
  ASSERT_TRUE(ps->Append(Ents(6, 10, 3), &batch).ok());
  ASSERT_TRUE(engine_->Write(&batch).ok());
  ASSERT_TRUE(ps->Compact(6, &batch).ok());
  ASSERT_TRUE(engine_->Write(&batch).ok());
  EXPECT_TRUE(ps->Compact(6, &batch).IsCompacted());
  EXPECT_TRUE(ps->Compact(11, &batch).IsInvalidArgument());

  for (int round = 0; round < 2; round++) {
    uint64_t first = 0, term = 0;
    ASSERT_TRUE(ps->FirstIndex(&first).ok());
    EXPECT_EQ(first, 7u);
    ASSERT_TRUE(ps->Term(6, &term).ok());
    EXPECT_EQ(term, 3u);
    EXPECT_TRUE(ps->Term(5, &term).IsCompacted());
    std::vector<raftpb::Entry> got;
    EXPECT_TRUE(ps->Entries(6, 8, raft::kNoLimit, &got).IsCompacted());
    ExpectEntries(ps.get(), 7, 10, 3);
    // The compacted entries are gone from disk, not only hidden.
    EXPECT_TRUE(engine_->Term(1, 5, &term).IsNotFound());
    ps.reset();
    OpenEngine();
    ps = Peer(1);
  }
}

TEST_F(PeerStorageTest, ApplySnapshotRestartsTheLog) {
  OpenEngine();
  auto ps = Peer(1);
  RaftLogBatch batch;
  ASSERT_TRUE(ps->Append(Ents(1, 8, 1), &batch).ok());
  ASSERT_TRUE(engine_->Write(&batch).ok());
  raftpb::SnapshotMetadata meta;
  meta.set_index(20);
  meta.set_term(4);
  *meta.mutable_conf_state() = Voters({1, 2, 4});
  ASSERT_TRUE(ps->ApplySnapshot(meta, &batch).ok());
  ASSERT_TRUE(engine_->Write(&batch).ok());
  EXPECT_TRUE(ps->ApplySnapshot(meta, &batch).IsSnapOutOfDate());
  ps.reset();
  OpenEngine();
  RegionRaftState state;
  ASSERT_TRUE(engine_->Load(1, &state).ok());
  EXPECT_EQ(state.last_index, 20u);
  EXPECT_EQ(state.last_term, 4u);
  // The snapshot's membership wins when the caller knows none.
  PeerStorage restarted(1, engine_.get(), state, raftpb::ConfState(), nullptr);
  raftpb::HardState hs;
  raftpb::ConfState cs;
  ASSERT_TRUE(restarted.InitialState(&hs, &cs).ok());
  ASSERT_EQ(cs.voters_size(), 3);
  EXPECT_EQ(cs.voters(2), 4u);
  uint64_t term = 0;
  EXPECT_TRUE(engine_->Term(1, 3, &term).IsNotFound());
  ASSERT_TRUE(restarted.Term(20, &term).ok());
  EXPECT_EQ(term, 4u);
  ASSERT_TRUE(restarted.Append(Ents(21, 22, 4), &batch).ok());
}

TEST_F(PeerStorageTest, EntryCacheAndSizeLimits) {
  OpenEngine();
  PeerStorage::Options tiny;
  tiny.entry_cache_bytes = 64;  // a few entries: most reads go to the engine
  auto ps = Peer(1, tiny);
  RaftLogBatch batch;
  for (uint64_t i = 1; i <= 200; i += 10) {
    ASSERT_TRUE(ps->Append(Ents(i, i + 9, 1), &batch).ok());
    ASSERT_TRUE(engine_->Write(&batch).ok());
  }
  EXPECT_LT(ps->cached_entries(), 10u);
  ExpectEntries(ps.get(), 1, 200, 1);
  ExpectEntries(ps.get(), 150, 200, 1);
  // max_size: at least one entry, then entries while the total fits.
  std::vector<raftpb::Entry> got;
  ASSERT_TRUE(ps->Entries(5, 100, 0, &got).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].index(), 5u);
  const uint64_t one = Ent(10, 1).ByteSizeLong();
  ASSERT_TRUE(ps->Entries(10, 200, 3 * one, &got).ok());
  EXPECT_EQ(got.size(), 3u);
  const uint64_t one_cached = Ent(195, 1).ByteSizeLong();  // 3-digit index: 1 byte more
  ASSERT_TRUE(ps->Entries(195, 201, 3 * one_cached, &got).ok());  // from the cache
  EXPECT_EQ(got.size(), 3u);
  EXPECT_TRUE(ps->Entries(195, 202, raft::kNoLimit, &got).IsUnavailable());
}

TEST_F(PeerStorageTest, DestroyRegionLeavesOthersAlone) {
  OpenEngine();
  auto a = Peer(1);
  auto b = Peer(2);
  RaftLogBatch batch;
  ASSERT_TRUE(a->Append(Ents(1, 5, 1), &batch).ok());
  a->SetHardState(Hs(1, 1, 5), &batch);
  ASSERT_TRUE(b->Append(Ents(1, 5, 1), &batch).ok());
  b->SetHardState(Hs(1, 1, 5), &batch);
  ASSERT_TRUE(engine_->Write(&batch).ok());
  batch.DestroyRegion(1);
  ASSERT_TRUE(engine_->Write(&batch).ok());
  std::map<uint64_t, RegionRaftState> all;
  ASSERT_TRUE(engine_->LoadAll(&all).ok());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->first, 2u);
  EXPECT_EQ(all[2].last_index, 5u);
  RegionRaftState gone;
  ASSERT_TRUE(engine_->Load(1, &gone).ok());
  EXPECT_EQ(gone.last_index, 0u);
}

// A crash at any point of a sequence of rounds leaves every region exactly as
// after some prefix of the rounds, and never before the last acknowledged
// one: a round is atomic and durable once Write returned.
TEST_F(PeerStorageTest, CrashAtEveryPointKeepsWholeAcknowledgedRounds) {
  auto posix = NewPosixFileSystem();
  int points = 0;
  for (uint64_t crash_at = 1; crash_at < 400; crash_at += 3) {
    TempDir dir;
    auto fs = std::make_shared<FaultFileSystem>(posix);
    RaftLogEngine::Options options;
    options.fs = fs;
    std::unique_ptr<RaftLogEngine> engine;
    ASSERT_TRUE(RaftLogEngine::Open(options, dir.path() + "/raft", &engine).ok());
    fs->CrashAtMutatingOp(fs->MutatingOps() + crash_at);
    // Round r appends entry r of term (r/7 + 1) to regions 1 and 2, rewrites
    // the tail every 7th round, compacts every 11th.
    std::map<uint64_t, std::unique_ptr<PeerStorage>> peers;
    for (uint64_t region : {1, 2}) {
      peers[region] = std::make_unique<PeerStorage>(region, engine.get(), RegionRaftState{},
                                                    Voters({1}), nullptr);
    }
    int acked = 0;
    bool finished = true;
    for (int r = 1; r <= 40; r++) {
      RaftLogBatch batch;
      for (auto& [region, ps] : peers) {
        const uint64_t index = ps->last_index() + 1;
        ASSERT_TRUE(ps->Append({Ent(index, r)}, &batch).ok());
        ps->SetHardState(Hs(r, region, index), &batch);
        if (r % 11 == 0) {
          ASSERT_TRUE(ps->Compact(index - 2, &batch).ok());
        }
      }
      if (!engine->Write(&batch).ok()) {
        finished = false;
        break;
      }
      acked = r;
    }
    peers.clear();
    engine.reset();
    ASSERT_TRUE(fs->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
    if (finished) break;  // the crash point lies beyond the workload
    points++;
    ASSERT_TRUE(RaftLogEngine::Open(RaftLogEngine::Options{posix}, dir.path() + "/raft", &engine)
                    .ok())
        << "crash point " << crash_at;
    std::map<uint64_t, RegionRaftState> all;
    ASSERT_TRUE(engine->LoadAll(&all).ok());
    for (uint64_t region : {1, 2}) {
      const RegionRaftState& st = all[region];
      // Recovered round: the hard state's term; rounds are all or nothing.
      const uint64_t round = st.hard_state.term();
      EXPECT_GE(round, static_cast<uint64_t>(acked)) << "crash point " << crash_at;
      EXPECT_LE(round, static_cast<uint64_t>(acked) + 1) << "crash point " << crash_at;
      EXPECT_EQ(st.last_index, round) << "crash point " << crash_at;
      EXPECT_EQ(st.last_term, round) << "crash point " << crash_at;
      if (round == 0) continue;
      PeerStorage ps(region, engine.get(), st, Voters({1}), nullptr);
      std::vector<raftpb::Entry> got;
      ASSERT_TRUE(ps.Entries(ps.first_index(), round + 1, raft::kNoLimit, &got).ok());
      for (const raftpb::Entry& e : got) EXPECT_EQ(e.term(), e.index());
    }
  }
  EXPECT_GT(points, 20);
}

}  // namespace
}  // namespace nokv::raftstore
