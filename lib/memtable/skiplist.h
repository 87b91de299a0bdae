// SkipList: the ordered index under the memtable (after LevelDB's skiplist).
//
// Thread safety: writes (Insert) need external synchronization; callers keep
// one writer at a time. Reads (Contains, Iterator) need none and may run
// concurrently with the writer, without locks.
//
// Invariants that make this work:
//  (1) Nodes are allocated in the Arena and never freed until the list is
//      destroyed, so readers never see freed memory.
//  (2) A node's key never changes after it is linked in, and the node is
//      fully initialized before it is published: links are written with
//      release stores and read with acquire loads, so a reader that sees a
//      node also sees its key and its lower links.
//  (3) Nodes are linked bottom-up, so a node reachable at level i is already
//      reachable at every level below i.
//
// Comparator: `int operator()(const Key& a, const Key& b) const` returning
// <0, 0 or >0. Key must be cheap to copy (a pointer or an integer).
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>
#include <new>

#include "base/random.h"
#include "memtable/arena.h"

namespace nokv {

template <typename Key, class Comparator>
class SkipList {
 private:
  struct Node;

 public:
  static constexpr int kMaxHeight = 12;
  static constexpr unsigned kBranching = 4;

  // Nodes are allocated in *arena, which must outlive the list.
  SkipList(Comparator cmp, Arena* arena, uint64_t seed = 0xdeadbeef);
  SkipList(const SkipList&) = delete;
  SkipList& operator=(const SkipList&) = delete;

  // Inserts key. REQUIRES: no key comparing equal to it is in the list, and
  // no other Insert runs concurrently.
  void Insert(const Key& key);

  // Returns true iff a key comparing equal to `key` is in the list.
  bool Contains(const Key& key) const;

  // A cursor over the list. It sees every key inserted before it was
  // positioned, and may or may not see keys inserted concurrently.
  class Iterator {
   public:
    // The list must outlive the iterator. The iterator starts invalid.
    explicit Iterator(const SkipList* list) : list_(list), node_(nullptr) {}

    bool Valid() const { return node_ != nullptr; }
    // REQUIRES: Valid().
    const Key& key() const {
      assert(Valid());
      return node_->key;
    }
    // REQUIRES: Valid().
    void Next() {
      assert(Valid());
      node_ = node_->Next(0);
    }
    // REQUIRES: Valid(). There are no back links; Prev searches from the head.
    void Prev() {
      assert(Valid());
      node_ = list_->FindLessThan(node_->key);
      if (node_ == list_->head_) node_ = nullptr;
    }
    // Positions at the first key >= target.
    void Seek(const Key& target) { node_ = list_->FindGreaterOrEqual(target, nullptr); }
    // Positions at the last key <= target.
    void SeekForPrev(const Key& target) {
      node_ = list_->FindLessOrEqual(target);
      if (node_ == list_->head_) node_ = nullptr;
    }
    void SeekToFirst() { node_ = list_->head_->Next(0); }
    void SeekToLast() {
      node_ = list_->FindLast();
      if (node_ == list_->head_) node_ = nullptr;
    }

   private:
    const SkipList* list_;
    Node* node_;
  };

 private:
  int GetMaxHeight() const { return max_height_.load(std::memory_order_relaxed); }
  int RandomHeight();
  bool Equal(const Key& a, const Key& b) const { return compare_(a, b) == 0; }
  Node* NewNode(const Key& key, int height);

  // The first node with key >= `key`, or nullptr. If prev is non-null, fills
  // prev[level] with the last node < key at each level in [0, max height).
  Node* FindGreaterOrEqual(const Key& key, Node** prev) const;
  // The last node with key < `key`, or head_ if there is none.
  Node* FindLessThan(const Key& key) const;
  // The last node with key <= `key`, or head_ if there is none.
  Node* FindLessOrEqual(const Key& key) const;
  // The last node, or head_ if the list is empty.
  Node* FindLast() const;

  const Comparator compare_;
  Arena* const arena_;
  Node* const head_;
  // Height of the tallest node. Written only by the writer; readers may see a
  // stale value, which is harmless (see Insert).
  std::atomic<int> max_height_;
  Random rnd_;  // writer only
};

// A node: the key, followed in the same arena allocation by `height` forward
// links (constructed in NewNode).
template <typename Key, class Comparator>
struct alignas(std::atomic<void*>) SkipList<Key, Comparator>::Node {
  explicit Node(const Key& k) : key(k) {}

