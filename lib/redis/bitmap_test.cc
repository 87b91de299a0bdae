// The bitmap commands and LCS against the replies of redis-server 7.0.15: every
// expected reply below was taken from a real redis-server running the same
// commands (cmd/nokv-redis/compat_diff.py repeats these and many random ones
// against a live redis-server). Edge cases: out-of-range and # offsets,
// negative and BIT/BYTE ranges, missing keys, bad types and arguments, the
// largest bit offset (2^32 - 1), expiry kept or dropped.
#include <thread>
#include <vector>

#include "redis/command_test_fixture.h"

namespace nokv::redis {
namespace {

TEST_F(CommandTest, SetBitAndGetBit) {
  EXPECT_EQ(Run({"SETBIT", "k", "7", "1"}), Int(0));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("\x01"
                                    ""));
  EXPECT_EQ(Run({"SETBIT", "k", "7", "1"}), Int(1));
  EXPECT_EQ(Run({"SETBIT", "k", "7", "0"}), Int(1));
  EXPECT_EQ(Run({"GETBIT", "k", "7"}), Int(0));
  EXPECT_EQ(Run({"SETBIT", "k", "100", "1"}), Int(0));
  EXPECT_EQ(Run({"STRLEN", "k"}), Int(13));
  EXPECT_EQ(Run({"GETBIT", "k", "100"}), Int(1));
  // the largest offset is 2^32 - 1: the bits of a 512 MiB string
  EXPECT_EQ(Run({"GETBIT", "k", "4294967295"}), Int(0));
  EXPECT_EQ(Run({"GETBIT", "k", "4294967296"}),
            Error("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"SETBIT", "k", "4294967296", "1"}),
            Error("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"SETBIT", "k", "-1", "1"}),
            Error("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"SETBIT", "k", "1.5", "1"}),
            Error("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"SETBIT", "k", "0", "2"}), Error("ERR bit is not an integer or out of range"));
  EXPECT_EQ(Run({"SETBIT", "k", "0", "-1"}), Error("ERR bit is not an integer or out of range"));
  EXPECT_EQ(Run({"SETBIT", "k", "0", "x"}), Error("ERR bit is not an integer or out of range"));
  EXPECT_EQ(Run({"SETBIT", "k", "0"}), Error("ERR wrong number of arguments for 'setbit' command"));
  EXPECT_EQ(Run({"GETBIT", "k", "-1"}), Error("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"GETBIT", "k", "abc"}), Error("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"GETBIT", "nokey", "0"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "nokey"}), Int(0));
  EXPECT_EQ(Run({"SET", "s",
                 std::string("\xff"
                             "\xf0"
                             "\x00"
                             "",
                             3)}),
            kOK);
  EXPECT_EQ(Run({"SETBIT", "s", "0", "0"}), Int(1));
  EXPECT_EQ(Run({"SETBIT", "s", "23", "1"}), Int(0));
  EXPECT_EQ(Run({"GET", "s"}), Bulk("\x7f"
                                    "\xf0"
                                    "\x01"
                                    ""));
  // SETBIT keeps the expiry, like Redis' in-place update
  EXPECT_EQ(Run({"SET", "t", "foo", "EX", "100"}), kOK);
  EXPECT_EQ(Run({"SETBIT", "t", "3", "1"}), Int(0));
  EXPECT_EQ(Run({"TTL", "t"}), Int(100));
}

TEST_F(CommandTest, BitCount) {
  EXPECT_EQ(Run({"SET", "mykey", "foobar"}), kOK);
  EXPECT_EQ(Run({"BITCOUNT", "mykey"}), Int(26));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "0", "0"}), Int(4));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "1", "1", "BYTE"}), Int(6));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "5", "30", "BIT"}), Int(17));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "-3", "-1"}), Int(10));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "-100", "100"}), Int(26));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "100", "200"}), Int(0));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "-9", "-2", "BIT"}), Int(5));
  // both negative and start > end: 0 before the unit is even read
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "-1", "-3"}), Int(0));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "-1", "-2", "FOO"}), Int(0));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "0", "1", "FOO"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "0"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "a", "1"}),
            Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"BITCOUNT", "mykey", "0", "1", "BIT", "x"}), Error("ERR syntax error"));
  // a missing key counts 0 before its arguments are read
  EXPECT_EQ(Run({"BITCOUNT", "nokey"}), Int(0));
  EXPECT_EQ(Run({"BITCOUNT", "nokey", "a", "b"}), Int(0));
  EXPECT_EQ(Run({"SET", "empty", ""}), kOK);
  EXPECT_EQ(Run({"BITCOUNT", "empty", "0", "-1", "BIT"}), Int(0));
}

