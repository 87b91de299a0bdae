// Tests for HotRing and HotTable: counting, window, decay, cap/sampling,
// rotation, the write clamp, TopN/KeysAbove order, Remove and concurrency.
#include "hotring/hot_ring.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/random.h"

namespace nokv {
namespace {

using std::chrono::milliseconds;
using Items = std::vector<std::pair<std::string, uint64_t>>;

// A manually advanced clock shared by a test and its ring.
struct FakeClock {
  std::atomic<int64_t> now{0};
  std::function<int64_t()> fn() {
    return [this] { return now.load(); };
  }
};

HotRingOptions NoWindow() {
  HotRingOptions o;
  o.window_slots = 0;
  return o;
}

bool Sampled(std::string_view key, int bits) {
  return ((HotKeyHash(key) >> 32) & ((uint64_t{1} << bits) - 1)) == 0;
}

TEST(HotRingTest, CountsWithoutWindow) {
  HotRing ring(NoWindow());
  EXPECT_EQ(ring.Frequency("a"), 0u);
  EXPECT_EQ(ring.Touch("a"), 1u);
  EXPECT_EQ(ring.Touch("a"), 2u);
  EXPECT_EQ(ring.Touch("b"), 1u);
  EXPECT_EQ(ring.Touch("a"), 3u);
  EXPECT_EQ(ring.Touch(""), 1u);  // the empty key is a key like any other
  EXPECT_EQ(ring.Frequency("a"), 3u);
  EXPECT_EQ(ring.Frequency("b"), 1u);
  EXPECT_EQ(ring.Frequency("c"), 0u);
  auto s = ring.stats();
  EXPECT_EQ(s.nodes, 3u);
  EXPECT_EQ(s.touches, 5u);
  EXPECT_EQ(s.dropped_by_cap, 0u);
}

TEST(HotRingTest, OneBucketKeepsManyKeysApart) {
  HotRingOptions o = NoWindow();
  o.bucket_bits = 0;  // every key in one sorted list
  HotRing ring(o);
  for (int round = 1; round <= 3; ++round) {
    for (int i = 0; i < 200; ++i) ring.Touch("key" + std::to_string(i));
  }
  for (int i = 0; i < 200; ++i) EXPECT_EQ(ring.Frequency("key" + std::to_string(i)), 3u) << i;
  EXPECT_EQ(ring.stats().nodes, 200u);
}

TEST(HotRingTest, WindowExpiresOldSlots) {
  FakeClock clock;
  HotRingOptions o;
  o.window_slots = 4;
  o.slot_duration = milliseconds(100);  // window = 400 ms
  HotRing ring(o, clock.fn());
  for (int i = 0; i < 3; ++i) ring.Touch("k");  // slot 0
  clock.now = 150;                              // slot 1
  EXPECT_EQ(ring.Touch("k"), 4u);
  EXPECT_EQ(ring.Touch("k"), 5u);
  clock.now = 399;  // slot 3: slots 0..3 in the window
  EXPECT_EQ(ring.Frequency("k"), 5u);
  clock.now = 400;  // slot 4: slot 0 falls out
  EXPECT_EQ(ring.Frequency("k"), 2u);
  EXPECT_EQ(ring.Touch("k"), 3u);  // reuses slot 0's cell for slot 4
  clock.now = 899;                 // slot 8: window is slots 5..8, all empty
  EXPECT_EQ(ring.Frequency("k"), 0u);
  EXPECT_TRUE(ring.TopN(10).empty());  // expired keys are not hot
  EXPECT_EQ(ring.stats().nodes, 1u);   // but the node stays
  EXPECT_EQ(ring.Touch("k"), 1u);
}

TEST(HotRingTest, WindowSkipsIdleGapExactly) {
  FakeClock clock;
  clock.now = 10'000;
  HotRingOptions o;
  o.window_slots = 8;
  o.slot_duration = milliseconds(250);
  HotRing ring(o, clock.fn());
  for (int i = 0; i < 10; ++i) ring.Touch("k");
  clock.now = 10'000 + 8 * 250 - 1;  // still the last slot of the window
  EXPECT_EQ(ring.Frequency("k"), 10u);
  clock.now = 10'000 + 8 * 250;
  EXPECT_EQ(ring.Frequency("k"), 0u);
}

TEST(HotRingTest, DecayShiftsOnMaintain) {
  FakeClock clock;
  HotRingOptions o = NoWindow();
  o.decay_interval = milliseconds(1000);
  o.decay_shift = 1;
  HotRing ring(o, clock.fn());
  for (int i = 0; i < 8; ++i) ring.Touch("k");
  for (int i = 0; i < 3; ++i) ring.Touch("j");
  clock.now = 999;
  ring.Maintain();
  EXPECT_EQ(ring.Frequency("k"), 8u);
  EXPECT_EQ(ring.stats().decays, 0u);
  clock.now = 1000;
  ring.Maintain();
  EXPECT_EQ(ring.Frequency("k"), 4u);
  EXPECT_EQ(ring.Frequency("j"), 1u);
  ring.Maintain();  // nothing due
  EXPECT_EQ(ring.Frequency("k"), 4u);
  clock.now = 3500;  // two intervals elapsed: shifts accumulate
  ring.Maintain();
  EXPECT_EQ(ring.Frequency("k"), 1u);
  EXPECT_EQ(ring.Frequency("j"), 0u);
  EXPECT_EQ(ring.stats().decays, 2u);
  clock.now = 4000;  // the schedule stays aligned to whole intervals
  ring.Maintain();
  EXPECT_EQ(ring.Frequency("k"), 0u);
  EXPECT_EQ(ring.stats().decays, 3u);
}

TEST(HotRingTest, DecayIsOffWithAWindow) {
  FakeClock clock;
  HotRingOptions o;
  o.window_slots = 4;
  o.slot_duration = milliseconds(1000);
  o.decay_interval = milliseconds(10);
  HotRing ring(o, clock.fn());
  for (int i = 0; i < 8; ++i) ring.Touch("k");
  clock.now = 100;
  ring.Maintain();
  EXPECT_EQ(ring.Frequency("k"), 8u);
  EXPECT_EQ(ring.stats().decays, 0u);
}

TEST(HotRingTest, CapAdmitsOnlySampledKeys) {
  HotRingOptions o = NoWindow();
  o.bucket_bits = 4;
  o.node_cap = 8;
  o.sample_bits = 2;
  HotRing ring(o);
  for (int i = 0; i < 8; ++i) ring.Touch("base" + std::to_string(i));
  ASSERT_EQ(ring.stats().nodes, 8u);

  size_t admitted = 0;
  size_t refused = 0;
  for (int i = 0; i < 400; ++i) {
    const std::string key = "new" + std::to_string(i);
    const uint64_t c = ring.Touch(key);
    if (Sampled(key, 2)) {
      EXPECT_EQ(c, 1u) << key;
      ++admitted;
    } else {
      EXPECT_EQ(c, 0u) << key;
      EXPECT_EQ(ring.Frequency(key), 0u);
      ++refused;
    }
  }
  // The hash spreads keys: about a quarter pass a 2-bit sample.
  EXPECT_GT(admitted, 50u);
  EXPECT_LT(admitted, 150u);
  auto s = ring.stats();
  EXPECT_EQ(s.nodes, 8u + admitted);
  EXPECT_EQ(s.dropped_by_cap, refused);
  EXPECT_EQ(ring.Touch("base3"), 2u);  // keys already in keep counting
}

TEST(HotRingTest, StrictCapRefusesNewKeys) {
  HotRingOptions o = NoWindow();
  o.node_cap = 5;
  o.sample_bits = -1;
  HotRing ring(o);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ring.Touch("k" + std::to_string(i)), 1u);
  EXPECT_EQ(ring.Touch("extra"), 0u);
  EXPECT_EQ(ring.Frequency("extra"), 0u);
  uint64_t count = 99;
  EXPECT_FALSE(ring.TouchAndClamp("extra", 1, &count));  // refused keys are never limited
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(ring.Touch("k0"), 2u);
  auto s = ring.stats();
  EXPECT_EQ(s.nodes, 5u);
  EXPECT_EQ(s.dropped_by_cap, 2u);
  ring.Remove("k1");  // frees a place under the cap
  EXPECT_EQ(ring.Touch("extra"), 1u);
  EXPECT_EQ(ring.stats().nodes, 5u);
}

TEST(HotRingTest, RotationMovesActiveToWarm) {
  FakeClock clock;
  HotRingOptions o = NoWindow();
  o.rotation_interval = milliseconds(1000);
  HotRing ring(o, clock.fn());
  for (int i = 0; i < 3; ++i) ring.Touch("a");
  clock.now = 999;
  ring.Maintain();
  EXPECT_EQ(ring.stats().rotations, 0u);
  clock.now = 1000;
  ring.Maintain();
  EXPECT_EQ(ring.stats().rotations, 1u);
  EXPECT_EQ(ring.Frequency("a"), 3u);  // from the warm ring
  EXPECT_EQ(ring.Touch("a"), 3u);      // max(active 1, warm 3)
  EXPECT_EQ(ring.Frequency("a"), 3u);
  for (int i = 0; i < 4; ++i) ring.Touch("a");  // active 5
  EXPECT_EQ(ring.Frequency("a"), 5u);
  ring.Touch("b");
  EXPECT_EQ(ring.TopN(10), (Items{{"a", 8}, {"b", 1}}));  // TopN sums the rings
  EXPECT_EQ(ring.KeysAbove(8), (Items{{"a", 8}}));
  EXPECT_EQ(ring.stats().nodes, 3u);  // a (warm), a and b (active)

  clock.now = 2000;  // active {a:5, b:1} becomes warm; old warm {a:3} is dropped
  ring.Maintain();
  EXPECT_EQ(ring.Frequency("a"), 5u);
  EXPECT_EQ(ring.TopN(10), (Items{{"a", 5}, {"b", 1}}));
  EXPECT_EQ(ring.stats().nodes, 2u);

  clock.now = 4000;  // two intervals at once: both rings are fresh
  ring.Maintain();
  EXPECT_EQ(ring.Frequency("a"), 0u);
  EXPECT_TRUE(ring.TopN(10).empty());
  EXPECT_EQ(ring.stats().rotations, 4u);
}

TEST(HotRingTest, ClampAcceptsLimitMinusOnePerWindow) {
  FakeClock clock;
  HotRingOptions o;  // defaults: 8 x 250 ms window
  HotRing ring(o, clock.fn());
  const uint64_t limit = 5;
  uint64_t count = 0;
  for (uint64_t i = 1; i < limit; ++i) {
    EXPECT_FALSE(ring.TouchAndClamp("hot", limit, &count)) << i;
    EXPECT_EQ(count, i);
  }
  EXPECT_TRUE(ring.TouchAndClamp("hot", limit, &count));  // the limit-th: counted and limited
  EXPECT_EQ(count, limit);
  EXPECT_TRUE(ring.TouchAndClamp("hot", limit, &count));  // further: limited, not counted
  EXPECT_EQ(count, limit);
  EXPECT_EQ(ring.Frequency("hot"), limit);
  EXPECT_FALSE(ring.TouchAndClamp("cold", limit, nullptr));  // other keys unaffected
  EXPECT_EQ(ring.stats().clamps, 2u);

  clock.now = 1999;  // same window
  EXPECT_TRUE(ring.TouchAndClamp("hot", limit, &count));
  clock.now = 2000;  // the window has moved past every counted access
  EXPECT_FALSE(ring.TouchAndClamp("hot", limit, &count));
  EXPECT_EQ(count, 1u);
}

TEST(HotRingTest, ClampWithoutWindowAndLimitEdgeCases) {
  HotRing ring(NoWindow());
  uint64_t count = 0;
  EXPECT_FALSE(ring.TouchAndClamp("k", 3, &count));
  EXPECT_FALSE(ring.TouchAndClamp("k", 3, &count));
  EXPECT_TRUE(ring.TouchAndClamp("k", 3, &count));
  EXPECT_TRUE(ring.TouchAndClamp("k", 3, &count));
  EXPECT_EQ(count, 3u);
  EXPECT_TRUE(ring.TouchAndClamp("one", 1, &count));  // limit 1: the first is limited
  EXPECT_EQ(count, 1u);
  EXPECT_TRUE(ring.TouchAndClamp("zero", 0, &count));  // limit 0: always limited, never counted
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(ring.Frequency("zero"), 0u);
}

TEST(HotRingTest, ClampSeesWarmRing) {
  FakeClock clock;
  HotRingOptions o = NoWindow();
  o.rotation_interval = milliseconds(1000);
  HotRing ring(o, clock.fn());
  uint64_t count = 0;
  for (int i = 0; i < 3; ++i) ring.TouchAndClamp("k", 3, &count);
  clock.now = 1000;
  ring.Maintain();
  EXPECT_TRUE(ring.TouchAndClamp("k", 3, &count));  // warm 3 >= limit
  EXPECT_EQ(count, 3u);
  EXPECT_FALSE(ring.TouchAndClamp("k", 4, &count));  // max(active 1, warm 3) < 4
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(ring.Frequency("k"), 3u);
}

TEST(HotRingTest, TopNOrdersByCountThenKey) {
  HotRing ring(NoWindow());
  auto touch = [&](const std::string& k, int n) {
    for (int i = 0; i < n; ++i) ring.Touch(k);
  };
  touch("b", 3);
  touch("a", 3);
  touch("c", 5);
  touch("d", 1);
  EXPECT_EQ(ring.TopN(3), (Items{{"c", 5}, {"a", 3}, {"b", 3}}));
  EXPECT_EQ(ring.TopN(2), (Items{{"c", 5}, {"a", 3}}));
  EXPECT_EQ(ring.TopN(10), (Items{{"c", 5}, {"a", 3}, {"b", 3}, {"d", 1}}));
  EXPECT_TRUE(ring.TopN(0).empty());
  EXPECT_EQ(ring.KeysAbove(3), (Items{{"c", 5}, {"a", 3}, {"b", 3}}));
  EXPECT_TRUE(ring.KeysAbove(6).empty());
  EXPECT_TRUE(ring.KeysAbove(0).empty());
}

TEST(HotRingTest, RemoveForgetsKey) {
  HotRingOptions o = NoWindow();
  o.bucket_bits = 0;  // removals at the head, middle and tail of one list
  HotRing ring(o);
  for (int i = 0; i < 10; ++i) {
    for (int j = 0; j <= i; ++j) ring.Touch("k" + std::to_string(i));
  }
  ring.Remove("k3");
  ring.Remove("k3");       // second time: no-op
  ring.Remove("missing");  // unknown: no-op
  EXPECT_EQ(ring.Frequency("k3"), 0u);
  EXPECT_EQ(ring.stats().nodes, 9u);
  EXPECT_EQ(ring.stats().removes, 1u);
  for (int i = 0; i < 10; ++i) {
    if (i != 3) {
      EXPECT_EQ(ring.Frequency("k" + std::to_string(i)), static_cast<uint64_t>(i + 1));
    }
  }
  // Remove every other key, then check order and re-insertion.
  for (int i = 0; i < 10; i += 2) ring.Remove("k" + std::to_string(i));
  EXPECT_EQ(ring.TopN(3), (Items{{"k9", 10}, {"k7", 8}, {"k5", 6}}));
  EXPECT_EQ(ring.Touch("k3"), 1u);
  EXPECT_EQ(ring.Touch("k0"), 1u);
  EXPECT_EQ(ring.stats().nodes, 6u);
}

TEST(HotRingTest, RemoveClearsBothRings) {
  FakeClock clock;
  HotRingOptions o = NoWindow();
  o.rotation_interval = milliseconds(10);
  HotRing ring(o, clock.fn());
  ring.Touch("k");
  clock.now = 10;
  ring.Maintain();
  ring.Touch("k");
  ring.Remove("k");
  EXPECT_EQ(ring.Frequency("k"), 0u);
  EXPECT_EQ(ring.stats().nodes, 0u);
}

TEST(HotRingTest, HashIsStableAndSpread) {
  EXPECT_EQ(HotKeyHash("abc"), HotKeyHash(std::string("abc")));
  EXPECT_NE(HotKeyHash("abc"), HotKeyHash("abd"));
  EXPECT_NE(HotKeyHash(""), HotKeyHash(std::string(1, '\0')));
  EXPECT_NE(HotKeyHash("12345678"), HotKeyHash("123456789"));
  std::set<uint64_t> buckets;
  for (int i = 0; i < 1000; ++i) buckets.insert(HotKeyHash("user" + std::to_string(i)) & 63);
  EXPECT_EQ(buckets.size(), 64u);
}

TEST(HotRingTest, ConcurrentTouchesAreExact) {
  HotRingOptions o = NoWindow();
  o.bucket_bits = 2;  // long lists: many racing inserts into the same bucket
  HotRing ring(o);
  constexpr int kThreads = 4;
  constexpr int kKeys = 64;
  constexpr int kRounds = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ring, t] {
      for (int r = 0; r < kRounds; ++r) {
        for (int k = 0; k < kKeys; ++k) {
          // Each thread walks the keys from a different start.
          ring.Touch("key" + std::to_string((k + t * 17) % kKeys));
        }
      }
    });
  }
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      auto top = ring.TopN(5);
      for (size_t i = 1; i < top.size(); ++i) ASSERT_GE(top[i - 1].second, top[i].second);
      (void)ring.Frequency("key0");
    }
  });
  for (auto& th : threads) th.join();
  stop = true;
  reader.join();
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(ring.Frequency("key" + std::to_string(k)), uint64_t{kThreads * kRounds}) << k;
  }
  auto s = ring.stats();
  EXPECT_EQ(s.nodes, uint64_t{kKeys});
  EXPECT_EQ(s.touches, uint64_t{kThreads} * kRounds * kKeys);
}

