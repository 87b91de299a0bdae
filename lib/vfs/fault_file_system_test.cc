// Tests for FaultFileSystem: each failure trigger and op kind, counters, and
// the crash model (unsynced data, non-durable names, renames, removals).
#include "vfs/fault_file_system.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "testutil/test_util.h"

namespace nokv {
namespace {

class FaultFsTest : public ::testing::Test {
 protected:
  FaultFsTest() : fs_(std::make_shared<FaultFileSystem>(NewPosixFileSystem(), Opts())) {}

  static FaultFileSystem::Options Opts() {
    FaultFileSystem::Options o;
    o.seed = 7;
    o.forward_syncs = false;
    return o;
  }

  std::string Read(const std::string& name) {
    std::string out;
    Status s = fs_->ReadFileToString(dir_.File(name), &out);
    return s.ok() ? out : "<" + s.ToString() + ">";
  }

  // Creates `name` holding `synced` (synced) followed by `flushed` (flushed
  // only) and `buffered` (appended only); returns the open handle.
  std::unique_ptr<WritableFile> Make(const std::string& name, const std::string& synced,
                                     const std::string& flushed = "",
                                     const std::string& buffered = "") {
    auto f = fs_->NewWritableFile(dir_.File(name));
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_TRUE((*f)->Append(synced).ok());
    EXPECT_TRUE((*f)->Sync().ok());
    EXPECT_TRUE((*f)->Append(flushed).ok());
    EXPECT_TRUE((*f)->Flush().ok());
    EXPECT_TRUE((*f)->Append(buffered).ok());
    return std::move(f.value());
  }

  bool Exists(const std::string& name) { return fs_->FileExists(dir_.File(name)); }

  testutil::TempDir dir_;
  std::shared_ptr<FaultFileSystem> fs_;
};

TEST_F(FaultFsTest, PassesThroughWithoutRules) {
  auto f = Make("a", "hello", " world");
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(Read("a"), "hello world");
  EXPECT_EQ(fs_->OpCount(kFaultAppend), 3u);
  EXPECT_EQ(fs_->OpCount(kFaultSync), 1u);
  EXPECT_EQ(fs_->OpCount(kFaultCreate), 1u);
  EXPECT_EQ(fs_->OpCount(kFaultClose), 1u);
  EXPECT_EQ(fs_->MutatingOps(), 7u);  // create, append, sync, append, flush, append, close
}

TEST_F(FaultFsTest, FailNthAppendOnlyOnce) {
  int rule = fs_->AddRule(FaultRule::FailNth(kFaultAppend, 2));
  auto f = fs_->NewWritableFile(dir_.File("a"));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE((*f)->Append("1").ok());
  Status s = (*f)->Append("2");
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("append"), std::string::npos) << s.ToString();
  EXPECT_TRUE((*f)->Append("3").ok());
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ(Read("a"), "13");  // the failed append had no effect
  EXPECT_EQ(fs_->RuleMatches(rule), 3u);
  EXPECT_EQ(fs_->RuleFailures(rule), 1u);
  ASSERT_EQ(fs_->Events().size(), 1u);
  EXPECT_EQ(fs_->Events()[0].op, kFaultAppend);
}

TEST_F(FaultFsTest, FailFromNthKeepsFailing) {
  fs_->AddRule(FaultRule::FailFromNth(kFaultFlush, 2));
  auto f = fs_->NewWritableFile(dir_.File("a"));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE((*f)->Flush().ok());
  for (int i = 0; i < 5; ++i) EXPECT_FALSE((*f)->Flush().ok());
}

TEST_F(FaultFsTest, MaxFailuresBoundsARule) {
  FaultRule r = FaultRule::FailFromNth(kFaultFlush, 1);
  r.max_failures = 2;
  fs_->AddRule(r);
  auto f = fs_->NewWritableFile(dir_.File("a"));
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE((*f)->Flush().ok());
  EXPECT_FALSE((*f)->Flush().ok());
  EXPECT_TRUE((*f)->Flush().ok());
}

TEST_F(FaultFsTest, PathFilterAndCustomStatus) {
  FaultRule r = FaultRule::FailFromNth(kFaultSync, 1, ".wal");
  r.error = Status::NotSupported("disk on fire");
  fs_->AddRule(r);
  auto wal = fs_->NewWritableFile(dir_.File("000001.wal"));
  auto sst = fs_->NewWritableFile(dir_.File("000002.sst"));
  ASSERT_TRUE(wal.ok() && sst.ok());
  Status s = (*wal)->Sync();
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find("000001.wal"), std::string::npos);
  EXPECT_TRUE((*sst)->Sync().ok());
}

