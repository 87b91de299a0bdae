// Socket-free tests of the endpoint table: Dispatch's 404/405/401 rules and
// every handler, against a fake DB whose stats and failures the test sets.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <atomic>

#include "server/http_endpoints.h"
#include "server/http_router.h"

namespace nokv::server {
namespace {

using Poco::JSON::Object;

// A DB that only answers properties (from `stats`), Flush and CompactAll.
class FakeDb : public DB {
 public:
  DbStats stats;
  Status flush_status, compact_status;
  std::atomic<int> flushes{0}, compactions{0};

  ColumnFamilyHandle* DefaultColumnFamily() override { return nullptr; }
  Status CreateColumnFamily(std::string_view, ColumnFamilyHandle**) override { return No(); }
  Status DropColumnFamily(ColumnFamilyHandle*) override { return No(); }
  ColumnFamilyHandle* GetColumnFamily(std::string_view) override { return nullptr; }
  std::vector<std::string> ListColumnFamilies() override { return {}; }
  Status Write(const WriteOptions&, const WriteBatch&) override { return No(); }
  using DB::Get;
  Status Get(const ReadOptions&, std::string_view, ReadResult*) override { return No(); }
  uint64_t NowMs() const override { return 0; }
  std::unique_ptr<Iterator> NewIterator(const ReadOptions&) override { return nullptr; }
  const Snapshot* GetSnapshot() override { return nullptr; }
  void ReleaseSnapshot(const Snapshot*) override {}
  Status RunValueLogGC(double) override { return No(); }
  Status FlushWAL(bool) override { return No(); }
  Status Flush() override {
    ++flushes;
    return flush_status;
  }
  Status CompactAll() override {
    ++compactions;
    return compact_status;
  }
  bool GetIntProperty(std::string_view name, uint64_t* v) override {
    if (name == "nokv.num-levels") {
      *v = stats.levels.size();
      return true;
    }
    if (name == "nokv.flush.count") {
      *v = stats.flushes;
      return true;
    }
    for (const LevelStats& l : stats.levels) {
      const std::string prefix = "nokv.level" + std::to_string(l.level) + ".";
      if (name == prefix + "files") *v = static_cast<uint64_t>(l.files);
      else if (name == prefix + "bytes") *v = l.bytes;
      else if (name == prefix + "entries") *v = l.entries;
      else continue;
      return true;
    }
    return false;
  }
  bool GetProperty(std::string_view name, std::string* value) override {
    uint64_t n = 0;
    if (GetIntProperty(name, &n)) {
      *value = std::to_string(n);
      return true;
    }
    if (name == "nokv.background-error") {
      *value = stats.background_error;
      return true;
    }
    for (const LevelStats& l : stats.levels) {
      if (name == "nokv.level" + std::to_string(l.level) + ".score") {
        *value = std::to_string(l.score);
        return true;
      }
    }
    return false;
  }
  Status Close() override { return Status::OK(); }

 private:
  static Status No() { return Status::NotSupported("fake"); }
};

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    LevelStats l0;
    l0.level = 0;
    l0.files = 2;
    l0.bytes = 100;
    l0.score = 0.5;
    db_.stats.levels.push_back(l0);
    db_.stats.flushes = 4;
    ctx_.db = &db_;
    ctx_.groups = &groups_;
    ctx_.process_info = [] {
      ProcessInfo p;
      p.cmdline = {"test"};
      p.rss_bytes = 1;
      return p;
    };
  }

  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& token = "", const std::string& authorization = "") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.authorization = authorization;
    return Dispatch(Endpoints(), token, ctx_, r);
  }

  static Object::Ptr Parse(const HttpResponse& r) {
    Poco::JSON::Parser parser;
    return parser.parse(r.body).extract<Object::Ptr>();
  }

  static std::string Header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  FakeDb db_;
  StatsGroupRegistry groups_;
  EndpointContext ctx_;
};

TEST_F(RouterTest, UnknownPathIs404Json) {
  const HttpResponse r = Call("GET", "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_NE(Parse(r)->getValue<std::string>("error").find("/nope"), std::string::npos);
  EXPECT_EQ(Call("GET", "/metrics/").status, 404);  // exact paths only
  EXPECT_EQ(Call("POST", "/admin").status, 404);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  HttpResponse r = Call("POST", "/metrics");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Header(r, "Allow"), "GET, HEAD");
  EXPECT_TRUE(Parse(r)->has("error"));
  r = Call("GET", "/admin/flush", "tok");  // 405 wins over 401: no secret is revealed
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Header(r, "Allow"), "POST");
  EXPECT_EQ(Call("DELETE", "/admin/stats").status, 405);
  EXPECT_EQ(db_.flushes, 0);
}

TEST_F(RouterTest, AdminNeedsTheTokenWhenOneIsSet) {
  for (const char* bad : {"", "Bearer wrong", "Bearer tok2", "Bearer to", "Basic dG9rOg==", "tok"}) {
    const HttpResponse r = Call("POST", "/admin/flush", "tok", bad);
    EXPECT_EQ(r.status, 401) << bad;
    EXPECT_EQ(Header(r, "WWW-Authenticate"), "Bearer realm=\"nokv\"");
  }
  EXPECT_EQ(Call("GET", "/admin/stats", "tok").status, 401);
  EXPECT_EQ(db_.flushes, 0);
  EXPECT_EQ(Call("POST", "/admin/flush", "tok", "Bearer tok").status, 200);
  EXPECT_EQ(Call("POST", "/admin/flush", "tok", "bearer tok").status, 200);
  EXPECT_EQ(db_.flushes, 2);
  // Public endpoints never need it.
  EXPECT_EQ(Call("GET", "/metrics", "tok").status, 200);
  EXPECT_EQ(Call("GET", "/healthz", "tok").status, 200);
  EXPECT_EQ(Call("GET", "/debug/vars", "tok").status, 200);
}

