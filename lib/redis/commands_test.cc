// Command semantics through the Dispatcher (no socket) against a real DB in a
// TempDir, with an injected clock so expiry is deterministic. Expected replies
// were taken from redis-server 7.0.
#include <set>
#include <thread>

#include "redis/command_test_fixture.h"

namespace nokv::redis {
namespace {

TEST_F(CommandTest, UnknownCommandAndArity) {
  EXPECT_EQ(Run({"foo", "a", "b"}), Error("ERR unknown command 'foo', with args beginning with: 'a' 'b' "));
  EXPECT_EQ(Run({"FOO"}), Error("ERR unknown command 'FOO', with args beginning with: "));
  EXPECT_EQ(Run({"GET"}), Error("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Run({"get", "a", "b"}), Error("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Run({"mset", "a"}), Error("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(Run({"mset", "a", "b", "c"}), Error("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(Run({"client", "setname"}), Error("ERR wrong number of arguments for 'client|setname' command"));
  EXPECT_EQ(Run({"client", "foo"}), Error("ERR unknown subcommand 'foo'. Try CLIENT HELP."));
}

TEST_F(CommandTest, SetGetAndOptions) {
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "v"}), kOK);
  EXPECT_EQ(Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"SET", "k", "w", "NX"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "w", "XX", "GET"}), Bulk("v"));
  EXPECT_EQ(Run({"SET", "n", "w", "XX"}), kNil);
  EXPECT_EQ(Run({"SET", "n", "w", "NX", "GET"}), kNil);
  EXPECT_EQ(Run({"GET", "n"}), Bulk("w"));
  EXPECT_EQ(Run({"SET", "k", "v", "NX", "XX"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "0"}), Error("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "-5"}), Error("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "abc"}), Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SET", "k", "v", "EX"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "KEEPTTL", "EX", "10"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10", "PX", "10"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "BOGUS"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "9223372036854775807"}),
            Error("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("w"));  // failed SETs changed nothing
  EXPECT_EQ(Run({"SET", "e", ""}), kOK);
  EXPECT_EQ(Run({"GET", "e"}), Bulk(""));
}

TEST_F(CommandTest, SetExpiryVariantsAndKeepTtl) {
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10"}), kOK);
  EXPECT_EQ(Run({"TTL", "k"}), Int(10));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(10000));
  EXPECT_EQ(Run({"SET", "k", "v2", "KEEPTTL"}), kOK);
  EXPECT_EQ(Run({"PTTL", "k"}), Int(10000));
  EXPECT_EQ(Run({"SET", "k", "v3"}), kOK);  // a plain SET clears the TTL
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  const uint64_t at = now_.load() + 5000;
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", std::to_string(at)}), kOK);
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(static_cast<int64_t>(at)));
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int(static_cast<int64_t>(at / 1000)));
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "1"}), kOK);  // in the past: gone
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"SETEX", "s", "-1", "v"}), Error("ERR invalid expire time in 'setex' command"));
  EXPECT_EQ(Run({"PSETEX", "s", "0", "v"}), Error("ERR invalid expire time in 'psetex' command"));
  EXPECT_EQ(Run({"SETEX", "s", "3", "v"}), kOK);
  EXPECT_EQ(Run({"PSETEX", "p", "1500", "v"}), kOK);
  EXPECT_EQ(Run({"TTL", "p"}), Int(2));  // rounded like Redis
  Advance(1500);
  EXPECT_EQ(Run({"GET", "p"}), kNil);
  EXPECT_EQ(Run({"TTL", "p"}), Int(-2));
  EXPECT_EQ(Run({"GET", "s"}), Bulk("v"));
  Advance(1500);
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
}

TEST_F(CommandTest, MultiKeyCommands) {
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "2"}), kOK);
  EXPECT_EQ(Run({"MGET", "a", "x", "b"}), "*3\r\n" + Bulk("1") + kNil + Bulk("2"));
  EXPECT_EQ(Run({"MSETNX", "x", "1", "a", "9"}), Int(0));
  EXPECT_EQ(Run({"GET", "x"}), kNil);
  EXPECT_EQ(Run({"MSETNX", "x", "1", "y", "2"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "a", "a", "zz", "x"}), Int(3));
  EXPECT_EQ(Run({"DEL", "a", "a", "zz", "x"}), Int(2));
  EXPECT_EQ(Run({"UNLINK", "b"}), Int(1));
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  EXPECT_EQ(Run({"SETNX", "y", "3"}), Int(0));
  EXPECT_EQ(Run({"SETNX", "z", "3"}), Int(1));
  EXPECT_EQ(Run({"TYPE", "z"}), "+string\r\n");
  EXPECT_EQ(Run({"TYPE", "nope"}), "+none\r\n");
}

