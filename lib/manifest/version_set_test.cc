// Tests for VersionSet: create, log, recover, manifest rewrites, damaged
// metadata, I/O failures and live-file tracking.
#include "manifest/version_set.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "base/internal_key.h"
#include "manifest/filenames.h"
#include "testutil/test_util.h"
#include "vfs/forwarding_file_system.h"

namespace nokv {
namespace {

// Delegates to a real FileSystem; can fail syncs/appends of writable files
// and renames on demand.
class FaultFs final : public ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;

  std::atomic<bool> fail_sync{false};
  std::atomic<bool> fail_append{false};
  std::atomic<bool> fail_rename{false};

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return Wrap(base()->NewWritableFile(path));
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    return Wrap(base()->NewAppendableFile(path));
  }
  Status RenameFile(const std::string& s, const std::string& d) override {
    if (fail_rename) return Status::IOError(d + ": injected rename failure");
    return base()->RenameFile(s, d);
  }

 private:
  class File final : public ForwardingWritableFile {
   public:
    File(FaultFs* fs, std::unique_ptr<WritableFile> base)
        : ForwardingWritableFile(std::move(base)), fs_(fs) {}
    Status Append(std::string_view d) override {
      if (fs_->fail_append) return Status::IOError(path() + ": injected append failure");
      return ForwardingWritableFile::Append(d);
    }
    Status Sync() override {
      if (fs_->fail_sync) return Status::IOError(path() + ": injected sync failure");
      return ForwardingWritableFile::Sync();
    }

   private:
    FaultFs* fs_;
  };

  Result<std::unique_ptr<WritableFile>> Wrap(Result<std::unique_ptr<WritableFile>> f) {
    if (!f.ok()) return f.status();
    return std::unique_ptr<WritableFile>(std::make_unique<File>(this, std::move(f.value())));
  }
};

std::string IKey(const std::string& user_key, uint64_t seq) {
  return MakeInternalKey(ColumnFamily::kDefault, user_key, kMaxVersion, seq);
}

FileMeta File(uint64_t number, const std::string& lo, const std::string& hi, uint64_t seq) {
  FileMeta f;
  f.number = number;
  f.file_size = 1000 + number;
  f.smallest = IKey(lo, seq);
  f.largest = IKey(hi, seq);
  f.smallest_seq = f.largest_seq = seq;
  f.num_entries = 3;
  return f;
}

