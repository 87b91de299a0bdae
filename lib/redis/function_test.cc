// FUNCTION and FCALL on a server without a script engine, and the preamble
// Redis' own test harness sends to an external server before each test file
// (run_external_server_test in tests/support/server.tcl of the Redis 7 source,
// which is not part of this repository; the commands are listed in
// RedisTestHarnessPreamble below). Expected replies
// taken from redis-server 7.0.15.
#include "redis/command_test_fixture.h"

namespace nokv::redis {
namespace {

TEST_F(CommandTest, FunctionAndFcallWithoutALibrary) {
  EXPECT_EQ(Run({"FUNCTION", "FLUSH"}), kOK);
  EXPECT_EQ(Run({"FUNCTION", "FLUSH", "ASYNC"}), kOK);
  EXPECT_EQ(Run({"FUNCTION", "FLUSH", "sync"}), kOK);
  EXPECT_EQ(Run({"FUNCTION", "FLUSH", "foo"}),
            Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"));
  EXPECT_EQ(
      Run({"FUNCTION", "FLUSH", "a", "b"}),
      Error("ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP."));
  EXPECT_EQ(Run({"FUNCTION", "LIST"}), Arr({}));
  EXPECT_EQ(Run({"FUNCTION", "LIST", "LIBRARYNAME", "x", "WITHCODE"}), Arr({}));
  EXPECT_EQ(Run({"FUNCTION", "LIST", "foo"}), Error("ERR Unknown argument foo"));
  EXPECT_EQ(Run({"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME"}),
            Error("ERR library name argument was not given"));
  EXPECT_EQ(Run({"FUNCTION", "DELETE", "x"}), Error("ERR Library not found"));
  EXPECT_EQ(Run({"FUNCTION", "DELETE", "a", "b"}),
            Error("ERR wrong number of arguments for 'function|delete' command"));
  EXPECT_EQ(Run({"FUNCTION", "KILL"}), Error("NOTBUSY No scripts in execution right now."));
  EXPECT_EQ(Run({"FUNCTION", "STATS", "x"}),
            Error("ERR wrong number of arguments for 'function|stats' command"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD"}),
            Error("ERR wrong number of arguments for 'function|load' command"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "x"}), Error("ERR Missing library metadata"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "REPLACE", "x", "y"}), Error("ERR Unknown option given: x"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!lua"}), Error("ERR Invalid library metadata"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!lua\n"}), Error("ERR Library name was not given"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!js name=x\nfoo"}), Error("ERR Engine 'js' not found"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!lua name=x foo=bar\n"}),
            Error("ERR Invalid metadata value given: foo=bar"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!lua name=x name=y\n"}),
            Error("ERR Invalid metadata value, name argument was given multiple times"));
  EXPECT_EQ(Run({"FUNCTION", "LOAD", "#!lua name=a-b\n"}),
            Error("ERR Library names can only contain letters, numbers, or underscores(_) and must "
                  "be at least one character long"));
  EXPECT_EQ(Run({"FUNCTION"}), Error("ERR wrong number of arguments for 'function' command"));
  EXPECT_EQ(Run({"FUNCTION", "NOPE"}), Error("ERR unknown subcommand 'NOPE'. Try FUNCTION HELP."));
  EXPECT_EQ(Run({"FCALL", "f", "0"}), Error("ERR Function not found"));
  EXPECT_EQ(Run({"FCALL_RO", "f", "1", "k"}), Error("ERR Function not found"));
  EXPECT_EQ(Run({"FCALL", "f"}), Error("ERR wrong number of arguments for 'fcall' command"));
}

// FUNCTION STATS: no running script and, unlike a Redis with Lua, no engines.
TEST_F(CommandTest, FunctionStatsHasNoEngines) {
  EXPECT_EQ(Run({"FUNCTION", "STATS"}),
            Arr({Bulk("running_script"), kNil, Bulk("engines"), Arr({})}));
  EXPECT_EQ(Run({"FUNCTION", "LOAD",
                 "#!lua name=mylib\nredis.register_function('f', function() "
                 "return 1 end)"}),
            Error("ERR Engine 'lua' not found"));
  EXPECT_EQ(Run({"FUNCTION", "LIST"}), Arr({}));
}

// Redis' harness against an external server (--host/--port, with --singledb:
// there is one database, so SELECT 9 is refused): per test file FLUSHALL,
// FUNCTION FLUSH, then for each config override CONFIG GET (to restore it
// later) and CONFIG SET; per test a DEBUG LOG whose error it ignores.
TEST_F(CommandTest, RedisTestHarnessPreamble) {
  ASSERT_EQ(Run({"SET", "leftover", "x"}), kOK);
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(Run({"SELECT", "9"}), Error("ERR DB index is out of range"));  // hence --singledb
  EXPECT_EQ(Run({"FLUSHALL"}), kOK);
  EXPECT_EQ(Run({"FUNCTION", "FLUSH"}), kOK);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  for (const auto& [param, value] : std::vector<std::pair<std::string, std::string>>{
           {"appendonly", "yes"}, {"appendfsync", "always"}, {"hz", "100"}, {"timeout", "0"}}) {
    const std::string saved = Run({"CONFIG", "GET", param});
    ASSERT_EQ(saved.substr(0, 4), "*2\r\n") << param;
    EXPECT_EQ(Run({"CONFIG", "SET", param, value}), kOK) << param;
    EXPECT_EQ(Run({"CONFIG", "GET", param}), Arr({Bulk(param), Bulk(value)}));
  }
  EXPECT_EQ(Run({"INFO", "persistence"}).find("aof_rewrite_in_progress:1"), std::string::npos);
}

}  // namespace
}  // namespace nokv::redis
