// CONFIG and INFO: CONFIG SET changes the setting a parameter names and
// CONFIG GET reads that setting back; the others get Redis 7.0's errors
// (expected texts taken from redis-server 7.0.15). INFO is O(1): its keyspace
// line is the count of the last background walk, labelled approximate, while
// DBSIZE stays exact.
#include "db/db_stats.h"
#include "redis/command_test_fixture.h"

namespace nokv::redis {
namespace {

// The errors redis-server 7.0.15 gives for the same commands.
TEST_F(CommandTest, ConfigErrorsAreRedisErrors) {
  EXPECT_EQ(Run({"CONFIG", "SET", "foo", "bar"}),
            Error("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"));
  EXPECT_EQ(Run({"CONFIG", "SET", "appendfsync", "sometimes"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - "
                  "argument(s) must be one of the following: everysec, always, no"));
  EXPECT_EQ(Run({"CONFIG", "SET", "appendfsync", "always", "appendfsync", "no"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - duplicate "
                  "parameter"));
  EXPECT_EQ(Run({"CONFIG", "SET", "appendfsync", "always", "foo", "x"}),
            Error("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"));
  EXPECT_EQ(Run({"CONFIG", "SET", "foo", "x", "appendfsync", "always"}),
            Error("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"));
  EXPECT_EQ(Run({"CONFIG", "SET", "databases", "3"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
                  "immutable config"));
  EXPECT_EQ(Run({"CONFIG", "SET", "databases", "3", "foo", "x"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
                  "immutable config"));
  EXPECT_EQ(Run({"CONFIG", "SET", "hz", "abc"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't "
                  "be parsed into an integer"));
  EXPECT_EQ(Run({"CONFIG", "SET", "maxclients", "0"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
                  "must be between 1 and 4294967295 inclusive"));
  EXPECT_EQ(Run({"CONFIG", "SET", "timeout", "-1"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must "
                  "be between 0 and 2147483647 inclusive"));
  EXPECT_EQ(Run({"CONFIG", "SET", "appendonly", "maybe"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument "
                  "must be 'yes' or 'no'"));
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory", "abc"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument "
                  "must be a memory value"));
  EXPECT_EQ(Run({"CONFIG", "SET", "x"}),
            Error("ERR wrong number of arguments for 'config|set' command"));
  EXPECT_EQ(Run({"CONFIG", "SET", "a", "b", "c"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"CONFIG", "GET"}),
            Error("ERR wrong number of arguments for 'config|get' command"));
  EXPECT_EQ(Run({"CONFIG", "GET", "nosuch"}), Arr({}));
  EXPECT_EQ(Run({"CONFIG", "REWRITE"}), Error("ERR The server is running without a config file"));
  EXPECT_EQ(Run({"CONFIG", "RESETSTAT", "x"}),
            Error("ERR wrong number of arguments for 'config|resetstat' command"));
  EXPECT_EQ(Run({"CONFIG"}), Error("ERR wrong number of arguments for 'config' command"));
  EXPECT_EQ(Run({"CONFIG", "nope"}), Error("ERR unknown subcommand 'nope'. Try CONFIG HELP."));
}

TEST_F(CommandTest, ConfigSetAppendFsyncChangesHowWritesAreSynced) {
  EXPECT_EQ(Run({"CONFIG", "GET", "appendfsync"}), Arr({Bulk("appendfsync"), Bulk("no")}));
  uint64_t syncs = CollectDbStats(*db_).wal_syncs;
  ASSERT_EQ(Run({"SET", "a", "1"}), kOK);
  EXPECT_EQ(CollectDbStats(*db_).wal_syncs, syncs);  // no: the OS writes back

  ASSERT_EQ(Run({"CONFIG", "SET", "appendfsync", "always"}), kOK);
  EXPECT_EQ(d_->store()->fsync_policy(), FsyncPolicy::kAlways);
  EXPECT_EQ(Run({"CONFIG", "GET", "appendfsync"}), Arr({Bulk("appendfsync"), Bulk("always")}));
  ASSERT_EQ(Run({"SET", "a", "2"}), kOK);
  ASSERT_EQ(Run({"INCR", "a"}), Int(3));
  EXPECT_EQ(CollectDbStats(*db_).wal_syncs, syncs + 2);  // always: each write fsynced

  ASSERT_EQ(Run({"CONFIG", "SET", "appendfsync", "EVERYSEC"}), kOK);
  EXPECT_EQ(Run({"CONFIG", "GET", "appendfsync"}), Arr({Bulk("appendfsync"), Bulk("everysec")}));
  syncs = CollectDbStats(*db_).wal_syncs;
  ASSERT_EQ(Run({"SET", "a", "4"}), kOK);
  EXPECT_EQ(CollectDbStats(*db_).wal_syncs, syncs);
  Advance(1000);
  ASSERT_TRUE(d_->store()->SyncIfDue().ok());  // the background thread's call
  EXPECT_EQ(CollectDbStats(*db_).wal_syncs, syncs + 1);
  ASSERT_TRUE(d_->store()->SyncIfDue().ok());  // not due again yet
  Advance(1000);
  ASSERT_TRUE(d_->store()->SyncIfDue().ok());  // due, but nothing written since
  EXPECT_EQ(CollectDbStats(*db_).wal_syncs, syncs + 1);
}

TEST_F(CommandTest, ConfigSetChangesWhatConfigGetReads) {
  EXPECT_EQ(Run({"CONFIG", "SET", "hz", "50", "timeout", "300", "maxclients", "20"}), kOK);
  EXPECT_EQ(d_->config().hz.load(), 50);
  EXPECT_EQ(d_->config().idle_timeout_s.load(), 300);
  EXPECT_EQ(d_->config().max_clients.load(), 20u);
  EXPECT_EQ(
      Run({"CONFIG", "GET", "hz", "timeout", "maxclients"}),
      Arr({Bulk("hz"), Bulk("50"), Bulk("maxclients"), Bulk("20"), Bulk("timeout"), Bulk("300")}));
  // Redis clamps hz to 1..500.
  EXPECT_EQ(Run({"CONFIG", "SET", "hz", "0"}), kOK);
  EXPECT_EQ(Run({"CONFIG", "GET", "hz"}), Arr({Bulk("hz"), Bulk("1")}));
  EXPECT_EQ(Run({"CONFIG", "SET", "hz", "1000"}), kOK);
  EXPECT_EQ(Run({"CONFIG", "GET", "hz"}), Arr({Bulk("hz"), Bulk("500")}));
  // All or nothing: a bad value leaves the good ones unset.
  EXPECT_EQ(Run({"CONFIG", "SET", "timeout", "10", "hz", "abc"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't "
                  "be parsed into an integer"));
  EXPECT_EQ(d_->config().idle_timeout_s.load(), 300);
  // Patterns, each parameter once.
  EXPECT_EQ(Run({"CONFIG", "GET", "maxmemory*", "maxmemory"}),
            Arr({Bulk("maxmemory"), Bulk("0"), Bulk("maxmemory-policy"), Bulk("noeviction")}));
}

// What NoKV cannot be told to do is refused, not acknowledged and ignored.
TEST_F(CommandTest, ConfigSetRefusesWhatItCannotDo) {
  EXPECT_EQ(Run({"CONFIG", "GET", "appendonly"}), Arr({Bulk("appendonly"), Bulk("yes")}));
  EXPECT_EQ(Run({"CONFIG", "SET", "appendonly", "yes"}), kOK);
  EXPECT_EQ(Run({"CONFIG", "SET", "appendonly", "no"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'appendonly') - NoKV "
                  "always logs writes (write-ahead log); it cannot be turned off"));
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory", "0"}), kOK);
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory", "1gb"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - NoKV keeps "
                  "keys on disk and evicts none; only 0 (no limit) is supported"));
  EXPECT_EQ(Run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}),
            Error("ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - NoKV "
                  "evicts no keys; only noeviction is supported"));
  EXPECT_EQ(Run({"CONFIG", "SET", "save", ""}), kOK);
  EXPECT_NE(Run({"CONFIG", "SET", "save", "900 1"}).find("NoKV writes no RDB snapshots"),
            std::string::npos);
  for (const char* name : {"port", "bind", "databases", "io-threads", "proto-max-bulk-len"}) {
    EXPECT_EQ(Run({"CONFIG", "SET", name, "1"}),
              Error(std::string("ERR CONFIG SET failed (possibly related to argument '") + name +
                    "') - can't set immutable config"));
  }
  EXPECT_EQ(Run({"CONFIG", "GET", "databases"}), Arr({Bulk("databases"), Bulk("1")}));
  EXPECT_EQ(Run({"CONFIG", "GET", "proto-max-bulk-len"}),
            Arr({Bulk("proto-max-bulk-len"), Bulk("536870912")}));
}

// INFO does not walk the keyspace: its keyspace line is the count of the last
// complete background walk (ActiveExpireCycle), and says so; DBSIZE is exact.
TEST_F(CommandTest, InfoKeyspaceIsTheLastBackgroundWalk) {
  for (int i = 0; i < 300; i++) ASSERT_EQ(Run({"SET", "k" + std::to_string(i), "v"}), kOK);
  ASSERT_EQ(Run({"SET", "t", "v", "EX", "100"}), kOK);
  EXPECT_EQ(Run({"DBSIZE"}), Int(301));
  std::string info = Run({"INFO"});
  EXPECT_EQ(info.find("db0:"), std::string::npos) << "INFO counted the keys itself";
  EXPECT_NE(info.find("keyspace_approximate:1\r\n"), std::string::npos);
  EXPECT_NE(info.find("keyspace_walk_complete:0\r\n"), std::string::npos);

  // Each cycle walks 4 * budget keys: 301 keys take four cycles of 25 (the
  // fourth passes the last key and reaches the end).
  for (int i = 0; i < 3; i++) d_->store()->ActiveExpireCycle(25);
  EXPECT_EQ(Run({"INFO", "keyspace"}).find("db0:"), std::string::npos);
  d_->store()->ActiveExpireCycle(25);
  Advance(5000);
  info = Run({"INFO"});
  EXPECT_NE(info.find("db0:keys=301,expires=1,avg_ttl=100000\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("keyspace_walk_complete:1\r\n"), std::string::npos);
  EXPECT_NE(info.find("keyspace_walk_age_ms:5000\r\n"), std::string::npos);

  // Later writes show after the next complete walk; DBSIZE sees them at once.
  ASSERT_EQ(Run({"DEL", "k0", "k1"}), Int(2));
  EXPECT_EQ(Run({"DBSIZE"}), Int(299));
  EXPECT_NE(Run({"INFO", "keyspace"}).find("db0:keys=301,"), std::string::npos);
  for (int i = 0; i < 3; i++) d_->store()->ActiveExpireCycle(25);
  EXPECT_NE(Run({"INFO", "keyspace"}).find("db0:keys=299,"), std::string::npos);

  // FLUSHALL empties the keyspace: the count is 0 at once.
  ASSERT_EQ(Run({"FLUSHALL"}), kOK);
  info = Run({"INFO"});
  EXPECT_EQ(info.find("db0:"), std::string::npos);
  EXPECT_NE(info.find("keyspace_walk_complete:1\r\n"), std::string::npos);
}

TEST_F(CommandTest, InfoPersistenceTellsTheTruth) {
  const std::string p = Run({"INFO", "persistence"});
  EXPECT_NE(p.find("aof_enabled:1\r\n"), std::string::npos) << p;
  EXPECT_NE(p.find("aof_rewrite_in_progress:0\r\n"), std::string::npos);
  ASSERT_EQ(Run({"CONFIG", "SET", "appendfsync", "always"}), kOK);
  EXPECT_NE(Run({"INFO", "nokv"}).find("appendfsync:always\r\n"), std::string::npos);
}

}  // namespace
}  // namespace nokv::redis