class VersionSetTest : public ::testing::Test {
 protected:
  std::unique_ptr<VersionSet> Open(VersionSetOptions options = Fast()) {
    return std::make_unique<VersionSet>(&fs_, dir_.path(), options);
  }
  static VersionSetOptions Fast() {
    VersionSetOptions o;
    o.sync = false;
    return o;
  }
  std::string ReadCurrent() {
    std::string s;
    EXPECT_TRUE(fs_.ReadFileToString(CurrentFileName(dir_.path()), &s).ok());
    return s;
  }
  void WriteFile(const std::string& path, const std::string& data) {
    auto f = fs_.NewWritableFile(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(data).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  // Adds a file at level and returns the LogAndApply status.
  Status AddFile(VersionSet* vs, int level, const FileMeta& f) {
    VersionEdit e;
    e.new_files.emplace_back(level, f);
    return vs->LogAndApply(&e);
  }
  static void ExpectSameState(const VersionSet& a, const VersionSet& b) {
    EXPECT_EQ(a.current()->DebugString(), b.current()->DebugString());
    EXPECT_EQ(a.log_number(), b.log_number());
    EXPECT_EQ(a.last_sequence(), b.last_sequence());
    EXPECT_LE(a.next_file_number(), b.next_file_number());
  }

  testutil::TempDir dir_;
  FaultFs fs_{NewPosixFileSystem()};
};

TEST_F(VersionSetTest, CreateLogAndRecover) {
  auto vs = Open(VersionSetOptions());  // synced, the default
  ASSERT_TRUE(vs->CreateNew().ok());
  EXPECT_EQ(ReadCurrent(), "MANIFEST-000001\n");
  EXPECT_EQ(vs->manifest_file_number(), 1u);
  EXPECT_EQ(vs->manifest_path(), ManifestFileName(dir_.path(), 1));
  EXPECT_TRUE(fs_.FileExists(vs->manifest_path()));
  EXPECT_EQ(vs->next_file_number(), 2u);

  const uint64_t t1 = vs->NewFileNumber(), t2 = vs->NewFileNumber(), t3 = vs->NewFileNumber();
  EXPECT_EQ(t1, 2u);
  vs->SetLastSequence(50);
  VersionEdit e1;
  e1.log_number = 7;
  e1.new_files = {{0, File(t1, "a", "m", 10)}, {1, File(t2, "a", "c", 5)}};
  ASSERT_TRUE(vs->LogAndApply(&e1).ok());
  EXPECT_EQ(e1.last_sequence, 50u) << "filled in from the counter";
  EXPECT_EQ(e1.next_file_number, vs->next_file_number());
  EXPECT_EQ(vs->log_number(), 7u);

  VersionEdit e2;
  e2.deleted_files = {{0, t1}};
  e2.new_files = {{1, File(t3, "d", "z", 11)}};
  e2.last_sequence = 80;
  ASSERT_TRUE(vs->LogAndApply(&e2).ok());
  EXPECT_EQ(vs->last_sequence(), 80u);
  EXPECT_EQ(vs->current()->NumFiles(0), 0);
  EXPECT_EQ(vs->current()->NumFiles(1), 2);
  EXPECT_EQ(vs->manifest_file_number(), 1u) << "no rewrite below the threshold";
  EXPECT_GT(vs->manifest_size(), 0u);

  auto reopened = Open();
  ASSERT_TRUE(reopened->Recover().ok());
  ExpectSameState(*vs, *reopened);
  EXPECT_GT(reopened->next_file_number(), t3);
  EXPECT_EQ(reopened->manifest_file_number(), 1u);
  EXPECT_EQ(reopened->manifest_size(), vs->manifest_size());

  // The first edit after Recover starts a new manifest and retires the old.
  ASSERT_TRUE(AddFile(reopened.get(), 2, File(reopened->NewFileNumber(), "x", "y", 12)).ok());
  const uint64_t m = reopened->manifest_file_number();
  EXPECT_NE(m, 1u);
  EXPECT_EQ(ReadCurrent(), "MANIFEST-" + std::string(6 - std::to_string(m).size(), '0') +
                               std::to_string(m) + "\n");
  EXPECT_FALSE(fs_.FileExists(ManifestFileName(dir_.path(), 1)));

  auto third = Open();
  ASSERT_TRUE(third->Recover().ok());
  ExpectSameState(*reopened, *third);
  EXPECT_EQ(third->current()->NumFiles(2), 1);
}

TEST_F(VersionSetTest, CreateNewRefusesExistingDb) {
  auto vs = Open();
  ASSERT_TRUE(vs->CreateNew().ok());
  auto again = Open();
  EXPECT_TRUE(again->CreateNew().IsInvalidArgument());
  EXPECT_EQ(ReadCurrent(), "MANIFEST-000001\n");
}

TEST_F(VersionSetTest, LogAndApplyBeforeOpenIsRejected) {
  auto vs = Open();
  VersionEdit e;
  EXPECT_TRUE(vs->LogAndApply(&e).IsInvalidArgument());
}

TEST_F(VersionSetTest, RewriteOverThreshold) {
  VersionSetOptions o = Fast();
  o.rewrite_threshold = 1;  // every edit starts a new manifest
  auto vs = Open(o);
  ASSERT_TRUE(vs->CreateNew().ok());
  uint64_t prev = vs->manifest_file_number();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(AddFile(vs.get(), 1, File(vs->NewFileNumber(), std::string(1, char('a' + i)),
                                          std::string(1, char('a' + i)), i + 1))
                    .ok());
    const uint64_t now = vs->manifest_file_number();
    EXPECT_GT(now, prev);
    EXPECT_FALSE(fs_.FileExists(ManifestFileName(dir_.path(), prev))) << "old manifest deleted";
    EXPECT_TRUE(fs_.FileExists(ManifestFileName(dir_.path(), now)));
    EXPECT_EQ(ReadCurrent(), vs->manifest_path().substr(dir_.path().size() + 1) + "\n");
    prev = now;
  }
  std::vector<std::string> children;
  ASSERT_TRUE(fs_.GetChildren(dir_.path(), &children).ok());
  int manifests = 0;
  for (const auto& name : children) {
    FileKind kind;
    uint64_t n;
    if (ParseFileName(name, &kind, &n) && kind == FileKind::kManifest) ++manifests;
  }
  EXPECT_EQ(manifests, 1);

  auto reopened = Open();
  ASSERT_TRUE(reopened->Recover().ok());
  ExpectSameState(*vs, *reopened);
  EXPECT_EQ(reopened->current()->NumFiles(1), 5);
}

TEST_F(VersionSetTest, DamagedCurrent) {
  auto vs = Open();
  EXPECT_TRUE(vs->Recover().IsNotFound());
  ASSERT_TRUE(vs->CreateNew().ok());
  const std::string current = CurrentFileName(dir_.path());
  for (const char* garbled : {"", "\n", "MANIFEST-000001", "MANIFEST-00000x\n", "000001.sst\n",
                              "\x01\x02garbage\n", "MANIFEST-000001\n\n", "../MANIFEST-1\n"}) {
    SCOPED_TRACE(std::string("CURRENT=\"") + garbled + "\"");
    WriteFile(current, garbled);
    Status s = Open()->Recover();
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find(current), std::string::npos) << s.ToString();
  }
  WriteFile(current, "MANIFEST-000077\n");
  Status s = Open()->Recover();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("MANIFEST-000077"), std::string::npos) << s.ToString();
}

