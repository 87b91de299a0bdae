// HotTable: one generation of HotRing's access counters. 2^bucket_bits
// buckets, each a lock-free singly linked list of key nodes sorted by
// (hash, key); every node carries a total counter and, with a sliding window,
// a small ring of per-slot counts. HotRing (hot_ring.h) adds rotation, decay,
// statistics and the public API on top; other code should use that.
//
// Concurrency: every method may be called from any number of threads at once.
//  - Lists follow Harris/Michael: an insert CASes its predecessor's link (or
//    the bucket head); Remove first sets the low "removed" bit of the victim's
//    own next link, then unlinks it; any mutating traversal that meets a
//    marked node helps unlink it. Marked nodes are never unmarked and node
//    addresses are never reused while the table lives, so there is no ABA.
//  - Unlinked nodes are not freed at once (a reader may still stand on one):
//    they are parked on a retired list, freed with the table. HotRing drops
//    whole tables on rotation, which bounds that memory.
//  - Counters: without a window, `total` is a plain atomic; with a window the
//    per-slot ring is guarded by a per-node spin lock held for a few loads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace nokv {

// The 64-bit key hash used by HotRing (wyhash-style multiply-mix). The low
// bucket_bits pick the bucket, the upper 32 bits drive cap sampling. Stable
// within a process only; never persist it.
uint64_t HotKeyHash(std::string_view key);

struct HotTableOptions {
  int bucket_bits = 12;      // 0..24
  int window_slots = 0;      // 0 = no window: counts live in `total`
  int64_t slot_ms = 250;     // slot length when window_slots > 0 (>= 1)
  size_t node_cap = 250000;  // live nodes before admission gets selective
  int sample_bits = 4;       // past the cap admit if (hash>>32) & mask == 0; < 0 = strict
};

class HotTable {
 public:
  struct Node;  // opaque; valid as long as the table lives

  explicit HotTable(const HotTableOptions& options);
  ~HotTable();
  HotTable(const HotTable&) = delete;
  HotTable& operator=(const HotTable&) = delete;

  // Returns the live node for key (hash = HotKeyHash(key)), or nullptr.
  // Read-only: does not help unlink removed nodes.
  Node* Find(uint64_t hash, std::string_view key) const;

  // Returns the live node for key, inserting a zero-count node if there is
  // none. Returns nullptr if the key is absent and the cap refuses it: at or
  // past node_cap a key is admitted only when sampling allows (the cap check
  // is not atomic with the insert, so concurrent inserters may overshoot it
  // by at most their number).
  Node* FindOrInsert(uint64_t hash, std::string_view key);

  // Removes key's node. Returns false if there was none.
  bool Remove(uint64_t hash, std::string_view key);

  // Counts one access at `now_ms` (ignored without a window) and returns the
  // node's count afterwards (windowed sum with a window, total otherwise).
  uint64_t Add(Node* node, int64_t now_ms);

  // Counts one access only if the current count is below `limit`; the check
  // and the increment are atomic per node. Sets *count to the count after
  // the call and returns true if the access was counted.
  bool AddBelow(Node* node, int64_t now_ms, uint64_t limit, uint64_t* count);

  // The node's current count (windowed sum at now_ms with a window).
  uint64_t Count(const Node* node, int64_t now_ms) const;

  // Count of key, 0 if absent.
  uint64_t CountOf(uint64_t hash, std::string_view key, int64_t now_ms) const;

  // total >>= shift for every live node (shift >= 64 clears). Only meaningful
  // without a window; concurrent Adds are never lost (CAS loop).
  void Decay(int shift);

  // Calls fn(key, count) for every live node with its count at now_ms. The
  // walk is not a snapshot: concurrent inserts/removes may or may not be seen.
  void ForEach(int64_t now_ms, const std::function<void(std::string_view, uint64_t)>& fn) const;

  // Live (inserted and not removed) nodes.
  size_t nodes() const { return static_cast<size_t>(nodes_.load(std::memory_order_relaxed)); }
  size_t buckets() const { return size_t{1} << options_.bucket_bits; }

 private:
  using Link = std::atomic<uintptr_t>;  // Node* with the low bit = "removed"

  // Positions *prev at the link that points to the first live node with
  // (hash, key) >= the target and *curr at that node (or nullptr); unlinks
  // marked nodes on the way. Returns true if *curr holds exactly the key.
  bool Search(uint64_t hash, std::string_view key, Link** prev, Node** curr);
  bool Admit(uint64_t hash) const;
  Node* NewNode(uint64_t hash, std::string_view key) const;
  void FreeNode(Node* node) const;
  void Retire(Node* node);
  uint64_t WindowSumLocked(const Node* node, int64_t slot) const;
  Link& Bucket(uint64_t hash) const { return buckets_[hash & mask_]; }

  const HotTableOptions options_;
  const uint64_t mask_;
  std::unique_ptr<Link[]> buckets_;
  std::atomic<int64_t> nodes_{0};

  std::mutex retired_mu_;
  std::vector<Node*> retired_;  // GUARDED_BY(retired_mu_); freed in ~HotTable
};

}  // namespace nokv
