// Snapshots and log compaction of a replicated PD (3 members in one process,
// pd_replication_test_fixture.h): the log is compacted every N entries, a
// restarted member comes back from its snapshot plus the log after it, a
// member whose position was compacted away catches up by the leader's
// snapshot (and can lead after), and a damaged snapshot file is refused.
#include <fmt/core.h>

#include <filesystem>
#include <fstream>

#include "pd/pd_replication_test_fixture.h"
#include "pd/raft_snapshot.h"

namespace nokv::pd {
namespace {

constexpr uint64_t kCompactEntries = 40;
constexpr uint64_t kKeepEntries = 5;

class PdSnapshotTest : public testing::PdReplicationTest {
 protected:
  PdSnapshotTest() {
    compact_entries_ = kCompactEntries;
    keep_entries_ = kKeepEntries;
  }

  // Bootstraps (store 1, region 2 over everything), then splits the last
  // region `splits` times (two entries each) and registers `stores` more
  // stores (one entry each).
  void Populate(PdClient* client, int splits, int stores) {
    ASSERT_TRUE(client->Bootstrap(testing::MakeStore(1), testing::MakeRegion(2, "", "")).ok());
    uint64_t last_id = 2;
    std::string start;
    for (int i = 1; i <= splits; ++i) {
      const std::string key = fmt::format("k{:05}", i);
      Status s = client->ReportSplit(testing::MakeRegion(last_id, start, key, i + 1),
                                     testing::MakeRegion(1000 + i, key, "", i + 1));
      ASSERT_TRUE(s.ok()) << s.ToString();
      last_id = 1000 + i;
      start = key;
    }
    for (int i = 0; i < stores; ++i) {
      Status s = client->PutStore(testing::MakeStore(next_store_++));
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }

  // Waits until every running member's durable state equals `member`'s.
  bool WaitForEqualStates(int member, std::string* state) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      *state = running_[member].pd->SnapshotReplicated();
      bool equal = true;
      for (int i = 0; i < 3; ++i) {
        if (running_[i].pd) equal &= running_[i].pd->SnapshotReplicated() == *state;
      }
      if (equal) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

  // Waits until every running member's durable state is `expected`.
  bool WaitForState(const std::string& expected) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      bool equal = true;
      for (int i = 0; i < 3; ++i) {
        if (running_[i].pd) equal &= running_[i].pd->SnapshotReplicated() == expected;
      }
      if (equal) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

  static pdstatepb::StateSnapshot Decode(const std::string& data) {
    pdstatepb::StateSnapshot snap;
    EXPECT_TRUE(DecodeSnapshotData(data, &snap).ok());
    return snap;
  }

  uint64_t next_store_ = 3;
};

TEST_F(PdSnapshotTest, LogIsCompactedEveryNEntries) {
  ASSERT_GE(WaitForLeader(), 0);
  auto client = Client();
  Populate(client.get(), 20, 100);  // ~140 entries: several snapshots
  std::string state;
  ASSERT_TRUE(WaitForEqualStates(0, &state));
  for (int i = 0; i < 3; ++i) {
    PdReplicator* r = running_[i].raft.get();
    EXPECT_GE(r->snapshots_taken(), 2u) << "member " << i;
    EXPECT_GT(r->snapshot_index(), kCompactEntries) << "member " << i;
    // The first index advanced and what is left on disk is bounded by
    // N + the kept tail (+ the entries applied since the last snapshot).
    EXPECT_GT(r->log_first_index(), kCompactEntries / 2) << "member " << i;
    EXPECT_EQ(r->log_first_index(), r->snapshot_index() - kKeepEntries + 1) << "member " << i;
    EXPECT_LE(r->log_last_index() - r->log_first_index() + 1, kCompactEntries + kKeepEntries)
        << "member " << i;
    EXPECT_TRUE(std::filesystem::exists(SnapshotFilePath(dirs_[i].path())));
  }
  const pdstatepb::StateSnapshot snap = Decode(state);
  EXPECT_EQ(snap.stores_size(), 101);
  EXPECT_EQ(snap.regions_size(), 21);
}

TEST_F(PdSnapshotTest, RestartAfterCompactionRestoresStateAndTimestampsContinue) {
  ASSERT_GE(WaitForLeader(), 0);
  auto client = Client();
  Populate(client.get(), 10, 60);
  uint64_t last_ts = 0;
  for (int i = 0; i < 50; ++i) last_ts = client->GetTimestamp().value();
  const uint64_t last_id = client->AllocID().value();
  std::string before;
  ASSERT_TRUE(WaitForEqualStates(0, &before));
  uint64_t snapshot_index[3];
  for (int i = 0; i < 3; ++i) {
    snapshot_index[i] = running_[i].raft->snapshot_index();
    ASSERT_GT(running_[i].raft->log_first_index(), 1u);  // the early log is gone
    running_[i].Stop();
  }
  for (int i = 0; i < 3; ++i) StartMember(i);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(running_[i].raft->snapshot_index(), snapshot_index[i]);
  }
  // Before any new command: every member rebuilt exactly the old state
  // (catalog and bounds) from its snapshot and the log after it.
  EXPECT_TRUE(WaitForState(before));
  EXPECT_EQ(Decode(before).stores_size(), 61);
  EXPECT_EQ(Decode(before).regions_size(), 11);

