// Every figure the engine exports, driven through the engine and read back
// through its property: each is compared with what the engine did (files on
// disk, writes issued, bytes moved), never with a value the test set.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "db/db_stats.h"
#include "db/db_testutil.h"
#include "manifest/filenames.h"
#include "manifest/version.h"
#include "nokv/db.h"
#include "testutil/test_util.h"
#include "vfs/file_system.h"
#include "vfs/forwarding_file_system.h"

namespace nokv {
namespace {

using testutil::Prop;

// Forwards to the POSIX file system; can hold the N-th new SST file (the
// caller opening it waits until Release) and fail syncs.
class GateFs final : public ForwardingFileSystem {
 public:
  GateFs() : ForwardingFileSystem(NewPosixFileSystem()) {}

  std::atomic<int> hold_sst_number{0};  // 1-based count of NewWritableFile(*.sst); 0 = none
  std::atomic<bool> fail_syncs{false};

  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    released_ = true;
    cv_.notify_all();
  }
  bool Holding() const { return holding_.load(); }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".sst") == 0 &&
        ++ssts_ == hold_sst_number.load()) {
      holding_ = true;
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [this] { return released_; });
    }
    auto f = base()->NewWritableFile(path);
    if (!f.ok() || !fail_syncs) return f;
    return std::unique_ptr<WritableFile>(std::make_unique<FailSync>(std::move(f.value())));
  }

 private:
  class FailSync final : public ForwardingWritableFile {
   public:
    using ForwardingWritableFile::ForwardingWritableFile;
    Status Sync() override { return Status::IOError("injected sync failure"); }
  };

  std::atomic<int> ssts_{0};
  std::atomic<bool> holding_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;  // guarded by mu_
};

class PropertiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.memtable_size = 64 << 10;
    options_.l0_compaction_trigger = 8;  // compactions only when asked
    options_.l0_slowdown_trigger = 8;
    options_.value_threshold = 0;
  }
  void TearDown() override {
    if (db_) {
      EXPECT_TRUE(db_->Close().ok());
    }
  }
  void Open() { ASSERT_TRUE(DB::Open(options_, dir_.path(), &db_).ok()); }
  uint64_t P(const std::string& name) { return Prop(db_.get(), name); }
  uint64_t FileSize(const std::string& path) {
    uint64_t size = 0;
    EXPECT_TRUE(fs_->GetFileSize(path, &size).ok()) << path;
    return size;
  }
  // Total bytes of every *.sst in the workdir.
  uint64_t SstBytesOnDisk(int* files = nullptr) {
    std::vector<std::string> names;
    EXPECT_TRUE(fs_->GetChildren(dir_.path(), &names).ok());
    uint64_t bytes = 0;
    int n = 0;
    for (const auto& name : names) {
      FileKind kind;
      uint64_t number = 0;
      if (ParseFileName(name, &kind, &number) && kind == FileKind::kTable) {
        bytes += FileSize(JoinPath(dir_.path(), name));
        ++n;
      }
    }
    if (files) *files = n;
    return bytes;
  }

  testutil::TempDir dir_;
  std::shared_ptr<FileSystem> fs_ = NewPosixFileSystem();
  Options options_;
  std::unique_ptr<DB> db_;
};

TEST_F(PropertiesTest, WalFiguresAreTheActiveSegmentOnDisk) {
  ASSERT_NO_FATAL_FAILURE(Open());
  const uint64_t first = P("nokv.wal.number");
  EXPECT_EQ(P("nokv.wal.bytes"), 0u);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "key" + std::to_string(i), std::string(100, 'v')).ok());
  }
  // Each acknowledged write is handed to the OS: the file has every byte.
  const uint64_t on_disk = FileSize(WalFileName(dir_.path(), first));
  EXPECT_GT(on_disk, 10u * 100);
  EXPECT_EQ(P("nokv.wal.bytes"), on_disk);
  EXPECT_EQ(P("nokv.wal.records"), 10u);  // one writer: one record per write
  EXPECT_EQ(P("nokv.wal.syncs"), 0u);
  WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(db_->Put(sync, "synced", "v").ok());
  EXPECT_EQ(P("nokv.wal.syncs"), 1u);
  EXPECT_EQ(P("nokv.wal.records"), 11u);
  ASSERT_TRUE(db_->FlushWAL(true).ok());
  EXPECT_EQ(P("nokv.wal.syncs"), 2u);
  // A flush rotates to a new, empty segment (the old one is synced first).
  ASSERT_TRUE(db_->Flush().ok());
  const uint64_t second = P("nokv.wal.number");
  EXPECT_GT(second, first);
  EXPECT_EQ(P("nokv.wal.bytes"), FileSize(WalFileName(dir_.path(), second)));
  EXPECT_EQ(P("nokv.wal.syncs"), 3u);
  ASSERT_TRUE(db_->Put(WriteOptions(), "after", "v").ok());
  EXPECT_EQ(P("nokv.wal.bytes"), FileSize(WalFileName(dir_.path(), second)));
  EXPECT_GT(P("nokv.wal.bytes"), 0u);
}