TEST(HotRingTest, ConcurrentClampAdmitsExactlyLimitMinusOne) {
  for (int windowed = 0; windowed < 2; ++windowed) {
    HotRingOptions o;
    o.window_slots = windowed ? 8 : 0;
    o.slot_duration = milliseconds(60'000);  // the window cannot move during the test
    HotRing ring(o);
    constexpr uint64_t kLimit = 1000;
    std::atomic<uint64_t> accepted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 600; ++i) {
          if (!ring.TouchAndClamp("hot", kLimit, nullptr)) accepted.fetch_add(1);
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(accepted.load(), kLimit - 1) << "windowed=" << windowed;
    EXPECT_EQ(ring.Frequency("hot"), kLimit);
  }
}

TEST(HotRingTest, ConcurrentInsertRemoveRotateStaysConsistent) {
  FakeClock clock;
  HotRingOptions o;
  o.bucket_bits = 1;
  o.window_slots = 4;
  o.slot_duration = milliseconds(1'000'000);
  o.rotation_interval = milliseconds(5);
  HotRing ring(o, clock.fn());
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      Random rnd(1234 + t);
      for (int i = 0; i < 20000; ++i) {
        const std::string key = "k" + std::to_string(rnd.Uniform(50));
        switch (rnd.Uniform(4)) {
          case 0:
            ring.Remove(key);
            break;
          case 1:
            ring.TouchAndClamp(key, 100, nullptr);
            break;
          default:
            ring.Touch(key);
            break;
        }
      }
    });
  }
  std::thread maintainer([&] {
    while (!stop.load()) {
      clock.now.fetch_add(1);
      ring.Maintain();
      (void)ring.TopN(3);
      std::this_thread::yield();
    }
  });
  for (auto& th : threads) th.join();
  stop = true;
  maintainer.join();
  // Quiescent: every listed key is counted, and nodes matches the walk.
  auto all = ring.TopN(1000);
  std::set<std::string> keys;
  for (auto& [k, c] : all) {
    EXPECT_GT(c, 0u);
    keys.insert(k);
  }
  EXPECT_EQ(keys.size(), all.size());
  EXPECT_LE(ring.stats().nodes, 100u);  // at most 50 keys per ring
}

}  // namespace
}  // namespace nokv