TEST_F(FaultFsTest, PathExcludeSkipsMatchingPaths) {
  FaultRule r = FaultRule::FailFromNth(kFaultSync, 1);
  r.path_exclude = "MANIFEST";
  fs_->AddRule(r);
  auto m = fs_->NewWritableFile(dir_.File("MANIFEST-000001"));
  auto w = fs_->NewWritableFile(dir_.File("000002.wal"));
  ASSERT_TRUE(m.ok() && w.ok());
  EXPECT_TRUE((*m)->Sync().ok());
  EXPECT_FALSE((*w)->Sync().ok());
}

TEST_F(FaultFsTest, ProbabilityIsSeededAndRoughlyRight) {
  auto run = [this](uint64_t seed) {
    FaultFileSystem::Options o = Opts();
    o.seed = seed;
    FaultFileSystem fs(NewPosixFileSystem(), o);
    fs.AddRule(FaultRule::FailWithProbability(kFaultAppend, 0.25));
    auto f = fs.NewWritableFile(dir_.File("p"));
    EXPECT_TRUE(f.ok());
    std::string pattern;
    for (int i = 0; i < 400; ++i) pattern.push_back((*f)->Append("x").ok() ? '.' : 'F');
    return pattern;
  };
  const std::string a = run(42), b = run(42), c = run(43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  const auto fails = std::count(a.begin(), a.end(), 'F');
  EXPECT_GT(fails, 60);
  EXPECT_LT(fails, 140);
}

TEST_F(FaultFsTest, EachFileSystemOpCanFail) {
  auto f = Make("a", "data");
  ASSERT_TRUE(f->Close().ok());
  struct Case {
    FaultOp op;
    std::function<Status()> call;
  };
  const std::string a = dir_.File("a");
  std::vector<Case> cases = {
      {kFaultCreate, [&] { return fs_->NewWritableFile(dir_.File("n")).status(); }},
      {kFaultCreate, [&] { return fs_->NewAppendableFile(a).status(); }},
      {kFaultOpenRead, [&] { return fs_->NewRandomAccessFile(a).status(); }},
      {kFaultOpenRead, [&] { return fs_->NewSequentialFile(a).status(); }},
      {kFaultRename, [&] { return fs_->RenameFile(a, dir_.File("b")); }},
      {kFaultTruncate, [&] { return fs_->Truncate(a, 1); }},
      {kFaultRemove, [&] { return fs_->RemoveFile(a); }},
      {kFaultSyncDir, [&] { return fs_->SyncDir(dir_.path()); }},
      {kFaultLock, [&] { return fs_->LockFile(dir_.File("LOCK")).status(); }},
      {kFaultMkdir, [&] { return fs_->CreateDirIfMissing(dir_.File("d")); }},
  };
  for (const auto& c : cases) {
    fs_->ClearRules();
    fs_->AddRule(FaultRule::FailNth(c.op, 1));
    Status s = c.call();
    EXPECT_TRUE(s.IsIOError()) << FaultOpName(c.op) << ": " << s.ToString();
  }
  // None of them had an effect.
  EXPECT_EQ(Read("a"), "data");
  EXPECT_FALSE(Exists("b"));
  EXPECT_FALSE(Exists("n"));
  EXPECT_FALSE(Exists("d"));

  fs_->ClearRules();
  fs_->AddRule(FaultRule::FailNth(kFaultRead, 1));
  auto r = fs_->NewRandomAccessFile(a);
  ASSERT_TRUE(r.ok());
  char buf[8];
  std::string_view got;
  EXPECT_TRUE((*r)->Read(0, 4, buf, &got).IsIOError());
  ASSERT_TRUE((*r)->Read(0, 4, buf, &got).ok());
  EXPECT_EQ(got, "data");
}

TEST_F(FaultFsTest, FailedCloseLosesBufferedBytes) {
  fs_->AddRule(FaultRule::FailNth(kFaultClose, 1));
  auto f = Make("a", "s", "f", "b");
  EXPECT_TRUE(f->Close().IsIOError());
  EXPECT_EQ(Read("a"), "sf");
}

TEST_F(FaultFsTest, CrashPointFreezesMutations) {
  auto f = Make("a", "x");  // create, append, sync, append, flush, append: 6 ops
  fs_->CrashAtMutatingOp(8);
  EXPECT_TRUE(f->Append("y").ok());  // op 7
  EXPECT_FALSE(fs_->frozen());
  Status s = f->Append("z");  // op 8: down
  EXPECT_TRUE(s.IsIOError());
  EXPECT_NE(s.message().find("simulated crash"), std::string::npos);
  EXPECT_TRUE(fs_->frozen());
  EXPECT_FALSE(fs_->RemoveFile(dir_.File("a")).ok());
  EXPECT_FALSE(fs_->NewWritableFile(dir_.File("b")).ok());
  EXPECT_EQ(Read("a"), "x");  // reads still work
  f.reset();
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  EXPECT_FALSE(fs_->frozen());
  EXPECT_TRUE(fs_->NewWritableFile(dir_.File("b")).ok());
}

TEST_F(FaultFsTest, MachineCrashDropsUnsyncedBytesAndUndurableFiles) {
  auto durable = Make("durable", "AAAA", "bbbb", "cccc");
  ASSERT_TRUE(fs_->SyncDir(dir_.path()).ok());
  auto fresh = Make("fresh", "synced-but-entry-not-durable");
  EXPECT_EQ(fs_->SyncedSize(dir_.File("durable")), 4);
  EXPECT_EQ(fs_->SyncedSize(dir_.File("fresh")), 0);
  ASSERT_TRUE(durable->Close().ok());  // close flushes, does not sync
  EXPECT_EQ(Read("durable"), "AAAAbbbbcccc");
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  EXPECT_EQ(Read("durable"), "AAAA");
  EXPECT_FALSE(Exists("fresh"));
  // The old handle is dead: nothing it does reaches the disk.
  EXPECT_FALSE(fresh->Append("zzz").ok());
  EXPECT_FALSE(fresh->Sync().ok());
  fresh.reset();
  EXPECT_FALSE(Exists("fresh"));
}

TEST_F(FaultFsTest, ProcessCrashKeepsFlushedBytesOnly) {
  auto f = Make("a", "AAAA", "bbbb", "cccc");
  auto g = Make("b", "", "new-file");  // never dir-synced: survives a process crash
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kKeepUnsyncedData).ok());
  f.reset();
  g.reset();
  EXPECT_EQ(Read("a"), "AAAAbbbb");
  EXPECT_EQ(Read("b"), "new-file");
}

