// End-to-end tests of HttpServer on an ephemeral loopback port against a real
// DB in a temporary directory, through a minimal HTTP/1.0-style client.
#include "server/http_server.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "db/db_stats.h"
#include "manifest/filenames.h"
#include "testutil/test_util.h"
#include "vfs/file_system.h"

namespace nokv {
namespace {

struct Reply {
  int status = 0;  // 0: no reply
  std::string head;
  std::string body;
};

// Sends one request to 127.0.0.1:port and reads the reply until the server
// closes the connection (it does not keep connections alive). A body of
// nullopt sends no Content-Length at all.
Reply Request(int port, const std::string& method, const std::string& path,
              const std::string& extra_headers = "",
              const std::optional<std::string>& body = std::string()) {
  Reply reply;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return reply;
  }
  const std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          extra_headers +
                          (body ? "Content-Length: " + std::to_string(body->size()) + "\r\n" : "") +
                          "Connection: close\r\n\r\n" + body.value_or("");
  if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return reply;
  }
  std::string raw;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  const size_t split = raw.find("\r\n\r\n");
  if (split == std::string::npos || raw.rfind("HTTP/1.", 0) != 0) return reply;
  reply.head = raw.substr(0, split);
  reply.body = raw.substr(split + 4);
  reply.status = std::stoi(raw.substr(raw.find(' ') + 1, 3));
  return reply;
}