TEST_F(CommandTest, GetSetGetDelGetEx) {
  EXPECT_EQ(Run({"GETSET", "k", "1"}), kNil);
  EXPECT_EQ(Run({"EXPIRE", "k", "100"}), Int(1));
  EXPECT_EQ(Run({"GETSET", "k", "2"}), Bulk("1"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"GETEX", "k", "EX", "50"}), Bulk("2"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(50));
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST"}), Bulk("2"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"GETEX", "k", "EX", "0"}), Error("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(Run({"GETEX", "k", "NX"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST", "EX", "5"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"GETEX", "missing", "EX", "5"}), kNil);
  EXPECT_EQ(Run({"GETEX", "k", "PXAT", "1"}), Bulk("2"));  // past: deleted
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  EXPECT_EQ(Run({"SET", "k", "v"}), kOK);
  EXPECT_EQ(Run({"GETDEL", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"GETDEL", "k"}), kNil);
}

TEST_F(CommandTest, AppendStrlenRanges) {
  EXPECT_EQ(Run({"APPEND", "k", "Hello"}), Int(5));
  EXPECT_EQ(Run({"APPEND", "k", " World"}), Int(11));
  EXPECT_EQ(Run({"STRLEN", "k"}), Int(11));
  EXPECT_EQ(Run({"STRLEN", "nope"}), Int(0));
  EXPECT_EQ(Run({"GETRANGE", "k", "0", "4"}), Bulk("Hello"));
  EXPECT_EQ(Run({"GETRANGE", "k", "-5", "-1"}), Bulk("World"));
  EXPECT_EQ(Run({"GETRANGE", "k", "-1", "-5"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "k", "5", "1"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "k", "0", "100"}), Bulk("Hello World"));
  EXPECT_EQ(Run({"GETRANGE", "k", "-100", "2"}), Bulk("Hel"));
  EXPECT_EQ(Run({"GETRANGE", "nope", "0", "-1"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "k", "a", "1"}), Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SETRANGE", "k", "6", "Redis"}), Int(11));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("Hello Redis"));
  EXPECT_EQ(Run({"SETRANGE", "pad", "3", "x"}), Int(4));
  EXPECT_EQ(Run({"GET", "pad"}), Bulk(std::string("\0\0\0x", 4)));
  EXPECT_EQ(Run({"SETRANGE", "empty", "5", ""}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "empty"}), Int(0));
  EXPECT_EQ(Run({"SETRANGE", "k", "-1", "x"}), Error("ERR offset is out of range"));
  EXPECT_EQ(Run({"SETRANGE", "k", "536870912", "x"}),
            Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  EXPECT_EQ(Run({"EXPIRE", "k", "100"}), Int(1));
  EXPECT_EQ(Run({"APPEND", "k", "!"}), Int(12));
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));  // APPEND keeps the TTL
}

TEST_F(CommandTest, Counters) {
  EXPECT_EQ(Run({"INCR", "c"}), Int(1));
  EXPECT_EQ(Run({"INCRBY", "c", "10"}), Int(11));
  EXPECT_EQ(Run({"DECR", "c"}), Int(10));
  EXPECT_EQ(Run({"DECRBY", "c", "-5"}), Int(15));
  EXPECT_EQ(Run({"GET", "c"}), Bulk("15"));
  EXPECT_EQ(Run({"SET", "s", "abc"}), kOK);
  EXPECT_EQ(Run({"INCR", "s"}), Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SET", "s", " 1"}), kOK);
  EXPECT_EQ(Run({"INCR", "s"}), Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"INCRBY", "c", "x"}), Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SET", "m", "9223372036854775807"}), kOK);
  EXPECT_EQ(Run({"INCR", "m"}), Error("ERR increment or decrement would overflow"));
  EXPECT_EQ(Run({"SET", "m", "-9223372036854775808"}), kOK);
  EXPECT_EQ(Run({"DECR", "m"}), Error("ERR increment or decrement would overflow"));
  EXPECT_EQ(Run({"DECRBY", "c", "-9223372036854775808"}), Error("ERR decrement would overflow"));
  EXPECT_EQ(Run({"EXPIRE", "c", "30"}), Int(1));
  EXPECT_EQ(Run({"INCR", "c"}), Int(16));
  EXPECT_EQ(Run({"TTL", "c"}), Int(30));  // INCR keeps the TTL
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "10.5"}), Bulk("10.5"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "-10.6"}), Bulk("0"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "5.0e3"}), Bulk("5000"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "abc"}), Error("ERR value is not a valid float"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "s", "1"}), Error("ERR value is not a valid float"));
}

