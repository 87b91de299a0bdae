// HotRing: hot-key tracking for reads and writes (engine brief §8.2–§8.3).
// Counts accesses per key in lock-free hashed lists (hot_table.h) with a
// sliding window or periodic decay for recency, a node cap with sampled
// admission for bounded memory, and optional dual-ring rotation. Feeds
// prefetch, compaction hot-overlap bias, hot batching, vlog hot routing and
// the write throttle (TouchAndClamp).
//
// Time: the ring never starts a thread. Windowed counts read the injected
// clock on each call; decay and rotation happen only inside Maintain(), which
// the owner calls periodically (e.g. from its stats/compaction tick).
//
// Thread safety: all methods may be called concurrently from any number of
// threads. Counting is exact: no touch is lost to a race (except one racing
// a Remove of the same key, which is ordered before the Remove).
//
// Cost: with rotation off the ring generation is fixed and reached through a
// plain pointer. With rotation on, every call takes a reference to the
// current generation through std::atomic<std::shared_ptr> (libstdc++ 12: a
// lock bit plus a refcount increment/decrement on one shared cache line), so
// a retired warm table is freed only when the last in-flight call drops it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hotring/hot_table.h"

namespace nokv {

struct HotRingOptions {
  // 2^bucket_bits buckets per ring (clamped to 0..24).
  int bucket_bits = 12;
  // Sliding window = window_slots × slot_duration; 0 slots = no window (then
  // counts only shrink through decay). A window disables decay.
  int window_slots = 8;
  std::chrono::milliseconds slot_duration{250};
  // Without a window: every decay_interval (0 = never), Maintain() applies
  // count >>= decay_shift to every key (shift clamped to 1..63).
  std::chrono::milliseconds decay_interval{0};
  int decay_shift = 1;
  // Live keys per ring before admission becomes selective. Past the cap a new
  // key is admitted only if (HotKeyHash(key) >> 32) & (2^sample_bits − 1) == 0
  // (sample_bits clamped to ≤ 32; 0 admits everything); -1 (any negative) =
  // strict, no new keys past the cap. A refused key is simply not counted.
  size_t node_cap = 250000;
  int sample_bits = 4;
  // Dual ring: every rotation_interval (0 = off), Maintain() makes the active
  // ring "warm" and starts a fresh active ring; the previous warm ring is
  // dropped.
  std::chrono::milliseconds rotation_interval{0};
};

class HotRing {
 public:
  // clock_ms returns milliseconds on any monotonic scale (tests inject a
  // fake); nullptr = std::chrono::steady_clock. Out-of-range options are
  // clamped (see HotRingOptions); options() returns the values in force.
  explicit HotRing(HotRingOptions options, std::function<int64_t()> clock_ms = nullptr);
  ~HotRing();
  HotRing(const HotRing&) = delete;
  HotRing& operator=(const HotRing&) = delete;

  // Counts one access to key and returns its frequency afterwards (as
  // Frequency() would). Returns the unchanged frequency (0 for a new key) if
  // the cap refused the key.
  uint64_t Touch(std::string_view key);

  // The key's count in the window (or its decayed total without a window);
  // with rotation, max(active, warm). 0 for unknown keys. Does not count.
  uint64_t Frequency(std::string_view key) const;

  // Write throttle. With current = Frequency(key): if current >= limit the
  // access is limited and not counted; otherwise it is counted and limited
  // if the new count >= limit. So within one window a key gets limit − 1
  // unlimited accesses and the limit-th and later ones are limited. The
  // check-and-count is atomic per key. Sets *count (may be null) to the
  // frequency after the call. A key refused by the cap is never limited
  // (unless its warm count already reaches the limit).
  bool TouchAndClamp(std::string_view key, uint64_t limit, uint64_t* count);

  // Up to n keys with count > 0, by count descending then key ascending;
  // with rotation a key's count is active + warm. n == 0 → empty.
  std::vector<std::pair<std::string, uint64_t>> TopN(size_t n) const;

  // All keys whose (active + warm) count is >= threshold, same order as
  // TopN. threshold == 0 → empty (as upstream).
  std::vector<std::pair<std::string, uint64_t>> KeysAbove(uint64_t threshold) const;

  // Forgets key in both rings. No-op for unknown keys.
  void Remove(std::string_view key);

  // Applies due decay (every whole elapsed decay_interval since the last one,
  // shifts accumulate) and due rotation (one per elapsed rotation_interval,
  // at most two: two empty the ring). Cheap when nothing is due. Call it at
  // least as often as the shorter of the two intervals for on-time effects.
  void Maintain();

  struct Stats {
    uint64_t nodes = 0;           // live keys, active + warm ring
    uint64_t touches = 0;         // Touch + TouchAndClamp calls
    uint64_t dropped_by_cap = 0;  // accesses whose new key the cap refused
    uint64_t rotations = 0;
    uint64_t decays = 0;          // Maintain() calls that applied decay
    uint64_t clamps = 0;          // TouchAndClamp calls that returned true
    uint64_t removes = 0;         // Remove calls that removed a key
  };
  Stats stats() const;

  const HotRingOptions& options() const { return options_; }
  size_t buckets() const { return size_t{1} << options_.bucket_bits; }

 private:
  // One immutable pair of tables; replaced as a whole on rotation.
  struct Generation {
    std::shared_ptr<HotTable> active;
    std::shared_ptr<HotTable> warm;  // null until the first rotation
  };
  // A generation pinned for the duration of one call.
  struct Pin {
    std::shared_ptr<const Generation> hold;  // empty when rotation is off
    const Generation* gen;
  };
  // Per-stripe counters (stripe = hash & (kStripes − 1)) so concurrent
  // touches of different keys do not share one cache line.
  struct alignas(64) Stripe {
    std::atomic<uint64_t> touches{0};
    std::atomic<uint64_t> dropped{0};
    std::atomic<uint64_t> clamps{0};
  };
  static constexpr size_t kStripes = 16;

  Pin Acquire() const;
  int64_t Now() const;
  std::shared_ptr<HotTable> NewTable() const;
  std::vector<std::pair<std::string, uint64_t>> Collect(uint64_t min_count) const;
  Stripe& StripeFor(uint64_t hash) { return stripes_[hash & (kStripes - 1)]; }

  HotRingOptions options_;  // normalized; immutable after construction
  std::function<int64_t()> clock_;
  bool windowed_;
  bool rotating_;
  bool decaying_;

  std::shared_ptr<const Generation> fixed_;              // set iff !rotating_
  std::atomic<std::shared_ptr<const Generation>> current_;  // used iff rotating_

  Stripe stripes_[kStripes];
  std::atomic<uint64_t> rotations_{0};
  std::atomic<uint64_t> decays_{0};
  std::atomic<uint64_t> removes_{0};

  std::mutex maintain_mu_;
  int64_t last_decay_ms_;     // GUARDED_BY(maintain_mu_)
  int64_t last_rotation_ms_;  // GUARDED_BY(maintain_mu_)
};

}  // namespace nokv
