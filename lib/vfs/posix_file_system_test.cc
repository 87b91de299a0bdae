// Tests for the POSIX VFS.
#include <gtest/gtest.h>

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
