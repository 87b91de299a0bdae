// Replies where the gateway used to differ from redis-server 7.0, one test per
// divergence; each expected reply was taken from a real redis-server 7.0.15.
#include <set>

#include "redis/command_test_fixture.h"

namespace nokv::redis {
namespace {

// Redis looks the key up before it validates the expire time.
TEST_F(CommandTest, GetExOnMissingKeyIgnoresTheExpireTime) {
  EXPECT_EQ(Run({"GETEX", "nokey", "EX", "0"}), kNil);
  EXPECT_EQ(Run({"GETEX", "nokey", "EX", "abc"}), kNil);
  EXPECT_EQ(Run({"GETEX", "nokey", "PERSIST", "EX", "1"}), Error("ERR syntax error"));
  ASSERT_EQ(Run({"SET", "k", "v"}), kOK);
  EXPECT_EQ(Run({"GETEX", "k", "EX", "0"}), Error("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(Run({"GETEX", "k", "EX", "abc"}), Error("ERR value is not an integer or out of range"));
}

TEST_F(CommandTest, CommandInfoOfAnUnknownNameIsANullBulk) {
  EXPECT_EQ(Run({"COMMAND", "INFO", "nosuchcmd"}), "*1\r\n" + kNil);
}

// ACL categories in COMMAND INFO and the group in COMMAND DOCS, as Redis.
TEST_F(CommandTest, CommandInfoCategoriesAndDocsGroup) {
  const std::string get = Run({"COMMAND", "INFO", "get"});
  EXPECT_NE(get.find("*3\r\n+@read\r\n+@string\r\n+@fast\r\n"), std::string::npos) << get;
  const std::string del = Run({"COMMAND", "INFO", "del"});
  EXPECT_NE(del.find("*3\r\n+@keyspace\r\n+@write\r\n+@slow\r\n"), std::string::npos) << del;
  EXPECT_NE(Run({"COMMAND", "DOCS", "get"}).find(Bulk("group") + Bulk("string")),
            std::string::npos);
  EXPECT_NE(Run({"COMMAND", "DOCS", "ttl"}).find(Bulk("group") + Bulk("generic")),
            std::string::npos);
  EXPECT_NE(Run({"COMMAND", "DOCS", "ping"}).find(Bulk("group") + Bulk("connection")),
            std::string::npos);
}

TEST_F(CommandTest, CommandGetKeys) {
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "SET", "k", "v", "EX", "10"}), "*1\r\n" + Bulk("k"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"}),
            "*2\r\n" + Bulk("a") + Bulk("b"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "DEL", "a", "b"}), "*2\r\n" + Bulk("a") + Bulk("b"));
  const std::string arity = Error("ERR wrong number of arguments for 'command|getkeys' command");
  EXPECT_EQ(Run({"COMMAND", "GETKEYS"}), arity);
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "PING"}), arity);  // at least a command and one word
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "nosuch", "a"}), Error("ERR Invalid command specified"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "PING", "x"}),
            Error("ERR The command has no key arguments"));
  EXPECT_EQ(Run({"COMMAND", "GETKEYS", "GET", "a", "b"}),
            Error("ERR Invalid number of arguments specified for command"));
}

TEST_F(CommandTest, HelloRefusesResp3AndUnknownUsers) {
  EXPECT_EQ(Run({"HELLO", "3"}), Error("NOPROTO unsupported protocol version"));
  EXPECT_EQ(Run({"HELLO", "1"}), Error("NOPROTO unsupported protocol version"));
  EXPECT_EQ(Run({"HELLO", "3", "SETNAME", "x"}), Error("NOPROTO unsupported protocol version"));
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), kNil);  // a refused HELLO changes nothing
  EXPECT_EQ(Run({"HELLO", "2", "AUTH", "default", "any"}).substr(0, 4), "*14\r");
  const std::string wrongpass =
      Error("WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(Run({"HELLO", "2", "AUTH", "foo", "bar"}), wrongpass);
  // AUTH is checked before the name, as Redis does.
  EXPECT_EQ(Run({"HELLO", "2", "AUTH", "foo", "bar", "SETNAME", "a b"}), wrongpass);
  EXPECT_EQ(Run({"HELLO", "2", "SETNAME", "a b"}),
            Error("ERR Client names cannot contain spaces, newlines or special characters."));
  EXPECT_EQ(Run({"HELLO", "2", "AUTH", "default"}),
            Error("ERR Syntax error in HELLO option 'AUTH'"));
}

