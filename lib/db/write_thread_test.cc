// Tests of WriteThread on its own (no DB): who leads, which queued writers a
// leader takes into its group (count and byte limits, writers that must lead
// their own group), the hand-off of the result, the coalescing wait, and
// Close.
#include "db/write_thread.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "db/write_batch_internal.h"

namespace nokv {
namespace {

using Clock = std::chrono::steady_clock;

WriteBatch Batch(int puts, size_t value_size = 1) {
  WriteBatch b;
  for (int i = 0; i < puts; ++i) b.Put("k" + std::to_string(i), std::string(value_size, 'v'));
  return b;
}

// Followers run on threads; each records whether it led and its status.
struct Follower {
  WriteThread::Writer w;
  std::thread thread;
  bool led = false;

  void Start(WriteThread* wt) {
    thread = std::thread([this, wt] { led = wt->JoinBatchGroup(&w); });
  }
};

void WaitForQueue(const WriteThread& wt, size_t n) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (wt.QueueLength() < n && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ASSERT_EQ(wt.QueueLength(), n);
}

class WriteThreadTest : public ::testing::Test {
 protected:
  // The leader joins first (and leads at once), then `batches` followers
  // queue behind it in order.
  // exclusive_from: followers from this index on are exclusive.
  void QueueBehindLeader(WriteThread* wt, const std::vector<const WriteBatch*>& batches,
                         size_t exclusive_from = SIZE_MAX) {
    leader_.batch = &leader_batch_;
    ASSERT_TRUE(wt->JoinBatchGroup(&leader_));
    for (const WriteBatch* b : batches) {
      followers_.push_back(std::make_unique<Follower>());
      followers_.back()->w.batch = b;
      followers_.back()->w.exclusive = followers_.size() - 1 >= exclusive_from;
      followers_.back()->Start(wt);
      WaitForQueue(*wt, followers_.size() + 1);  // keep the join order
    }
  }
  // Every follower has been committed or led by the end of each test.
  void TearDown() override { JoinAll(); }
  void JoinAll() {
    for (auto& f : followers_) {
      if (f->thread.joinable()) f->thread.join();
    }
  }

