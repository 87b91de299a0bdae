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
// Memory: one node per live key per ring (~48 bytes + 16 per window slot +
// the key). Removed keys' nodes are unlinked at once but freed only when
// their table is dropped by rotation, or with the HotRing.
//
// Cost: with rotation off the ring generation never changes and is reached
// through a plain pointer load. With rotation on, each call also registers in
// a striped reader counter (one atomic increment and decrement on one of 16
// cache lines, picked by key hash) so that Maintain() can free a retired
// generation once no call that might still use it is in flight: rotation
// flips a two-phase epoch and waits for the old phase's readers to drain.
// (std::atomic<std::shared_ptr> exists in libstdc++ 12 but takes a lock bit
// and a shared refcount on every load, and its relaxed unlock is reported
// as a data race by ThreadSanitizer.)
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
  // at most two: two empty the ring). Cheap when nothing is due. Without
  // calls nothing decays or rotates; call it at least as often as the shorter
  // interval for on-time effects. A rotation returns only after every call
  // still using the retired generation (e.g. a TopN walk) has finished.
  void Maintain();

  struct Stats {
    uint64_t nodes = 0;           // live keys, active + warm ring
    uint64_t touches = 0;         // Touch + TouchAndClamp calls
    uint64_t dropped_by_cap = 0;  // accesses whose new key the cap refused
    uint64_t rotations = 0;
    uint64_t decays = 0;   // Maintain() calls that applied decay
    uint64_t clamps = 0;   // TouchAndClamp calls that returned true
    uint64_t removes = 0;  // Remove calls that removed a key
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
  // Keeps the generation it points to alive until destroyed (one call).
  class Pin {
   public:
    Pin(std::atomic<uint64_t>* reader, const Generation* generation)
        : gen(generation), reader_(reader) {}
    ~Pin() {
      if (reader_ != nullptr) reader_->fetch_sub(1, std::memory_order_release);
    }
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;

    const Generation* const gen;

   private:
    std::atomic<uint64_t>* const reader_;  // null when rotation is off
  };
  // Per-stripe counters (stripe = hash & (kStripes − 1)) so concurrent
  // touches of different keys do not share one cache line.
  struct alignas(64) Stripe {
    std::atomic<uint64_t> touches{0};
    std::atomic<uint64_t> dropped{0};
    std::atomic<uint64_t> clamps{0};
  };
  // In-flight calls per epoch parity (rotation only).
  struct alignas(64) Readers {
    std::atomic<uint64_t> in_flight[2] = {0, 0};
  };
  static constexpr size_t kStripes = 16;

  Pin Acquire(uint64_t hash) const;
  int64_t Now() const;
  std::shared_ptr<HotTable> NewTable() const;
  std::vector<std::pair<std::string, uint64_t>> Collect(uint64_t min_count) const;
  Stripe& StripeFor(uint64_t hash) { return stripes_[hash & (kStripes - 1)]; }

  HotRingOptions options_;  // normalized; immutable after construction
  std::function<int64_t()> clock_;
  bool windowed_;
  bool rotating_;
  bool decaying_;

  // The generation readers use. Written only by Maintain() (under
  // maintain_mu_); the object is owned by owner_.
  std::atomic<const Generation*> current_{nullptr};
  mutable Readers readers_[kStripes];
  std::atomic<uint64_t> epoch_{0};  // parity selects Readers::in_flight

  Stripe stripes_[kStripes];
  std::atomic<uint64_t> rotations_{0};
  std::atomic<uint64_t> decays_{0};
  std::atomic<uint64_t> removes_{0};

  std::mutex maintain_mu_;
  std::unique_ptr<const Generation> owner_;  // GUARDED_BY(maintain_mu_); == current_
  int64_t last_decay_ms_;                    // GUARDED_BY(maintain_mu_)
  int64_t last_rotation_ms_;                 // GUARDED_BY(maintain_mu_)
};

}  // namespace nokv
