// A real 3-replica raft group (lib/raft RawNodes) whose logs live in
// PeerStorage over three RaftLogEngines: proposals commit, a replica restarted
// from its engine alone rebuilds the same applied sequence, and a replica
// whose log was compacted past a lagging peer's position still lets it
// catch up through the snapshot path.
#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "raft/raft.h"
#include "raftstore/peer_storage.h"
#include "testutil/test_util.h"

namespace nokv::raftstore {
namespace {

constexpr uint64_t kRegion = 9;

struct Replica {
  std::unique_ptr<RaftLogEngine> engine;
  std::unique_ptr<PeerStorage> storage;
  std::unique_ptr<raft::RawNode> node;
  std::vector<std::string> applied;  // data of applied normal entries, in order
  uint64_t applied_index = 0;
};

class RaftGroup {
 public:
  explicit RaftGroup(const std::string& dir) : dir_(dir) {
    for (uint64_t id = 1; id <= 3; id++) Start(id);
  }

  void Start(uint64_t id) {
    Replica& r = replicas_[id];
    r = Replica();
    ASSERT_TRUE(RaftLogEngine::Open({}, dir_ + "/store" + std::to_string(id), &r.engine).ok());
    RegionRaftState state;
    ASSERT_TRUE(r.engine->Load(kRegion, &state).ok());
    raftpb::ConfState voters;
    for (uint64_t v = 1; v <= 3; v++) voters.add_voters(v);
    Replica* self = &r;
    r.storage = std::make_unique<PeerStorage>(
        kRegion, r.engine.get(), state, voters, [self](raftpb::Snapshot* snap) {
          // The state machine is the applied list; ship it whole.
          snap->mutable_metadata()->set_index(self->applied_index);
          uint64_t term = 0;
          Status s = self->storage->Term(self->applied_index, &term);
          if (!s.ok()) return s;
          snap->mutable_metadata()->set_term(term);
          for (uint64_t v = 1; v <= 3; v++) snap->mutable_metadata()->mutable_conf_state()->add_voters(v);
          std::string data;
          for (const std::string& d : self->applied) data += d + "\n";
          snap->set_data(data);
          return Status::OK();
        });
    raft::Config config;
    config.id = id;
    config.election_tick = 10;
    config.heartbeat_tick = 1;
    config.storage = r.storage.get();
    config.seed = 42;
    ASSERT_TRUE(raft::RawNode::Create(config, &r.node).ok());
  }

  void Stop(uint64_t id) { down_.insert(id); replicas_[id] = Replica(); }
  void Restart(uint64_t id) { down_.erase(id); Start(id); }

  // Runs ready rounds until nothing moves.
  void Stabilize() {
    for (int round = 0; round < 1000; round++) {
      bool moved = false;
      for (auto& [id, r] : replicas_) {
        if (down_.count(id) || !r.node->HasReady()) continue;
        moved = true;
        raft::Ready rd;
        ASSERT_TRUE(r.node->GetReady(&rd).ok());
        RaftLogBatch batch;
        if (!raft::IsEmptySnapshot(rd.snapshot)) {
          ASSERT_TRUE(r.storage->ApplySnapshot(rd.snapshot.metadata(), &batch).ok());
          r.applied.clear();
          std::string data = rd.snapshot.data();
          for (size_t p = 0, q; (q = data.find('\n', p)) != std::string::npos; p = q + 1) {
            r.applied.push_back(data.substr(p, q - p));
          }
          r.applied_index = rd.snapshot.metadata().index();
        }
        ASSERT_TRUE(r.storage->Append(rd.entries, &batch).ok());
        if (!raft::IsEmptyHardState(rd.hard_state)) r.storage->SetHardState(rd.hard_state, &batch);
        ASSERT_TRUE(r.engine->Write(&batch).ok());
        for (raftpb::Message& m : rd.messages) {
          if (m.type() == raftpb::MsgSnap && down_.count(m.to()) == 0) {
            // Delivered below; report it done so the leader resumes.
            r.node->ReportSnapshot(m.to(), raft::SnapshotStatus::kFinish);
          }
          inflight_.push_back(std::move(m));
        }
        for (const raftpb::Entry& e : rd.committed_entries) {
          if (e.type() == raftpb::EntryNormal && !e.data().empty()) r.applied.push_back(e.data());
          r.applied_index = e.index();
        }
        r.node->Advance(rd);
      }
      while (!inflight_.empty()) {
        raftpb::Message m = std::move(inflight_.front());
        inflight_.pop_front();
        if (down_.count(m.to())) continue;
        moved = true;
        r(m.to()).node->Step(m).ok();
      }
      if (!moved) return;
    }
    FAIL() << "the group did not stabilize";
  }