  WriteBatch leader_batch_ = Batch(1);
  WriteThread::Writer leader_;
  std::vector<std::unique_ptr<Follower>> followers_;
};

TEST_F(WriteThreadTest, LoneWriterLeadsAndItsPayloadIsItsBatch) {
  WriteThread wt(WriteThread::Options{});
  WriteBatch b = Batch(3);
  WriteThread::Writer w;
  w.batch = &b;
  w.sync = true;
  ASSERT_TRUE(wt.JoinBatchGroup(&w));
  WriteThread::Group g;
  wt.BuildGroup(&w, &g);
  EXPECT_EQ(g.leader, &w);
  EXPECT_EQ(g.last, &w);
  EXPECT_EQ(g.writers, 1u);
  EXPECT_EQ(g.count, 3u);
  EXPECT_TRUE(g.sync);
  EXPECT_EQ(g.payload.substr(8), WriteBatchInternal::Rep(b));
  wt.ExitGroup(g, Status::OK());
  EXPECT_EQ(wt.QueueLength(), 0u);
}

TEST_F(WriteThreadTest, LeaderCommitsQueuedFollowersAndHandsThemItsStatus) {
  WriteThread wt(WriteThread::Options{});
  std::vector<WriteBatch> batches = {Batch(2), Batch(3), Batch(4)};
  QueueBehindLeader(&wt, {&batches[0], &batches[1], &batches[2]});
  followers_[1]->w.sync = true;
  WriteThread::Group g;
  wt.BuildGroup(&leader_, &g);
  EXPECT_EQ(g.writers, 4u);
  EXPECT_EQ(g.count, 1u + 2 + 3 + 4);
  EXPECT_EQ(g.last, &followers_[2]->w);
  EXPECT_TRUE(g.sync);  // one member asked for it
  // The merged payload decodes to every member's updates, in queue order.
  WriteBatch merged;
  ASSERT_TRUE(WriteBatchInternal::FromRep(std::string_view(g.payload).substr(8), &merged).ok());
  EXPECT_EQ(merged.Count(), 10u);
  wt.ExitGroup(g, Status::IOError("disk full"));
  JoinAll();
  for (auto& f : followers_) {
    EXPECT_FALSE(f->led);
    EXPECT_TRUE(f->w.done);
    EXPECT_TRUE(f->w.status.IsIOError()) << f->w.status.ToString();
  }
  EXPECT_EQ(wt.QueueLength(), 0u);
}

TEST_F(WriteThreadTest, CountLimitEndsTheGroupAndTheNextWriterLeads) {
  WriteThread::Options o;
  o.max_group_count = 5;
  WriteThread wt(o);
  std::vector<WriteBatch> batches = {Batch(2), Batch(3), Batch(1)};
  QueueBehindLeader(&wt, {&batches[0], &batches[1], &batches[2]});
  WriteThread::Group g;
  wt.BuildGroup(&leader_, &g);
  EXPECT_EQ(g.count, 3u);  // 1 + 2; adding 3 more would pass 5
  EXPECT_EQ(g.last, &followers_[0]->w);
  wt.ExitGroup(g, Status::OK());
  followers_[0]->thread.join();
  EXPECT_FALSE(followers_[0]->led);
  // The first writer left behind leads the next group.
  followers_[1]->thread.join();
  ASSERT_TRUE(followers_[1]->led);
  WriteThread::Group next;
  wt.BuildGroup(&followers_[1]->w, &next);
  EXPECT_EQ(next.count, 4u);
  EXPECT_EQ(next.last, &followers_[2]->w);
  wt.ExitGroup(next, Status::OK());
  JoinAll();
  EXPECT_FALSE(followers_[2]->led);
}

TEST_F(WriteThreadTest, ByteLimitEndsTheGroupButABigBatchCommitsAlone) {
  WriteThread::Options o;
  o.max_group_bytes = 4096;
  WriteThread wt(o);
  WriteBatch small = Batch(1, 1300);
  WriteBatch big = Batch(1, 10000);  // alone over the limit
  QueueBehindLeader(&wt, {&small, &small, &small, &small, &big});
  WriteThread::Group g;
  wt.BuildGroup(&leader_, &g);
  EXPECT_LE(g.payload.size(), 4096u);
  EXPECT_EQ(g.writers, 4u);  // leader + 3 followers of ~1.3 KiB
  wt.ExitGroup(g, Status::OK());
  followers_[3]->thread.join();
  ASSERT_TRUE(followers_[3]->led);
  WriteThread::Group g2;
  wt.BuildGroup(&followers_[3]->w, &g2);
  EXPECT_EQ(g2.writers, 1u);  // the big batch does not fit behind it
  wt.ExitGroup(g2, Status::OK());
  followers_[4]->thread.join();
  ASSERT_TRUE(followers_[4]->led);
  WriteThread::Group g3;
  wt.BuildGroup(&followers_[4]->w, &g3);
  EXPECT_EQ(g3.writers, 1u);
  EXPECT_GT(g3.payload.size(), 4096u);
  wt.ExitGroup(g3, Status::OK());
  JoinAll();
}

TEST_F(WriteThreadTest, ExclusiveAndBatchlessWritersFormGroupsOfTheirOwn) {
  WriteThread wt(WriteThread::Options{});
  WriteBatch b = Batch(1);
  QueueBehindLeader(&wt, {&b, nullptr, &b});
  // The second follower has no batch (a memtable rotation or FlushWAL).
  WriteThread::Group g;
  wt.BuildGroup(&leader_, &g);
  EXPECT_EQ(g.writers, 2u);  // stops before the batchless writer
  wt.ExitGroup(g, Status::OK());
  followers_[1]->thread.join();
  ASSERT_TRUE(followers_[1]->led);
  WriteThread::Group alone;
  wt.BuildGroup(&followers_[1]->w, &alone);
  EXPECT_EQ(alone.writers, 1u);
  EXPECT_TRUE(alone.payload.empty());
  wt.ExitGroup(alone, Status::OK());
  followers_[2]->thread.join();
  ASSERT_TRUE(followers_[2]->led);
  WriteThread::Group last;
  wt.BuildGroup(&followers_[2]->w, &last);
  wt.ExitGroup(last, Status::OK());

  // An exclusive leader (a GC rewrite) takes nobody.
  WriteThread wt2(WriteThread::Options{});
  JoinAll();
  leader_.exclusive = true;
  followers_.clear();
  QueueBehindLeader(&wt2, {&b});
  WriteThread::Group ex;
  wt2.BuildGroup(&leader_, &ex);
  EXPECT_EQ(ex.writers, 1u);
  wt2.ExitGroup(ex, Status::OK());
  JoinAll();
  ASSERT_TRUE(followers_[0]->led);
  WriteThread::Group rest;
  wt2.BuildGroup(&followers_[0]->w, &rest);
  wt2.ExitGroup(rest, Status::OK());

  // An exclusive follower is not taken into another writer's group.
  WriteThread wt3(WriteThread::Options{});
  leader_.exclusive = false;
  followers_.clear();
  QueueBehindLeader(&wt3, {&b, &b}, /*exclusive_from=*/1);
  WriteThread::Group g3;
  wt3.BuildGroup(&leader_, &g3);
  EXPECT_EQ(g3.writers, 2u);  // the leader and the plain follower
  wt3.ExitGroup(g3, Status::OK());
  followers_[1]->thread.join();
  ASSERT_TRUE(followers_[1]->led);
  WriteThread::Group alone3;
  wt3.BuildGroup(&followers_[1]->w, &alone3);
  EXPECT_EQ(alone3.writers, 1u);
  wt3.ExitGroup(alone3, Status::OK());
}

TEST_F(WriteThreadTest, CoalescingWaitGathersWritersUntilTheGroupIsFull) {
  WriteThread::Options o;
  o.max_group_count = 4;
  o.coalesce_wait_us = 10'000'000;  // far longer than the test: only a full group ends it
  WriteThread wt(o);
  leader_.batch = &leader_batch_;
  ASSERT_TRUE(wt.JoinBatchGroup(&leader_));
  WriteBatch b = Batch(1);
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int i = 0; i < 3; ++i) {
      followers_.push_back(std::make_unique<Follower>());
    }
    for (auto& f : followers_) {
      f->w.batch = &b;
      f->Start(&wt);
    }
  });
  const auto start = Clock::now();
  WriteThread::Group g;
  wt.BuildGroup(&leader_, &g);  // waits for the three late writers
  late.join();
  EXPECT_EQ(g.writers, 4u);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  wt.ExitGroup(g, Status::OK());
  JoinAll();
}

