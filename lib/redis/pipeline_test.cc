// Pipelining through RedisServer: a pipeline sent in one write gets the same
// replies, in order, as its commands sent one at a time (later commands see
// earlier writes, an error mid-pipeline leaves the rest alone), and under
// appendfsync always its writes are fsynced before any reply is sent, with
// one fsync shared by the whole pipeline rather than one per write.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nokv/db.h"
#include "redis/key_layout.h"
#include "redis/redis_server.h"
#include "redis/socket_test_client.h"
#include "testutil/test_util.h"

namespace nokv::redis {
namespace {

struct Mode {
  int executors;
  bool sync_writes;
};

std::string Resp(const std::vector<std::string>& argv) {
  std::string s = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

// Every test runs with commands inline on the event loop and on an executor
// pool, with and without sync writes.
class PipelineTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override { ASSERT_TRUE(DB::Open(Options(), dir_.path(), &db_).ok()); }
  void TearDown() override {
    server_.reset();
    ASSERT_TRUE(db_->Close().ok());
  }
  void StartServer() {
    RedisServerOptions o;
    o.port = 0;
    o.executor_threads = GetParam().executors;
    o.sync_writes = GetParam().sync_writes;
    server_ = std::make_unique<RedisServer>(db_.get(), o);
    ASSERT_TRUE(server_->Start().ok());
  }
  uint64_t WalSyncs() {
    uint64_t n = 0;
    EXPECT_TRUE(db_->GetIntProperty("nokv.wal.syncs", &n));
    return n;
  }
  // Sends `commands` in one write and reads one reply per command.
  std::vector<std::string> Pipelined(RespTestClient* c,
                                     const std::vector<std::vector<std::string>>& commands) {
    std::string req;
    for (const auto& argv : commands) req += Resp(argv);
    c->Send(req);
    std::vector<std::string> replies;
    for (size_t i = 0; i < commands.size(); i++) replies.push_back(c->ReadReply());
    return replies;
  }

  testutil::TempDir dir_;
  std::unique_ptr<DB> db_;
  std::unique_ptr<RedisServer> server_;
};

TEST_P(PipelineTest, MixedPipelineMatchesTheCommandsSentOneByOne) {
  StartServer();
  const std::vector<std::vector<std::string>> commands = {
      {"SET", "a", "1"},     {"GET", "a"},          {"INCR", "a"},       {"INCR", "a"},
      {"GET", "a"},          {"SET", "s", "text"},  {"INCR", "s"},       {"GET", "s"},
      {"NOSUCHCMD", "x"},    {"INCRBY", "a", "10"}, {"DEL", "a", "s"},   {"GET", "a"},
      {"INCR", "a"},         {"MSET", "b", "2", "c", "3"},               {"INCR", "b"},
      {"MGET", "a", "b", "c", "s"},               {"SET", "a"},        {"DECR", "c"},
      {"EXISTS", "a", "b", "s"},                  {"DEL", "b"},        {"GET", "b"},
      // Runs of blind writes (one engine write each), broken by other commands.
      {"SET", "x", "1"},     {"SET", "x", "2"},     {"MSET", "x", "3", "y", "4"},
      {"SET", "y", "5"},     {"GET", "x"},          {"GET", "y"},
      {"SET", "z", "1"},     {"SET", "z", "2", "NX"},                    {"SET", "w", "1"},
      {"SET", std::string(70000, 'k'), "v"},      {"SET", "w", "2"},   {"MSET", "w"},
      {"SET", "w", "3"},     {"MGET", "x", "y", "z", "w"},
      // Runs with counters: they see the run's earlier writes; errors and
      // commands that cannot join (bad amounts, expiring keys) go one by one.
      {"SET", "c", "10"},    {"INCR", "c"},         {"INCRBY", "c", "5"}, {"DECR", "c"},
      {"DECRBY", "c", "3"},  {"INCRBY", "c", "0"},  {"INCR", "c2"},      {"INCR", "c2"},
      {"SET", "big", "9223372036854775807"},      {"INCR", "big"},     {"SET", "t", "abc"},
      {"INCR", "t"},         {"INCRBY", "c", "x"},  {"DECRBY", "c", "-9223372036854775808"},
      {"INCR", "c"},         {"SET", "e", "5", "EX", "100"},           {"INCR", "e"},
      {"INCR", "e"},         {"MGET", "c", "c2", "big", "t", "e"},
  };
  RespTestClient piped(server_->port());
  ASSERT_TRUE(piped.connected());
  const std::vector<std::string> got = Pipelined(&piped, commands);
  // The semantics the pipeline must keep, spelled out.
  EXPECT_EQ(got[1], "$1\r\n1\r\n");  // GET sees the SET before it
  EXPECT_EQ(got[2], ":2\r\n");       // INCR sees it too
  EXPECT_EQ(got[3], ":3\r\n");
  EXPECT_EQ(got[6], "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(got[7], "$4\r\ntext\r\n");  // the error changed nothing
  EXPECT_EQ(got[8].substr(0, 22), "-ERR unknown command '");
  EXPECT_EQ(got[9], ":13\r\n");  // the rest of the pipeline runs on
  EXPECT_EQ(got[10], ":2\r\n");
  EXPECT_EQ(got[11], "$-1\r\n");
  EXPECT_EQ(got[12], ":1\r\n");
  EXPECT_EQ(got[14], ":3\r\n");
  EXPECT_EQ(got[25], "$1\r\n3\r\n");  // the MSET after SET x 2, before SET y 5
  EXPECT_EQ(got[26], "$1\r\n5\r\n");
  EXPECT_EQ(got[28], "$-1\r\n");  // NX: z exists
  EXPECT_EQ(got[30].substr(0, 22), "-ERR key is too long (");
  EXPECT_EQ(got[32].substr(0, 30), "-ERR wrong number of arguments");
  EXPECT_EQ(got[34], "*4\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\n3\r\n");
  EXPECT_EQ(got[36], ":11\r\n");
  EXPECT_EQ(got[40], ":12\r\n");  // INCRBY c 0
  EXPECT_EQ(got[42], ":2\r\n");
  EXPECT_EQ(got[44], "-ERR increment or decrement would overflow\r\n");
  EXPECT_EQ(got[46], "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(got[47], "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(got[48], "-ERR decrement would overflow\r\n");
  EXPECT_EQ(got[49], ":13\r\n");
  EXPECT_EQ(got[52], ":7\r\n");

  // The same commands one at a time, from an empty keyspace, on a fresh
  // connection: identical replies.
  RespTestClient one(server_->port());
  one.Send(Resp({"FLUSHDB"}));
  ASSERT_EQ(one.ReadReply(), "+OK\r\n");
  for (size_t i = 0; i < commands.size(); i++) {
    one.Send(Resp(commands[i]));
    EXPECT_EQ(one.ReadReply(), got[i]) << "command " << i << ": " << commands[i][0];
  }
}

// A pipeline of plain SETs, MSETs and INCRs is one engine write, not one
// per command; the replies and values are those of the commands one by one.
TEST_P(PipelineTest, RunOfBlindWritesIsOneEngineWrite) {
  StartServer();
  RespTestClient c(server_->port());
  std::vector<std::vector<std::string>> writes;
  for (int i = 0; i < 60; i++) {
    writes.push_back({"SET", "k" + std::to_string(i % 20), std::to_string(i)});
  }
  writes.push_back({"MSET", "k0", "last", "m", "1"});
  for (int i = 0; i < 30; i++) writes.push_back({"INCR", "m"});
  uint64_t before = 0, after = 0;
  ASSERT_TRUE(db_->GetIntProperty("nokv.write.calls", &before));
  const std::vector<std::string> replies = Pipelined(&c, writes);
  ASSERT_TRUE(db_->GetIntProperty("nokv.write.calls", &after));
  for (size_t i = 0; i < 61; i++) EXPECT_EQ(replies[i], "+OK\r\n");
  EXPECT_EQ(replies.back(), ":31\r\n");
  EXPECT_LE(after - before, 2u);  // one per read of the pipeline
  EXPECT_EQ(Pipelined(&c, {{"MGET", "k0", "k19", "m"}})[0],
            "*3\r\n$4\r\nlast\r\n$2\r\n59\r\n$2\r\n31\r\n");
  EXPECT_EQ(server_->Stats().total_commands, writes.size() + 1);
}

// Pipelines of INCRs on one counter from several clients at once: every
// increment lands once (read-modify-writes stay atomic across batches).
TEST_P(PipelineTest, ConcurrentPipelinedIncrementsAreNotLost) {
  StartServer();
  constexpr int kClients = 4, kRounds = 5, kPerPipeline = 50;
  std::vector<std::thread> threads;
  std::vector<int> ok(kClients, 0);
  for (int t = 0; t < kClients; t++) {
    threads.emplace_back([&, t] {
      RespTestClient c(server_->port());
      for (int r = 0; r < kRounds; r++) {
        std::string req;
        for (int i = 0; i < kPerPipeline; i++) req += Resp({"INCR", "ctr"});
        c.Send(req);
        for (int i = 0; i < kPerPipeline; i++) ok[t] += c.ReadReply()[0] == ':' ? 1 : 0;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kClients; t++) EXPECT_EQ(ok[t], kRounds * kPerPipeline);
  std::string v;
  ASSERT_TRUE(db_->Get(ReadOptions(), EncodeKey("ctr"), &v).ok());
  EXPECT_EQ(v, std::to_string(kClients * kRounds * kPerPipeline));
}

// appendfsync always: by the time a pipeline's replies are read its writes
// were fsynced (the engine's WAL sync counter moved), and the pipeline
// shared a few fsyncs instead of one per write. appendfsync no: no fsync.
// A pipeline of reads syncs nothing more.
TEST_P(PipelineTest, WritesAreDurableBeforeTheirRepliesWithOneSharedSync) {
  StartServer();
  RespTestClient c(server_->port());
  ASSERT_TRUE(c.connected());
  std::vector<std::vector<std::string>> writes;
  for (int i = 0; i < 100; i++) {
    writes.push_back({"SET", "k" + std::to_string(i), "v" + std::to_string(i)});
    writes.push_back({"INCR", "n"});
  }
  const uint64_t before = WalSyncs();
  std::string req;
  for (const auto& argv : writes) req += Resp(argv);
  c.Send(req);
  ASSERT_EQ(c.ReadReply(), "+OK\r\n");
  // Read as soon as the first reply arrived: a sync that came after the
  // replies were sent would still be running (an fsync takes far longer than
  // the client's wakeup).
  const uint64_t at_first_reply = WalSyncs();
  std::string last;
  for (size_t i = 1; i < writes.size(); i++) last = c.ReadReply();
  ASSERT_EQ(last, ":100\r\n");
  const uint64_t after = WalSyncs();
  if (GetParam().sync_writes) {
    EXPECT_GT(at_first_reply, before) << "a reply went out before its write was fsynced";
    EXPECT_LE(after - before, 4u) << "one fsync per write instead of per pipeline";
    EXPECT_GE(server_->StatsMap().at("reply_syncs_total"), 1);
  } else {
    EXPECT_EQ(after, before);
    EXPECT_EQ(server_->StatsMap().at("reply_syncs_total"), 0);
  }
  std::vector<std::vector<std::string>> reads;
  for (int i = 0; i < 100; i++) reads.push_back({"GET", "k" + std::to_string(i)});
  const std::vector<std::string> values = Pipelined(&c, reads);
  EXPECT_EQ(values[42], "$3\r\nv42\r\n");
  EXPECT_EQ(WalSyncs(), after);
}

INSTANTIATE_TEST_SUITE_P(Modes, PipelineTest,
                         ::testing::Values(Mode{0, false}, Mode{0, true}, Mode{4, false},
                                           Mode{4, true}),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                           return std::string(info.param.executors == 0 ? "Inline" : "Pool") +
                                  (info.param.sync_writes ? "Sync" : "NoSync");
                         });

}  // namespace
}  // namespace nokv::redis