Poco::JSON::Object::Ptr ParseJson(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.memtable_size = 64 << 10;
    ASSERT_TRUE(DB::Open(options, dir_.path(), &db_).ok());
  }
  void TearDown() override {
    if (db_) {
      EXPECT_TRUE(db_->Close().ok());
    }
  }

  std::unique_ptr<HttpServer> StartServer(const std::string& token = "") {
    HttpServerOptions o;
    o.bearer_token = token;
    auto server = std::make_unique<HttpServer>(db_.get(), o);
    const Status s = server->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_GT(server->port(), 0);
    return server;
  }

  testutil::TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(HttpServerTest, EveryEndpoint) {
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "key" + std::to_string(i), std::string(100, 'v')).ok());
  }
  // The puts may have frozen a memtable: let its flush finish first, so the
  // per-part figures below are settled (the total is right either way:
  // PropertiesTest.EntryCountsAreReadAtOneMoment).
  for (int i = 0; i < 1000 && CollectDbStats(*db_).immutable_memtables > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto server = StartServer();
  const int port = server->port();
  EXPECT_EQ(server->address(), "127.0.0.1:" + std::to_string(port));

  Reply r = Request(port, "GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");

  r = Request(port, "GET", "/debug/vars");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("Content-Type: application/json"), std::string::npos);
  auto vars = ParseJson(r.body);
  EXPECT_GT(vars->getArray("cmdline")->size(), 0u);
  EXPECT_GT(vars->getObject("memstats")->getValue<uint64_t>("rss_bytes"), 0u);
  auto st = vars->getObject("NoKV.Stats");
  EXPECT_EQ(st->getValue<uint64_t>("entries"), 500u);
  EXPECT_EQ(st->getObject("write")->getValue<uint64_t>("requests"), 500u);
  EXPECT_EQ(st->getObject("lsm")->getArray("levels")->size(), 7u);

  r = Request(port, "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(r.body.find("\nnokv_write_requests_total 500\n"), std::string::npos);
  EXPECT_NE(r.body.find("nokv_lsm_level_tables{level=\"0\"}"), std::string::npos);
  // The figures come from the engine: the WAL gauge is the active segment's
  // size on disk (every acknowledged write was handed to the OS).
  uint64_t wal_number = 0, wal_bytes = 0, on_disk = 0;
  ASSERT_TRUE(db_->GetIntProperty("nokv.wal.number", &wal_number));
  ASSERT_TRUE(db_->GetIntProperty("nokv.wal.bytes", &wal_bytes));
  ASSERT_TRUE(
      NewPosixFileSystem()->GetFileSize(WalFileName(dir_.path(), wal_number), &on_disk).ok());
  EXPECT_GT(on_disk, 0u);
  EXPECT_EQ(wal_bytes, on_disk);
  EXPECT_NE(r.body.find("\nnokv_wal_active_size " + std::to_string(on_disk) + "\n"),
            std::string::npos);

  const uint64_t flushes_before = CollectDbStats(*db_).flushes;
  r = Request(port, "POST", "/admin/flush");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(ParseJson(r.body)->getValue<bool>("ok"));
  EXPECT_GT(CollectDbStats(*db_).flushes, flushes_before);
  EXPECT_EQ(CollectDbStats(*db_).memtable_entries, 0u);

  r = Request(port, "POST", "/admin/compact");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(CollectDbStats(*db_).levels[0].files, 0);

  r = Request(port, "GET", "/admin/levels");
  ASSERT_EQ(r.status, 200);
  auto levels = ParseJson(r.body);
  EXPECT_EQ(levels->getArray("levels")->size(), 7u);
  EXPECT_GT(levels->getValue<uint64_t>("files_total"), 0u);

  r = Request(port, "GET", "/admin/stats");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(ParseJson(r.body)->getValue<uint64_t>("sst_entries"), 500u);

  r = Request(port, "GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(ParseJson(r.body)->getArray("endpoints")->size(), 8u);

  r = Request(port, "HEAD", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(HttpServerTest, RequestBodies) {
  auto server = StartServer();
  const int port = server->port();
  // No Content-Length (curl -X POST): no body, answered without waiting.
  EXPECT_EQ(Request(port, "POST", "/admin/flush", "", std::nullopt).status, 200);
  // A body is read and ignored.
  EXPECT_EQ(Request(port, "POST", "/admin/flush", "", std::string(5000, 'x')).status, 200);
  // An announced body over 1 MiB is refused before it is read.
  EXPECT_EQ(Request(port, "POST", "/admin/flush", "Content-Length: 2000000\r\n", std::nullopt).status,
            413);
}

TEST_F(HttpServerTest, ErrorsAreJson) {
  auto server = StartServer();
  Reply r = Request(server->port(), "GET", "/missing");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(ParseJson(r.body)->has("error"));
  r = Request(server->port(), "GET", "/admin/flush");
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.head.find("Allow: POST"), std::string::npos);
  EXPECT_TRUE(ParseJson(r.body)->has("error"));
  r = Request(server->port(), "PUT", "/metrics");
  EXPECT_EQ(r.status, 405);
}

TEST_F(HttpServerTest, TokenGuardsAdminEndpoints) {
  auto server = StartServer("s3cret");
  const int port = server->port();
  Reply r = Request(port, "POST", "/admin/flush");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.head.find("WWW-Authenticate: Bearer"), std::string::npos);
  EXPECT_TRUE(ParseJson(r.body)->has("error"));
  EXPECT_EQ(Request(port, "GET", "/admin/stats", "Authorization: Bearer nope\r\n").status, 401);
  EXPECT_EQ(Request(port, "GET", "/admin/stats", "Authorization: Bearer s3cret\r\n").status, 200);
  EXPECT_EQ(Request(port, "POST", "/admin/flush", "Authorization: Bearer s3cret\r\n").status, 200);
  EXPECT_EQ(Request(port, "GET", "/metrics").status, 200);
  EXPECT_EQ(Request(port, "GET", "/healthz").status, 200);
}

TEST_F(HttpServerTest, StatsGroupsAppear) {
  auto server = StartServer();
  int64_t calls = 0;
  server->AddStatsGroup("redis", [&calls] {
    return std::map<std::string, int64_t>{{"commands_total", ++calls}, {"connections_active", 2}};
  });
  Reply r = Request(server->port(), "GET", "/debug/vars");
  ASSERT_EQ(r.status, 200);
  auto redis = ParseJson(r.body)->getObject("NoKV.Stats")->getObject("redis");
  ASSERT_TRUE(redis);
  EXPECT_EQ(redis->getValue<int64_t>("commands_total"), 1);
  EXPECT_EQ(redis->getValue<int64_t>("connections_active"), 2);
  r = Request(server->port(), "GET", "/metrics");
  EXPECT_NE(r.body.find("\nnokv_redis_commands_total 2\n"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE nokv_redis_connections_active gauge\n"), std::string::npos);
}

TEST_F(HttpServerTest, NonLoopbackWithoutTokenIsRefused) {
  for (const char* host : {"0.0.0.0", "", "10.1.2.3"}) {
    HttpServerOptions o;
    o.host = host;
    HttpServer server(db_.get(), o);
    const Status s = server.Start();
    EXPECT_TRUE(s.IsInvalidArgument()) << host << ": " << s.ToString();
    EXPECT_NE(s.message().find("token"), std::string::npos) << s.ToString();
    EXPECT_EQ(server.port(), 0);
  }
}

TEST_F(HttpServerTest, BindErrorsNameTheAddress) {
  auto first = StartServer();
  HttpServerOptions o;
  o.port = first->port();
  HttpServer second(db_.get(), o);
  const Status s = second.Start();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(first->port())), std::string::npos)
      << s.ToString();

  o.port = 70000;
  HttpServer bad_port(db_.get(), o);
  EXPECT_TRUE(bad_port.Start().IsInvalidArgument());
}

TEST_F(HttpServerTest, StopIsIdempotentAndClosesThePort) {
  auto server = StartServer();
  const int port = server->port();
  EXPECT_TRUE(server->Start().IsInvalidArgument());  // already running
  server->Stop();
  server->Stop();
  EXPECT_EQ(server->port(), 0);
  EXPECT_EQ(Request(port, "GET", "/healthz").status, 0);
  HttpServer never_started(db_.get(), HttpServerOptions{});
  never_started.Stop();
}

TEST_F(HttpServerTest, ConcurrentScrapes) {
  HttpServerOptions o;
  o.threads = 3;
  HttpServer server(db_.get(), o);
  ASSERT_TRUE(server.Start().ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (Request(server.port(), "GET", i % 2 ? "/metrics" : "/debug/vars").status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 80);
}

}  // namespace
}  // namespace nokv