TEST_F(CommandTest, BitPos) {
  EXPECT_EQ(Run({"SET", "mykey",
                 std::string("\xff"
                             "\xf0"
                             "\x00"
                             "",
                             3)}),
            kOK);
  EXPECT_EQ(Run({"BITPOS", "mykey", "0"}), Int(12));
  EXPECT_EQ(Run({"SET", "mykey",
                 std::string("\x00"
                             "\xff"
                             "\xf0"
                             "",
                             3)}),
            kOK);
  EXPECT_EQ(Run({"BITPOS", "mykey", "1", "0"}), Int(8));
  EXPECT_EQ(Run({"BITPOS", "mykey", "1", "2"}), Int(16));
  EXPECT_EQ(Run({"BITPOS", "mykey", "1", "2", "-1", "BYTE"}), Int(16));
  EXPECT_EQ(Run({"BITPOS", "mykey", "1", "7", "15", "BIT"}), Int(8));
  EXPECT_EQ(Run({"BITPOS", "mykey", "1", "7", "-3", "BIT"}), Int(8));
  EXPECT_EQ(Run({"BITPOS", "mykey", "1", "5", "3"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "mykey", "1", "-100", "100"}), Int(8));
  // no clear bit: past the end without an explicit end, -1 within one
  EXPECT_EQ(Run({"SET", "ones",
                 "\xff"
                 "\xff"
                 "\xff"
                 ""}),
            kOK);
  EXPECT_EQ(Run({"BITPOS", "ones", "0"}), Int(24));
  EXPECT_EQ(Run({"BITPOS", "ones", "0", "1"}), Int(24));
  EXPECT_EQ(Run({"BITPOS", "ones", "0", "0", "-1"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "ones", "0", "3", "5", "BIT"}), Int(-1));
  EXPECT_EQ(Run({"SET", "zeros",
                 std::string("\x00"
                             "\x00"
                             "",
                             2)}),
            kOK);
  EXPECT_EQ(Run({"BITPOS", "zeros", "1"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "zeros", "0", "9", "9", "BIT"}), Int(9));
  // a missing key is an endless run of zeros
  EXPECT_EQ(Run({"BITPOS", "nokey", "0"}), Int(0));
  EXPECT_EQ(Run({"BITPOS", "nokey", "1"}), Int(-1));
  EXPECT_EQ(Run({"BITPOS", "nokey", "2"}), Error("ERR The bit argument must be 1 or 0."));
  EXPECT_EQ(Run({"BITPOS", "mykey", "x"}), Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"BITPOS", "mykey", "1", "0", "1", "FOO"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"BITPOS", "mykey", "1", "0", "x", "FOO"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"BITPOS", "mykey", "1", "0", "1", "BIT", "x"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "empty", ""}), kOK);
  EXPECT_EQ(Run({"BITPOS", "empty", "0"}), Int(-1));
}