TEST_F(CommandTest, ConcurrentIncrementsAreAtomic) {
  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([this] {
      Session s;
      for (int i = 0; i < kPerThread; i++) {
        std::string out;
        d_->Execute(&s, {"INCR", "ctr"}, &out);
        d_->Execute(&s, {"APPEND", "log", "x"}, &out);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Run({"GET", "ctr"}), Bulk(std::to_string(kThreads * kPerThread)));
  EXPECT_EQ(Run({"STRLEN", "log"}), Int(kThreads * kPerThread));
}

TEST_F(CommandTest, ExpireFamily) {
  EXPECT_EQ(Run({"EXPIRE", "nope", "10"}), Int(0));
  EXPECT_EQ(Run({"SET", "k", "v"}), kOK);
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "XX"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "NX"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "k", "20", "NX"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "k", "5", "GT"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "k", "50", "GT"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "k", "60", "LT"}), Int(0));
  EXPECT_EQ(Run({"PEXPIRE", "k", "30000", "LT"}), Int(1));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(30000));
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(1));
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "GT"}), Int(0));  // no TTL counts as infinite
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "LT"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "nx", "xx"}),
            Error("ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "gt", "lt"}),
            Error("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "foo"}), Error("ERR Unsupported option foo"));
  EXPECT_EQ(Run({"EXPIRE", "k", "abc"}), Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"EXPIRE", "k", "9223372036854775807"}),
            Error("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"PEXPIREAT", "k", "9223372036854775807"}), Int(1));
  const uint64_t at_s = now_.load() / 1000 + 100;
  EXPECT_EQ(Run({"EXPIREAT", "k", std::to_string(at_s)}), Int(1));
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int(static_cast<int64_t>(at_s)));
  EXPECT_EQ(Run({"EXPIRE", "k", "-1"}), Int(1));  // negative: deleted
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-2));
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int(-2));
}

TEST_F(CommandTest, ActiveExpiryDeletesExpiredKeys) {
  for (int i = 0; i < 20; i++) {
    ASSERT_EQ(Run({"SET", "t" + std::to_string(i), "v", "PX", "100"}), kOK);
  }
  ASSERT_EQ(Run({"SET", "keep", "v", "PX", "100000"}), kOK);
  EXPECT_EQ(d_->store()->ActiveExpireCycle(100), 0u);
  Advance(200);
  EXPECT_EQ(d_->store()->ActiveExpireCycle(100), 20u);
  EXPECT_EQ(d_->counters()->expired_keys.load(), 20u);
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  // A key rewritten without expiry before its old expiry is not deleted.
  ASSERT_EQ(Run({"SET", "r", "v", "PX", "100"}), kOK);
  ASSERT_EQ(Run({"SET", "r", "w"}), kOK);
  Advance(200);
  EXPECT_EQ(d_->store()->ActiveExpireCycle(100), 0u);
  EXPECT_EQ(Run({"GET", "r"}), Bulk("w"));
}

TEST_F(CommandTest, ExpiryRediscoveredAfterRestart) {
  ASSERT_EQ(Run({"SET", "t", "v", "PX", "1000"}), kOK);
  Close();
  Open();
  EXPECT_EQ(d_->store()->ActiveExpireCycle(100), 0u);  // walk finds and tracks it
  Advance(2000);
  EXPECT_EQ(d_->store()->ActiveExpireCycle(100), 1u);
}

