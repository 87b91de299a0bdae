// Tests for the POSIX VFS.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "testutil/test_util.h"
#include "vfs/file_system.h"

namespace nokv {
namespace {

TEST(PosixFs, WriteAppendReadBack) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  const std::string path = dir.File("a");
  {
    auto f = fs->NewWritableFile(path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ASSERT_TRUE((*f)->Append("hello ").ok());
    std::string big(200000, 'x');
    ASSERT_TRUE((*f)->Append(big).ok());
    EXPECT_EQ((*f)->Size(), 200006u);
    ASSERT_TRUE((*f)->Sync().ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  {
    auto f = fs->NewAppendableFile(path);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ((*f)->Size(), 200006u);
    ASSERT_TRUE((*f)->Append("!").ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  uint64_t size = 0;
  ASSERT_TRUE(fs->GetFileSize(path, &size).ok());
  EXPECT_EQ(size, 200007u);
  auto r = fs->NewRandomAccessFile(path);
  ASSERT_TRUE(r.ok());
  char buf[16];
  std::string_view got;
  ASSERT_TRUE((*r)->Read(0, 6, buf, &got).ok());
  EXPECT_EQ(got, "hello ");
  ASSERT_TRUE((*r)->Read(200006, 10, buf, &got).ok());
  EXPECT_EQ(got, "!");  // short read at end of file
}

// A random-access file, by pread or through a mapping of the bytes it held
// when opened, reads bytes appended later too: every read, inside,
// straddling and past the size at open, returns the file's bytes, and reads
// past the end come back short.
class PosixRandomAccessTest : public ::testing::TestWithParam<bool> {};

TEST_P(PosixRandomAccessTest, ReadsBytesAppendedAfterOpening) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem(PosixFileSystemOptions{GetParam()});
  const std::string path = dir.File("growing");
  auto w = fs->NewWritableFile(path);
  ASSERT_TRUE(w.ok());
  std::string content;
  for (int i = 0; i < 3000; ++i) content += static_cast<char>('a' + i % 26);
  ASSERT_TRUE((*w)->Append(content).ok());
  ASSERT_TRUE((*w)->Flush().ok());
  auto r = fs->NewRandomAccessFile(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->Size(), 3000u);
  std::string more;
  for (int i = 0; i < 5000; ++i) more += static_cast<char>('A' + i % 26);
  ASSERT_TRUE((*w)->Append(more).ok());
  ASSERT_TRUE((*w)->Flush().ok());
  content += more;
  char scratch[8000];
  struct Case {
    uint64_t offset;
    size_t n;
  };
  for (const Case& c : {Case{0, 3000}, Case{17, 100}, Case{2500, 500}, Case{2990, 20}, Case{3000, 10},
                        Case{4000, 4000}, Case{0, 8000}, Case{7990, 100}, Case{9000, 5}}) {
    std::string_view got;
    ASSERT_TRUE((*r)->Read(c.offset, c.n, scratch, &got).ok());
    const std::string want =
        c.offset >= content.size() ? std::string() : content.substr(c.offset, c.n);
    EXPECT_EQ(got, want) << "offset " << c.offset << " n " << c.n;
    // Again: the same bytes.
    ASSERT_TRUE((*r)->Read(c.offset, c.n, scratch, &got).ok());
    EXPECT_EQ(got, want) << "again: offset " << c.offset << " n " << c.n;
  }
  ASSERT_TRUE((*w)->Close().ok());
}

INSTANTIATE_TEST_SUITE_P(ReadModes, PosixRandomAccessTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Mmap" : "Pread"; });

uint64_t AllocatedBytes(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

// Preallocate reserves blocks beyond the end without changing the size or
// the bytes a reader sees; Close hands back what was not used.
TEST(PosixFs, PreallocateKeepsSizeAndCloseReleasesTheRest) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  const std::string path = dir.File("wal");
  auto f = fs->NewWritableFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_TRUE((*f)->Append("abc").ok());
  ASSERT_TRUE((*f)->Preallocate(4 << 20).ok());
  ASSERT_TRUE((*f)->Append("def").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  EXPECT_EQ((*f)->Size(), 6u);
  uint64_t size = 0;
  ASSERT_TRUE(fs->GetFileSize(path, &size).ok());
  EXPECT_EQ(size, 6u);
  const bool supported = AllocatedBytes(path) >= (4u << 20);
  ASSERT_TRUE((*f)->Preallocate(1 << 20).ok());  // below what is reserved: nothing to do
  ASSERT_TRUE((*f)->Close().ok());
  ASSERT_TRUE(fs->GetFileSize(path, &size).ok());
  EXPECT_EQ(size, 6u);
  if (supported) {
    EXPECT_LT(AllocatedBytes(path), 1u << 20) << "Close kept the reservation";
  }
  auto r = fs->NewRandomAccessFile(path);
  ASSERT_TRUE(r.ok());
  char buf[16];
  std::string_view got;
  ASSERT_TRUE((*r)->Read(0, 16, buf, &got).ok());
  EXPECT_EQ(got, "abcdef");
  if (!supported) GTEST_SKIP() << "this file system does not reserve blocks (fallocate)";
}

TEST(PosixFs, MissingFileIsNotFound) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  auto r = fs->NewRandomAccessFile(dir.File("nope"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_NE(r.status().message().find("nope"), std::string::npos);
  EXPECT_FALSE(fs->FileExists(dir.File("nope")));
}

TEST(PosixFs, ChildrenRenameRemoveTruncate) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  ASSERT_TRUE(fs->WriteStringToFileAtomic(dir.File("CURRENT"), "MANIFEST-000001").ok());
  std::string s;
  ASSERT_TRUE(fs->ReadFileToString(dir.File("CURRENT"), &s).ok());
  EXPECT_EQ(s, "MANIFEST-000001");
  EXPECT_FALSE(fs->FileExists(dir.File("CURRENT.tmp")));
  ASSERT_TRUE(fs->Truncate(dir.File("CURRENT"), 4).ok());
  ASSERT_TRUE(fs->ReadFileToString(dir.File("CURRENT"), &s).ok());
  EXPECT_EQ(s, "MANI");
  ASSERT_TRUE(fs->RenameFile(dir.File("CURRENT"), dir.File("X")).ok());
  std::vector<std::string> names;
  ASSERT_TRUE(fs->GetChildren(dir.path(), &names).ok());
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0], "X");
  ASSERT_TRUE(fs->RemoveFile(dir.File("X")).ok());
  EXPECT_TRUE(fs->RemoveFile(dir.File("X")).IsNotFound());
  ASSERT_TRUE(fs->SyncDir(dir.path()).ok());
}

TEST(PosixFs, LockIsExclusiveWithinProcess) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  auto a = fs->LockFile(dir.File("LOCK"));
  ASSERT_TRUE(a.ok());
  auto b = fs->LockFile(dir.File("LOCK"));
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(b.status().IsBusy());
  a.value().reset();
  auto c = fs->LockFile(dir.File("LOCK"));
  EXPECT_TRUE(c.ok());
}

}  // namespace
}  // namespace nokv
