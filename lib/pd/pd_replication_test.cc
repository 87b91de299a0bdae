// A 3-member replicated PD in one process (each member with its own gRPC
// server on 127.0.0.1 and its own Raft log): one leader serves, followers
// answer NOT_LEADER, durable changes reach every member, and after the
// leader is stopped a new one serves timestamps above every earlier one.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "pd/pd_client.h"
#include "pd/pd_replicator.h"
#include "pd/pd_service.h"
#include "pd/pd_test_util.h"
#include "testutil/test_util.h"

namespace nokv::pd {
namespace {

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

struct Member {
  std::unique_ptr<PlacementDriver> pd;
  std::unique_ptr<PdServer> server;
  std::unique_ptr<PdReplicator> raft;

  void Stop() {
    if (raft) raft->Stop();
    if (server) server->Stop();
    raft.reset();
    server.reset();
    pd.reset();
  }
};

class PdReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (uint64_t id = 1; id <= 3; ++id) {
      pdpb::Member m;
      m.set_name("pd" + std::to_string(id));
      m.set_member_id(id);
      m.set_address("127.0.0.1:" + std::to_string(FreePort()));
      members_.push_back(m);
    }
    for (int i = 0; i < 3; ++i) StartMember(i);
  }
  void TearDown() override {
    for (Member& m : running_) m.Stop();
  }

  void StartMember(int i) {
    Member& m = running_[i];
    PdOptions o;
    o.name = members_[i].name();
    o.advertise_address = members_[i].address();
    o.members = members_;
    o.member_id = members_[i].member_id();
    m.pd = PlacementDriver::Open(o).value();
    PdReplicaOptions ro;
    ro.id = members_[i].member_id();
    for (const pdpb::Member& x : members_) ro.peers[x.member_id()] = x.address();
    ro.workdir = dirs_[i].path();
    ro.tick_ms = 50;
    PlacementDriver* pd = m.pd.get();
    auto raft = PdReplicator::Open(
        ro, [pd](const pdstatepb::Command& c) { return pd->ApplyReplicated(c); },
        [pd](uint64_t leader, bool ready) { pd->OnLeaderChange(leader, ready); });
    ASSERT_TRUE(raft.ok()) << raft.status().ToString();
    m.raft = std::move(raft).value();
    PdReplicator* r = m.raft.get();
    pd->SetProposer([r](const pdstatepb::Command& c) { return r->Propose(c); });
    PdServerOptions so;
    so.listen_address = members_[i].address();
    so.tick_interval_ms = 0;
    m.server = std::make_unique<PdServer>(m.pd.get(), so);
    ASSERT_TRUE(m.server->Start().ok());
    m.server->SetReplicator(r);
    r->Start();
  }

  int WaitForLeader() {
    for (int attempt = 0; attempt < 200; ++attempt) {
      for (int i = 0; i < 3; ++i) {
        if (running_[i].pd && running_[i].pd->is_leader()) return i;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

  std::unique_ptr<PdClient> Client() {
    PdClientOptions o;
    for (const pdpb::Member& m : members_) o.endpoints.push_back(m.address());
    o.rpc_timeout_ms = 1000;
    o.backoff_initial_ms = 10;
    o.backoff_max_ms = 200;
    return PdClient::Create(o).value();
  }

  std::vector<pdpb::Member> members_;
  testutil::TempDir dirs_[3];
  Member running_[3];
};

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