  Key const key;

  Node* Next(int n) { return Link(n)->load(std::memory_order_acquire); }
  void SetNext(int n, Node* x) { Link(n)->store(x, std::memory_order_release); }
  // Only safe where a racing reader would not matter (before publication).
  Node* NoBarrierNext(int n) { return Link(n)->load(std::memory_order_relaxed); }
  void NoBarrierSetNext(int n, Node* x) { Link(n)->store(x, std::memory_order_relaxed); }

  std::atomic<Node*>* Link(int n) {
    assert(n >= 0 && n < kMaxHeight);
    char* p =
        reinterpret_cast<char*>(this + 1) + static_cast<size_t>(n) * sizeof(std::atomic<Node*>);
    return std::launder(reinterpret_cast<std::atomic<Node*>*>(p));
  }
};

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::NewNode(const Key& key,
                                                                             int height) {
  static_assert(sizeof(Node) % alignof(std::atomic<Node*>) == 0);
  static_assert(alignof(Node) <= Arena::kAlignment);
  char* mem = arena_->AllocateAligned(sizeof(Node) +
                                      sizeof(std::atomic<Node*>) * static_cast<size_t>(height));
  Node* node = new (mem) Node(key);
  for (int i = 0; i < height; ++i) {
    new (mem + sizeof(Node) + static_cast<size_t>(i) * sizeof(std::atomic<Node*>))
        std::atomic<Node*>(nullptr);
  }
  return node;
}

template <typename Key, class Comparator>
SkipList<Key, Comparator>::SkipList(Comparator cmp, Arena* arena, uint64_t seed)
    : compare_(cmp),
      arena_(arena),
      head_(NewNode(Key() /* unused */, kMaxHeight)),
      max_height_(1),
      rnd_(seed) {}

template <typename Key, class Comparator>
int SkipList<Key, Comparator>::RandomHeight() {
  // Each level up is taken with probability 1/kBranching.
  int height = 1;
  while (height < kMaxHeight && rnd_.OneIn(kBranching)) ++height;
  return height;
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindGreaterOrEqual(
    const Key& key, Node** prev) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next != nullptr && compare_(next->key, key) < 0) {
      x = next;  // keep searching in this list
    } else {
      if (prev != nullptr) prev[level] = x;
      if (level == 0) return next;
      --level;
    }
  }
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLessThan(
    const Key& key) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next != nullptr && compare_(next->key, key) < 0) {
      x = next;
    } else {
      if (level == 0) return x;
      --level;
    }
  }
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLessOrEqual(
    const Key& key) const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next != nullptr && compare_(next->key, key) <= 0) {
      x = next;
    } else {
      if (level == 0) return x;
      --level;
    }
  }
}

template <typename Key, class Comparator>
typename SkipList<Key, Comparator>::Node* SkipList<Key, Comparator>::FindLast() const {
  Node* x = head_;
  int level = GetMaxHeight() - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next != nullptr) {
      x = next;
    } else {
      if (level == 0) return x;
      --level;
    }
  }
}

template <typename Key, class Comparator>
void SkipList<Key, Comparator>::Insert(const Key& key) {
  Node* prev[kMaxHeight];
  Node* x = FindGreaterOrEqual(key, prev);
  assert(x == nullptr || !Equal(key, x->key));  // duplicates are not allowed
  (void)x;

  const int height = RandomHeight();
  if (height > GetMaxHeight()) {
    for (int i = GetMaxHeight(); i < height; ++i) prev[i] = head_;
    // A reader that sees the new height before the node is linked finds
    // nullptr links from head_ at the new levels and simply drops down.
    max_height_.store(height, std::memory_order_relaxed);
  }

  x = NewNode(key, height);
  for (int i = 0; i < height; ++i) {
    // The node's own links need no barrier: SetNext on prev publishes it.
    x->NoBarrierSetNext(i, prev[i]->NoBarrierNext(i));
    prev[i]->SetNext(i, x);
  }
}

template <typename Key, class Comparator>
bool SkipList<Key, Comparator>::Contains(const Key& key) const {
  Node* x = FindGreaterOrEqual(key, nullptr);
  return x != nullptr && Equal(key, x->key);
}

}  // namespace nokv