TEST_F(VersionSetTest, TornLastManifestRecordIsDropped) {
  auto vs = Open();
  ASSERT_TRUE(vs->CreateNew().ok());
  ASSERT_TRUE(AddFile(vs.get(), 1, File(vs->NewFileNumber(), "a", "b", 1)).ok());
  const std::string before = vs->current()->DebugString();
  const uint64_t size_before = vs->manifest_size();
  ASSERT_TRUE(AddFile(vs.get(), 1, File(vs->NewFileNumber(), "c", "d", 2)).ok());
  const std::string path = vs->manifest_path();
  vs.reset();

  for (uint64_t cut : {size_before + 1, size_before + 9, size_before + 12}) {
    ASSERT_TRUE(fs_.Truncate(path, cut).ok());
    auto reopened = Open();
    Status s = reopened->Recover();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(reopened->current()->DebugString(), before);
    EXPECT_EQ(reopened->manifest_size(), size_before);
  }
}

TEST_F(VersionSetTest, CorruptMiddleRecordIsCorruption) {
  auto vs = Open();
  ASSERT_TRUE(vs->CreateNew().ok());
  const uint64_t snapshot_end = vs->manifest_size();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(AddFile(vs.get(), 0, File(vs->NewFileNumber(), "a", "b", i + 1)).ok());
  }
  const std::string path = vs->manifest_path();
  vs.reset();
  std::string image;
  ASSERT_TRUE(fs_.ReadFileToString(path, &image).ok());
  image[snapshot_end + 12] ^= 0x40;  // payload of the first incremental edit
  WriteFile(path, image);
  Status s = Open()->Recover();
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(path), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("offset " + std::to_string(snapshot_end)), std::string::npos)
      << s.ToString();
}

TEST_F(VersionSetTest, ManifestWithoutSnapshotIsCorruption) {
  WriteFile(ManifestFileName(dir_.path(), 3), "");
  WriteFile(CurrentFileName(dir_.path()), "MANIFEST-000003\n");
  Status s = Open()->Recover();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("MANIFEST-000003"), std::string::npos) << s.ToString();
}

TEST_F(VersionSetTest, InvalidEditsWriteNothing) {
  auto vs = Open();
  ASSERT_TRUE(vs->CreateNew().ok());
  VersionEdit log;
  log.log_number = 10;
  ASSERT_TRUE(vs->LogAndApply(&log).ok());
  const uint64_t size = vs->manifest_size();
  const auto version = vs->current();

  VersionEdit missing;
  missing.deleted_files = {{1, 12345}};
  EXPECT_TRUE(vs->LogAndApply(&missing).IsCorruption());
  VersionEdit backwards;
  backwards.log_number = 9;
  EXPECT_TRUE(vs->LogAndApply(&backwards).IsInvalidArgument());
  VersionEdit overlap;
  overlap.new_files = {{1, File(100, "a", "c", 1)}, {1, File(101, "b", "d", 2)}};
  EXPECT_TRUE(vs->LogAndApply(&overlap).IsCorruption());

  EXPECT_EQ(vs->manifest_size(), size);
  EXPECT_EQ(vs->current(), version);
  EXPECT_EQ(vs->log_number(), 10u);
}

