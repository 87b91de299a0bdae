// Tests for the byte codecs, CRC32C and internal key ordering.
#include "base/coding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "base/crc32c.h"
#include "base/internal_key.h"
#include "base/random.h"
#include "base/status.h"

namespace nokv {
namespace {

TEST(Coding, FixedRoundTrip) {
  std::string s;
  PutFixed32(&s, 0xdeadbeef);
  PutFixed64(&s, 0x0123456789abcdefull);
  ASSERT_EQ(s.size(), 12u);
  EXPECT_EQ(static_cast<unsigned char>(s[0]), 0xef);  // little-endian
  std::string_view in(s);
  uint32_t a;
  uint64_t b;
  ASSERT_TRUE(GetFixed32(&in, &a));
  ASSERT_TRUE(GetFixed64(&in, &b));
  EXPECT_EQ(a, 0xdeadbeefu);
  EXPECT_EQ(b, 0x0123456789abcdefull);
  EXPECT_FALSE(GetFixed32(&in, &a));
}

TEST(Coding, VarintRoundTripAndBoundaries) {
  std::vector<uint64_t> values = {0, 1, 127, 128, 255, 16383, 16384, UINT32_MAX,
                                  uint64_t{UINT32_MAX} + 1, UINT64_MAX};
  std::string s;
  for (auto v : values) PutVarint64(&s, v);
  std::string_view in(s);
  for (auto v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
    EXPECT_EQ(VarintLength(v), [&] { std::string t; PutVarint64(&t, v); return (int)t.size(); }());
  }
  EXPECT_TRUE(in.empty());
}

TEST(Coding, VarintRejectsTruncatedAndOverflow) {
  std::string s;
  PutVarint64(&s, UINT64_MAX);
  std::string_view trunc(s.data(), s.size() - 1);
  uint64_t v;
  EXPECT_FALSE(GetVarint64(&trunc, &v));
  std::string overflow(11, '\xff');
  std::string_view o(overflow);
  EXPECT_FALSE(GetVarint64(&o, &v));
  std::string big;
  PutVarint64(&big, uint64_t{UINT32_MAX} + 1);
  std::string_view b(big);
  uint32_t v32;
  EXPECT_FALSE(GetVarint32(&b, &v32));
}

TEST(Coding, LengthPrefixed) {
  std::string s;
  PutLengthPrefixed(&s, "hello");
  PutLengthPrefixed(&s, "");
  std::string_view in(s), a, b;
  ASSERT_TRUE(GetLengthPrefixed(&in, &a));
  ASSERT_TRUE(GetLengthPrefixed(&in, &b));
  EXPECT_EQ(a, "hello");
  EXPECT_EQ(b, "");
  std::string bad;
  PutVarint64(&bad, 10);
  bad += "abc";
  std::string_view bin(bad);
  EXPECT_FALSE(GetLengthPrefixed(&bin, &a));
}

TEST(Crc32c, KnownValues) {
  // Test vectors from RFC 3720 section B.4.
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(crc32c::Value(ones), 0x62a8ab43u);
  std::string inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i);
  EXPECT_EQ(crc32c::Value(inc), 0x46dd794eu);
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
}

TEST(Crc32c, ExtendEqualsWhole) {
  std::string s = "hello world, this is a longer string to cross word boundaries";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t a = crc32c::Extend(crc32c::Value(s.data(), cut), s.data() + cut, s.size() - cut);
    EXPECT_EQ(a, crc32c::Value(s));
  }
}

// The fast path (three interleaved streams on long inputs, folded together)
// must equal the byte table for every length around its chunk tiers, any
// alignment and any starting crc.
TEST(Crc32c, FastPathMatchesTheByteTable) {
  std::string data(20000, '\0');
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (char& c : data) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  std::vector<size_t> lengths;
  for (size_t n = 0; n < 800; ++n) lengths.push_back(n);
  for (size_t base : {3072u, 4096u, 6144u, 9216u, 12288u}) {
    for (size_t d = 0; d < 40; ++d) {
      lengths.push_back(base - 20 + d);
    }
  }
  lengths.push_back(19990);
  for (size_t n : lengths) {
    for (size_t offset : {0u, 1u, 5u}) {
      for (uint32_t init : {0u, 0xdeadbeefu}) {
        ASSERT_EQ(crc32c::Extend(init, data.data() + offset, n),
                  crc32c::ExtendPortable(init, data.data() + offset, n))
            << "n " << n << " offset " << offset << " init " << init;
      }
    }
  }
}

// MultModP shifts a checksum: crc(A followed by n zero bytes) is
// x^(8n) * crc(A) for the raw register (init and final xor cancel out when
// both sides use Extend from 0 over equal-length prefixes), and the product
// is commutative with x^0 as its unit and 0 as its zero.
TEST(Crc32c, MultModPShiftsByZeroBytes) {
  const uint32_t one = 1u << 31;  // x^0, reflected
  const uint32_t b = 0x12345678u;
  EXPECT_EQ(crc32c::MultModP(one, b), b);
  EXPECT_EQ(crc32c::MultModP(0, b), 0u);
  EXPECT_EQ(crc32c::MultModP(0x0badf00du, b), crc32c::MultModP(b, 0x0badf00du));
  // crc(A || zeros) ^ crc(zeros of |A| + n) = x^(8n) * (crc(A) ^ crc(zeros of |A|)).
  const std::string a = "checksum me";
  const std::string zeros_n(5, '\0');
  const std::string zeros_a(a.size(), '\0');
  uint32_t x8n = one;
  for (int i = 0; i < 5 * 8; ++i) x8n = crc32c::MultModP(x8n, one >> 1);  // times x
  const uint32_t lhs = crc32c::Value(a + zeros_n) ^ crc32c::Value(zeros_a + zeros_n);
  const uint32_t rhs = crc32c::MultModP(x8n, crc32c::Value(a) ^ crc32c::Value(zeros_a));
  EXPECT_EQ(lhs, rhs);
}

