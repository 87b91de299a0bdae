// Tests of RunFsck: clean workdirs stay clean, and every injected corruption
// (byte flips in every file kind, truncation, missing/orphan/extra files) is
// reported naming the damaged file.
#include "tools/fsck.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "base/random.h"
#include "manifest/filenames.h"
#include "nokv/db.h"
#include "testutil/test_util.h"
#include "wal/wal_reader.h"

namespace nokv {
namespace {

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

class FsckTest : public ::testing::Test {
 protected:
  void SetUp() override { fs_ = NewPosixFileSystem(); }

  // keys: written in three rounds (flush + compact in between, so there are
  // L0 and L1+ tables, overwrites and deletes); wal_keys stay in the WAL.
  void Build(int keys, int wal_keys, size_t value_size) {
    Options o;
    o.memtable_size = 64 << 10;
    o.target_file_size = 32 << 10;
    o.table.block_size = 1024;
    // Uncompressed, so the tables' sizes follow the data and compactions
    // split into several target-size files whatever the memtable overhead.
    o.table.compression = CompressionType::kNone;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, dir_.path(), &db).ok());
    const std::string value(value_size, 'v');
    for (int round = 0; round < 3; ++round) {
      for (int i = round; i < keys; i += 1 + round) {
        ASSERT_TRUE(db->Put(WriteOptions(), Key(i), value + std::to_string(round)).ok());
      }
      if (round == 1) {
        ASSERT_TRUE(db->Delete(WriteOptions(), Key(3)).ok());
      }
      ASSERT_TRUE(db->Flush().ok());
      if (round == 1) {
        ASSERT_TRUE(db->CompactAll().ok());
      }
    }
    for (int i = 0; i < wal_keys; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), "wal" + std::to_string(i), "w").ok());
    }
    ASSERT_TRUE(db->Close().ok());
  }

  FsckReport Fsck() {
    FsckReport r;
    Status s = RunFsck(fs_.get(), dir_.path(), FsckOptions(), &r);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }

  static std::string Describe(const FsckReport& r) {
    std::string out;
    for (const auto& p : r.problems) {
      out += "  " + p.path + " @" + (p.offset ? std::to_string(*p.offset) : "-") + " " +
             FsckProblemKindName(p.kind) + ": " + p.message + "\n";
    }
    return out;
  }

  static bool Names(const FsckReport& r, const std::string& name) {
    for (const auto& p : r.problems) {
      if (p.path == name) return true;
    }
    return false;
  }

  std::map<std::string, std::string> Files(FsckFileKind want) {
    std::vector<std::string> names;
    EXPECT_TRUE(fs_->GetChildren(dir_.path(), &names).ok());
    std::map<std::string, std::string> out;
    for (const auto& n : names) {
      uint64_t number = 0;
      if (ClassifyWorkdirEntry(n, &number) != want) continue;
      EXPECT_TRUE(fs_->ReadFileToString(dir_.File(n), &out[n]).ok());
    }
    return out;
  }

  void Write(const std::string& name, const std::string& data) {
    auto f = fs_->NewWritableFile(dir_.File(name));
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(data).ok());
    ASSERT_TRUE((*f)->Close().ok());
  }

  // Is name (a WAL or manifest) a sequence of whole, intact records?
  bool WholeRecords(const std::string& name) {
    WalReplayResult result;
    Status s = ReplayWalFile(
        fs_.get(), dir_.File(name), true,
        [](uint8_t, std::string_view, uint64_t) { return Status::OK(); }, &result);
    return s.ok() && !result.tail_dropped;
  }

  std::shared_ptr<FileSystem> fs_;
  testutil::TempDir dir_;
};

TEST_F(FsckTest, CleanWorkdirIsClean) {
  Build(3000, 40, 100);
  FsckReport r = Fsck();
  EXPECT_TRUE(r.clean()) << Describe(r);
  EXPECT_TRUE(r.manifest_readable);
  EXPECT_GT(r.tables_in_manifest, 1u);
  EXPECT_GT(r.sst_blocks_checked, 10u);
  EXPECT_EQ(r.wal_records_checked, 40u);
  for (const auto& f : r.files) EXPECT_TRUE(f.ok) << f.path;
  EXPECT_EQ(r.FilesByKind()[FsckFileKind::kCurrent], 1u);
  EXPECT_EQ(r.FilesByKind()[FsckFileKind::kManifest], 1u);
}