TEST_F(CommandTest, ScanKeysAndFlush) {
  for (int i = 0; i < 50; i++) ASSERT_EQ(Run({"SET", "user:" + std::to_string(i), "v"}), kOK);
  for (int i = 0; i < 10; i++) ASSERT_EQ(Run({"SET", "item:" + std::to_string(i), "v"}), kOK);
  // Walk with SCAN, writing between calls; every original key shows up.
  std::set<std::string> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    std::string out = Run({"SCAN", cursor, "COUNT", "7"});
    ASSERT_EQ(out.substr(0, 4), "*2\r\n") << out;
    size_t p = 4;
    auto read_line = [&] {
      size_t e = out.find("\r\n", p);
      std::string l = out.substr(p, e - p);
      p = e + 2;
      return l;
    };
    read_line();  // $len
    cursor = read_line();
    int n = std::stoi(read_line().substr(1));
    for (int i = 0; i < n; i++) {
      read_line();
      seen.insert(read_line());
    }
    Run({"SET", "new:" + std::to_string(rounds), "v"});
    ASSERT_LT(++rounds, 100);
  } while (cursor != "0");
  for (int i = 0; i < 50; i++) EXPECT_TRUE(seen.count("user:" + std::to_string(i)));
  for (int i = 0; i < 10; i++) EXPECT_TRUE(seen.count("item:" + std::to_string(i)));

  std::string keys = Run({"KEYS", "item:*"});
  EXPECT_EQ(keys.substr(0, 5), "*10\r\n");
  EXPECT_EQ(Run({"KEYS", "item:[12]"}), "*2\r\n" + Bulk("item:1") + Bulk("item:2"));
  EXPECT_EQ(Run({"SCAN", "0", "MATCH", "item:?", "COUNT", "1000"}).substr(0, 20),
            "*2\r\n$1\r\n0\r\n*10\r\n$6\r\n");
  EXPECT_EQ(Run({"SCAN", "0", "TYPE", "hash", "COUNT", "1000"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(Run({"SCAN", "abc"}), Error("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "0"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "TYPE"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHDB"}), kOK);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(Run({"FLUSHALL", "ASYNC"}), kOK);
  EXPECT_EQ(Run({"FLUSHALL", "FOO"}), Error("ERR syntax error"));
}

TEST_F(CommandTest, ConnectionAndServerCommands) {
  EXPECT_EQ(Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(Run({"PING", "hi"}), Bulk("hi"));
  EXPECT_EQ(Run({"PING", "a", "b"}), Error("ERR wrong number of arguments for 'ping' command"));
  EXPECT_EQ(Run({"ECHO", "x"}), Bulk("x"));
  EXPECT_EQ(Run({"SELECT", "0"}), kOK);
  EXPECT_EQ(Run({"SELECT", "1"}), Error("ERR DB index is out of range"));
  EXPECT_EQ(Run({"SELECT", "x"}), Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"CLIENT", "ID"}), Int(7));
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), kNil);
  EXPECT_EQ(Run({"CLIENT", "SETNAME", "app"}), kOK);
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), Bulk("app"));
  EXPECT_EQ(Run({"CLIENT", "SETNAME", "a b"}),
            Error("ERR Client names cannot contain spaces, newlines or special characters."));
  std::string hello = Run({"HELLO", "2"});
  EXPECT_EQ(hello.substr(0, 4), "*14\r");
  EXPECT_NE(hello.find("proto\r\n:2\r\n"), std::string::npos);
  EXPECT_EQ(Run({"HELLO", "3"}), Error("NOPROTO unsupported protocol version"));
  EXPECT_EQ(Run({"HELLO", "x"}), Error("ERR Protocol version is not an integer or out of range"));
  EXPECT_EQ(Run({"HELLO", "2", "SETNAME", "n2"}).substr(0, 4), "*14\r");
  EXPECT_EQ(Run({"CLIENT", "GETNAME"}), Bulk("n2"));
  EXPECT_EQ(Run({"QUIT"}), kOK);
  EXPECT_TRUE(session_.close_after_reply);

  const std::string count = Run({"COMMAND", "COUNT"});
  EXPECT_EQ(count, Int(static_cast<int64_t>(d_->commands().size())));
  std::string info = Run({"COMMAND", "INFO", "get", "nope"});
  EXPECT_EQ(info.substr(0, 4), "*2\r\n");
  EXPECT_NE(info.find("$3\r\nget\r\n:2\r\n"), std::string::npos);
  EXPECT_EQ(info.substr(info.size() - 5), kNil);  // an unknown name: a null bulk, as Redis
  EXPECT_EQ(Run({"COMMAND", "DOCS", "set"}).substr(0, 4), "*2\r\n");
  EXPECT_EQ(Run({"CONFIG", "GET", "save"}), "*2\r\n" + Bulk("save") + Bulk(""));

  Run({"SET", "a", "1"});
  Run({"SET", "b", "1", "EX", "100"});
  Run({"GET", "a"});
  Run({"GET", "zz"});
  d_->store()->ActiveExpireCycle(200);  // a background walk counts the keys for INFO
  std::string all = Run({"INFO"});
  for (const char* want : {"# Server", "redis_version:", "# Clients", "# Memory", "# Stats",
                           "keyspace_hits:1", "keyspace_misses:1", "# Keyspace",
                           "db0:keys=2,expires=1,avg_ttl=100000", "# NoKV", "last_sequence:"}) {
    EXPECT_NE(all.find(want), std::string::npos) << want;
  }
  std::string ks = Run({"INFO", "keyspace"});
  EXPECT_EQ(ks.find("# Server"), std::string::npos);
  EXPECT_NE(ks.find("# Keyspace"), std::string::npos);
}

TEST_F(CommandTest, DataSurvivesReopen) {
  ASSERT_EQ(Run({"MSET", "a", "1", "b", "2"}), kOK);
  ASSERT_EQ(Run({"SET", "t", "v", "EX", "100"}), kOK);
  Close();
  Open();
  EXPECT_EQ(Run({"MGET", "a", "b"}), "*2\r\n" + Bulk("1") + Bulk("2"));
  EXPECT_EQ(Run({"TTL", "t"}), Int(100));
}

}  // namespace
}  // namespace nokv::redis