// Redis' string2ld wants the whole value to be the number: a NUL inside it
// is an error (the Redis source's own test suite checks this as "string to
// double with null terminator").
TEST_F(CommandTest, IncrByFloatRefusesANulInsideTheNumber) {
  ASSERT_EQ(Run({"SET", "foo", "1"}), kOK);
  ASSERT_EQ(Run({"SETRANGE", "foo", "2", "2"}), Int(3));  // "1\0" "2"
  EXPECT_EQ(Run({"INCRBYFLOAT", "foo", "1"}), Error("ERR value is not a valid float"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "bar", std::string("1\0", 2)}),
            Error("ERR value is not a valid float"));
}

// INFO has Redis' default sections; cluster-aware clients read cluster_enabled.
TEST_F(CommandTest, InfoHasCpuAndClusterSections) {
  const std::string all = Run({"INFO"});
  for (const char* want : {"# CPU\r\nused_cpu_sys:", "# Cluster\r\ncluster_enabled:0\r\n"}) {
    EXPECT_NE(all.find(want), std::string::npos) << want;
  }
  EXPECT_LT(all.find("# Replication"), all.find("# CPU"));
  EXPECT_LT(all.find("# Cluster"), all.find("# Keyspace"));
  const std::string cluster = Run({"INFO", "CLUSTER"});
  EXPECT_EQ(cluster, Bulk("# Cluster\r\ncluster_enabled:0\r\n"));
}

// Only Redis' lookupKeyRead commands count keyspace hits and misses; the read
// of a read-modify-write (INCR, APPEND, SET NX, EXPIRE, DEL ...) does not.
// CONFIG RESETSTAT zeroes the stats. Counts taken from redis-server 7.0.15
// running the same commands.
TEST_F(CommandTest, KeyspaceHitsAndMissesCountLikeRedis) {
  ASSERT_EQ(Run({"CONFIG", "RESETSTAT"}), kOK);
  for (std::vector<std::string> cmd :
       std::vector<std::vector<std::string>>{{"SET", "a", "1"},
                                             {"GET", "a"},
                                             {"GET", "nokey"},
                                             {"INCR", "a"},
                                             {"INCR", "nokey2"},
                                             {"APPEND", "a", "x"},
                                             {"SETNX", "a", "1"},
                                             {"SET", "a", "2", "NX"},
                                             {"SET", "a", "3", "XX"},
                                             {"SET", "a", "4", "GET"},
                                             {"SET", "nokey3", "1", "GET"},
                                             {"MSETNX", "b", "1", "a", "2"},
                                             {"EXISTS", "a", "nokey"},
                                             {"TYPE", "a"},
                                             {"TTL", "a"},
                                             {"EXPIRE", "a", "100"},
                                             {"PERSIST", "a"},
                                             {"DEL", "a", "nokey"},
                                             {"STRLEN", "nokey"},
                                             {"GETRANGE", "nokey", "0", "1"},
                                             {"MGET", "a", "b", "c"},
                                             {"GETSET", "b", "2"},
                                             {"GETDEL", "b"},
                                             {"GETEX", "nokey"},
                                             {"SETRANGE", "c", "1", "x"},
                                             {"INCRBYFLOAT", "c2", "1"},
                                             {"SCAN", "0"},
                                             {"KEYS", "*"},
                                             {"DBSIZE"}}) {
    Run(cmd);
  }
  EXPECT_EQ(d_->counters()->keyspace_hits.load(), 6u);
  EXPECT_EQ(d_->counters()->keyspace_misses.load(), 10u);
  const std::string stats = Run({"INFO", "stats"});
  EXPECT_NE(stats.find("keyspace_hits:6\r\n"), std::string::npos) << stats;
  EXPECT_NE(stats.find("total_commands_processed:30\r\n"), std::string::npos) << stats;
  EXPECT_EQ(Run({"CONFIG", "RESETSTAT"}), kOK);
  EXPECT_EQ(d_->counters()->keyspace_hits.load(), 0u);
  EXPECT_EQ(Run({"CONFIG", "RESETSTAT", "x"}),
            Error("ERR wrong number of arguments for 'config|resetstat' command"));
}

