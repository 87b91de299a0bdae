// The JSON syntax checker: it accepts JSON and says where broken JSON breaks.
#include "config/json_syntax.h"

#include <gtest/gtest.h>

namespace nokv::config {
namespace {

struct Case {
  const char* text;
  int line;
  int column;
  const char* message_part;
};

TEST(JsonSyntaxTest, AcceptsWellFormedDocuments) {
  for (const char* text :
       {"{}", "[]", "0", "-1.5e+3", "\"a\\u00e9\\n\"", "true", " null ",
        "{\"a\": [1, {\"b\": false}], \"c\": \"x\"}", "[{\"a\":1},{\"a\":2}]"}) {
    EXPECT_FALSE(FindJsonSyntaxError(text).has_value()) << text;
  }
}

TEST(JsonSyntaxTest, LocatesErrors) {
  const Case cases[] = {
      {"", 1, 1, "empty document"},
      {"{\n  \"a\": 1,\n}", 3, 1, "trailing comma before '}'"},
      {"[1, 2,]", 1, 7, "trailing comma before ']'"},
      {"{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3, "expected ',' or '}'"},
      {"{\"a\": \"x}", 1, 10, "unterminated string"},
      {"{\"a\": \"x\n\"}", 1, 9, "newline inside a string"},
      {"{\n \"s\": 1,\n \"s\": 2}", 3, 2, "duplicate key \"s\""},
      {"{store_id: 1}", 1, 2, "member name in double quotes"},
      {"{\"a\": 'x'}", 1, 7, "double quotes"},
      {"{\"a\": tru}", 1, 7, "invalid literal"},
      {"{\"a\": 01}", 1, 8, "leading zeros"},
      {"{\"a\": 1.}", 1, 9, "decimal point"},
      {"{\"a\": \"\\q\"}", 1, 9, "invalid escape"},
      {"{} x", 1, 4, "after the end"},
      {"{\"a\": 1", 1, 8, "end of file"},
  };
  for (const Case& c : cases) {
    std::optional<JsonSyntaxError> e = FindJsonSyntaxError(c.text);
    ASSERT_TRUE(e.has_value()) << c.text;
    EXPECT_EQ(e->line, c.line) << c.text << ": " << e->message;
    EXPECT_EQ(e->column, c.column) << c.text << ": " << e->message;
    EXPECT_NE(e->message.find(c.message_part), std::string::npos)
        << c.text << ": " << e->message;
  }
}

TEST(JsonSyntaxTest, SameKeyInDifferentObjectsIsFine) {
  EXPECT_FALSE(FindJsonSyntaxError("[{\"id\": 1}, {\"id\": 2}, {\"x\": {\"id\": 3}, \"id\": 4}]")
                   .has_value());
}

TEST(JsonSyntaxTest, BoundsNesting) {
  std::string deep(500, '[');
  deep += std::string(500, ']');
  std::optional<JsonSyntaxError> e = FindJsonSyntaxError(deep);
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->message.find("nesting"), std::string::npos);
}

}  // namespace
}  // namespace nokv::config
