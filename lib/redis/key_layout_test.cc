// The gateway's key layout (key_layout.h): empty keys, the key length limit,
// engine keys outside the keyspace, and FLUSHDB as one range tombstone.
#include "redis/key_layout.h"

#include <atomic>
#include <thread>
#include <vector>

#include "redis/command_test_fixture.h"

namespace nokv::redis {
namespace {

TEST_F(CommandTest, EmptyKeyIsAKey) {
  EXPECT_EQ(Run({"GET", ""}), kNil);
  EXPECT_EQ(Run({"SET", "", "v"}), kOK);
  EXPECT_EQ(Run({"GET", ""}), Bulk("v"));
  EXPECT_EQ(Run({"APPEND", "", "x"}), Int(2));
  EXPECT_EQ(Run({"STRLEN", ""}), Int(2));
  EXPECT_EQ(Run({"EXISTS", "", ""}), Int(2));
  EXPECT_EQ(Run({"TYPE", ""}), "+string\r\n");
  EXPECT_EQ(Run({"EXPIRE", "", "100"}), Int(1));
  EXPECT_EQ(Run({"TTL", ""}), Int(100));
  EXPECT_EQ(Run({"MSET", "", "1", "a", "2"}), kOK);
  EXPECT_EQ(Run({"INCR", ""}), Int(2));
  EXPECT_EQ(Run({"MGET", "", "a"}), "*2\r\n" + Bulk("2") + Bulk("2"));
  EXPECT_EQ(Run({"KEYS", "*"}), "*2\r\n" + Bulk("") + Bulk("a"));
  EXPECT_EQ(Run({"KEYS", "**"}), "*1\r\n" + Bulk("a"));  // Redis' glob: "" only matches "*"
  EXPECT_EQ(Run({"SCAN", "0", "MATCH", "**"}), "*2\r\n" + Bulk("0") + "*1\r\n" + Bulk("a"));
  EXPECT_EQ(Run({"SCAN", "0"}), "*2\r\n" + Bulk("0") + "*2\r\n" + Bulk("") + Bulk("a"));
  EXPECT_EQ(Run({"DBSIZE"}), Int(2));
  EXPECT_EQ(Run({"DEL", ""}), Int(1));
  EXPECT_EQ(Run({"GET", ""}), kNil);
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
}

TEST_F(CommandTest, ScanResumesAfterTheEmptyKey) {
  // The empty key sorts first; a cursor resuming right after it must not be
  // mistaken for "done" nor restart at it.
  ASSERT_EQ(Run({"MSET", "", "0", "a", "1", "b", "2"}), kOK);
  std::string first = Run({"SCAN", "0", "COUNT", "1"});
  EXPECT_NE(first.find("*1\r\n$0\r\n\r\n"), std::string::npos) << first;
  const size_t p = first.find("$", 4);
  const size_t cursor_start = first.find("\r\n", p) + 2;
  const std::string cursor =
      first.substr(cursor_start, first.find("\r\n", cursor_start) - cursor_start);
  ASSERT_NE(cursor, "0");
  EXPECT_EQ(Run({"SCAN", cursor, "COUNT", "10"}),
            "*2\r\n" + Bulk("0") + "*2\r\n" + Bulk("a") + Bulk("b"));
}

TEST_F(CommandTest, KeysAreStoredUnderThePrefix) {
  ASSERT_EQ(Run({"SET", "k", "v"}), kOK);
  std::string v;
  ASSERT_TRUE(db_->Get(ReadOptions(), EncodeKey("k"), &v).ok());
  EXPECT_EQ(v, "v");
  EXPECT_EQ(EncodeKey(""), "R");
  EXPECT_TRUE(db_->Get(ReadOptions(), "k", &v).IsNotFound());
  // Engine keys outside the keyspace (another user of the DB, or data written
  // before the prefix) are invisible to Redis clients and survive FLUSHALL.
  EXPECT_FALSE(d_->store()->HasKeysOutsideKeyspace());
  ASSERT_TRUE(db_->Put(WriteOptions(), "z-after", "x").ok());
  EXPECT_TRUE(d_->store()->HasKeysOutsideKeyspace());
  ASSERT_TRUE(db_->Delete(WriteOptions(), "z-after").ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "A-before", "x").ok());
  EXPECT_TRUE(d_->store()->HasKeysOutsideKeyspace());
  ASSERT_TRUE(db_->Put(WriteOptions(), "z-after", "x").ok());
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  EXPECT_EQ(Run({"KEYS", "*"}), "*1\r\n" + Bulk("k"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "100"}), "*2\r\n" + Bulk("0") + "*1\r\n" + Bulk("k"));
  EXPECT_EQ(Run({"GET", "A-before"}), kNil);
  EXPECT_EQ(Run({"FLUSHALL"}), kOK);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  EXPECT_TRUE(db_->Get(ReadOptions(), "A-before", &v).ok());
  EXPECT_TRUE(db_->Get(ReadOptions(), "z-after", &v).ok());
}

