// PdReplicationTest: a 3-member replicated PD in one process, each member
// with its own gRPC server on 127.0.0.1, Raft log and workdir; members can be
// stopped and restarted from their workdirs. Used by pd_replication_test.cc
// and pd_snapshot_test.cc.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pd/pd_client.h"
#include "pd/pd_replicator.h"
#include "pd/pd_service.h"
#include "pd/pd_test_util.h"
#include "testutil/test_util.h"

namespace nokv::pd::testing {

inline int FreePort() {
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
  void SetUp() override { StartAll(); }
  void StartAll() {
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

  // Opens member i from its workdir; false (and the Open error in
  // open_error_) if its Raft state does not open.
  bool TryStartMember(int i) {
    bool ok = true;
    StartMember(i, &ok);
    return ok;
  }
  void StartMember(int i) {
    bool ok = true;
    StartMember(i, &ok);
    ASSERT_TRUE(ok) << open_error_.ToString();
  }
  void StartMember(int i, bool* ok) {
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
    ro.compact_entries = compact_entries_;
    ro.keep_entries = keep_entries_;
    PdStateMachine sm;
    sm.apply = [pd](const pdstatepb::Command& c) { return pd->ApplyReplicated(c); };
    sm.snapshot = [pd] { return pd->SnapshotReplicated(); };
    sm.restore = [pd](const std::string& data) { return pd->RestoreReplicated(data); };
    auto raft = PdReplicator::Open(ro, std::move(sm), [pd](uint64_t leader, bool ready) {
      pd->OnLeaderChange(leader, ready);
    });
    if (!raft.ok()) {
      open_error_ = raft.status();
      m.pd.reset();
      *ok = false;
      return;
    }
    m.raft = std::move(raft).value();
    PdReplicator* r = m.raft.get();
    pd->SetProposer([r](const pdstatepb::Command& c) { return r->Propose(c); });
    PdServerOptions so;
    so.listen_address = members_[i].address();
    so.tick_interval_ms = 0;
    m.server = std::make_unique<PdServer>(m.pd.get(), so);
    if (!m.server->Start().ok()) {
      open_error_ = Status::IOError("pd server: cannot listen on " + so.listen_address);
      *ok = false;
      return;
    }
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

  uint64_t compact_entries_ = 10000;
  uint64_t keep_entries_ = 1000;
  Status open_error_;
  std::vector<pdpb::Member> members_;
  testutil::TempDir dirs_[3];
  Member running_[3];
};

}  // namespace nokv::pd::testing