TEST_F(FaultFsTest, RandomPrefixKeepsBetweenSyncedAndFlushed) {
  std::set<size_t> sizes;
  for (int i = 0; i < 20; ++i) {
    auto f = Make("a", "SYNC", "0123456789");
    ASSERT_TRUE(fs_->SyncDir(dir_.path()).ok());
    f.reset();
    ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kKeepRandomPrefix).ok());
    const std::string got = Read("a");
    ASSERT_TRUE(std::string("SYNC0123456789").starts_with(got)) << got;
    ASSERT_GE(got.size(), 4u);
    sizes.insert(got.size());
  }
  EXPECT_GT(sizes.size(), 3u);
}

TEST_F(FaultFsTest, UndurableRenameIsReverted) {
  // CURRENT holds "old" durably; CURRENT.tmp is written, synced, renamed.
  auto cur = Make("CURRENT", "old");
  ASSERT_TRUE(cur->Close().ok());
  ASSERT_TRUE(fs_->SyncDir(dir_.path()).ok());
  auto tmp = Make("CURRENT.tmp", "new");
  ASSERT_TRUE(tmp->Close().ok());
  ASSERT_TRUE(fs_->RenameFile(dir_.File("CURRENT.tmp"), dir_.File("CURRENT")).ok());
  EXPECT_EQ(Read("CURRENT"), "new");
  std::vector<std::string> names;
  ASSERT_TRUE(fs_->GetChildren(dir_.path(), &names).ok());
  EXPECT_EQ(names, std::vector<std::string>{"CURRENT"});  // trash is hidden
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  EXPECT_EQ(Read("CURRENT"), "old");
  EXPECT_FALSE(Exists("CURRENT.tmp"));  // its name was never durable

  // Same again with the SyncDir: the rename sticks.
  tmp = Make("CURRENT.tmp", "new");
  ASSERT_TRUE(tmp->Close().ok());
  ASSERT_TRUE(fs_->RenameFile(dir_.File("CURRENT.tmp"), dir_.File("CURRENT")).ok());
  ASSERT_TRUE(fs_->SyncDir(dir_.path()).ok());
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  EXPECT_EQ(Read("CURRENT"), "new");
  names.clear();
  ASSERT_TRUE(fs_->GetChildren(dir_.path(), &names).ok());
  EXPECT_EQ(names, std::vector<std::string>{"CURRENT"});
}

