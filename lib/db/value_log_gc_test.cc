// Tests of ValueLogGc on its own: a real value log, the engine replaced by
// hooks. Covers segment choice and the garbage threshold, the conditional
// rewrite of exactly the live records, the deferred delete waiting for pinned
// iterators and snapshots, and one pass at a time.
#include "db/value_log_gc.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <set>
#include <thread>

#include "base/internal_key.h"
#include "db/write_batch_internal.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

class ValueLogGcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ValueLogOptions o;
    o.segment_size = 8 << 10;
    vlog_ = std::make_unique<ValueLog>(fs_.get(), dir_.File("vlog"), o,
                                       [this] { return ++next_file_; });
    ASSERT_TRUE(vlog_->Open().ok());
    // 30 records of ~1 KiB: several sealed 8 KiB segments and an active one.
    for (int i = 0; i < 30; ++i) {
      const std::string ikey = MakeInternalKey(ColumnFamily::kDefault, "k" + std::to_string(i),
                                               kMaxVersion, static_cast<uint64_t>(i + 1));
      ValuePointer ptr;
      ASSERT_TRUE(vlog_->Append(ikey, std::string(1000, static_cast<char>('a' + i % 26)), &ptr)
                      .ok());
      live_[ikey] = ptr;
      segment_of_[ikey] = ptr.file;
    }
    ASSERT_TRUE(vlog_->Flush().ok());
    first_ = vlog_->Segments().front().number;
    ASSERT_FALSE(vlog_->Segments().front().active);

    ValueLogGc::Hooks h;
    h.is_live = [this](std::string_view ikey, const ValuePointer& ptr, uint64_t* expires_at) {
      auto it = live_.find(std::string(ikey));
      *expires_at = 0;
      return it != live_.end() && it->second == ptr;
    };
    h.rewrite = [this](const WriteBatch& batch) {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [this] { return !block_rewrite_; });
      ++rewrite_calls_;
      return WriteBatchInternal::ForEach(WriteBatchInternal::Rep(batch),
                                         [&](const BatchOp& op) {
                                           rewritten_[std::string(op.key)] = op;
                                           values_[std::string(op.key)] = std::string(op.value);
                                           return Status::OK();
                                         });
    };
    h.flush = [this] {
      ++flushes_;
      log_number_ += 1;  // the flush moves the WAL checkpoint
      return Status::OK();
    };
    h.log_number = [this] { return log_number_.load(); };
    h.last_sequence = [this] { return last_sequence_.load(); };
    h.oldest_snapshot = [this] { return oldest_snapshot_.load(); };
    gc_ = std::make_unique<ValueLogGc>(vlog_.get(), std::move(h));
  }

  // Keys of the first (sealed) segment.
  std::vector<std::string> FirstSegmentKeys() {
    std::vector<std::string> keys;
    for (const auto& [ikey, file] : segment_of_) {
      if (file == first_) keys.push_back(ikey);
    }
    return keys;
  }
  bool FirstSegmentExists() { return fs_->FileExists(vlog_->SegmentPath(first_)); }

  testutil::TempDir dir_;
  std::shared_ptr<FileSystem> fs_ = NewPosixFileSystem();
  std::atomic<uint64_t> next_file_{100};
  std::unique_ptr<ValueLog> vlog_;
  std::unique_ptr<ValueLogGc> gc_;
  uint64_t first_ = 0;
  std::map<std::string, ValuePointer> live_;  // ikey -> its current pointer
  std::map<std::string, uint64_t> segment_of_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool block_rewrite_ = false;  // guarded by mu_
  int rewrite_calls_ = 0;
  std::map<std::string, BatchOp> rewritten_;  // user key -> op (views into values_)
  std::map<std::string, std::string> values_;
  std::atomic<int> flushes_{0};
  std::atomic<uint64_t> log_number_{5};
  std::atomic<uint64_t> last_sequence_{30};
  std::atomic<uint64_t> oldest_snapshot_{UINT64_MAX};
};

TEST_F(ValueLogGcTest, RejectsBadRatiosAndReportsNothingToDo) {
  EXPECT_TRUE(gc_->Run(0).IsInvalidArgument());
  EXPECT_TRUE(gc_->Run(1).IsInvalidArgument());
  EXPECT_TRUE(gc_->Run(0.5).IsNotFound());  // every record is live
  EXPECT_EQ(rewrite_calls_, 0);
  EXPECT_EQ(flushes_.load(), 0);
  EXPECT_EQ(gc_->stats().runs, 1u);  // only the valid call ran
}