TEST_F(VersionSetTest, WriteFailureLeavesVersionAndStartsFreshManifest) {
  auto vs = Open(VersionSetOptions());  // sync on, so the injected failure is hit
  ASSERT_TRUE(vs->CreateNew().ok());
  ASSERT_TRUE(AddFile(vs.get(), 1, File(vs->NewFileNumber(), "a", "b", 1)).ok());
  const auto before = vs->current();
  const uint64_t manifest = vs->manifest_file_number();

  fs_.fail_sync = true;
  const uint64_t doomed = vs->NewFileNumber();
  Status s = AddFile(vs.get(), 1, File(doomed, "c", "d", 2));
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ(vs->current(), before);
  fs_.fail_sync = false;

  ASSERT_TRUE(AddFile(vs.get(), 1, File(vs->NewFileNumber(), "e", "f", 3)).ok());
  EXPECT_NE(vs->manifest_file_number(), manifest) << "a fresh manifest after the failure";
  EXPECT_FALSE(fs_.FileExists(ManifestFileName(dir_.path(), manifest)));

  auto reopened = Open();
  ASSERT_TRUE(reopened->Recover().ok());
  ExpectSameState(*vs, *reopened);
  EXPECT_EQ(reopened->current()->NumFiles(1), 2);
  for (const auto& f : reopened->current()->files(1)) EXPECT_NE(f->number, doomed);
}

TEST_F(VersionSetTest, FailedCurrentSwitchKeepsOldStateAndCleansUpLater) {
  VersionSetOptions o = Fast();
  o.rewrite_threshold = 1;
  auto vs = Open(o);
  ASSERT_TRUE(vs->CreateNew().ok());
  fs_.fail_rename = true;
  Status s = AddFile(vs.get(), 1, File(vs->NewFileNumber(), "a", "b", 1));
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_EQ(vs->current()->NumFiles(1), 0);
  EXPECT_EQ(vs->manifest_file_number(), 1u);
  EXPECT_EQ(ReadCurrent(), "MANIFEST-000001\n");
  fs_.fail_rename = false;

  ASSERT_TRUE(AddFile(vs.get(), 1, File(vs->NewFileNumber(), "c", "d", 2)).ok());
  std::vector<std::string> children;
  ASSERT_TRUE(fs_.GetChildren(dir_.path(), &children).ok());
  std::vector<uint64_t> manifests;
  for (const auto& name : children) {
    FileKind kind;
    uint64_t n;
    if (ParseFileName(name, &kind, &n) && kind == FileKind::kManifest) manifests.push_back(n);
  }
  EXPECT_EQ(manifests, std::vector<uint64_t>{vs->manifest_file_number()});

  auto reopened = Open();
  ASSERT_TRUE(reopened->Recover().ok());
  ExpectSameState(*vs, *reopened);
}

TEST_F(VersionSetTest, LiveFilesIncludeHeldOldVersions) {
  auto vs = Open();
  ASSERT_TRUE(vs->CreateNew().ok());
  ASSERT_TRUE(AddFile(vs.get(), 0, File(10, "a", "b", 1)).ok());
  auto held = vs->current();

  VersionEdit swap;
  swap.deleted_files = {{0, 10}};
  swap.new_files = {{1, File(11, "a", "b", 1)}};
  ASSERT_TRUE(vs->LogAndApply(&swap).ok());
  EXPECT_EQ(vs->LiveFiles(), (std::set<uint64_t>{10, 11}));
  EXPECT_GE(vs->next_file_number(), 12u) << "numbers from edits are never reused";

  held.reset();
  EXPECT_EQ(vs->LiveFiles(), (std::set<uint64_t>{11}));
}

TEST_F(VersionSetTest, ConcurrentReadersAndNumberAllocation) {
  auto vs = Open();
  ASSERT_TRUE(vs->CreateNew().ok());
  std::atomic<bool> done{false};
  std::vector<uint64_t> reader_numbers;
  std::thread reader([&] {
    while (!done) {
      reader_numbers.push_back(vs->NewFileNumber());
      EXPECT_TRUE(vs->current() != nullptr);
      (void)vs->LiveFiles();
    }
  });
  std::vector<uint64_t> writer_numbers;
  for (int i = 0; i < 50; ++i) {
    const uint64_t n = vs->NewFileNumber();
    writer_numbers.push_back(n);
    const std::string key = "k" + std::to_string(1000 + i);
    ASSERT_TRUE(AddFile(vs.get(), 1, File(n, key, key, i + 1)).ok());
  }
  done = true;
  reader.join();
  std::set<uint64_t> all(reader_numbers.begin(), reader_numbers.end());
  all.insert(writer_numbers.begin(), writer_numbers.end());
  EXPECT_EQ(all.size(), reader_numbers.size() + writer_numbers.size()) << "no duplicates";
  EXPECT_EQ(vs->current()->NumFiles(1), 50);
}