TEST_F(FaultFsTest, RenameOfDurableFileMovesBack) {
  auto f = Make("a.tmp", "payload");
  ASSERT_TRUE(f->Close().ok());
  ASSERT_TRUE(fs_->SyncDir(dir_.path()).ok());
  ASSERT_TRUE(fs_->RenameFile(dir_.File("a.tmp"), dir_.File("a")).ok());
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  EXPECT_FALSE(Exists("a"));
  EXPECT_EQ(Read("a.tmp"), "payload");
}

TEST_F(FaultFsTest, UndurableRemovalComesBack) {
  auto f = Make("a", "keep", "lost");
  ASSERT_TRUE(f->Close().ok());
  ASSERT_TRUE(fs_->SyncDir(dir_.path()).ok());
  ASSERT_TRUE(fs_->RemoveFile(dir_.File("a")).ok());
  EXPECT_FALSE(Exists("a"));
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  EXPECT_EQ(Read("a"), "keep");

  ASSERT_TRUE(fs_->RemoveFile(dir_.File("a")).ok());
  ASSERT_TRUE(fs_->SyncDir(dir_.path()).ok());
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  EXPECT_FALSE(Exists("a"));
  std::vector<std::string> names;
  ASSERT_TRUE(NewPosixFileSystem()->GetChildren(dir_.path(), &names).ok());
  EXPECT_TRUE(names.empty()) << names[0];  // no trash left behind
}

