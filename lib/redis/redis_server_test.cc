// RedisServer over real loopback sockets: pipelining across split writes,
// protocol errors closing only the offending connection, QUIT, every
// per-client limit (bulk length, multibulk count, inline length, output
// backpressure, client count, idle timeout, also as CONFIG SET changes them),
// appendfsync everysec, and a Stop that flushes in-flight replies.
#include "redis/redis_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "db/db_stats.h"
#include "nokv/db.h"
#include "redis/key_layout.h"
#include "redis/resp.h"
#include "redis/socket_test_client.h"
#include "testutil/test_util.h"

namespace nokv::redis {
namespace {

using Client = RespTestClient;

// Every server test runs twice: commands inline on the event loop (0
// executors, the default without sync writes) and on an executor pool (4).
class RedisServerTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { ASSERT_TRUE(DB::Open(Options(), dir_.path(), &db_).ok()); }
  void TearDown() override {
    server_.reset();
    ASSERT_TRUE(db_->Close().ok());
  }
  void StartServer(RedisServerOptions o = {}) {
    o.port = 0;
    o.executor_threads = GetParam();
    server_ = std::make_unique<RedisServer>(db_.get(), o);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }

  testutil::TempDir dir_;
  std::unique_ptr<DB> db_;
  std::unique_ptr<RedisServer> server_;
};

TEST_P(RedisServerTest, PipelinedCommandsSplitAcrossWrites) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  std::string req;
  std::string want;
  for (int i = 0; i < 200; i++) {
    req += "*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n";
    want += ":" + std::to_string(i + 1) + "\r\n";
  }
  req += "GET ctr\r\n";
  want += "$3\r\n200\r\n";
  for (size_t off = 0; off < req.size(); off += 7) c.Send(req.substr(off, 7));
  EXPECT_EQ(c.Read(want.size()), want);
  EXPECT_EQ(server_->Stats().total_commands, 201u);
}