TEST_F(FsckTest, NotAWorkdirCannotRun) {
  FsckReport r;
  EXPECT_TRUE(RunFsck(fs_.get(), dir_.path(), FsckOptions(), &r).IsNotFound());
  EXPECT_TRUE(RunFsck(fs_.get(), dir_.File("absent"), FsckOptions(), &r).IsNotFound());
}

TEST_F(FsckTest, UnknownFilesAreNotedNotProblems) {
  Build(200, 5, 10);
  Write("notes.txt", "hello");
  ASSERT_TRUE(fs_->CreateDirIfMissing(dir_.File("backup-1")).ok());
  FsckReport r = Fsck();
  EXPECT_TRUE(r.clean()) << Describe(r);
  int unknown = 0;
  for (const auto& f : r.files) {
    EXPECT_NE(f.path, "vlog") << "the value-log directory is not an unknown entry";
    if (f.path == "notes.txt" || f.path == "backup-1") {
      EXPECT_EQ(f.kind, FsckFileKind::kUnknown);
      EXPECT_EQ(f.is_directory, f.path == "backup-1");
      ++unknown;
    }
  }
  EXPECT_EQ(unknown, 2);
}

// Every single byte of every file of a small workdir, flipped in turn, is
// reported with the file's name. This is the exhaustive form of the claim
// that no byte of any NoKV file is unchecked.
TEST_F(FsckTest, EveryByteFlipIsDetected) {
  Build(300, 6, 20);
  ASSERT_TRUE(Fsck().clean());
  uint64_t flips = 0;
  for (FsckFileKind kind :
       {FsckFileKind::kSst, FsckFileKind::kWal, FsckFileKind::kManifest, FsckFileKind::kCurrent}) {
    for (const auto& [name, original] : Files(kind)) {
      for (size_t pos = 0; pos < original.size(); ++pos) {
        std::string damaged = original;
        damaged[pos] = static_cast<char>(damaged[pos] ^ (1 << (pos % 8)));
        Write(name, damaged);
        FsckReport r = Fsck();
        ASSERT_TRUE(Names(r, name)) << "flip of bit " << pos % 8 << " at offset " << pos << " of "
                                    << name << " not detected\n"
                                    << Describe(r);
        ++flips;
      }
      Write(name, original);
    }
  }
  EXPECT_GT(flips, 2000u);
  EXPECT_TRUE(Fsck().clean());
}

// Random multi-byte damage (1-8 bytes, random values) in bigger files, many
// seeds per file kind.
TEST_F(FsckTest, RandomFlipsAreDetected) {
  Build(3000, 40, 100);
  const uint64_t seed = testutil::TestSeed(301);
  Random rng(seed);
  for (FsckFileKind kind :
       {FsckFileKind::kSst, FsckFileKind::kWal, FsckFileKind::kManifest, FsckFileKind::kCurrent}) {
    auto files = Files(kind);
    ASSERT_FALSE(files.empty()) << FsckFileKindName(kind);
    for (int trial = 0; trial < 150; ++trial) {
      auto it = files.begin();
      std::advance(it, static_cast<long>(rng.Uniform(static_cast<uint32_t>(files.size()))));
      const auto& [name, original] = *it;
      if (original.empty()) continue;
      std::string damaged = original;
      const int bytes = 1 + static_cast<int>(rng.Uniform(8));
      for (int b = 0; b < bytes; ++b) {
        const size_t pos = rng.Uniform(static_cast<uint32_t>(original.size()));
        damaged[pos] = static_cast<char>(damaged[pos] ^ (1 + rng.Uniform(255)));
      }
      Write(name, damaged);
      FsckReport r = Fsck();
      EXPECT_TRUE(Names(r, name)) << "seed " << seed << " trial " << trial << ": damage to " << name
                                  << " not detected\n"
                                  << Describe(r);
      Write(name, original);
    }
  }
}

// Truncation anywhere is detected, except a cut exactly between two records
// of a WAL or manifest, which leaves a valid, shorter file (counted, not
// asserted on).
TEST_F(FsckTest, TruncationIsDetected) {
  Build(3000, 40, 100);
  const uint64_t seed = testutil::TestSeed(302);
  Random rng(seed);
  for (FsckFileKind kind :
       {FsckFileKind::kSst, FsckFileKind::kWal, FsckFileKind::kManifest, FsckFileKind::kCurrent}) {
    for (const auto& [name, original] : Files(kind)) {
      for (int trial = 0; trial < 20; ++trial) {
        const size_t len = rng.Uniform(static_cast<uint32_t>(original.size()));
        Write(name, original.substr(0, len));
        const bool record_boundary = (kind == FsckFileKind::kWal ||
                                      kind == FsckFileKind::kManifest) &&
                                     len > 0 && WholeRecords(name);
        FsckReport r = Fsck();
        if (!record_boundary) {
          EXPECT_TRUE(Names(r, name)) << "seed " << seed << ": " << name << " cut to " << len
                                      << " bytes not detected\n"
                                      << Describe(r);
        }
      }
      Write(name, original);
    }
  }
}

