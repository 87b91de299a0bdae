// Key text encoding: the spellings of the topology file and its round trip.
#include "config/key_text.h"

#include <gtest/gtest.h>

#include "base/random.h"
#include "testutil/test_util.h"

namespace nokv::config {
namespace {

TEST(KeyTextTest, DecodesTheFileSpellings) {
  EXPECT_EQ(DecodeKeyText("").value(), "");
  EXPECT_EQ(DecodeKeyText("-").value(), "");
  EXPECT_EQ(DecodeKeyText("hex:").value(), "");
  EXPECT_EQ(DecodeKeyText("m").value(), "m");
  EXPECT_EQ(DecodeKeyText("user/42").value(), "user/42");
  EXPECT_EQ(DecodeKeyText("hex:6d").value(), "m");
  EXPECT_EQ(DecodeKeyText("hex:00FF10").value(), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(DecodeKeyText("--").value(), "--");
}

TEST(KeyTextTest, RejectsMalformedHexNamingTheText) {
  Result<std::string> odd = DecodeKeyText("hex:abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_TRUE(odd.status().IsInvalidArgument());
  EXPECT_NE(odd.status().message().find("\"hex:abc\""), std::string::npos);
  EXPECT_NE(odd.status().message().find("odd number"), std::string::npos);

  Result<std::string> bad = DecodeKeyText("hex:zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("not a hex digit at offset 0"), std::string::npos)
      << bad.status().message();
}

TEST(KeyTextTest, EncodesPrintableKeysVerbatimAndTheRestInHex) {
  EXPECT_EQ(EncodeKeyText(""), "");
  EXPECT_EQ(EncodeKeyText("m"), "m");
  EXPECT_EQ(EncodeKeyText("a\"b\\c"), "a\"b\\c");
  EXPECT_EQ(EncodeKeyText("-"), "hex:2d");
  EXPECT_EQ(EncodeKeyText("hex:x"), "hex:6865783a78");
  EXPECT_EQ(EncodeKeyText("a b"), "hex:612062");  // never a space in the output
  EXPECT_EQ(EncodeKeyText(std::string("\x00\x01", 2)), "hex:0001");
  EXPECT_EQ(EncodeKeyText("\x7f"), "hex:7f");
}

TEST(KeyTextTest, RoundTripsRandomKeys) {
  Random rng(testutil::TestSeed(301));
  for (int i = 0; i < 2000; ++i) {
    const std::string key = i % 2 ? testutil::RandomBytes(&rng, i % 7)
                                  : testutil::RandomPrintable(&rng, i % 9);
    const std::string text = EncodeKeyText(key);
    EXPECT_EQ(text.find(' '), std::string::npos);
    Result<std::string> back = DecodeKeyText(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(back.value(), key) << "text " << text;
  }
}

}  // namespace
}  // namespace nokv::config
