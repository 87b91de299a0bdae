// The serving helper both nokv serve and nokv-redis run (serve.h): one
// address parser, the ART memtable by default, the gateway's appendfsync in
// charge of syncing (the DB opened without sync_writes), the HTTP loopback
// rule, and a failed start that leaves nothing running.
#include "redis/serve.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "db/db_stats.h"
#include "testutil/test_util.h"

namespace nokv::redis {
namespace {

// Sends one inline command to 127.0.0.1:port and returns the first reply bytes.
std::string Ask(int port, const std::string& line) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
    const std::string req = line + "\r\n";
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n > 0) out.assign(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return out;
}

ServeOptions Loopback(const std::string& workdir) {
  ServeOptions o;
  o.workdir = workdir;
  o.metrics_addr = "127.0.0.1:0";
  o.redis_addr = "127.0.0.1:0";
  return o;
}

TEST(ServeTest, ArtIsTheMemtableOfBothPrograms) {
  EXPECT_EQ(ServeOptions().memtable_engine, MemTableEngine::kArt);
}

TEST(ServeTest, StartsBothServersAndReportsTheirPorts) {
  testutil::TempDir dir;
  std::unique_ptr<Servers> servers;
  ASSERT_TRUE(Servers::Start(Loopback(dir.path()), &servers).ok());
  ASSERT_GT(servers->http_port(), 0);
  ASSERT_GT(servers->redis_port(), 0);
  const auto banner = servers->Banner();
  ASSERT_EQ(banner.size(), 3u);
  EXPECT_EQ(banner[0], "NoKV serving workdir " + dir.path() + " (appendfsync=no)");
  EXPECT_EQ(banner[1], "HTTP metrics/admin listening on http://127.0.0.1:" +
                           std::to_string(servers->http_port()) + " (admin token not required)");
  EXPECT_EQ(banner[2],
            "Redis gateway listening on 127.0.0.1:" + std::to_string(servers->redis_port()));
  EXPECT_EQ(Ask(servers->redis_port(), "SET k v"), "+OK\r\n");
  EXPECT_EQ(Ask(servers->redis_port(), "CONFIG GET appendfsync"),
            "*2\r\n$11\r\nappendfsync\r\n$2\r\nno\r\n");
  // The DB itself does not sync every write: appendfsync no really is no.
  const uint64_t syncs = CollectDbStats(*servers->db()).wal_syncs;
  EXPECT_EQ(Ask(servers->redis_port(), "SET k v2"), "+OK\r\n");
  EXPECT_EQ(CollectDbStats(*servers->db()).wal_syncs, syncs);
  EXPECT_TRUE(servers->Shutdown().ok());
  EXPECT_EQ(servers->redis_port(), 0);
}

TEST(ServeTest, SyncWritesStartsAtAppendFsyncAlways) {
  testutil::TempDir dir;
  ServeOptions o = Loopback(dir.path());
  o.metrics_addr.clear();  // the gateway alone
  o.sync_writes = true;
  std::unique_ptr<Servers> servers;
  ASSERT_TRUE(Servers::Start(o, &servers).ok());
  EXPECT_EQ(servers->Banner().size(), 2u);
  EXPECT_EQ(servers->http_port(), 0);
  EXPECT_EQ(Ask(servers->redis_port(), "CONFIG GET appendfsync"),
            "*2\r\n$11\r\nappendfsync\r\n$6\r\nalways\r\n");
  const uint64_t syncs = CollectDbStats(*servers->db()).wal_syncs;
  EXPECT_EQ(Ask(servers->redis_port(), "SET k v"), "+OK\r\n");
  EXPECT_EQ(CollectDbStats(*servers->db()).wal_syncs, syncs + 1);
  // ... and CONFIG SET can turn it off, since the DB does not sync by itself.
  EXPECT_EQ(Ask(servers->redis_port(), "CONFIG SET appendfsync no"), "+OK\r\n");
  EXPECT_EQ(Ask(servers->redis_port(), "SET k v2"), "+OK\r\n");
  EXPECT_EQ(CollectDbStats(*servers->db()).wal_syncs, syncs + 1);
}

TEST(ServeTest, BadAddressesFailBeforeTheWorkdirIsOpened) {
  testutil::TempDir dir;
  const std::string workdir = dir.path() + "/db";
  for (auto bad : {&ServeOptions::metrics_addr, &ServeOptions::redis_addr}) {
    ServeOptions o = Loopback(workdir);
    o.*bad = "::1:80";
    std::unique_ptr<Servers> servers;
    Status s = Servers::Start(o, &servers);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(s.message().find("brackets"), std::string::npos) << s.ToString();
  }
  EXPECT_FALSE(std::filesystem::exists(workdir));
}

TEST(ServeTest, AFailedStartLeavesNothingRunning) {
  testutil::TempDir dir;
  ServeOptions o = Loopback(dir.path());
  o.metrics_addr = "0.0.0.0:0";  // not loopback and no token: refused
  std::unique_ptr<Servers> servers;
  Status s = Servers::Start(o, &servers);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("token"), std::string::npos) << s.ToString();
  EXPECT_EQ(servers, nullptr);
  // The workdir was closed (its lock released): it opens again.
  ASSERT_TRUE(Servers::Start(Loopback(dir.path()), &servers).ok());
}

}  // namespace
}  // namespace nokv::redis