// Cursors start at a random point per process: a cursor handed out before a
// restart is refused instead of silently resuming some other scan.
TEST_F(CommandTest, ScanCursorFromAnEarlierProcessIsRefused) {
  for (int i = 0; i < 5; i++) ASSERT_EQ(Run({"SET", "k" + std::to_string(i), "v"}), kOK);
  const std::string reply = Run({"SCAN", "0", "COUNT", "2"});
  const size_t start = reply.find("\r\n", 4) + 2;
  const std::string cursor = reply.substr(start, reply.find("\r\n", start) - start);
  ASSERT_NE(cursor, "0");
  EXPECT_LT(std::stoull(cursor), 1ull << 53);
  EXPECT_EQ(Run({"SCAN", cursor, "COUNT", "100"}).substr(0, 9), "*2\r\n$1\r\n0");
  Close();
  Open();
  EXPECT_EQ(Run({"SCAN", cursor}), Error("ERR invalid cursor"));
}

TEST_F(CommandTest, ClientListFilters) {
  const std::string me = Run({"CLIENT", "LIST"});
  ASSERT_EQ(me.substr(0, 1), "$");
  EXPECT_NE(me.find("id=7 "), std::string::npos);
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "normal"}), me);
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "replica"}), Bulk(""));
  EXPECT_EQ(Run({"CLIENT", "LIST", "ID", "99999"}), Bulk(""));
  EXPECT_EQ(Run({"CLIENT", "LIST", "ID", "3", "7"}), me);
  EXPECT_EQ(Run({"CLIENT", "LIST", "TYPE", "foo"}), Error("ERR Unknown client type 'foo'"));
  EXPECT_EQ(Run({"CLIENT", "LIST", "ID", "abc"}), Error("ERR Invalid client ID"));
  EXPECT_EQ(Run({"CLIENT", "LIST", "foo"}), Error("ERR syntax error"));
}

TEST_F(CommandTest, CommandListFilterBy) {
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "GETR*"}), "*1\r\n" + Bulk("getrange"));
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "MODULE", "x"}), "*0\r\n");
  const std::string conn = Run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "Connection"});
  EXPECT_NE(conn.find(Bulk("ping")), std::string::npos);
  EXPECT_EQ(conn.find(Bulk("get")), std::string::npos);
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "PATTERN"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"COMMAND", "LIST", "FILTERBY", "FOO", "x"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"COMMAND", "LIST", "x"}), Error("ERR syntax error"));
}

TEST_F(CommandTest, ConfigSetArityAndMaxmemory) {
  EXPECT_EQ(Run({"CONFIG", "SET", "a"}),
            Error("ERR wrong number of arguments for 'config|set' command"));
  EXPECT_EQ(Run({"CONFIG", "SET", "a", "b", "c"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"CONFIG", "GET", "maxmemory"}), "*2\r\n" + Bulk("maxmemory") + Bulk("0"));
  EXPECT_EQ(Run({"CONFIG", "GET", "maxmemory-policy"}),
            "*2\r\n" + Bulk("maxmemory-policy") + Bulk("noeviction"));
}