// The cumulative WAL figure is every byte appended, across rotations: the
// segment sizes added up, never reset by a flush.
TEST_F(PropertiesTest, WalBytesWrittenSumsEverySegment) {
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(P("nokv.wal.bytes-written"), 0u);
  const uint64_t first = P("nokv.wal.number");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "key" + std::to_string(i), std::string(100, 'v')).ok());
  }
  const uint64_t first_size = FileSize(WalFileName(dir_.path(), first));
  EXPECT_GT(first_size, 10u * 100);
  EXPECT_EQ(P("nokv.wal.bytes-written"), first_size);
  ASSERT_TRUE(db_->Flush().ok());  // rotates; the first segment may go away
  const uint64_t second = P("nokv.wal.number");
  ASSERT_NE(second, first);
  ASSERT_TRUE(db_->Put(WriteOptions(), "after", std::string(300, 'w')).ok());
  EXPECT_EQ(P("nokv.wal.bytes-written"),
            first_size + FileSize(WalFileName(dir_.path(), second)));
  EXPECT_EQ(P("nokv.wal.bytes"), FileSize(WalFileName(dir_.path(), second)));
}

TEST_F(PropertiesTest, WriteFiguresCountAcceptedWrites) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_TRUE(db_->Put(WriteOptions(), "abc", "hello").ok());
  EXPECT_EQ(P("nokv.write.calls"), 1u);
  EXPECT_EQ(P("nokv.write.user-bytes"), 3u + 5u);
  WriteBatch b;
  b.Put("k1", "v1");
  b.Put("k2", "value2");
  b.Delete("k3");
  ASSERT_TRUE(db_->Write(WriteOptions(), b).ok());
  EXPECT_EQ(P("nokv.write.calls"), 2u);
  EXPECT_EQ(P("nokv.write.user-bytes"), 8u + (2 + 2) + (2 + 6) + 2);
  // Refused and empty writes count nothing.
  EXPECT_TRUE(db_->Put(WriteOptions(), "", "x").IsInvalidArgument());
  ASSERT_TRUE(db_->Write(WriteOptions(), WriteBatch()).ok());
  EXPECT_EQ(P("nokv.write.calls"), 2u);
  EXPECT_EQ(P("nokv.last-sequence"), 4u);  // one sequence per update
}