  for (int i = 0; i < 50; ++i) {
    Result<uint64_t> ts = client->GetTimestamp();
    ASSERT_TRUE(ts.ok()) << ts.status().ToString();
    ASSERT_GT(*ts, last_ts);
    last_ts = *ts;
  }
  Result<uint64_t> id = client->AllocID();
  ASSERT_TRUE(id.ok());
  EXPECT_GT(*id, last_id);
}

TEST_F(PdSnapshotTest, LaggingMemberCatchesUpBySnapshotAndCanLead) {
  const int leader = WaitForLeader();
  ASSERT_GE(leader, 0);
  auto client = Client();
  Populate(client.get(), 2, 2);
  std::string state;
  ASSERT_TRUE(WaitForEqualStates(leader, &state));
  const int lagging = (leader + 1) % 3;
  const uint64_t lagging_last = running_[lagging].raft->log_last_index();
  running_[lagging].Stop();

  // The others commit more than N entries: the lagging member's next entry
  // is compacted away on the leader.
  uint64_t last_ts = 0;
  for (int i = 0; i < 20; ++i) last_ts = client->GetTimestamp().value();
  uint64_t last_id = client->AllocID().value();
  for (uint64_t i = 0; i < 2 * kCompactEntries; ++i) {
    ASSERT_TRUE(client->PutStore(testing::MakeStore(next_store_++)).ok());
  }
  ASSERT_GT(running_[leader].raft->log_first_index(), lagging_last + 1);

  const auto restarted = std::chrono::steady_clock::now();
  StartMember(lagging);
  ASSERT_TRUE(WaitForEqualStates(leader, &state));
  const double catch_up_ms = std::chrono::duration<double, std::milli>(
                                 std::chrono::steady_clock::now() - restarted)
                                 .count();
  EXPECT_GE(running_[lagging].raft->snapshots_installed(), 1u);
  EXPECT_GT(running_[lagging].raft->snapshot_index(), lagging_last);
  EXPECT_EQ(Decode(running_[lagging].pd->SnapshotReplicated()).stores_size(),
            static_cast<int>(next_store_ - 2));
  std::printf("pd snapshot catch-up: %.0f ms for a %zu-byte state\n", catch_up_ms,
              state.size());

  // The caught-up member can lead and serves above everything served before.
  running_[leader].raft->TransferLeader(members_[lagging].member_id());
  bool leads = false;
  for (int attempt = 0; attempt < 200 && !leads; ++attempt) {
    leads = running_[lagging].pd->is_leader();
    if (!leads) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(leads);
  for (int i = 0; i < 50; ++i) {
    pdpb::TsoResponse r = running_[lagging].pd->Tso({});
    ASSERT_FALSE(r.header().has_error()) << r.header().error().message();
    ASSERT_GT(r.first(), last_ts);
    last_ts = r.first();
  }
  pdpb::AllocIDResponse id = running_[lagging].pd->AllocID({});
  ASSERT_FALSE(id.header().has_error()) << id.header().error().message();
  EXPECT_GT(id.id(), last_id);
  ASSERT_TRUE(client->PutStore(testing::MakeStore(next_store_++)).ok());
}

TEST_F(PdSnapshotTest, DamagedSnapshotFileIsRefusedNamingIt) {
  ASSERT_GE(WaitForLeader(), 0);
  auto client = Client();
  Populate(client.get(), 0, 2 * kCompactEntries);
  std::string state;
  ASSERT_TRUE(WaitForEqualStates(0, &state));
  const int victim = 2;
  ASSERT_GT(running_[victim].raft->snapshot_index(), 0u);
  running_[victim].Stop();
  const std::string path = SnapshotFilePath(dirs_[victim].path());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 40u);
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x5a;
  for (const std::string& damaged : {flipped, bytes.substr(0, bytes.size() - 7)}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
    ASSERT_FALSE(TryStartMember(victim));
    EXPECT_TRUE(open_error_.IsCorruption()) << open_error_.ToString();
    EXPECT_NE(open_error_.ToString().find("snapshot file " + path), std::string::npos)
        << open_error_.ToString();
    EXPECT_TRUE(std::filesystem::exists(path));  // refused, not dropped
  }
  // The remedy the error suggests: a healthy member's snapshot file in its
  // place. The member starts from it and rejoins.
  std::filesystem::copy_file(SnapshotFilePath(dirs_[(victim + 1) % 3].path()), path,
                             std::filesystem::copy_options::overwrite_existing);
  StartMember(victim);
  ASSERT_TRUE(WaitForEqualStates(0, &state));
  ASSERT_TRUE(client->PutStore(testing::MakeStore(next_store_++)).ok());
  ASSERT_TRUE(WaitForEqualStates(0, &state));
}

}  // namespace
}  // namespace nokv::pd