// RENAME / RENAMENX / RANDOMKEY (were unknown commands); replies from
// redis-server 7.0.15.
TEST_F(CommandTest, RenameAndRandomKey) {
  EXPECT_EQ(Run({"RANDOMKEY"}), kNil);
  EXPECT_EQ(Run({"RENAME", "a", "b"}), Error("ERR no such key"));
  EXPECT_EQ(Run({"RENAMENX", "a", "b"}), Error("ERR no such key"));
  ASSERT_EQ(Run({"SET", "a", "1", "EX", "100"}), kOK);
  EXPECT_EQ(Run({"RENAME", "a", "a"}), kOK);
  EXPECT_EQ(Run({"RENAMENX", "a", "a"}), Int(0));
  EXPECT_EQ(Run({"RENAME", "a", "b"}), kOK);
  EXPECT_EQ(Run({"TTL", "b"}), Int(100));
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  ASSERT_EQ(Run({"SET", "c", "2"}), kOK);
  EXPECT_EQ(Run({"RENAMENX", "b", "c"}), Int(0));
  EXPECT_EQ(Run({"RENAME", "b", "c"}), kOK);
  EXPECT_EQ(Run({"GET", "c"}), Bulk("1"));
  EXPECT_EQ(Run({"TTL", "c"}), Int(100));  // the source's expiry moves with it
  ASSERT_EQ(Run({"SET", "", "e"}), kOK);
  EXPECT_EQ(Run({"RENAMENX", "", "z"}), Int(1));
  EXPECT_EQ(Run({"GET", "z"}), Bulk("e"));
  EXPECT_EQ(Run({"RENAME", "x"}), Error("ERR wrong number of arguments for 'rename' command"));
  EXPECT_EQ(Run({"RANDOMKEY", "x"}),
            Error("ERR wrong number of arguments for 'randomkey' command"));
  // Every key comes up, the empty one (the first) and "zz" (the last) included.
  ASSERT_EQ(Run({"MSET", "", "0", "m", "1", "zz", "2"}), kOK);
  const std::set<std::string> all = {Bulk(""), Bulk("c"), Bulk("m"), Bulk("z"), Bulk("zz")};
  std::set<std::string> seen;
  for (int i = 0; i < 5000 && seen.size() < all.size(); i++) seen.insert(Run({"RANDOMKEY"}));
  EXPECT_EQ(seen, all);
}

TEST_F(CommandTest, Copy) {
  EXPECT_EQ(Run({"COPY", "a", "b"}), Int(0));
  ASSERT_EQ(Run({"SET", "a", "1", "EX", "100"}), kOK);
  EXPECT_EQ(Run({"COPY", "a", "a"}), Error("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", "a", "b"}), Int(1));
  EXPECT_EQ(Run({"TTL", "b"}), Int(100));
  EXPECT_EQ(Run({"COPY", "a", "b"}), Int(0));
  ASSERT_EQ(Run({"SET", "a", "2"}), kOK);
  EXPECT_EQ(Run({"COPY", "a", "b", "REPLACE"}), Int(1));
  EXPECT_EQ(Run({"GET", "b"}), Bulk("2"));
  EXPECT_EQ(Run({"TTL", "b"}), Int(-1));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "0", "REPLACE"}), Int(1));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "1"}), Error("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "x"}),
            Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"COPY", "a", "b", "foo"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"COPY", "a"}), Error("ERR wrong number of arguments for 'copy' command"));
  EXPECT_EQ(Run({"COPY", "a", "", "REPLACE", "REPLACE"}), Int(1));
  EXPECT_EQ(Run({"GET", ""}), Bulk("2"));
}

TEST_F(CommandTest, SelectIndexBeyondInt) {
  EXPECT_EQ(Run({"SELECT", "99999999999"}),
            Error("ERR value is out of range, value must between -2147483648 and 2147483647"));
  EXPECT_EQ(Run({"SELECT", "-1"}), Error("ERR DB index is out of range"));
}

// Redis reads the cursor with strtoul: "" is 0 and "-1" wraps (and is then
// just a cursor we never handed out), but a leading space is refused.
TEST_F(CommandTest, ScanCursorParsing) {
  ASSERT_EQ(Run({"SET", "a", "1"}), kOK);
  EXPECT_EQ(Run({"SCAN", ""}), "*2\r\n" + Bulk("0") + "*1\r\n" + Bulk("a"));
  EXPECT_EQ(Run({"SCAN", " 0"}), Error("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "18446744073709551616"}), Error("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "-1"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "MATCH"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "TYPE", "STRING"}), "*2\r\n" + Bulk("0") + "*1\r\n" + Bulk("a"));
}

}  // namespace
}  // namespace nokv::redis