// Column families: recorded by LogAndApply, recovered, kept across manifest
// rewrites (with the highest id ever used), and checked before anything is
// written.
TEST_F(VersionSetTest, ColumnFamiliesAreRecordedAndSurviveRewrites) {
  VersionSetOptions o = Fast();
  o.rewrite_threshold = 1;  // every edit starts a new manifest (a snapshot)
  auto vs = Open(o);
  ASSERT_TRUE(vs->CreateNew().ok());
  using Families = std::map<uint32_t, std::string>;
  EXPECT_EQ(vs->column_families(), (Families{{0, "default"}}));
  EXPECT_EQ(vs->max_column_family(), 0u);
  VersionEdit add;
  add.added_column_families = {{1, "lock"}, {4, "raft"}};
  add.max_column_family = 4;
  ASSERT_TRUE(vs->LogAndApply(&add).ok());
  VersionEdit drop;
  drop.dropped_column_families = {1};
  ASSERT_TRUE(vs->LogAndApply(&drop).ok());
  EXPECT_EQ(vs->column_families(), (Families{{0, "default"}, {4, "raft"}}));
  for (int round = 0; round < 2; ++round) {
    auto reopened = Open(o);
    ASSERT_TRUE(reopened->Recover().ok());
    EXPECT_EQ(reopened->column_families(), (Families{{0, "default"}, {4, "raft"}}));
    EXPECT_EQ(reopened->max_column_family(), 4u);
    EXPECT_FALSE(reopened->recovered_format1());
    VersionEdit nothing;  // a rewrite: the snapshot must carry the families
    ASSERT_TRUE(reopened->LogAndApply(&nothing).ok());
  }
}

TEST_F(VersionSetTest, ColumnFamilyEditsThatDoNotApplyWriteNothing) {
  auto vs = Open();
  ASSERT_TRUE(vs->CreateNew().ok());
  VersionEdit add;
  add.added_column_families = {{1, "lock"}};
  ASSERT_TRUE(vs->LogAndApply(&add).ok());
  const uint64_t size = vs->manifest_size();
  std::vector<VersionEdit> bad(4);
  bad[0].added_column_families = {{2, "lock"}};     // name taken
  bad[1].added_column_families = {{1, "other"}};    // id taken
  bad[2].dropped_column_families = {7};             // unknown
  bad[3].dropped_column_families = {0};             // the default family
  for (auto& e : bad) {
    Status s = vs->LogAndApply(&e);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  }
  EXPECT_EQ(vs->manifest_size(), size);
  EXPECT_EQ(vs->column_families().size(), 2u);
}

// A manifest written before column-family records existed (format 1).
TEST_F(VersionSetTest, Format1ManifestHasTheImplicitFamiliesAndIsUpgraded) {
  {
    auto file = fs_.NewWritableFile(ManifestFileName(dir_.path(), 1));
    ASSERT_TRUE(file.ok());
    WalWriter w(std::move(file.value()));
    VersionEdit snapshot;
    snapshot.log_number = 0;
    snapshot.next_file_number = 2;
    snapshot.last_sequence = 0;
    std::string record;
    snapshot.EncodeTo(&record);
    ASSERT_TRUE(w.AddRecord(kManifestRecordType, record).ok());
    ASSERT_TRUE(w.Close().ok());
    ASSERT_TRUE(fs_.WriteStringToFileAtomic(CurrentFileName(dir_.path()), "MANIFEST-000001\n")
                    .ok());
  }
  using Families = std::map<uint32_t, std::string>;
  const Families implicit = {{0, "default"}, {1, "lock"}, {2, "write"}};
  auto vs = Open();
  ASSERT_TRUE(vs->Recover().ok());
  EXPECT_TRUE(vs->recovered_format1());
  EXPECT_EQ(vs->column_families(), implicit);
  EXPECT_EQ(vs->max_column_family(), 2u);
  VersionEdit nothing;  // the first edit after Recover writes a format-2 snapshot
  ASSERT_TRUE(vs->LogAndApply(&nothing).ok());
  auto upgraded = Open();
  ASSERT_TRUE(upgraded->Recover().ok());
  EXPECT_FALSE(upgraded->recovered_format1());
  EXPECT_EQ(upgraded->column_families(), implicit);
  EXPECT_EQ(upgraded->max_column_family(), 2u);
}

TEST_F(VersionSetTest, NewerManifestFormatIsRefused) {
  auto vs = Open();
  ASSERT_TRUE(vs->CreateNew().ok());
  VersionEdit future;
  future.format_version = kManifestFormatVersion + 1;
  ASSERT_TRUE(vs->LogAndApply(&future).ok());
  auto reopened = Open();
  Status s = reopened->Recover();
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
}

}  // namespace
}  // namespace nokv
