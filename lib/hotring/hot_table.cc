// HotTable: lock-free bucket lists and per-node counters (see hot_table.h).
#include "hotring/hot_table.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <new>
#include <thread>

namespace nokv {

namespace {

inline uint64_t Mix(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

constexpr uint64_t kP0 = 0xa0761d6478bd642full;
constexpr uint64_t kP1 = 0xe7037ed1a0b428dbull;
constexpr uint64_t kP2 = 0x8ebc6af09c88c6e3ull;
constexpr uint64_t kP3 = 0x589965cc75374cc3ull;

// One slot of a node's window ring: the absolute slot id (now / slot_ms) and
// the accesses counted in it.
struct Slot {
  int64_t id;
  uint64_t count;
};

constexpr int64_t kNoSlot = INT64_MIN / 2;  // never inside any window

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

constexpr uintptr_t kMarked = 1;
inline bool IsMarked(uintptr_t w) { return (w & kMarked) != 0; }
inline uintptr_t Unmarked(uintptr_t w) { return w & ~kMarked; }

}  // namespace

uint64_t HotKeyHash(std::string_view key) {
  const char* p = key.data();
  size_t n = key.size();
  uint64_t h = kP0 ^ Mix(n ^ kP1, kP2);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = Mix(w ^ kP1, h ^ kP2);
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  if (n > 0) std::memcpy(&tail, p, n);
  h = Mix(tail ^ kP3 ^ (static_cast<uint64_t>(n) << 56), h ^ kP0);
  return Mix(h ^ kP1, kP3);
}

// Memory layout of one allocation: Node, then window_slots Slots, then the
// key bytes. hash and key never change after the node is published.
struct HotTable::Node {
  Node(uint64_t h, uint32_t size) : hash(h), key_size(size) {}

  std::atomic<uintptr_t> next{0};  // successor; low bit set = this node removed
  const uint64_t hash;
  const uint32_t key_size;
  mutable std::atomic<bool> locked{false};  // spin lock guarding slots()
  std::atomic<uint64_t> total{0};           // count when there is no window

  Slot* slots() { return reinterpret_cast<Slot*>(this + 1); }
  const Slot* slots() const { return reinterpret_cast<const Slot*>(this + 1); }
  std::string_view key(int window_slots) const {
    return {reinterpret_cast<const char*>(slots() + window_slots), key_size};
  }
};

static_assert(sizeof(HotTable::Node) % alignof(Slot) == 0, "slots follow the node");

namespace {

class SpinGuard {
 public:
  explicit SpinGuard(std::atomic<bool>& flag) : flag_(flag) {
    int spins = 0;
    while (flag_.exchange(true, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) {
        if (++spins > 64) std::this_thread::yield();
      }
    }
  }
  ~SpinGuard() { flag_.store(false, std::memory_order_release); }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;