TEST_F(CommandTest, BitOp) {
  EXPECT_EQ(Run({"SET", "k1", "foobar"}), kOK);
  EXPECT_EQ(Run({"SET", "k2", "abcdef"}), kOK);
  EXPECT_EQ(Run({"BITOP", "AND", "dest", "k1", "k2"}), Int(6));
  EXPECT_EQ(Run({"GET", "dest"}), Bulk("`bc`ab"));
  EXPECT_EQ(Run({"BITOP", "OR", "dest", "k1", "k2"}), Int(6));
  EXPECT_EQ(Run({"GET", "dest"}), Bulk("goofev"));
  EXPECT_EQ(Run({"BITOP", "XOR", "dest", "k1", "k2"}), Int(6));
  EXPECT_EQ(Run({"GET", "dest"}), Bulk("\x07"
                                       "\r\x0c"
                                       "\x06"
                                       "\x04"
                                       "\x14"
                                       ""));
  EXPECT_EQ(Run({"BITOP", "NOT", "dest", "k1"}), Int(6));
  EXPECT_EQ(Run({"GET", "dest"}), Bulk("\x99"
                                       "\x90"
                                       "\x90"
                                       "\x9d"
                                       "\x9e"
                                       "\x8d"
                                       ""));
  // shorter and missing sources are zero padded
  EXPECT_EQ(Run({"SET", "short",
                 "\xff"
                 ""}),
            kOK);
  EXPECT_EQ(Run({"BITOP", "AND", "dest", "k1", "short"}), Int(6));
  EXPECT_EQ(Run({"GET", "dest"}), Bulk(std::string("f\x00"
                                                   "\x00"
                                                   "\x00"
                                                   "\x00"
                                                   "\x00"
                                                   "",
                                                   6)));
  EXPECT_EQ(Run({"BITOP", "OR", "dest", "k1", "short", "nokey"}), Int(6));
  EXPECT_EQ(Run({"GET", "dest"}), Bulk("\xff"
                                       "oobar"));
  // an empty result deletes the destination
  EXPECT_EQ(Run({"BITOP", "AND", "dest", "nokey", "nokey2"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "dest"}), Int(0));
  // the destination loses its expiry
  EXPECT_EQ(Run({"SET", "dest", "x", "EX", "100"}), kOK);
  EXPECT_EQ(Run({"BITOP", "OR", "dest", "k1"}), Int(6));
  EXPECT_EQ(Run({"TTL", "dest"}), Int(-1));
  EXPECT_EQ(Run({"BITOP", "NOT", "dest", "k1", "k2"}),
            Error("ERR BITOP NOT must be called with a single source key."));
  EXPECT_EQ(Run({"BITOP", "FOO", "dest", "k1"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"BITOP", "AND", "dest"}),
            Error("ERR wrong number of arguments for 'bitop' command"));
}