TEST_F(CommandTest, KeyLengthLimit) {
  const std::string longest(kMaxKeyLen, 'k');
  const std::string too_long(kMaxKeyLen + 1, 'k');
  const std::string err =
      Error("ERR key is too long (max " + std::to_string(kMaxKeyLen) + " bytes)");
  EXPECT_EQ(Run({"SET", longest, "v"}), kOK);
  EXPECT_EQ(Run({"GET", longest}), Bulk("v"));
  EXPECT_EQ(Run({"SET", too_long, "v"}), err);
  EXPECT_EQ(Run({"GET", too_long}), err);
  EXPECT_EQ(Run({"EXISTS", "a", too_long}), err);
  EXPECT_EQ(Run({"MSET", "a", too_long, too_long, "b"}), err);  // the second key
  EXPECT_EQ(Run({"MSET", "a", too_long}), kOK);                 // a long value is fine
  EXPECT_EQ(Run({"STRLEN", "a"}), Int(static_cast<int64_t>(too_long.size())));
  EXPECT_EQ(Run({"ECHO", too_long}), Bulk(too_long));  // not a key
}

TEST_F(CommandTest, FlushIsOneRangeDeletion) {
  for (int i = 0; i < 2000; i++) {
    ASSERT_EQ(Run({"SET", "k" + std::to_string(i), "v", "EX", "100"}), kOK);
  }
  uint64_t writes_before = 0, writes_after = 0;
  ASSERT_TRUE(db_->GetIntProperty("nokv.write.calls", &writes_before));
  EXPECT_EQ(Run({"FLUSHDB"}), kOK);
  ASSERT_TRUE(db_->GetIntProperty("nokv.write.calls", &writes_after));
  EXPECT_EQ(writes_after, writes_before + 1);  // not one delete per key
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(Run({"GET", "k1"}), kNil);
  // Keys written after the flush are live; expiry tracking was reset.
  EXPECT_EQ(Run({"SET", "k1", "again"}), kOK);
  EXPECT_EQ(Run({"GET", "k1"}), Bulk("again"));
  Advance(200'000);
  EXPECT_EQ(d_->store()->ActiveExpireCycle(5000), 0u);
  EXPECT_EQ(Run({"GET", "k1"}), Bulk("again"));
  for (const char* arg : {"SYNC", "async", "ASYNC"}) {
    EXPECT_EQ(Run({"FLUSHALL", arg}), kOK);
    EXPECT_EQ(Run({"FLUSHDB", arg}), kOK);
  }
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(Run({"FLUSHDB", "NOW"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHALL", "SYNC", "ASYNC"}), Error("ERR syntax error"));
}

// Expired keys vanish from every walk of the keyspace at once, before the
// active expiry cycle deletes them (Redis' lazy expiry).
TEST_F(CommandTest, ExpiredKeysAreInvisibleToWalks) {
  ASSERT_EQ(Run({"SET", "", "v", "PX", "100"}), kOK);
  ASSERT_EQ(Run({"SET", "gone", "v", "PX", "100"}), kOK);
  ASSERT_EQ(Run({"SET", "kept", "v"}), kOK);
  Advance(200);
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  EXPECT_EQ(Run({"KEYS", "*"}), "*1\r\n" + Bulk("kept"));
  EXPECT_EQ(Run({"SCAN", "0"}), "*2\r\n" + Bulk("0") + "*1\r\n" + Bulk("kept"));
  EXPECT_EQ(Run({"EXISTS", "", "gone", "kept"}), Int(1));
  d_->store()->ActiveExpireCycle(200);  // INFO counts what a background walk saw
  EXPECT_NE(Run({"INFO", "keyspace"}).find("db0:keys=1,expires=0,"), std::string::npos);
}

// FLUSHALL excludes every writer, so a concurrent INCR lands wholly before
// the flush (and is wiped) or wholly after it (and starts from 0): the
// counter never resumes from a value read before the flush.
TEST_F(CommandTest, FlushIsAtomicWithReadModifyWrites) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> incrs;
  for (int t = 0; t < 2; t++) {
    incrs.emplace_back([&] {
      Session s;
      std::string out;
      while (!stop.load()) {
        out.clear();
        d_->Execute(&s, {"INCR", "ctr"}, &out);
      }
    });
  }
  int64_t last = 0;
  for (int i = 0; i < 2000; i++) {
    ASSERT_EQ(Run({"SET", "ctr", "1000000"}), kOK);
    ASSERT_EQ(Run({"FLUSHALL"}), kOK);
    const std::string v = Run({"GET", "ctr"});
    if (v != kNil) {
      last = std::stoll(v.substr(v.find("\r\n") + 2));
      ASSERT_LT(last, 1000000) << "an INCR resumed from before the flush";
    }
  }
  stop = true;
  for (auto& t : incrs) t.join();
}

TEST_F(CommandTest, ActiveExpiryCoversTheEmptyKey) {
  ASSERT_EQ(Run({"SET", "", "v", "PX", "100"}), kOK);
  Close();
  Open();  // tracking is lost; the rediscovery walk must find the key
  EXPECT_EQ(d_->store()->ActiveExpireCycle(100), 0u);
  Advance(200);
  EXPECT_EQ(d_->store()->ActiveExpireCycle(100), 1u);
  ReadOptions with_tombstones;
  with_tombstones.include_tombstones = true;
  ReadResult e;
  EXPECT_TRUE(db_->Get(with_tombstones, EncodeKey(""), &e).ok());
  EXPECT_TRUE(e.deleted);
}

}  // namespace
}  // namespace nokv::redis
