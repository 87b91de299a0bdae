// Glob matching (KEYS / SCAN MATCH) against Redis' stringmatchlen behaviour.
#include <gtest/gtest.h>

#include "redis/glob.h"

namespace nokv::redis {
namespace {

TEST(GlobTest, Patterns) {
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("h[b-a]llo", "hallo"));
  EXPECT_TRUE(GlobMatch("h\\*llo", "h*llo"));
  EXPECT_FALSE(GlobMatch("h\\*llo", "hello"));
  EXPECT_TRUE(GlobMatch("user:*:name", "user:42:name"));
  EXPECT_FALSE(GlobMatch("user:*:name", "user:42:age"));
  EXPECT_FALSE(GlobMatch("abc", "abcd"));
  EXPECT_FALSE(GlobMatch("a[", "a["));  // unterminated class matches nothing (as in Redis)
}

TEST(GlobTest, PathologicalPatternTerminates) {
  std::string pattern(200, '*');
  pattern += "b";
  EXPECT_FALSE(GlobMatch(pattern, std::string(5000, 'a')));
  EXPECT_FALSE(GlobMatch("a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", std::string(3000, 'a')));
}

TEST(GlobTest, LiteralPrefix) {
  EXPECT_EQ(GlobLiteralPrefix("user:*"), "user:");
  EXPECT_EQ(GlobLiteralPrefix("*x"), "");
  EXPECT_EQ(GlobLiteralPrefix("ab?c"), "ab");
  EXPECT_EQ(GlobLiteralPrefix("a\\*"), "a");
  EXPECT_EQ(GlobLiteralPrefix("plain"), "plain");
}

}  // namespace
}  // namespace nokv::redis