TEST_F(PropertiesTest, MemtableLevelAndFlushFiguresFollowTheData) {
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "key" + std::to_string(i), "value").ok());
  }
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(db_->Delete(WriteOptions(), "key" + std::to_string(i)).ok());
  }
  EXPECT_EQ(P("nokv.memtable.active-entries"), 110u);
  EXPECT_GT(P("nokv.memtable.active-bytes"), 110u * 8);
  EXPECT_EQ(P("nokv.memtable.immutable-count"), 0u);
  EXPECT_EQ(P("nokv.num-entries"), 110u);
  EXPECT_EQ(P("nokv.estimate-num-keys"), 110u - 2 * 10);
  EXPECT_EQ(P("nokv.flush.count"), 0u);

  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(P("nokv.memtable.active-entries"), 0u);
  EXPECT_EQ(P("nokv.flush.count"), 1u);
  int files = 0;
  const uint64_t sst_bytes = SstBytesOnDisk(&files);
  ASSERT_EQ(files, 1);
  EXPECT_EQ(P("nokv.flush.bytes-written"), sst_bytes);
  EXPECT_EQ(P("nokv.level0.files"), 1u);
  EXPECT_EQ(P("nokv.level0.bytes"), sst_bytes);
  // The flush keeps the 10 tombstones and drops the puts they shadow.
  EXPECT_EQ(P("nokv.level0.entries"), 100u);
  EXPECT_EQ(P("nokv.sst.files"), 1u);
  EXPECT_EQ(P("nokv.sst.bytes"), sst_bytes);
  EXPECT_EQ(P("nokv.sst.entries"), 100u);
  EXPECT_EQ(P("nokv.num-entries"), 100u);
  EXPECT_EQ(P("nokv.estimate-num-keys"), 100u - 2 * 10);
  EXPECT_EQ(P("nokv.num-levels"), static_cast<uint64_t>(kNumLevels));
  std::string score;
  ASSERT_TRUE(db_->GetProperty("nokv.level0.score", &score));
  EXPECT_NEAR(std::strtod(score.c_str(), nullptr), 1.0 / 8, 1e-3);  // 1 file of trigger 8

  // WAL replay at Open writes the memtable it rebuilt to L0: a flush too.
  ASSERT_TRUE(db_->Put(WriteOptions(), "in-the-wal", "v").ok());
  ASSERT_TRUE(db_->Close().ok());
  db_.reset();
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(P("nokv.flush.count"), 1u);
  EXPECT_EQ(P("nokv.level0.files"), 2u);
  EXPECT_EQ(P("nokv.flush.bytes-written"), SstBytesOnDisk() - sst_bytes);
  EXPECT_EQ(P("nokv.wal.records"), 0u);  // counters start at Open
}

// nokv.entry-counts (and so CollectDbStats) reads every count at one moment:
// while flushes move memtables to L0 under a writer of distinct keys, the
// total is never more than the writes made (separate reads counted a
// memtable flushed between them twice) nor fewer than those acknowledged.
TEST_F(PropertiesTest, EntryCountsAreReadAtOneMoment) {
  options_.l0_compaction_trigger = 4;  // compactions keep every distinct key
  ASSERT_NO_FATAL_FAILURE(Open());
  std::atomic<uint64_t> acknowledged{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    const std::string value(200, 'v');
    for (uint64_t i = 0; !stop.load() && i < 200000; ++i) {
      if (!db_->Put(WriteOptions(), "key" + std::to_string(i), value).ok()) break;
      acknowledged.fetch_add(1);
    }
  });
  uint64_t flushes_seen = 0;
  for (int round = 0; round < 3000 && flushes_seen < 20; ++round) {
    const uint64_t before = acknowledged.load();
    std::string counts;
    ASSERT_TRUE(db_->GetProperty("nokv.entry-counts", &counts));
    const DbStats st = CollectDbStats(*db_);
    const uint64_t after = acknowledged.load();
    std::istringstream in(counts);
    uint64_t bytes = 0, active = 0, imm_count = 0, imm = 0, sst = 0;
    ASSERT_TRUE(in >> bytes >> active >> imm_count >> imm >> sst) << counts;
    EXPECT_GE(active + imm + sst, before) << counts;
    EXPECT_LE(active + imm + sst, after + 1) << counts;  // + the write in flight
    const uint64_t total = st.memtable_entries + st.immutable_entries + st.sst_entries;
    EXPECT_LE(total, acknowledged.load() + 1);
    EXPECT_GE(total, before);
    flushes_seen = P("nokv.flush.count");
  }
  stop = true;
  writer.join();
  EXPECT_GE(flushes_seen, 2u);
}

TEST_F(PropertiesTest, CompactionFiguresAreTheBytesItMoved) {
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(
          db_->Put(WriteOptions(), "key" + std::to_string(i), "round" + std::to_string(round))
              .ok());
    }
    ASSERT_TRUE(db_->Flush().ok());
  }
  const uint64_t inputs = SstBytesOnDisk();
  EXPECT_EQ(P("nokv.level0.files"), 2u);
  EXPECT_EQ(P("nokv.compaction.count"), 0u);
  ASSERT_TRUE(db_->CompactAll().ok());
  int files = 0;
  const uint64_t outputs = SstBytesOnDisk(&files);
  EXPECT_EQ(P("nokv.compaction.count"), 1u);
  EXPECT_EQ(P("nokv.compaction.bytes-read"), inputs);
  EXPECT_EQ(P("nokv.compaction.bytes-written"), outputs);
  EXPECT_EQ(P("nokv.level1.bytes"), outputs);
  EXPECT_EQ(P("nokv.level1.entries"), 200u);  // the older round was dropped
  EXPECT_EQ(P("nokv.level0.files"), 0u);
}

