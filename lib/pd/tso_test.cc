// TsoAllocator: strictly increasing, contiguous batches, bound persistence,
// restart above the saved bound, logical overflow.
#include "pd/tso.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace nokv::pd {
namespace {

struct FakeTso {
  uint64_t now = 1'000'000;
  std::vector<uint64_t> saved;
  bool fail_save = false;

  TsoOptions Options() {
    TsoOptions o;
    o.clock_ms = [this] { return now; };
    o.wait_for_next_ms = [this] { ++now; };
    o.save_bound = [this](uint64_t b) {
      if (fail_save) return Status::IOError("disk full");
      saved.push_back(b);
      return Status::OK();
    };
    o.window_ms = 3000;
    return o;
  }
};

TEST(TsoTest, StrictlyIncreasingAndContiguous) {
  FakeTso f;
  TsoAllocator tso(f.Options(), 0);
  uint64_t last = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint32_t count = 1 + i % 7;
    Result<uint64_t> first = tso.Allocate(count);
    ASSERT_TRUE(first.ok());
    ASSERT_GT(*first, last);
    EXPECT_EQ(PhysicalOf(*first), PhysicalOf(*first + count - 1));  // one ms per batch
    last = *first + count - 1;
    if (i % 100 == 0) ++f.now;
  }
  EXPECT_EQ(tso.last_ts(), last);
}

TEST(TsoTest, SavesBoundAheadBeforeServing) {
  FakeTso f;
  TsoAllocator tso(f.Options(), 0);
  ASSERT_TRUE(tso.Allocate(1).ok());
  ASSERT_EQ(f.saved.size(), 1u);
  EXPECT_EQ(f.saved[0], f.now + 3000);
  // Within half a window: no new save.
  f.now += 1000;
  ASSERT_TRUE(tso.Allocate(1).ok());
  EXPECT_EQ(f.saved.size(), 1u);
  // Past half the window: extended before serving.
  f.now += 600;
  Result<uint64_t> ts = tso.Allocate(1);
  ASSERT_TRUE(ts.ok());
  ASSERT_EQ(f.saved.size(), 2u);
  EXPECT_LT(PhysicalOf(*ts), f.saved.back());
}

TEST(TsoTest, RestartStartsAboveSavedBoundEvenIfClockIsBehind) {
  FakeTso f;
  uint64_t last = 0;
  {
    TsoAllocator tso(f.Options(), 0);
    for (int i = 0; i < 10; ++i) last = tso.Allocate(5).value() + 4;
  }
  const uint64_t bound = f.saved.back();
  f.now -= 10'000;  // the clock went back across the restart
  TsoAllocator again(f.Options(), bound);
  Result<uint64_t> ts = again.Allocate(1);
  ASSERT_TRUE(ts.ok());
  EXPECT_GT(*ts, last);
  EXPECT_GE(PhysicalOf(*ts), bound);
}

TEST(TsoTest, LogicalOverflowWaitsForTheNextMillisecond) {
  FakeTso f;
  TsoAllocator tso(f.Options(), 0);
  const uint64_t start = f.now;
  Result<uint64_t> a = tso.Allocate(kMaxTsoCount);
  ASSERT_TRUE(a.ok());
  Result<uint64_t> b = tso.Allocate(2);
  ASSERT_TRUE(b.ok());
  EXPECT_GT(*b, *a + kMaxTsoCount - 1);
  EXPECT_GT(f.now, start);  // waited
  EXPECT_EQ(LogicalOf(*b), 0u);
}

TEST(TsoTest, BadCountAndSaveFailure) {
  FakeTso f;
  TsoAllocator tso(f.Options(), 0);
  EXPECT_TRUE(tso.Allocate(0).status().IsInvalidArgument());
  EXPECT_TRUE(tso.Allocate(kMaxTsoCount + 1).status().IsInvalidArgument());
  f.fail_save = true;
  Result<uint64_t> r = tso.Allocate(1);
  EXPECT_TRUE(r.status().IsIOError());
  f.fail_save = false;
  EXPECT_TRUE(tso.Allocate(1).ok());
}

TEST(TsoTest, MinTimestampIsRespected) {
  FakeTso f;
  const uint64_t min = ComposeTs(f.now + 50'000, 7);
  TsoAllocator tso(f.Options(), 0, min);
  Result<uint64_t> ts = tso.Allocate(1);
  ASSERT_TRUE(ts.ok());
  EXPECT_GE(*ts, min);
}

TEST(TsoTest, ConcurrentCallersNeverSeeADuplicate) {
  std::atomic<uint64_t> clock{5'000'000};
  TsoOptions o;
  o.clock_ms = [&] { return clock.fetch_add(1) / 64; };
  o.wait_for_next_ms = [] {};
  o.save_bound = [](uint64_t) { return Status::OK(); };
  TsoAllocator tso(o, 0);
  constexpr int kThreads = 8, kPerThread = 5000;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      uint64_t last = 0;
      for (int i = 0; i < kPerThread; ++i) {
        Result<uint64_t> ts = tso.Allocate(1);
        ASSERT_TRUE(ts.ok());
        ASSERT_GT(*ts, last);  // increasing for every caller
        last = *ts;
        got[t].push_back(*ts);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<uint64_t> all;
  for (auto& v : got) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

}  // namespace
}  // namespace nokv::pd

namespace nokv::pd {
namespace {

TEST(TsoTest, RetiredAllocatorServesNothingEvenInFlight) {
  FakeTso f;
  TsoAllocator* tso_ptr = nullptr;
  TsoOptions o = f.Options();
  o.save_bound = [&](uint64_t) {  // leadership changes while the bound is saved
    tso_ptr->Retire();
    return Status::OK();
  };
  TsoAllocator tso(o, 0);
  tso_ptr = &tso;
  EXPECT_TRUE(tso.Allocate(1).status().IsAborted());
  EXPECT_TRUE(tso.Allocate(1).status().IsAborted());
}

}  // namespace
}  // namespace nokv::pd