// Directory creation is modelled like file creation: a machine crash loses a
// created directory, and everything in it, unless its parent was synced
// after the mkdir.
TEST_F(FaultFsTest, CreatedDirectoryNeedsAParentSync) {
  ASSERT_TRUE(fs_->CreateDirIfMissing(dir_.File("lost")).ok());
  ASSERT_TRUE(fs_->CreateDirIfMissing(dir_.File("kept")).ok());
  EXPECT_EQ(fs_->OpCount(kFaultMkdir), 2u);
  EXPECT_EQ(fs_->MutatingOps(), 2u);
  // Both hold a file whose data and entry are durable inside the directory.
  for (const char* d : {"lost", "kept"}) {
    auto f = Make(std::string(d) + "/f", "data");
    ASSERT_TRUE(f->Close().ok());
    ASSERT_TRUE(fs_->SyncDir(dir_.File(d)).ok());
  }
  ASSERT_TRUE(fs_->SyncDir(dir_.path()).ok());  // makes both entries durable...
  ASSERT_TRUE(fs_->CreateDirIfMissing(dir_.File("late")).ok());  // ...not this one
  ASSERT_TRUE(fs_->CreateDirIfMissing(dir_.File("kept")).ok());   // exists: no change
  {
    auto f = Make("late/f", "data");
    ASSERT_TRUE(f->Close().ok());
    ASSERT_TRUE(fs_->SyncDir(dir_.File("late")).ok());
  }
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  EXPECT_EQ(Read("lost/f"), "data");
  EXPECT_EQ(Read("kept/f"), "data");
  EXPECT_FALSE(Exists("late"));
  EXPECT_FALSE(Exists("late/f"));
}

TEST_F(FaultFsTest, LostDirectoryTakesItsSubdirectories) {
  ASSERT_TRUE(fs_->CreateDirIfMissing(dir_.File("a")).ok());
  ASSERT_TRUE(fs_->CreateDirIfMissing(dir_.File("a/b")).ok());
  ASSERT_TRUE(fs_->SyncDir(dir_.File("a")).ok());  // b is durable inside a, a is not
  auto f = Make("a/b/f", "data");
  ASSERT_TRUE(fs_->SyncDir(dir_.File("a/b")).ok());
  f.reset();
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kKeepRandomPrefix).ok());
  EXPECT_FALSE(Exists("a"));
}

TEST_F(FaultFsTest, ProcessCrashKeepsCreatedDirectories) {
  ASSERT_TRUE(fs_->CreateDirIfMissing(dir_.File("d/")).ok());  // a trailing slash is fine
  auto f = Make("d/f", "", "flushed");
  f.reset();
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kKeepUnsyncedData).ok());
  EXPECT_EQ(Read("d/f"), "flushed");
  // Afterwards the directory counts as durable, like every surviving file.
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  EXPECT_TRUE(Exists("d"));
}

TEST_F(FaultFsTest, CrashPointCanHitAMkdir) {
  fs_->CrashAtMutatingOp(1);
  EXPECT_TRUE(fs_->CreateDirIfMissing(dir_.File("d")).IsIOError());
  EXPECT_FALSE(Exists("d"));
}

TEST_F(FaultFsTest, PreexistingFilesAreDurable) {
  auto posix = NewPosixFileSystem();
  ASSERT_TRUE(posix->WriteStringToFileAtomic(dir_.File("old"), "before").ok());
  auto f = fs_->NewAppendableFile(dir_.File("old"));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->Size(), 6u);
  ASSERT_TRUE((*f)->Append(" after").ok());
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ(Read("old"), "before after");
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  EXPECT_EQ(Read("old"), "before");
}

TEST_F(FaultFsTest, TruncateIsNotDurableBeyondSyncedBytes) {
  auto f = Make("a", "0123456789");
  ASSERT_TRUE(f->Close().ok());
  ASSERT_TRUE(fs_->SyncDir(dir_.path()).ok());
  ASSERT_TRUE(fs_->Truncate(dir_.File("a"), 4).ok());
  EXPECT_EQ(Read("a"), "0123");
  EXPECT_EQ(fs_->SyncedSize(dir_.File("a")), 4);
  ASSERT_TRUE(fs_->SimulateCrash(CrashMode::kDropUnsyncedData).ok());
  EXPECT_EQ(Read("a"), "0123");
}

TEST_F(FaultFsTest, ForwardedSyncsReachTheBase) {
  FaultFileSystem fs(NewPosixFileSystem());  // forward_syncs defaults on
  auto f = fs.NewWritableFile(dir_.File("a"));
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("x").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE(fs.SyncDir(dir_.path()).ok());
  EXPECT_EQ(fs.SyncedSize(dir_.File("a")), 1);
}

}  // namespace
}  // namespace nokv