TEST_F(CommandTest, BitField) {
  EXPECT_EQ(Run({"BITFIELD", "bf", "SET", "i8", "0", "100", "GET", "i8", "0"}),
            Arr({Int(0), Int(100)}));
  EXPECT_EQ(Run({"BITFIELD", "bf", "INCRBY", "i5", "100", "1", "GET", "u4", "0"}),
            Arr({Int(1), Int(6)}));
  EXPECT_EQ(Run({"BITFIELD", "bf2", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2",
                 "102", "1"}),
            Arr({Int(1), Int(1)}));
  EXPECT_EQ(Run({"BITFIELD", "bf2", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2",
                 "102", "1"}),
            Arr({Int(2), Int(2)}));
  EXPECT_EQ(Run({"BITFIELD", "bf2", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2",
                 "102", "1"}),
            Arr({Int(3), Int(3)}));
  EXPECT_EQ(Run({"BITFIELD", "bf2", "OVERFLOW", "FAIL", "INCRBY", "u2", "102", "1"}), Arr({kNil}));
  // # offsets count in fields of the type's width
  EXPECT_EQ(Run({"BITFIELD", "bf3", "SET", "u8", "#0", "255", "SET", "u8", "#1", "200", "GET", "u8",
                 "#0", "GET", "u8", "#1", "GET", "u16", "0"}),
            Arr({Int(0), Int(0), Int(255), Int(200), Int(65480)}));
  EXPECT_EQ(Run({"BITFIELD", "bf3", "INCRBY", "u8", "#1", "100"}), Arr({Int(44)}));
  EXPECT_EQ(Run({"BITFIELD", "bf3", "OVERFLOW", "SAT", "INCRBY", "u8", "#1", "100", "INCRBY", "u8",
                 "#1", "-300"}),
            Arr({Int(144), Int(0)}));
  EXPECT_EQ(Run({"BITFIELD", "bf3", "OVERFLOW", "FAIL", "INCRBY", "u8", "#1", "300", "INCRBY", "u8",
                 "#1", "-1", "GET", "u8", "#1"}),
            Arr({kNil, kNil, Int(0)}));
  EXPECT_EQ(Run({"BITFIELD", "bf3", "OVERFLOW", "WRAP", "SET", "u8", "0", "-1", "GET", "u8", "0"}),
            Arr({Int(255), Int(255)}));
  EXPECT_EQ(Run({"BITFIELD", "bf3", "OVERFLOW", "SAT", "SET", "u8", "0", "1000", "GET", "u8", "0"}),
            Arr({Int(255), Int(255)}));
  EXPECT_EQ(
      Run({"BITFIELD", "bf3", "OVERFLOW", "FAIL", "SET", "u8", "0", "1000", "GET", "u8", "0"}),
      Arr({kNil, Int(255)}));
  EXPECT_EQ(Run({"BITFIELD", "bf4", "SET", "i8", "0", "-128", "INCRBY", "i8", "0", "-1", "GET",
                 "i8", "0"}),
            Arr({Int(0), Int(127), Int(127)}));
  EXPECT_EQ(Run({"BITFIELD", "bf4", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-200", "INCRBY", "i8",
                 "0", "1000"}),
            Arr({Int(-73), Int(127)}));
  EXPECT_EQ(Run({"BITFIELD", "bf4", "SET", "i64", "0", "-9223372036854775808", "INCRBY", "i64", "0",
                 "-1", "GET", "i64", "0"}),
            Arr({Int(9151314442816847872), Int(9223372036854775807), Int(9223372036854775807)}));
  EXPECT_EQ(Run({"BITFIELD", "bf4", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1", "INCRBY", "i64",
                 "0", "9223372036854775807", "INCRBY", "i64", "0", "9223372036854775807"}),
            Arr({Int(9223372036854775806), Int(9223372036854775807), Int(9223372036854775807)}));
  EXPECT_EQ(Run({"BITFIELD", "bf4", "SET", "u63", "0", "9223372036854775807", "INCRBY", "u63", "0",
                 "1", "GET", "u63", "0"}),
            Arr({Int(4611686018427387903), Int(0), Int(0)}));
  EXPECT_EQ(Run({"BITFIELD", "bf4", "SET", "i3", "5", "-5", "GET", "i3", "5", "GET", "u3", "5",
                 "INCRBY", "i3", "5", "10"}),
            Arr({Int(0), Int(3), Int(3), Int(-3)}));
  // a failed SET still grows the string to the bits it would have written
  EXPECT_EQ(Run({"BITFIELD", "bf5", "OVERFLOW", "FAIL", "SET", "u2", "20", "5"}), Arr({kNil}));
  EXPECT_EQ(Run({"GET", "bf5"}), Bulk(std::string("\x00"
                                                  "\x00"
                                                  "\x00"
                                                  "",
                                                  3)));
  // GET alone reads: a missing key stays missing
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "u8", "0"}), Arr({Int(0)}));
  EXPECT_EQ(Run({"EXISTS", "bf6"}), Int(0));
  EXPECT_EQ(Run({"BITFIELD", "bf6"}), Arr({}));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "u8", "4294967295"}), Arr({Int(0)}));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "u8", "4294967296"}),
            Error("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "u8", "#536870911"}), Arr({Int(0)}));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "u8", "#536870912"}),
            Error("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "u8", "#-1"}),
            Error("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "u8", "#9223372036854775807"}),
            Error("ERR bit offset is not an integer or out of range"));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "U8", "0"}),
            Error("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                  "supported but i64 is."));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "u64", "0"}),
            Error("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                  "supported but i64 is."));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "i65", "0"}),
            Error("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                  "supported but i64 is."));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "i0", "0"}),
            Error("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                  "supported but i64 is."));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "u08", "0"}),
            Error("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                  "supported but i64 is."));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "u8"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "OVERFLOW", "foo"}),
            Error("ERR Invalid OVERFLOW type specified"));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "SET", "u8", "0", "x"}),
            Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"BITFIELD", "bf6", "GET", "u8", "0", "SET", "u8", "0", "1", "FOO"}),
            Error("ERR syntax error"));
  EXPECT_EQ(Run({"EXISTS", "bf6"}), Int(0));
  EXPECT_EQ(Run({"SET", "bft", "val", "EX", "100"}), kOK);
  EXPECT_EQ(Run({"BITFIELD", "bft", "SET", "u8", "0", "65"}), Arr({Int(118)}));
  EXPECT_EQ(Run({"TTL", "bft"}), Int(100));
  EXPECT_EQ(Run({"GET", "bft"}), Bulk("Aal"));
}