TEST_F(WriteThreadTest, CoalescingWaitEndsAfterItsTimeout) {
  WriteThread::Options o;
  o.coalesce_wait_us = 30'000;
  WriteThread wt(o);
  leader_.batch = &leader_batch_;
  ASSERT_TRUE(wt.JoinBatchGroup(&leader_));
  const auto start = Clock::now();
  WriteThread::Group g;
  wt.BuildGroup(&leader_, &g);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(25));
  EXPECT_EQ(g.writers, 1u);
  wt.ExitGroup(g, Status::OK());
}

TEST_F(WriteThreadTest, CloseWaitsForTheQueueAndRefusesNewWriters) {
  WriteThread wt(WriteThread::Options{});
  WriteBatch b = Batch(1);
  QueueBehindLeader(&wt, {&b});
  std::atomic<bool> closed{false};
  std::thread closer([&] {
    wt.Close();
    closed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(closed.load());  // the leader and a follower are still queued
  WriteThread::Group g;
  wt.BuildGroup(&leader_, &g);
  wt.ExitGroup(g, Status::OK());
  closer.join();
  EXPECT_TRUE(closed.load());
  JoinAll();
  WriteThread::Writer late;
  late.batch = &b;
  EXPECT_FALSE(wt.JoinBatchGroup(&late));
  EXPECT_TRUE(late.status.IsClosed());
}

// The note stays until a leader clears it after its flush: a FlushWAL that
// checks while another one is still flushing must queue, not return early.
TEST_F(WriteThreadTest, DeferredFlushNoteStaysUntilCleared) {
  WriteThread wt(WriteThread::Options{});
  EXPECT_FALSE(wt.DeferredFlushPending());
  wt.NoteDeferredFlush();
  EXPECT_TRUE(wt.DeferredFlushPending());
  EXPECT_TRUE(wt.DeferredFlushPending()) << "checking must not clear it";
  wt.ClearDeferredFlush();
  EXPECT_FALSE(wt.DeferredFlushPending());
}

}  // namespace
}  // namespace nokv