TEST(Crc32c, MaskRoundTrip) {
  uint32_t c = crc32c::Value("foo");
  EXPECT_NE(crc32c::Mask(c), c);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(c)), c);
}

TEST(InternalKey, RoundTrip) {
  std::string k = MakeInternalKey(ColumnFamily::kWrite, "user", 42, 7);
  ParsedInternalKey p;
  ASSERT_TRUE(ParseInternalKey(k, &p));
  EXPECT_EQ(p.cf, ColumnFamily::kWrite);
  EXPECT_EQ(p.user_key, "user");
  EXPECT_EQ(p.version, 42u);
  EXPECT_EQ(p.sequence, 7u);
  EXPECT_EQ(UserPart(k).size(), 5u);
  EXPECT_FALSE(ParseInternalKey("short", &p));
  // Every byte names a column family (ids come from the manifest).
  std::string other_cf = k;
  other_cf[0] = static_cast<char>(200);
  ASSERT_TRUE(ParseInternalKey(other_cf, &p));
  EXPECT_EQ(static_cast<uint8_t>(p.cf), 200);
  EXPECT_EQ(ColumnFamilyName(p.cf), "cf200");
  EXPECT_EQ(ColumnFamilyName(ColumnFamily::kDefault), "default");
}

TEST(InternalKey, OrderingNewestFirstThenSequence) {
  auto K = [](std::string_view u, uint64_t v, uint64_t s) {
    return MakeInternalKey(ColumnFamily::kDefault, u, v, s);
  };
  EXPECT_LT(CompareInternalKeys(K("a", 1, 1), K("ab", 1, 1)), 0);   // prefix sorts first
  EXPECT_LT(CompareInternalKeys(K("a", 9, 1), K("a", 3, 1)), 0);    // newer version first
  EXPECT_LT(CompareInternalKeys(K("a", 3, 9), K("a", 3, 2)), 0);    // newer sequence first
  EXPECT_EQ(CompareInternalKeys(K("a", 3, 2), K("a", 3, 2)), 0);
  EXPECT_LT(CompareInternalKeys(K("b", 0, 0), MakeInternalKey(ColumnFamily::kLock, "a", 0, 0)), 0);
  EXPECT_LT(CompareInternalKeys(K("", kMaxVersion, 5), K("", 1, 5)), 0);
}

TEST(InternalKey, SortMatchesTupleOrder) {
  Random rng(1);
  struct T { std::string u; uint64_t v, s; std::string k; };
  std::vector<T> ts;
  for (int i = 0; i < 2000; ++i) {
    T t{std::string(1 + rng.Uniform(3), static_cast<char>('a' + rng.Uniform(3))),
        rng.Uniform(4), rng.Uniform(4), {}};
    t.k = MakeInternalKey(ColumnFamily::kDefault, t.u, t.v, t.s);
    ts.push_back(t);
  }
  auto by_key = ts;
  std::sort(by_key.begin(), by_key.end(),
            [](const T& a, const T& b) { return CompareInternalKeys(a.k, b.k) < 0; });
  for (size_t i = 1; i < by_key.size(); ++i) {
    const T& a = by_key[i - 1];
    const T& b = by_key[i];
    bool ok = a.u < b.u || (a.u == b.u && (a.v > b.v || (a.v == b.v && a.s >= b.s)));
    ASSERT_TRUE(ok) << i;
  }
}

TEST(ValueRecord, RoundTripAndMalformed) {
  std::string s;
  AppendValueRecord(&s, ValueRecord{kMetaDelete, 1234567, ""});
  EXPECT_EQ(s.size(), ValueRecordSize(ValueRecord{kMetaDelete, 1234567, ""}));
  ValueRecord r;
  ASSERT_TRUE(DecodeValueRecord(s, &r));
  EXPECT_TRUE(r.IsDelete());
  EXPECT_EQ(r.expires_at, 1234567u);
  EXPECT_EQ(r.value, "");
  EXPECT_FALSE(DecodeValueRecord("", &r));
  EXPECT_FALSE(DecodeValueRecord(std::string("\x00\xff", 2), &r));
}

TEST(Status, RenderingAndContext) {
  Status s = Status::Corruption("bad block").WithContext("000012.sst offset 4096");
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.ToString(), "Corruption: 000012.sst offset 4096: bad block");
  EXPECT_EQ(Status::OK().ToString(), "OK");
  Result<int> r(Status::NotFound("k"));
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
  Result<int> v(5);
  EXPECT_EQ(*v, 5);
}

}  // namespace
}  // namespace nokv