TEST_F(FsckTest, MissingOrphanAndSizeProblems) {
  Build(3000, 10, 100);
  auto tables = Files(FsckFileKind::kSst);
  ASSERT_GE(tables.size(), 3u);
  auto it = tables.begin();
  const std::string missing = it->first;
  const std::string grown = (++it)->first;
  ASSERT_TRUE(fs_->RemoveFile(dir_.File(missing)).ok());
  Write(grown, it->second + "extra");
  Write("999999.sst", (++it)->second);  // a copy nobody references
  Write("000001.wal", "");              // below the WAL checkpoint

  FsckReport r = Fsck();
  auto has = [&](const std::string& path, FsckProblemKind kind) {
    for (const auto& p : r.problems) {
      if (p.path == path && p.kind == kind) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(missing, FsckProblemKind::kMissing)) << Describe(r);
  EXPECT_TRUE(has(grown, FsckProblemKind::kSizeMismatch)) << Describe(r);
  EXPECT_TRUE(has("999999.sst", FsckProblemKind::kOrphan)) << Describe(r);
  EXPECT_TRUE(has("000001.wal", FsckProblemKind::kOrphan)) << Describe(r);
  for (const auto& f : r.files) {
    if (f.path == grown || f.path == "999999.sst" || f.path == "000001.wal") {
      EXPECT_FALSE(f.ok) << f.path;
    }
  }
}

TEST_F(FsckTest, ProgressIsReported) {
  Build(500, 5, 50);
  uint64_t last_done = 0, total = 0;
  int calls = 0;
  FsckOptions options;
  options.progress = [&](uint64_t done, uint64_t t) {
    EXPECT_GE(done, last_done);
    last_done = done;
    total = t;
    ++calls;
  };
  FsckReport r;
  ASSERT_TRUE(RunFsck(fs_.get(), dir_.path(), options, &r).ok());
  // Once per file, then during the pointer check (which reads the tables and
  // WAL again: their bytes count twice).
  EXPECT_GT(static_cast<size_t>(calls), r.files.size());
  EXPECT_EQ(last_done, total);
  EXPECT_GT(total, r.bytes);
  uint64_t tables_and_wal = 0;
  for (const auto& f : r.files) {
    if (f.kind == FsckFileKind::kSst || f.kind == FsckFileKind::kWal) tables_and_wal += f.bytes;
  }
  EXPECT_EQ(total, r.bytes + tables_and_wal);
}

}  // namespace
}  // namespace nokv

namespace nokv {
namespace {

// Value-log segments are checked too: every record's checksum.
TEST(FsckVlogTest, DetectsCorruptValueLogSegments) {
  testutil::TempDir dir;
  auto fs = NewPosixFileSystem();
  {
    Options o;
    o.value_threshold = 100;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, dir.path(), &db).ok());
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), "k" + std::to_string(i), std::string(500, 'v')).ok());
    }
    ASSERT_TRUE(db->Close().ok());
  }
  FsckReport clean;
  ASSERT_TRUE(RunFsck(fs.get(), dir.path(), FsckOptions(), &clean).ok());
  EXPECT_TRUE(clean.problems.empty());
  EXPECT_EQ(clean.vlog_records_checked, 50u);
  std::vector<std::string> segs;
  ASSERT_TRUE(fs->GetChildren(dir.File("vlog"), &segs).ok());
  ASSERT_EQ(segs.size(), 1u);
  const std::string path = dir.File("vlog/" + segs[0]);
  std::string contents;
  ASSERT_TRUE(fs->ReadFileToString(path, &contents).ok());
  contents[contents.size() / 2] ^= 0x01;
  ASSERT_TRUE(fs->WriteStringToFileAtomic(path, contents).ok());
  FsckReport bad;
  ASSERT_TRUE(RunFsck(fs.get(), dir.path(), FsckOptions(), &bad).ok());
  ASSERT_FALSE(bad.problems.empty());
  EXPECT_EQ(bad.problems[0].path, "vlog/" + segs[0]);
  ASSERT_TRUE(bad.problems[0].offset.has_value());
}

}  // namespace
}  // namespace nokv
