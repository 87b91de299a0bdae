// A 3-member replicated PD in one process (each member with its own gRPC
// server on 127.0.0.1 and its own Raft log): one leader serves, followers
// answer NOT_LEADER, durable changes reach every member, and after the
// leader is stopped a new one serves timestamps above every earlier one.
#include "pd/pd_replication_test_fixture.h"

namespace nokv::pd {
namespace {

using testing::PdReplicationTest;

TEST_F(PdReplicationTest, OneLeaderServesAndChangesReachEveryMember) {
  const int leader = WaitForLeader();
  ASSERT_GE(leader, 0);
  const int follower = (leader + 1) % 3;
  pdpb::TsoResponse r = running_[follower].pd->Tso({});
  EXPECT_EQ(r.header().error().type(), pdpb::NOT_LEADER);
  EXPECT_EQ(r.header().leader_address(), members_[leader].address());

  auto client = Client();
  uint64_t last = 0;
  for (int i = 0; i < 100; ++i) {
    Result<uint64_t> ts = client->GetTimestamp();
    ASSERT_TRUE(ts.ok()) << ts.status().ToString();
    ASSERT_GT(*ts, last);
    last = *ts;
  }
  ASSERT_TRUE(client->Bootstrap(testing::MakeStore(1), testing::MakeRegion(2, "", "")).ok());
  ASSERT_TRUE(client->PutStore(testing::MakeStore(3)).ok());
  for (int i = 0; i < 3; ++i) {  // applied on every member
    bool seen = false;
    for (int attempt = 0; attempt < 100 && !seen; ++attempt) {
      seen = running_[i].pd->Stores().size() == 2;
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(seen) << "member " << i;
  }
}

TEST_F(PdReplicationTest, LeaderLossKeepsTimestampsIncreasing) {
  const int leader = WaitForLeader();
  ASSERT_GE(leader, 0);
  auto client = Client();
  uint64_t last = 0;
  for (int i = 0; i < 200; ++i) last = client->GetTimestamp().value();
  Result<uint64_t> id_before = client->AllocID();
  ASSERT_TRUE(id_before.ok());

  const auto stopped = std::chrono::steady_clock::now();
  running_[leader].Stop();
  Result<uint64_t> ts = client->GetTimestamp();
  const double failover_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count();
  ASSERT_TRUE(ts.ok()) << ts.status().ToString();
  EXPECT_GT(*ts, last);
  EXPECT_LT(failover_s, 10.0);
  std::printf("pd failover: timestamps served again %.2f s after the leader stopped\n",
              failover_s);
  Result<uint64_t> id_after = client->AllocID();
  ASSERT_TRUE(id_after.ok());
  EXPECT_GT(*id_after, *id_before);

  // The old leader comes back from its Raft log and rejoins as a follower.
  StartMember(leader);
  for (int i = 0; i < 100; ++i) {
    Result<uint64_t> again = client->GetTimestamp();
    ASSERT_TRUE(again.ok());
    ASSERT_GT(*again, *ts);
    ts = again;
  }
}

}  // namespace
}  // namespace nokv::pd