  void Elect(uint64_t id) {
    ASSERT_TRUE(r(id).node->Campaign().ok());
    Stabilize();
    ASSERT_EQ(r(id).node->GetSoftState().raft_state, raft::StateType::kLeader);
  }

  Replica& r(uint64_t id) { return replicas_[id]; }

 private:
  std::string dir_;
  std::map<uint64_t, Replica> replicas_;
  std::set<uint64_t> down_;
  std::deque<raftpb::Message> inflight_;
};

TEST(PeerStorageRaftTest, ReplicasRestartFromTheirLogEngines) {
  testutil::TempDir dir;
  RaftGroup group(dir.path());
  group.Elect(1);
  for (int i = 0; i < 50; i++) {
    ASSERT_TRUE(group.r(1).node->Propose("put-" + std::to_string(i)).ok());
    if (i % 7 == 0) group.Stabilize();
  }
  group.Stabilize();
  ASSERT_EQ(group.r(1).applied.size(), 50u);
  EXPECT_EQ(group.r(2).applied, group.r(1).applied);
  EXPECT_EQ(group.r(3).applied, group.r(1).applied);

  // Replica 3 restarts from disk only: it replays its committed log.
  const std::vector<std::string> before = group.r(3).applied;
  group.Stop(3);
  group.Restart(3);
  EXPECT_TRUE(group.r(3).applied.empty());
  for (int i = 50; i < 60; i++) ASSERT_TRUE(group.r(1).node->Propose("put-" + std::to_string(i)).ok());
  group.Stabilize();
  ASSERT_EQ(group.r(3).applied.size(), 60u);
  EXPECT_EQ(group.r(3).applied, group.r(1).applied);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), group.r(3).applied.begin()));
}

TEST(PeerStorageRaftTest, LaggingReplicaCatchesUpBySnapshotAfterCompaction) {
  testutil::TempDir dir;
  RaftGroup group(dir.path());
  group.Elect(1);
  group.Stop(3);
  for (int i = 0; i < 40; i++) ASSERT_TRUE(group.r(1).node->Propose("v" + std::to_string(i)).ok());
  group.Stabilize();
  // The leader compacts everything it applied: replica 3 can only be
  // repaired by a snapshot now.
  RaftLogBatch batch;
  ASSERT_TRUE(group.r(1).storage->Compact(group.r(1).applied_index, &batch).ok());
  ASSERT_TRUE(group.r(1).engine->Write(&batch).ok());
  group.Restart(3);
  for (int i = 40; i < 45; i++) ASSERT_TRUE(group.r(1).node->Propose("v" + std::to_string(i)).ok());
  group.Stabilize();
  for (int tick = 0; tick < 5; tick++) {
    group.r(1).node->Tick();
    group.Stabilize();
  }
  ASSERT_EQ(group.r(3).applied.size(), 45u);
  EXPECT_EQ(group.r(3).applied, group.r(1).applied);
  // Its own log restarted after the snapshot, on disk too.
  RegionRaftState state;
  ASSERT_TRUE(group.r(3).engine->Load(kRegion, &state).ok());
  EXPECT_GE(state.snapshot.index(), 40u);
}

}  // namespace
}  // namespace nokv::raftstore