TEST_F(PropertiesTest, BlockCacheFiguresCountLookups) {
  options_.block_cache_size = 1 << 20;
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(P("nokv.block-cache.capacity"), 1u << 20);
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "v").ok());
  ASSERT_TRUE(db_->Flush().ok());
  const uint64_t misses = P("nokv.block-cache.misses");
  const uint64_t hits = P("nokv.block-cache.hits");
  std::string v;
  ASSERT_TRUE(db_->Get(ReadOptions(), "k", &v).ok());
  EXPECT_EQ(P("nokv.block-cache.misses"), misses + 1);
  EXPECT_GT(P("nokv.block-cache.usage"), 0u);
  ASSERT_TRUE(db_->Get(ReadOptions(), "k", &v).ok());
  EXPECT_EQ(P("nokv.block-cache.hits"), hits + 1);
  EXPECT_EQ(P("nokv.block-cache.misses"), misses + 1);
}

// A compaction held in place keeps L0 at the slowdown trigger: the next
// write is delayed, and the figures say by how much.
TEST_F(PropertiesTest, SlowdownFiguresMeasureTheDelay) {
  auto gate = std::make_shared<GateFs>();
  gate->hold_sst_number = 3;  // two flushes, then the compaction's output
  options_.fs = gate;
  options_.l0_compaction_trigger = 2;
  options_.l0_slowdown_trigger = 2;
  options_.l0_stop_trigger = 100;
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(db_->Put(WriteOptions(), "k" + std::to_string(round), "v").ok());
    ASSERT_TRUE(db_->Flush().ok());
  }
  while (!gate->Holding()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(P("nokv.write.slowdowns"), 0u);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(db_->Put(WriteOptions(), "slowed", "v").ok());
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  EXPECT_EQ(P("nokv.write.slowdowns"), 1u);
  const uint64_t stall = P("nokv.write.stall-micros");
  EXPECT_GT(stall, 1000u);  // measured: a 1 ms sleep always overshoots a little
  EXPECT_LE(stall, static_cast<uint64_t>(took));
  gate->Release();
  ASSERT_TRUE(db_->CompactAll().ok());
}

TEST_F(PropertiesTest, BackgroundErrorIsTheEngineState) {
  auto gate = std::make_shared<GateFs>();
  options_.fs = gate;
  ASSERT_NO_FATAL_FAILURE(Open());
  std::string error;
  ASSERT_TRUE(db_->GetProperty("nokv.background-error", &error));
  EXPECT_EQ(error, "");
  gate->fail_syncs = true;  // the next WAL segment cannot be synced
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "v").ok());
  EXPECT_FALSE(db_->Flush().ok());  // rotation creates the new segment; its sync fails later
  WriteOptions sync;
  sync.sync = true;
  Status s = db_->Put(sync, "k2", "v");
  EXPECT_FALSE(s.ok());
  ASSERT_TRUE(db_->GetProperty("nokv.background-error", &error));
  EXPECT_NE(error.find("injected sync failure"), std::string::npos) << error;
  EXPECT_EQ(CollectDbStats(*db_).background_error, error);
  (void)db_->Close();
  db_.reset();
}