TEST_F(ValueLogGcTest, RewritesExactlyTheLiveRecordsThenDeletesTheSegment) {
  const auto keys = FirstSegmentKeys();
  ASSERT_GE(keys.size(), 4u);
  // Half of the first segment's records were overwritten or deleted.
  std::set<std::string> still_live;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i % 2 == 0) {
      live_.erase(keys[i]);
    } else {
      still_live.insert(keys[i]);
    }
  }
  ASSERT_TRUE(gc_->Run(0.4).ok());
  EXPECT_EQ(rewritten_.size(), still_live.size());
  for (const auto& ikey : still_live) {
    ParsedInternalKey p;
    ASSERT_TRUE(ParseInternalKey(ikey, &p));
    auto it = rewritten_.find(std::string(p.user_key));
    ASSERT_NE(it, rewritten_.end()) << p.user_key;
    // A conditional rewrite: applies only if the key still has that sequence.
    EXPECT_EQ(it->second.expected_sequence, p.sequence);
    EXPECT_EQ(it->second.version, kMaxVersion);
    EXPECT_EQ(values_[std::string(p.user_key)].size(), 1000u);
  }
  EXPECT_EQ(flushes_.load(), 1);
  // No reader and the checkpoint moved: the old segment is gone at once.
  EXPECT_FALSE(FirstSegmentExists());
  EXPECT_EQ(gc_->pending_deletes(), 0);
  const auto st = gc_->stats();
  EXPECT_EQ(st.records_rewritten, still_live.size());
  EXPECT_EQ(st.segments_deleted, 1u);
  EXPECT_GT(st.bytes_reclaimed, keys.size() * 1000);
  // The next pass finds nothing above the ratio.
  EXPECT_TRUE(gc_->Run(0.4).IsNotFound());
}

TEST_F(ValueLogGcTest, SegmentBelowTheRatioIsLeftAlone) {
  live_.erase(FirstSegmentKeys()[0]);  // ~1/7 garbage
  EXPECT_TRUE(gc_->Run(0.5).IsNotFound());
  EXPECT_EQ(rewrite_calls_, 0);
  EXPECT_TRUE(FirstSegmentExists());
}

TEST_F(ValueLogGcTest, PinnedIteratorAndSnapshotDelayTheDelete) {
  for (const auto& k : FirstSegmentKeys()) live_.erase(k);
  gc_->Pin(31);  // newer than the rewrite (sequence 30): never delays it
  gc_->Pin(30);  // an iterator that may hold old pointers
  gc_->Pin(30);
  ASSERT_TRUE(gc_->Run(0.5).ok());
  EXPECT_TRUE(FirstSegmentExists());
  EXPECT_EQ(gc_->pending_deletes(), 1);
  gc_->Unpin(30);
  EXPECT_TRUE(FirstSegmentExists());  // the second pin remains
  oldest_snapshot_ = 12;               // and a snapshot older than the rewrite
  gc_->Unpin(30);
  EXPECT_TRUE(FirstSegmentExists());
  oldest_snapshot_ = 31;  // newer than the rewrite: reads the new copies
  gc_->MaybeDeleteSegments();
  EXPECT_FALSE(FirstSegmentExists());
  EXPECT_EQ(gc_->pending_deletes(), 0);
  EXPECT_EQ(gc_->stats().segments_deleted, 1u);
  gc_->Unpin(31);
}

TEST_F(ValueLogGcTest, OnePassAtATime) {
  for (const auto& k : FirstSegmentKeys()) {
    if (k != FirstSegmentKeys()[0]) live_.erase(k);
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    block_rewrite_ = true;
  }
  Status first;
  std::thread t([&] { first = gc_->Run(0.5); });
  while (gc_->stats().runs == 0) std::this_thread::yield();
  EXPECT_TRUE(gc_->Run(0.5).IsBusy());
  {
    std::lock_guard<std::mutex> l(mu_);
    block_rewrite_ = false;
  }
  cv_.notify_all();
  t.join();
  EXPECT_TRUE(first.ok()) << first.ToString();
  EXPECT_EQ(rewrite_calls_, 1);
}

}  // namespace
}  // namespace nokv
