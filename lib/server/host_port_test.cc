// The HOST:PORT parser every server flag uses.
#include "server/host_port.h"

#include <gtest/gtest.h>

namespace nokv::server {
namespace {

TEST(HostPortTest, ParsesHostsAndPorts) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(ParseHostPort("127.0.0.1:6380", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 6380);
  ASSERT_TRUE(ParseHostPort("localhost:0", &host, &port).ok());
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(ParseHostPort("[::1]:65535", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 65535);
  ASSERT_TRUE(ParseHostPort("0.0.0.0:8080", &host, &port).ok());
  EXPECT_EQ(host, "0.0.0.0");
}

TEST(HostPortTest, RefusesWhatIsNotHostPort) {
  std::string host;
  int port = 0;
  for (const char* bad : {"nonsense", "127.0.0.1", "127.0.0.1:", ":6380", "[]:1", "h:65536",
                          "h:123456", "h:-1", "h:+1", "h:1a", "::1:80", "[::1:80"}) {
    Status s = ParseHostPort(bad, &host, &port);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
    EXPECT_NE(s.message().find(std::string("\"") + bad + "\""), std::string::npos) << s.ToString();
  }
  EXPECT_NE(ParseHostPort("::1:80", &host, &port).message().find("brackets"), std::string::npos);
}

TEST(HostPortTest, FormatsIpv6InBrackets) {
  EXPECT_EQ(FormatHostPort("127.0.0.1", 80), "127.0.0.1:80");
  EXPECT_EQ(FormatHostPort("::1", 80), "[::1]:80");
}

}  // namespace
}  // namespace nokv::server