TEST_F(RouterTest, AdminIsOpenWithoutAToken) {
  EXPECT_EQ(Call("POST", "/admin/compact").status, 200);
  EXPECT_EQ(db_.compactions, 1);
  EXPECT_EQ(Call("GET", "/admin/levels").status, 200);
}

TEST_F(RouterTest, Healthz) {
  HttpResponse r = Call("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u);
  db_.stats.background_error = "IOError: disk full";
  r = Call("GET", "/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("IOError: disk full"), std::string::npos);
}

TEST_F(RouterTest, FlushAndCompactReportResults) {
  Object::Ptr o = Parse(Call("POST", "/admin/flush"));
  EXPECT_TRUE(o->getValue<bool>("ok"));
  EXPECT_EQ(o->getValue<std::string>("operation"), "flush");
  EXPECT_GE(o->getValue<double>("duration_ms"), 0.0);

  db_.compact_status = Status::IOError("no space");
  const HttpResponse r = Call("POST", "/admin/compact");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(Parse(r)->getValue<std::string>("error").find("no space"), std::string::npos);
}

TEST_F(RouterTest, StatsLevelsVarsAndMetrics) {
  EXPECT_EQ(Parse(Call("GET", "/admin/stats"))->getValue<int>("flushes"), 4);
  EXPECT_EQ(Parse(Call("GET", "/admin/levels"))->getArray("levels")->size(), 1u);
  ASSERT_TRUE(groups_.Add("redis", [] { return std::map<std::string, int64_t>{{"errors_total", 9}}; }));
  Object::Ptr vars = Parse(Call("GET", "/debug/vars?x=1"));  // query ignored
  EXPECT_EQ(vars->getArray("cmdline")->getElement<std::string>(0), "test");
  EXPECT_EQ(vars->getObject("NoKV.Stats")->getObject("redis")->getValue<int>("errors_total"), 9);
  EXPECT_EQ(vars->getObject("NoKV.Stats")->getObject("flush")->getValue<int>("completed"), 4);
  const HttpResponse m = Call("GET", "/metrics");
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find("\nnokv_redis_errors_total 9\n"), std::string::npos);
  EXPECT_NE(m.body.find("\nnokv_flush_completed_total 4\n"), std::string::npos);
}

TEST_F(RouterTest, HeadIsGetWithoutBody) {
  const HttpResponse r = Call("HEAD", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(RouterTest, IndexListsEveryEndpoint) {
  Object::Ptr o = Parse(Call("GET", "/"));
  auto list = o->getArray("endpoints");
  ASSERT_EQ(list->size(), Endpoints().size());
  bool saw_flush = false;
  for (size_t i = 0; i < list->size(); ++i) {
    Object::Ptr e = list->getObject(static_cast<unsigned>(i));
    if (e->getValue<std::string>("path") == "/admin/flush") {
      saw_flush = true;
      EXPECT_EQ(e->getValue<std::string>("method"), "POST");
      EXPECT_TRUE(e->getValue<bool>("admin"));
    }
  }
  EXPECT_TRUE(saw_flush);
}

TEST_F(RouterTest, EveryAdminPathIsAnAdminRoute) {
  for (const Route& r : Endpoints()) {
    EXPECT_EQ(r.admin, r.path.rfind("/admin/", 0) == 0) << r.path;
    EXPECT_FALSE(r.summary.empty()) << r.path;
  }
}

TEST(StatsGroupRegistryTest, RejectsBadNames) {
  StatsGroupRegistry reg;
  auto provider = [] { return std::map<std::string, int64_t>{{"n", 1}}; };
  EXPECT_FALSE(reg.Add("wal", provider));
  EXPECT_FALSE(reg.Add("Bad Name", provider));
  EXPECT_FALSE(reg.Add("ok", nullptr));
  EXPECT_TRUE(reg.Add("zeta", provider));
  EXPECT_TRUE(reg.Add("alpha", provider));
  const auto groups = reg.Collect();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "alpha");
  EXPECT_EQ(groups[1].counters.at("n"), 1);
}

TEST(HttpRouterTest, LoopbackHosts) {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"}) {
    EXPECT_TRUE(IsLoopbackHost(h)) << h;
  }
  for (const char* h : {"0.0.0.0", "", "10.0.0.1", "::", "127.example.com", "127.0.0", "example.com"}) {
    EXPECT_FALSE(IsLoopbackHost(h)) << h;
  }
}

TEST(HttpRouterTest, BearerTokenMatching) {
  EXPECT_TRUE(BearerTokenMatches("Bearer abc", "abc"));
  EXPECT_TRUE(BearerTokenMatches("BEARER  abc ", "abc"));
  EXPECT_FALSE(BearerTokenMatches("Bearer abc", ""));  // an empty token matches nothing
  EXPECT_FALSE(BearerTokenMatches("Bearer ", "abc"));
  EXPECT_FALSE(BearerTokenMatches("Bearer abcd", "abc"));
  EXPECT_FALSE(BearerTokenMatches("Bearer ab", "abc"));
  EXPECT_FALSE(BearerTokenMatches("Token abc", "abc"));
}

}  // namespace
}  // namespace nokv::server
