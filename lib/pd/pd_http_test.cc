// PD's HTTP endpoints, called without a socket.
#include "pd/pd_http.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "pd/pd_test_util.h"

namespace nokv::pd {
namespace {

using testing::MakeRegion;

class PdHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pd_ = PlacementDriver::Open(PdOptions()).value();
    pdpb::BootstrapRequest req;
    *req.mutable_store() = testing::MakeStore(1);
    *req.mutable_region() = MakeRegion(2, "", "m", 1, 1, {{21, 1}});
    ASSERT_EQ(pd_->Bootstrap(req).header().error().type(), pdpb::OK);
    pdpb::RegionHeartbeatRequest hb;
    *hb.mutable_region() = MakeRegion(3, "m", "", 1, 1, {{31, 1}});
    *hb.mutable_leader() = hb.region().peers(0);
    ASSERT_EQ(pd_->RegionHeartbeat(hb).header().error().type(), pdpb::OK);
  }

  server::HttpResponse Call(std::string method, std::string target, std::string body = "",
                            std::string auth = "") {
    server::HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.authorization = std::move(auth);
    return HandlePdHttp(*pd_, token_, r);
  }

  static Poco::JSON::Object::Ptr Parse(const std::string& body) {
    Poco::JSON::Parser p;
    return p.parse(body).extract<Poco::JSON::Object::Ptr>();
  }

  std::unique_ptr<PlacementDriver> pd_;
  std::string token_;
};

TEST_F(PdHttpTest, ReadOnlyApi) {
  server::HttpResponse r = Call("GET", "/pd/api/v1/regions");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Parse(r.body)->getValue<int>("count"), 2);
  r = Call("GET", "/pd/api/v1/stores");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Parse(r.body)->getValue<int>("count"), 1);
  r = Call("GET", "/pd/api/v1/region/key/zz");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Parse(r.body)->getValue<int>("id"), 3);
  EXPECT_EQ(Parse(r.body)->getValue<std::string>("start_key"), "6D");
  r = Call("GET", "/pd/api/v1/region/key/%00a");  // binary keys URL-encoded
  EXPECT_EQ(Parse(r.body)->getValue<int>("id"), 2);
  r = Call("GET", "/pd/api/v1/region/key/6E?format=hex");
  EXPECT_EQ(Parse(r.body)->getValue<int>("id"), 3);
  EXPECT_EQ(Call("GET", "/pd/api/v1/region/key/zz?format=hex").status, 400);
  r = Call("GET", "/pd/api/v1/members");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(Parse(r.body)->has("leader"));
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  r = Call("GET", "/debug/vars");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Parse(r.body)->getObject("NoKV.PD")->getValue<int>("Regions"), 2);
  r = Call("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("nokv_pd_regions 2\n"), std::string::npos);
  EXPECT_EQ(Call("GET", "/nope").status, 404);
  EXPECT_EQ(Call("DELETE", "/pd/api/v1/regions").status, 405);
}

TEST_F(PdHttpTest, OperatorEndpoint) {
  server::HttpResponse r =
      Call("POST", "/pd/api/v1/operators", R"({"name":"split","region_id":2,"key":"c"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parse(r.body)->getValue<std::string>("desc"), "admin-split");
  EXPECT_EQ(Parse(Call("GET", "/pd/api/v1/operators").body)->getValue<int>("count"), 1);
  r = Call("POST", "/pd/api/v1/operators", R"({"name":"merge","region_id":2,"target_region_id":3})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call("POST", "/pd/api/v1/operators", R"({"name":"split","region_id":9,"key":"c"})")
                .status,
            404);
  EXPECT_EQ(Call("POST", "/pd/api/v1/operators", R"({"name":"split","region_id":2,"key":"x"})")
                .status,
            400);  // not inside region 2
  EXPECT_EQ(Call("POST", "/pd/api/v1/operators", R"({"name":"boom"})").status, 400);
  EXPECT_EQ(Call("POST", "/pd/api/v1/operators", "{not json").status, 400);
}

TEST_F(PdHttpTest, OperatorEndpointNeedsTheTokenWhenSet) {
  token_ = "s3cret";
  const std::string body = R"({"name":"split","region_id":2,"key":"c"})";
  EXPECT_EQ(Call("POST", "/pd/api/v1/operators", body).status, 401);
  EXPECT_EQ(Call("POST", "/pd/api/v1/operators", body, "Bearer wrong").status, 401);
  EXPECT_EQ(Call("POST", "/pd/api/v1/operators", body, "Bearer s3cret").status, 200);
  EXPECT_EQ(Call("GET", "/pd/api/v1/regions").status, 200);  // reads stay open
}

}  // namespace
}  // namespace nokv::pd