 private:
  std::atomic<bool>& flag_;
};

}  // namespace

HotTable::HotTable(const HotTableOptions& options)
    : options_(options),
      mask_((uint64_t{1} << options.bucket_bits) - 1),
      buckets_(new Link[size_t{1} << options.bucket_bits]) {
  for (size_t i = 0; i < buckets(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

HotTable::~HotTable() {
  for (size_t i = 0; i < buckets(); ++i) {
    uintptr_t w = buckets_[i].load(std::memory_order_relaxed);
    while (Node* n = reinterpret_cast<Node*>(Unmarked(w))) {
      w = n->next.load(std::memory_order_relaxed);
      FreeNode(n);
    }
  }
  for (Node* n : retired_) FreeNode(n);
}

HotTable::Node* HotTable::NewNode(uint64_t hash, std::string_view key) const {
  const size_t slots = static_cast<size_t>(options_.window_slots);
  void* mem = ::operator new(sizeof(Node) + slots * sizeof(Slot) + key.size());
  Node* n = new (mem) Node(hash, static_cast<uint32_t>(key.size()));
  for (size_t i = 0; i < slots; ++i) new (n->slots() + i) Slot{kNoSlot, 0};
  if (!key.empty())
    std::memcpy(reinterpret_cast<char*>(n->slots() + slots), key.data(), key.size());
  return n;
}

void HotTable::FreeNode(Node* node) const {
  node->~Node();
  ::operator delete(node);
}

void HotTable::Retire(Node* node) {
  std::lock_guard<std::mutex> lock(retired_mu_);
  retired_.push_back(node);
}

bool HotTable::Admit(uint64_t hash) const {
  if (nodes_.load(std::memory_order_relaxed) < static_cast<int64_t>(options_.node_cap)) return true;
  if (options_.sample_bits < 0) return false;
  const uint64_t mask = (uint64_t{1} << options_.sample_bits) - 1;
  return ((hash >> 32) & mask) == 0;
}

bool HotTable::Search(uint64_t hash, std::string_view key, Link** prev_out, Node** curr_out) {
retry:
  Link* prev = &Bucket(hash);
  uintptr_t curr_word = prev->load(std::memory_order_acquire);
  while (true) {
    Node* curr = reinterpret_cast<Node*>(Unmarked(curr_word));
    if (curr == nullptr) {
      *prev_out = prev;
      *curr_out = nullptr;
      return false;
    }
    const uintptr_t next_word = curr->next.load(std::memory_order_acquire);
    if (IsMarked(next_word)) {
      // Help the remover: unlink curr. Failure means prev changed under us
      // (an insert after prev, or prev itself removed); start over.
      uintptr_t expected = reinterpret_cast<uintptr_t>(curr);
      if (!prev->compare_exchange_strong(expected, Unmarked(next_word), std::memory_order_acq_rel,
                                         std::memory_order_acquire)) {
        goto retry;
      }
      Retire(curr);
      curr_word = Unmarked(next_word);
      continue;
    }
    int cmp = curr->hash < hash ? -1 : (curr->hash > hash ? 1 : 0);
    if (cmp == 0) cmp = curr->key(options_.window_slots).compare(key);
    if (cmp >= 0) {
      *prev_out = prev;
      *curr_out = curr;
      return cmp == 0;
    }
    prev = &curr->next;
    curr_word = next_word;
  }
}

HotTable::Node* HotTable::Find(uint64_t hash, std::string_view key) const {
  uintptr_t w = Bucket(hash).load(std::memory_order_acquire);
  while (Node* n = reinterpret_cast<Node*>(Unmarked(w))) {
    w = n->next.load(std::memory_order_acquire);
    if (IsMarked(w)) continue;  // removed; its successors are still in order
    if (n->hash > hash) return nullptr;
    if (n->hash == hash) {
      const int cmp = n->key(options_.window_slots).compare(key);
      if (cmp == 0) return n;
      if (cmp > 0) return nullptr;
    }
  }
  return nullptr;
}

HotTable::Node* HotTable::FindOrInsert(uint64_t hash, std::string_view key) {
  Node* fresh = nullptr;
  while (true) {
    Link* prev;
    Node* curr;
    if (Search(hash, key, &prev, &curr)) {
      if (fresh != nullptr) FreeNode(fresh);  // never published
      return curr;
    }
    if (fresh == nullptr) {
      if (!Admit(hash)) return nullptr;
      fresh = NewNode(hash, key);
    }
    uintptr_t expected = reinterpret_cast<uintptr_t>(curr);
    fresh->next.store(expected, std::memory_order_relaxed);
    if (prev->compare_exchange_strong(expected, reinterpret_cast<uintptr_t>(fresh),
                                      std::memory_order_acq_rel, std::memory_order_acquire)) {
      nodes_.fetch_add(1, std::memory_order_relaxed);
      return fresh;
    }
  }
}

bool HotTable::Remove(uint64_t hash, std::string_view key) {
  while (true) {
    Link* prev;
    Node* curr;
    if (!Search(hash, key, &prev, &curr)) return false;
    uintptr_t next = curr->next.load(std::memory_order_acquire);
    if (IsMarked(next)) continue;  // another remover won; Search will unlink it
    if (!curr->next.compare_exchange_strong(next, next | kMarked, std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
      continue;  // an insert right after curr, or a concurrent remove
    }
    nodes_.fetch_sub(1, std::memory_order_relaxed);
    uintptr_t expected = reinterpret_cast<uintptr_t>(curr);
    if (prev->compare_exchange_strong(expected, next, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      Retire(curr);
    } else {
      Search(hash, key, &prev, &curr);  // unlinks the marked node on its way
    }
    return true;
  }
}

uint64_t HotTable::WindowSumLocked(const Node* node, int64_t slot) const {
  uint64_t sum = 0;
  const Slot* s = node->slots();
  for (int i = 0; i < options_.window_slots; ++i) {
    if (s[i].id <= slot && s[i].id > slot - options_.window_slots) sum += s[i].count;
  }
  return sum;
}

uint64_t HotTable::Add(Node* node, int64_t now_ms) {
  if (options_.window_slots == 0) return node->total.fetch_add(1, std::memory_order_relaxed) + 1;
  const int64_t slot = FloorDiv(now_ms, options_.slot_ms);
  SpinGuard guard(node->locked);
  Slot& cur = node->slots()[FloorMod(slot, options_.window_slots)];
  if (cur.id != slot) cur = Slot{slot, 0};
  ++cur.count;
  return WindowSumLocked(node, slot);
}

bool HotTable::AddBelow(Node* node, int64_t now_ms, uint64_t limit, uint64_t* count) {
  if (options_.window_slots == 0) {
    uint64_t v = node->total.load(std::memory_order_relaxed);
    do {
      if (v >= limit) {
        *count = v;
        return false;
      }
    } while (!node->total.compare_exchange_weak(v, v + 1, std::memory_order_relaxed));
    *count = v + 1;
    return true;
  }
  const int64_t slot = FloorDiv(now_ms, options_.slot_ms);
  SpinGuard guard(node->locked);
  const uint64_t current = WindowSumLocked(node, slot);
  if (current >= limit) {
    *count = current;
    return false;
  }
  Slot& cur = node->slots()[FloorMod(slot, options_.window_slots)];
  if (cur.id != slot) cur = Slot{slot, 0};
  ++cur.count;
  *count = current + 1;
  return true;
}

uint64_t HotTable::Count(const Node* node, int64_t now_ms) const {
  if (options_.window_slots == 0) return node->total.load(std::memory_order_relaxed);
  SpinGuard guard(node->locked);
  return WindowSumLocked(node, FloorDiv(now_ms, options_.slot_ms));
}

uint64_t HotTable::CountOf(uint64_t hash, std::string_view key, int64_t now_ms) const {
  const Node* n = Find(hash, key);
  return n == nullptr ? 0 : Count(n, now_ms);
}

void HotTable::Decay(int shift) {
  for (size_t i = 0; i < buckets(); ++i) {
    uintptr_t w = buckets_[i].load(std::memory_order_acquire);
    while (Node* n = reinterpret_cast<Node*>(Unmarked(w))) {
      w = n->next.load(std::memory_order_acquire);
      uint64_t v = n->total.load(std::memory_order_relaxed);
      while (v != 0) {
        const uint64_t decayed = shift >= 64 ? 0 : (v >> shift);
        if (n->total.compare_exchange_weak(v, decayed, std::memory_order_relaxed)) break;
      }
    }
  }
}

void HotTable::ForEach(int64_t now_ms,
                       const std::function<void(std::string_view, uint64_t)>& fn) const {
  for (size_t i = 0; i < buckets(); ++i) {
    uintptr_t w = buckets_[i].load(std::memory_order_acquire);
    while (Node* n = reinterpret_cast<Node*>(Unmarked(w))) {
      w = n->next.load(std::memory_order_acquire);
      if (!IsMarked(w)) fn(n->key(options_.window_slots), Count(n, now_ms));
    }
  }
}

}  // namespace nokv