TEST_P(RedisServerTest, ProtocolErrorClosesOnlyThatConnection) {
  StartServer();
  Client bad(server_->port()), good(server_->port());
  bad.Send("PING\r\n*1\r\n$x\r\n");
  EXPECT_EQ(bad.Read(100), "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(bad.ReadEof());
  good.Send("PING\r\n");
  EXPECT_EQ(good.Read(7), "+PONG\r\n");
  EXPECT_EQ(server_->Stats().protocol_errors, 1u);
}

// Each malformed frame gets Redis' error text, then its connection closes.
TEST_P(RedisServerTest, MalformedFramesGetRedisErrors) {
  StartServer();
  const std::pair<std::string, std::string> cases[] = {
      {"*1\r\n+PING\r\n", "-ERR Protocol error: expected '$', got '+'\r\n"},
      {"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
      {"SET k \"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
  };
  for (const auto& [request, reply] : cases) {
    Client c(server_->port());
    c.Send(request);
    EXPECT_EQ(c.Read(reply.size() + 100), reply) << request;
    EXPECT_TRUE(c.ReadEof()) << request;
  }
  EXPECT_EQ(server_->Stats().protocol_errors, 4u);
}

TEST_P(RedisServerTest, BulkLengthLimit) {
  RedisServerOptions o;
  o.max_bulk_len = 16;
  StartServer(o);
  Client ok(server_->port()), bad(server_->port());
  ok.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16\r\n0123456789abcdef\r\n");
  EXPECT_EQ(ok.Read(5), "+OK\r\n");
  bad.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$17\r\n");
  EXPECT_EQ(bad.Read(100), "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(bad.ReadEof());
}

TEST_P(RedisServerTest, MultibulkCountLimit) {
  RedisServerOptions o;
  o.max_multibulk_len = 3;
  StartServer(o);
  Client ok(server_->port()), bad(server_->port());
  ok.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  EXPECT_EQ(ok.Read(5), "+OK\r\n");
  bad.Send("*4\r\n");
  EXPECT_EQ(bad.Read(100), "-ERR Protocol error: invalid multibulk length\r\n");
  EXPECT_TRUE(bad.ReadEof());
}

TEST_P(RedisServerTest, InlineAndHeaderLengthLimits) {
  StartServer();
  const std::string big(RespLimits().max_inline_len + 1, 'a');
  const std::pair<std::string, std::string> cases[] = {
      {big, "-ERR Protocol error: too big inline request\r\n"},
      {"*" + big, "-ERR Protocol error: too big mbulk count string\r\n"},
      {"*1\r\n$" + big, "-ERR Protocol error: too big bulk count string\r\n"},
  };
  for (const auto& [request, reply] : cases) {
    Client c(server_->port());
    c.Send(request);
    EXPECT_EQ(c.Read(reply.size() + 100), reply);
    EXPECT_TRUE(c.ReadEof());
  }
}

// A reply larger than max_output_bytes is served whole (Redis puts no limit
// on a normal client's output; a GET of a big value used to disconnect).
TEST_P(RedisServerTest, ReplyLargerThanTheOutputLimitIsServed) {
  RedisServerOptions o;
  o.max_output_bytes = 256 << 10;
  StartServer(o);
  Client c(server_->port());
  const std::string value(4 << 20, 'v');
  c.Send("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(value.size()) + "\r\n" + value +
         "\r\n");
  ASSERT_EQ(c.Read(5), "+OK\r\n");
  c.Send("GET big\r\nGET big\r\n");
  const std::string bulk = "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  EXPECT_TRUE(c.Read(2 * bulk.size()) == bulk + bulk);
}

// A client that sends requests but does not read its replies is paused once
// max_output_bytes of them are unsent: its later commands do not run (memory
// stays bounded), others are served, and when it reads it gets every reply.
TEST_P(RedisServerTest, ClientThatDoesNotReadIsPaused) {
  RedisServerOptions o;
  o.max_output_bytes = 256 << 10;
  StartServer(o);
  Client writer(server_->port());
  const std::string value(64 << 10, 'v');
  writer.Send("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(value.size()) + "\r\n" +
              value + "\r\n");
  ASSERT_EQ(writer.Read(5), "+OK\r\n");
  Client slow(server_->port());
  constexpr int kGets = 1000;  // ~64 MiB of replies
  std::string gets;
  for (int i = 0; i < kGets; i++) gets += "GET big\r\n";
  slow.Send(gets);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(server_->Stats().total_commands, 1u + kGets / 2);  // paused, not run ahead
  writer.Send("PING\r\n");
  EXPECT_EQ(writer.Read(7), "+PONG\r\n");
  const std::string bulk = "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  const std::string got = slow.Read(kGets * bulk.size());
  EXPECT_EQ(got.size(), kGets * bulk.size());
  EXPECT_EQ(server_->Stats().connected_clients, 2u);
}

TEST_P(RedisServerTest, QuitClosesAfterReply) {
  StartServer();
  Client c(server_->port());
  c.Send("QUIT\r\nPING\r\n");
  EXPECT_EQ(c.Read(100), "+OK\r\n");
  EXPECT_TRUE(c.ReadEof());
}

TEST_P(RedisServerTest, MaxClientsRejectsExtraConnections) {
  RedisServerOptions o;
  o.max_clients = 2;
  StartServer(o);
  Client a(server_->port()), b(server_->port());
  a.Send("PING\r\n");
  b.Send("PING\r\n");
  EXPECT_EQ(a.Read(7), "+PONG\r\n");
  EXPECT_EQ(b.Read(7), "+PONG\r\n");
  Client c(server_->port());
  EXPECT_EQ(c.Read(100), "-ERR max number of clients reached\r\n");
  EXPECT_EQ(server_->Stats().rejected_connections, 1u);
}

TEST_P(RedisServerTest, IdleClientsAreClosed) {
  RedisServerOptions o;
  o.idle_timeout_s = 1;
  StartServer(o);
  Client c(server_->port());
  c.Send("PING\r\n");
  EXPECT_EQ(c.Read(7), "+PONG\r\n");
  EXPECT_TRUE(c.ReadEof());  // within the 5 s receive timeout
}

// CONFIG SET maxclients and timeout change the running server: the next
// connection beyond the new limit is refused, idle clients are closed.
TEST_P(RedisServerTest, ConfigSetChangesTheRunningServer) {
  StartServer();
  Client a(server_->port());
  a.Send("CONFIG SET maxclients 1\r\nCONFIG GET maxclients\r\n");
  EXPECT_EQ(a.Read(40), "+OK\r\n*2\r\n$10\r\nmaxclients\r\n$1\r\n1\r\n");
  Client b(server_->port());
  EXPECT_EQ(b.Read(100), "-ERR max number of clients reached\r\n");
  a.Send("CONFIG SET timeout 1\r\n");
  EXPECT_EQ(a.Read(5), "+OK\r\n");
  EXPECT_TRUE(a.ReadEof());  // idle for 1-2 s, within the 5 s receive timeout
}

// appendfsync everysec: the background thread fsyncs the log about once a
// second; "no" never does.
TEST_P(RedisServerTest, AppendFsyncEverySecSyncsInTheBackground) {
  RedisServerOptions o;
  o.hz = 50;
  StartServer(o);
  Client a(server_->port());
  a.Send("SET k v\r\n");
  EXPECT_EQ(a.Read(5), "+OK\r\n");
  const uint64_t before = CollectDbStats(*db_).wal_syncs;
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_EQ(CollectDbStats(*db_).wal_syncs, before);  // appendfsync no
  a.Send("CONFIG SET appendfsync everysec\r\nSET k v2\r\n");
  EXPECT_EQ(a.Read(10), "+OK\r\n+OK\r\n");
  for (int i = 0; i < 150 && CollectDbStats(*db_).wal_syncs == before; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(CollectDbStats(*db_).wal_syncs, before);
}

TEST_P(RedisServerTest, ManyIdleConnectionsAndStopFlushes) {
  StartServer();
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 300; i++) {
    clients.push_back(std::make_unique<Client>(server_->port()));
    ASSERT_TRUE(clients.back()->connected());
  }
  for (int i = 0; i < 100 && server_->Stats().connected_clients != 300u; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(server_->Stats().connected_clients, 300u);
  Client& last = *clients.back();
  last.Send("SET k v\r\nGET k\r\n");
  EXPECT_EQ(last.Read(14), "+OK\r\n$1\r\nv\r\n");
  server_->Stop();
  EXPECT_TRUE(clients.front()->ReadEof());
  std::string v;
  EXPECT_TRUE(db_->Get(ReadOptions(), EncodeKey("k"), &v).ok());
  EXPECT_EQ(v, "v");
}

TEST_P(RedisServerTest, BindErrorNamesTheAddress) {
  StartServer();
  RedisServerOptions o;
  o.port = server_->port();
  RedisServer second(db_.get(), o);
  Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(o.port)), std::string::npos) << s.ToString();
}

INSTANTIATE_TEST_SUITE_P(Executors, RedisServerTest, ::testing::Values(0, 4),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == 0 ? std::string("Inline")
                                                  : "Pool" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace nokv::redis
