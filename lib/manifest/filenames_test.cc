// Tests for file naming and ParseFileName.
#include "manifest/filenames.h"

#include <gtest/gtest.h>

namespace nokv {
namespace {

TEST(FileNames, Format) {
  EXPECT_EQ(TableFileName("/db", 7), "/db/000007.sst");
  EXPECT_EQ(WalFileName("/db", 123456), "/db/123456.wal");
  EXPECT_EQ(WalFileName("/db", 1234567), "/db/1234567.wal");
  EXPECT_EQ(ManifestFileName("/db", 1), "/db/MANIFEST-000001");
  EXPECT_EQ(CurrentFileName("/db"), "/db/CURRENT");
  EXPECT_EQ(LockFileName("/db"), "/db/LOCK");
}

TEST(FileNames, ParseKnownNames) {
  struct Case {
    const char* name;
    FileKind kind;
    uint64_t number;
  };
  const Case cases[] = {
      {"000007.sst", FileKind::kTable, 7},
      {"123.sst", FileKind::kTable, 123},
      {"18446744073709551615.wal", FileKind::kWal, UINT64_MAX},
      {"000001.wal", FileKind::kWal, 1},
      {"MANIFEST-000042", FileKind::kManifest, 42},
      {"CURRENT", FileKind::kCurrent, 0},
      {"LOCK", FileKind::kLock, 0},
      {"CURRENT.tmp", FileKind::kTemp, 0},
      {"000009.tmp", FileKind::kTemp, 9},
  };
  for (const auto& c : cases) {
    FileKind kind = FileKind::kUnknown;
    uint64_t number = 99;
    ASSERT_TRUE(ParseFileName(c.name, &kind, &number)) << c.name;
    EXPECT_EQ(kind, c.kind) << c.name;
    EXPECT_EQ(number, c.number) << c.name;
  }
}

TEST(FileNames, RoundTrip) {
  for (uint64_t n : {0ull, 1ull, 999999ull, 1000000ull, 1ull << 40}) {
    FileKind kind;
    uint64_t number;
    const std::string table = TableFileName("d", n).substr(2);
    ASSERT_TRUE(ParseFileName(table, &kind, &number));
    EXPECT_EQ(kind, FileKind::kTable);
    EXPECT_EQ(number, n);
    const std::string manifest = ManifestFileName("d", n).substr(2);
    ASSERT_TRUE(ParseFileName(manifest, &kind, &number));
    EXPECT_EQ(kind, FileKind::kManifest);
    EXPECT_EQ(number, n);
  }
}

TEST(FileNames, RejectsOtherNames) {
  for (const char* name :
       {"", ".sst", "x.sst", "12a.sst", "-1.sst", "12.ss", "12.sst.bak", "MANIFEST-",
        "MANIFEST-12x", "MANIFEST", "manifest-000001", "CURRENTX", "LOCK2", ".tmp",
        "18446744073709551616.sst", "000001.log", "+5.wal", " 5.wal"}) {
    FileKind kind = FileKind::kTable;
    uint64_t number = 5;
    EXPECT_FALSE(ParseFileName(name, &kind, &number)) << '"' << name << '"';
    EXPECT_EQ(kind, FileKind::kUnknown) << name;
  }
}

}  // namespace
}  // namespace nokv