TEST_F(CommandTest, BitFieldRo) {
  EXPECT_EQ(Run({"BITFIELD", "bf", "SET", "u8", "#0", "255", "SET", "u8", "#1", "200"}),
            Arr({Int(0), Int(0)}));
  EXPECT_EQ(Run({"BITFIELD_RO", "bf", "GET", "u8", "#0", "GET", "i4", "3"}),
            Arr({Int(255), Int(-1)}));
  EXPECT_EQ(Run({"BITFIELD_RO", "bf", "SET", "u8", "0", "1"}),
            Error("ERR BITFIELD_RO only supports the GET subcommand"));
  EXPECT_EQ(Run({"BITFIELD_RO", "bf", "INCRBY", "u8", "0", "1"}),
            Error("ERR BITFIELD_RO only supports the GET subcommand"));
  EXPECT_EQ(Run({"BITFIELD_RO", "bf", "OVERFLOW", "SAT"}), Arr({}));
  EXPECT_EQ(Run({"BITFIELD_RO", "nokey", "GET", "u8", "0"}), Arr({Int(0)}));
  EXPECT_EQ(Run({"BITFIELD_RO"}), Error("ERR wrong number of arguments for 'bitfield_ro' command"));
}

TEST_F(CommandTest, Lcs) {
  EXPECT_EQ(Run({"MSET", "key1", "ohmytext", "key2", "mynewtext"}), kOK);
  EXPECT_EQ(Run({"LCS", "key1", "key2"}), Bulk("mytext"));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "LEN"}), Int(6));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX"}),
            Arr({Bulk("matches"),
                 Arr({Arr({Arr({Int(4), Int(7)}), Arr({Int(5), Int(8)})}),
                      Arr({Arr({Int(2), Int(3)}), Arr({Int(0), Int(1)})})}),
                 Bulk("len"), Int(6)}));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"}),
            Arr({Bulk("matches"), Arr({Arr({Arr({Int(4), Int(7)}), Arr({Int(5), Int(8)})})}),
                 Bulk("len"), Int(6)}));
  EXPECT_EQ(
      Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}),
      Arr({Bulk("matches"), Arr({Arr({Arr({Int(4), Int(7)}), Arr({Int(5), Int(8)}), Int(4)})}),
           Bulk("len"), Int(6)}));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "-5"}),
            Arr({Bulk("matches"),
                 Arr({Arr({Arr({Int(4), Int(7)}), Arr({Int(5), Int(8)})}),
                      Arr({Arr({Int(2), Int(3)}), Arr({Int(0), Int(1)})})}),
                 Bulk("len"), Int(6)}));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "LEN", "IDX"}),
            Error("ERR If you want both the length and indexes, please just use IDX."));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "MINMATCHLEN"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "MINMATCHLEN", "x"}),
            Error("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "FOO"}), Error("ERR syntax error"));
  EXPECT_EQ(Run({"LCS", "key1", "nokey"}), Bulk(""));
  EXPECT_EQ(Run({"LCS", "nokey", "nokey2", "LEN"}), Int(0));
  EXPECT_EQ(Run({"MSET", "x", "AAAAxxxxBBBB", "y", "xxAAAAyyBBBBxx"}), kOK);
  EXPECT_EQ(Run({"LCS", "x", "y", "IDX", "WITHMATCHLEN"}),
            Arr({Bulk("matches"),
                 Arr({Arr({Arr({Int(8), Int(11)}), Arr({Int(8), Int(11)}), Int(4)}),
                      Arr({Arr({Int(0), Int(3)}), Arr({Int(2), Int(5)}), Int(4)})}),
                 Bulk("len"), Int(8)}));
  EXPECT_EQ(Run({"LCS", "key1"}), Error("ERR wrong number of arguments for 'lcs' command"));
}

// Bit writes are read-modify-writes under the key's lock: concurrent SETBITs
// of different bits of one key all land.
TEST_F(CommandTest, ConcurrentSetBitsAllLand) {
  constexpr int kThreads = 4, kBits = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([this, t] {
      Session s;
      for (int i = t; i < kBits; i += kThreads) {
        std::string out;
        d_->Execute(&s, {"SETBIT", "bits", std::to_string(i), "1"}, &out);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Run({"BITCOUNT", "bits"}), Int(kBits));
}

}  // namespace
}  // namespace nokv::redis