TEST_F(PropertiesTest, ValueLogFiguresFollowSegmentsAndGc) {
  options_.value_threshold = 1024;
  options_.value_log_segment_size = 1 << 20;
  ASSERT_NO_FATAL_FAILURE(Open());
  const std::string big(600 << 10, 'x');
  ASSERT_TRUE(db_->Put(WriteOptions(), "a", big).ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "b", big).ok());  // seals the first segment
  ASSERT_TRUE(db_->Put(WriteOptions(), "c", big).ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "small", "v").ok());  // stays in the LSM
  EXPECT_EQ(P("nokv.vlog.values-written"), 3u);
  std::vector<std::string> names;
  ASSERT_TRUE(fs_->GetChildren(JoinPath(dir_.path(), "vlog"), &names).ok());
  uint64_t on_disk = 0;
  for (const auto& n : names) on_disk += FileSize(JoinPath(JoinPath(dir_.path(), "vlog"), n));
  EXPECT_EQ(P("nokv.vlog.segments"), names.size());
  EXPECT_EQ(P("nokv.vlog.bytes"), on_disk);
  // Nothing deleted yet: the segments hold every framed record written plus
  // a small per-segment header.
  const uint64_t written = P("nokv.vlog.bytes-written");
  EXPECT_LE(written, on_disk);
  EXPECT_GT(written + 64 * names.size(), on_disk);
  EXPECT_GT(written, 3 * big.size());
  EXPECT_EQ(P("nokv.vlog.discard-bytes"), 0u);

  // Overwrite a; compaction drops the old pointer and counts its record.
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), "a", "now small").ok());
  ASSERT_TRUE(db_->CompactAll().ok());
  EXPECT_GT(P("nokv.vlog.discard-bytes"), big.size());
  EXPECT_LT(P("nokv.vlog.discard-bytes"), big.size() + 100);

  // GC of the first segment (a and b): b is live and rewritten, the
  // segment deleted.
  const uint64_t bytes_before = P("nokv.vlog.bytes");
  ASSERT_TRUE(db_->RunValueLogGC(0.4).ok());
  EXPECT_EQ(P("nokv.vlog.gc.runs"), 1u);
  EXPECT_EQ(P("nokv.vlog.gc.records-rewritten"), 1u);
  EXPECT_EQ(P("nokv.vlog.gc.bytes-rewritten"), big.size());
  EXPECT_EQ(P("nokv.vlog.gc.segments-deleted"), 1u);
  EXPECT_EQ(P("nokv.vlog.pending-deletes"), 0u);
  EXPECT_EQ(P("nokv.vlog.values-written"), 4u);  // the rewrite appended b again
  // The rewrite's append counts too: written grew by one framed copy of b
  // while the deleted segment's bytes stay counted.
  EXPECT_GT(P("nokv.vlog.bytes-written"), written + big.size());
  EXPECT_LT(P("nokv.vlog.bytes-written"), written + big.size() + 100);
  // Reclaimed: what vlog.bytes lost, counting the rewrite it gained.
  const uint64_t rewrite_growth = P("nokv.vlog.bytes") + P("nokv.vlog.gc.bytes-reclaimed") -
                                  bytes_before;
  EXPECT_GT(rewrite_growth, big.size());
  EXPECT_LT(rewrite_growth, big.size() + 100);
  std::string v;
  ASSERT_TRUE(db_->Get(ReadOptions(), "b", &v).ok());
  EXPECT_EQ(v, big);
}

TEST_F(PropertiesTest, EveryPropertyIsDocumentedAndAnswered) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_TRUE(db_->Put(WriteOptions(), "k", "v").ok());
  std::string stats;
  ASSERT_TRUE(db_->GetProperty("nokv.stats", &stats));
  std::ifstream header(std::string(NOKV_TESTDATA_DIR) + "/../lib/nokv/db.h");
  ASSERT_TRUE(header.good());
  std::stringstream doc;
  doc << header.rdbuf();
  std::istringstream lines(stats);
  std::string name, value;
  int n = 0;
  while (lines >> name >> value) {
    ++n;
    // Per-level names are documented once, as nokv.level<N>.<field>.
    std::string documented = name;
    if (name.rfind("nokv.level", 0) == 0 && name != "nokv.levels") {
      documented = "nokv.level<N>." + name.substr(name.find('.', 10) + 1);
    }
    // Grouped names ("nokv.sst.files / .bytes / .entries") by their last part.
    const std::string last = documented.substr(documented.rfind('.'));
    EXPECT_TRUE(doc.str().find(documented) != std::string::npos ||
                doc.str().find(last) != std::string::npos)
        << name << " is not documented in nokv/db.h";
    if (name.find(".score") != std::string::npos) continue;  // text only
    uint64_t v = 0;
    ASSERT_TRUE(db_->GetIntProperty(name, &v)) << name;
    EXPECT_EQ(std::to_string(v), value) << name;
  }
  EXPECT_GT(n, 40);
  uint64_t v = 0;
  EXPECT_FALSE(db_->GetIntProperty("nokv.no-such-figure", &v));
  EXPECT_FALSE(db_->GetIntProperty("nokv.level9.files", &v));
  EXPECT_FALSE(db_->GetIntProperty("nokv.level0.score", &v));  // text, not an integer
  std::string text;
  EXPECT_FALSE(db_->GetProperty("nokv.no-such-figure", &text));
}

}  // namespace
}  // namespace nokv
