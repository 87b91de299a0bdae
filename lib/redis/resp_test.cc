// RESP parser tests: split reads at every byte, pipelining, inline commands,
// protocol errors, and random frames that must never crash.
#include <gtest/gtest.h>

#include "base/random.h"
#include "redis/resp.h"
#include "testutil/test_util.h"

namespace nokv::redis {
namespace {

using Argv = std::vector<std::string>;

// Feeds `input` in pieces of `step` bytes; returns the commands and whether a
// protocol error was hit (its text in *error).
std::vector<Argv> ParseAll(const std::string& input, size_t step, std::string* error = nullptr,
                           RespLimits limits = {}) {
  RespParser p(limits);
  std::vector<Argv> cmds;
  std::string buf;
  size_t pos = 0;
  for (size_t off = 0; off < input.size() || off == 0; off += step) {
    buf.append(input.substr(off, step));
    Argv argv;
    RespParser::Result r;
    while ((r = p.Next(buf, &pos, &argv)) == RespParser::kCommand) cmds.push_back(argv);
    if (r == RespParser::kError) {
      if (error) *error = p.error();
      return cmds;
    }
    buf.erase(0, pos);
    pos = 0;
    if (input.empty()) break;
  }
  if (error) error->clear();
  return cmds;
}

TEST(RespParserTest, MultibulkSplitAtEveryByte) {
  const std::string frame = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nv\r\nx!\r\n";
  for (size_t step = 1; step <= frame.size(); step++) {
    auto cmds = ParseAll(frame, step);
    ASSERT_EQ(cmds.size(), 1u) << "step " << step;
    EXPECT_EQ(cmds[0], (Argv{"SET", "key", "v\r\nx!"}));
  }
}

TEST(RespParserTest, PipelinedMixedFramesSplitAnywhere) {
  const std::string input =
      "*1\r\n$4\r\nPING\r\n"
      "GET \"a b\" 'c'\r\n"
      "*0\r\n*-1\r\n\r\n"
      "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"
      "incr  x\n";
  const std::vector<Argv> want = {{"PING"}, {"GET", "a b", "c"}, {"ECHO", ""}, {"incr", "x"}};
  for (size_t step = 1; step <= input.size(); step++) {
    EXPECT_EQ(ParseAll(input, step), want) << "step " << step;
  }
}

TEST(RespParserTest, InlineQuotingAndEscapes) {
  Argv out;
  ASSERT_TRUE(SplitInlineArgs(R"(set "a\x41\n" 'it\'s' plain)", &out));
  EXPECT_EQ(out, (Argv{"set", "aA\n", "it's", "plain"}));
  out.clear();
  EXPECT_FALSE(SplitInlineArgs(R"(set "abc)", &out));
  out.clear();
  EXPECT_FALSE(SplitInlineArgs(R"(set "abc"x)", &out));
  out.clear();
  ASSERT_TRUE(SplitInlineArgs("   ", &out));
  EXPECT_TRUE(out.empty());
}

// Redis splits an inline line as a C string: a NUL ends it (a line of just
// "\0" is blank and ignored, not an unknown command).
TEST(RespParserTest, InlineLineEndsAtNul) {
  const std::string input("\0\r\nECHO a\0b c\r\nPING\r\n", 21);
  EXPECT_EQ(ParseAll(input, 1), (std::vector<Argv>{{"ECHO", "a"}, {"PING"}}));
}

TEST(RespParserTest, ProtocolErrorsUseRedisTexts) {
  struct Case {
    std::string input, error;
  } cases[] = {
      {"*a\r\n", "Protocol error: invalid multibulk length"},
      {"*3000000000\r\n", "Protocol error: invalid multibulk length"},
      {"*1\r\n+x\r\n", "Protocol error: expected '$', got '+'"},
      {"*1\r\n$-5\r\n", "Protocol error: invalid bulk length"},
      {"*2\r\n$4\r\nECHO\r\n$-1\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$600000000\r\n", "Protocol error: invalid bulk length"},
      {"set \"a\r\n", "Protocol error: unbalanced quotes in request"},
      {std::string(70000, 'a'), "Protocol error: too big inline request"},
      {"*" + std::string(70000, '1'), "Protocol error: too big mbulk count string"},
  };
  for (const auto& c : cases) {
    std::string err;
    ParseAll(c.input, c.input.size(), &err);
    EXPECT_EQ(err, c.error) << c.input.substr(0, 40);
  }
}

TEST(RespParserTest, CommandsBeforeAnErrorAreDelivered) {
  std::string err;
  auto cmds = ParseAll("PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n", 3, &err);
  EXPECT_EQ(cmds.size(), 2u);
  EXPECT_EQ(err, "Protocol error: invalid multibulk length");
}

TEST(RespParserTest, MultibulkLimit) {
  RespLimits limits;
  limits.max_multibulk_len = 2;
  std::string err;
  ParseAll("*3\r\n", 4, &err, limits);
  EXPECT_EQ(err, "Protocol error: invalid multibulk length");
  auto cmds = ParseAll("*2\r\n$1\r\na\r\n$1\r\nb\r\n", 4, &err, limits);
  EXPECT_TRUE(err.empty());
  EXPECT_EQ(cmds.size(), 1u);
}

TEST(RespParserTest, LargeBulkArrivesInPieces) {
  std::string value(1 << 20, 'v');
  std::string frame = "*2\r\n$4\r\nECHO\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  auto cmds = ParseAll(frame, 4096);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0][1], value);
}

// Random frames (valid, mutated and garbage) never crash; every outcome is
// commands, need-more or a protocol error.
TEST(RespParserTest, FuzzRandomFramesNeverCrash) {
  const uint64_t seed = testutil::TestSeed(20240601);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (NOKV_TEST_SEED)");
  Random rng(seed);
  const std::string alphabet = "*$\r\n0123456789-+: \"'\\xabcSETGET";
  int errors = 0;
  for (int iter = 0; iter < 3000; iter++) {
    std::string input;
    const int parts = 1 + static_cast<int>(rng.Uniform(6));
    for (int p = 0; p < parts; p++) {
      switch (rng.Uniform(3)) {
        case 0: {  // a valid frame
          int n = 1 + static_cast<int>(rng.Uniform(4));
          input += "*" + std::to_string(n) + "\r\n";
          for (int i = 0; i < n; i++) {
            std::string a = testutil::RandomBytes(&rng, rng.Uniform(8));
            input += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
          }
          break;
        }
        case 1: {  // random alphabet soup
          int n = static_cast<int>(rng.Uniform(40));
          for (int i = 0; i < n; i++) input += alphabet[rng.Uniform(static_cast<uint32_t>(alphabet.size()))];
          break;
        }
        default:
          input += testutil::RandomBytes(&rng, rng.Uniform(30));
      }
    }
    if (!input.empty() && rng.OneIn(2)) {  // flip a byte
      input[rng.Uniform(static_cast<uint32_t>(input.size()))] = static_cast<char>(rng.Uniform(256));
    }
    std::string err;
    size_t step = 1 + rng.Uniform(static_cast<uint32_t>(input.size() + 1));
    auto cmds = ParseAll(input, step, &err);
    for (const auto& c : cmds) ASSERT_FALSE(c.empty());
    if (!err.empty()) {
      errors++;
      ASSERT_EQ(err.rfind("Protocol error: ", 0), 0u) << err;
    }
  }
  EXPECT_GT(errors, 100);
}

TEST(RespEncodeTest, Replies) {
  std::string out;
  AppendSimple(&out, "OK");
  AppendError(&out, "ERR bad\r\nthing");
  AppendInteger(&out, -42);
  AppendBulk(&out, "hi");
  AppendNull(&out);
  AppendBulkArray(&out, {"a", ""});
  EXPECT_EQ(out, "+OK\r\n-ERR bad  thing\r\n:-42\r\n$2\r\nhi\r\n$-1\r\n*2\r\n$1\r\na\r\n$0\r\n\r\n");
}

TEST(RespEncodeTest, StringToInt64IsStrict) {
  int64_t v;
  EXPECT_TRUE(StringToInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(StringToInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  for (const char* bad : {"", "-", "01", "+1", " 1", "1 ", "9223372036854775808", "-0", "1e3"}) {
    EXPECT_FALSE(StringToInt64(bad, &v)) << bad;
  }
}

}  // namespace
}  // namespace nokv::redis
