// HotRing: generations, rotation, decay and the public API (see hot_ring.h).
#include "hotring/hot_ring.h"

#include <algorithm>
#include <thread>
#include <unordered_map>

namespace nokv {

namespace {

HotRingOptions Normalize(HotRingOptions o) {
  o.bucket_bits = std::clamp(o.bucket_bits, 0, 24);
  o.window_slots = std::max(o.window_slots, 0);
  if (o.slot_duration.count() < 1) o.slot_duration = std::chrono::milliseconds(1);
  if (o.decay_interval.count() < 0) o.decay_interval = std::chrono::milliseconds(0);
  o.decay_shift = std::clamp(o.decay_shift, 1, 63);
  if (o.sample_bits < 0) o.sample_bits = -1;
  o.sample_bits = std::min(o.sample_bits, 32);
  if (o.rotation_interval.count() < 0) o.rotation_interval = std::chrono::milliseconds(0);
  return o;
}

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool HotterFirst(const std::pair<std::string, uint64_t>& a,
                 const std::pair<std::string, uint64_t>& b) {
  if (a.second != b.second) return a.second > b.second;
  return a.first < b.first;
}

}  // namespace

HotRing::HotRing(HotRingOptions options, std::function<int64_t()> clock_ms)
    : options_(Normalize(options)),
      clock_(clock_ms ? std::move(clock_ms) : std::function<int64_t()>(SteadyNowMs)),
      windowed_(options_.window_slots > 0),
      rotating_(options_.rotation_interval.count() > 0),
      decaying_(!windowed_ && options_.decay_interval.count() > 0) {
  owner_ = std::make_unique<const Generation>(Generation{NewTable(), nullptr});
  current_.store(owner_.get(), std::memory_order_release);
  const int64_t now = clock_();
  last_decay_ms_ = now;
  last_rotation_ms_ = now;
}

HotRing::~HotRing() = default;

std::shared_ptr<HotTable> HotRing::NewTable() const {
  HotTableOptions t;
  t.bucket_bits = options_.bucket_bits;
  t.window_slots = options_.window_slots;
  t.slot_ms = options_.slot_duration.count();
  t.node_cap = options_.node_cap;
  t.sample_bits = options_.sample_bits;
  return std::make_shared<HotTable>(t);
}

// Why a retired generation is never freed under a reader: Maintain() stores
// the new generation, flips epoch_, then waits until every in_flight counter
// of the old parity is zero. All operations are seq_cst, so a reader whose
// increment the drain did not see loads current_ after the store and gets the
// new generation; a reader that registered under the new parity likewise.
HotRing::Pin HotRing::Acquire(uint64_t hash) const {
  if (!rotating_) return Pin(nullptr, current_.load(std::memory_order_acquire));
  const uint64_t parity = epoch_.load(std::memory_order_seq_cst) & 1;
  std::atomic<uint64_t>* reader = &readers_[hash & (kStripes - 1)].in_flight[parity];
  reader->fetch_add(1, std::memory_order_seq_cst);
  return Pin(reader, current_.load(std::memory_order_seq_cst));
}

int64_t HotRing::Now() const { return windowed_ ? clock_() : 0; }

uint64_t HotRing::Touch(std::string_view key) {
  const uint64_t hash = HotKeyHash(key);
  Stripe& stripe = StripeFor(hash);
  stripe.touches.fetch_add(1, std::memory_order_relaxed);
  const Pin pin = Acquire(hash);
  const int64_t now = Now();
  const uint64_t warm = pin.gen->warm ? pin.gen->warm->CountOf(hash, key, now) : 0;
  HotTable::Node* node = pin.gen->active->FindOrInsert(hash, key);
  if (node == nullptr) {
    stripe.dropped.fetch_add(1, std::memory_order_relaxed);
    return warm;
  }
  return std::max(pin.gen->active->Add(node, now), warm);
}

uint64_t HotRing::Frequency(std::string_view key) const {
  const uint64_t hash = HotKeyHash(key);
  const Pin pin = Acquire(hash);
  const int64_t now = Now();
  const uint64_t active = pin.gen->active->CountOf(hash, key, now);
  const uint64_t warm = pin.gen->warm ? pin.gen->warm->CountOf(hash, key, now) : 0;
  return std::max(active, warm);
}

bool HotRing::TouchAndClamp(std::string_view key, uint64_t limit, uint64_t* count) {
  const uint64_t hash = HotKeyHash(key);
  Stripe& stripe = StripeFor(hash);
  stripe.touches.fetch_add(1, std::memory_order_relaxed);
  const Pin pin = Acquire(hash);
  const int64_t now = Now();
  const uint64_t warm = pin.gen->warm ? pin.gen->warm->CountOf(hash, key, now) : 0;
  uint64_t result;
  bool limited;
  if (warm >= limit) {
    result = std::max(warm, pin.gen->active->CountOf(hash, key, now));
    limited = true;
  } else if (HotTable::Node* node = pin.gen->active->FindOrInsert(hash, key); node == nullptr) {
    stripe.dropped.fetch_add(1, std::memory_order_relaxed);
    result = warm;
    limited = false;
  } else {
    uint64_t active;
    const bool counted = pin.gen->active->AddBelow(node, now, limit, &active);
    result = std::max(active, warm);
    limited = !counted || active >= limit;
  }
  if (limited) stripe.clamps.fetch_add(1, std::memory_order_relaxed);
  if (count != nullptr) *count = result;
  return limited;
}

std::vector<std::pair<std::string, uint64_t>> HotRing::Collect(uint64_t min_count) const {
  const Pin pin = Acquire(0);
  const int64_t now = Now();
  std::unordered_map<std::string, uint64_t> sums;
  auto add = [&](std::string_view key, uint64_t c) {
    if (c > 0) sums[std::string(key)] += c;
  };
  pin.gen->active->ForEach(now, add);
  if (pin.gen->warm) pin.gen->warm->ForEach(now, add);
  std::vector<std::pair<std::string, uint64_t>> out;
  out.reserve(sums.size());
  for (auto& [key, c] : sums) {
    if (c >= min_count) out.emplace_back(key, c);
  }
  return out;
}

std::vector<std::pair<std::string, uint64_t>> HotRing::TopN(size_t n) const {
  if (n == 0) return {};
  auto items = Collect(1);
  if (items.size() > n) {
    std::partial_sort(items.begin(), items.begin() + static_cast<ptrdiff_t>(n), items.end(),
                      HotterFirst);
    items.resize(n);
  } else {
    std::sort(items.begin(), items.end(), HotterFirst);
  }
  return items;
}

std::vector<std::pair<std::string, uint64_t>> HotRing::KeysAbove(uint64_t threshold) const {
  if (threshold == 0) return {};
  auto items = Collect(threshold);
  std::sort(items.begin(), items.end(), HotterFirst);
  return items;
}

void HotRing::Remove(std::string_view key) {
  const uint64_t hash = HotKeyHash(key);
  const Pin pin = Acquire(hash);
  bool removed = pin.gen->active->Remove(hash, key);
  if (pin.gen->warm && pin.gen->warm->Remove(hash, key)) removed = true;
  if (removed) removes_.fetch_add(1, std::memory_order_relaxed);
}

void HotRing::Maintain() {
  std::lock_guard<std::mutex> lock(maintain_mu_);
  const int64_t now = clock_();
  if (rotating_) {
    const int64_t interval = options_.rotation_interval.count();
    const int64_t due = (now - last_rotation_ms_) / interval;
    if (due > 0) {
      last_rotation_ms_ += due * interval;
      std::unique_ptr<const Generation> retired = std::move(owner_);
      for (int64_t i = 0; i < std::min<int64_t>(due, 2); ++i) {
        const auto& warm = owner_ ? owner_->active : retired->active;
        owner_ = std::make_unique<const Generation>(Generation{NewTable(), warm});
        rotations_.fetch_add(1, std::memory_order_relaxed);
      }
      current_.store(owner_.get(), std::memory_order_seq_cst);
      const uint64_t old_parity = epoch_.fetch_add(1, std::memory_order_seq_cst) & 1;
      for (const Readers& r : readers_) {
        while (r.in_flight[old_parity].load(std::memory_order_seq_cst) != 0) {
          std::this_thread::yield();
        }
      }
      retired.reset();  // frees the old warm table unless still shared
    }
  }
  if (decaying_) {
    const int64_t interval = options_.decay_interval.count();
    const int64_t due = (now - last_decay_ms_) / interval;
    if (due > 0) {
      last_decay_ms_ += due * interval;
      const int shift = static_cast<int>(std::min<int64_t>(due * options_.decay_shift, 64));
      owner_->active->Decay(shift);  // maintain_mu_ keeps owner_ current
      if (owner_->warm) owner_->warm->Decay(shift);
      decays_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

HotRing::Stats HotRing::stats() const {
  Stats s;
  const Pin pin = Acquire(0);
  s.nodes = pin.gen->active->nodes() + (pin.gen->warm ? pin.gen->warm->nodes() : 0);
  for (const Stripe& stripe : stripes_) {
    s.touches += stripe.touches.load(std::memory_order_relaxed);
    s.dropped_by_cap += stripe.dropped.load(std::memory_order_relaxed);
    s.clamps += stripe.clamps.load(std::memory_order_relaxed);
  }
  s.rotations = rotations_.load(std::memory_order_relaxed);
  s.decays = decays_.load(std::memory_order_relaxed);
  s.removes = removes_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace nokv
