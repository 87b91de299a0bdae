// Art: an adaptive radix tree (Leis et al., "The Adaptive Radix Tree", ICDE
// 2013) mapping byte-string keys to opaque pointers, allocated in an Arena.
// It is the ordered index of the kArt memtable engine, which stores route
// keys (memtable/route_key.h) in it.
//
// Shape. Inner nodes come in four sizes - Node4, Node16 (unsorted byte/child
// arrays), Node48 (a 256-entry byte -> slot index plus 48 child slots) and
// Node256 (a direct child array) - and grow one size when full. Each inner
// node carries a compressed path (its `prefix`: the bytes every key below it
// shares after the parent's branch byte), of any length; prefixes point into
// the arena copy of some leaf's key, so splitting a path copies no bytes.
// Leaves hold the full key and the value. Keys must be prefix-free (no key a
// proper prefix of another), so every key ends in a leaf and inner nodes
// never hold values; route keys are prefix-free by construction.
//
// Concurrency: one writer at a time (Insert) and any number of lock-free
// readers (Find, Iterator), the same contract as SkipList.
//  (1) Nothing is freed before the tree: nodes replaced by the writer stay in
//      the arena, so a reader holding a stale pointer reads a valid, complete
//      (if older) subtree.
//  (2) A node's type, prefix and, for Node4/16, its key bytes never change
//      once published. New or changed nodes - a grown node, a node with a
//      shorter prefix after a path split, a new Node4 over two leaves - are
//      built completely, then published with one release store into the
//      parent's child slot (or the root); readers load child slots with
//      acquire.
//  (3) Adding a child in place is ordered so that a reader sees either the
//      old or the new child set: Node4/16 write key and slot, then publish
//      with a release store of `count`; Node48 writes the slot, then the
//      index byte (release); Node256 stores the slot (release).
//  (4) Every replacement holds a superset of the keys it replaces.
// A reader therefore sees every key inserted before it started, and maybe
// some inserted concurrently, always in order.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "memtable/arena.h"

namespace nokv {

// Node layouts live in art.cc; readers of this header need only the names.
namespace art_internal {
struct Node;
struct Leaf;
}  // namespace art_internal

class Art {
 private:
  using Node = art_internal::Node;
  using Leaf = art_internal::Leaf;
  // A tagged child pointer: 0 = none, low bit set = Leaf*, else Node*.
  using Ref = uintptr_t;

 public:
  // Nodes and leaves are allocated in *arena, which must outlive the tree.
  explicit Art(Arena* arena);
  Art(const Art&) = delete;
  Art& operator=(const Art&) = delete;

  // Maps key to value (copying the key into the arena). If key is present its
  // value is replaced. REQUIRES: key is not a proper prefix of a stored key
  // nor has one as a proper prefix; no other Insert runs concurrently.
  void Insert(std::string_view key, const char* value);

  // The value stored under key, or nullptr.
  const char* Find(std::string_view key) const;

  // Node counts and depth, from a full walk: for tests and diagnostics.
  struct Stats {
    size_t leaves = 0;
    size_t node4 = 0;
    size_t node16 = 0;
    size_t node48 = 0;
    size_t node256 = 0;
    size_t max_depth = 0;  // inner nodes on the longest root-to-leaf path
  };
  Stats ComputeStats() const;

  // An ordered cursor. It sees every key inserted before it was positioned,
  // and may or may not see keys inserted concurrently.
  class Iterator {
   public:
    // The tree must outlive the iterator. The iterator starts invalid.
    explicit Iterator(const Art* tree) : tree_(tree) {}

    bool Valid() const { return leaf_ != nullptr; }
    // REQUIRES: Valid(). Both point into the arena.
    std::string_view key() const;
    const char* value() const;

    void SeekToFirst();
    void SeekToLast();
    // Positions at the first key >= target.
    void Seek(std::string_view target) { SeekImpl(target, true); }
    // Positions at the last key <= target.
    void SeekForPrev(std::string_view target) { SeekImpl(target, false); }
    void Next();  // REQUIRES: Valid()
    void Prev();  // REQUIRES: Valid()

   private:
    // An inner node on the path to leaf_ and the byte of the child taken.
    struct Frame {
      const Node* node;
      int byte;
    };

    void SeekImpl(std::string_view target, bool forward);
    // Descends from r to its first (forward) or last leaf, pushing frames.
    void DescendToEdge(Ref r, bool forward);
    // Moves to the next (forward) or previous leaf using the frame stack.
    void Step(bool forward);

    void Push(Frame f) {
      if (depth_ < kInlineFrames) {
        inline_frames_[depth_] = f;
      } else {
        overflow_.push_back(f);
      }
      ++depth_;
    }
    Frame& Top() {
      return depth_ <= kInlineFrames ? inline_frames_[depth_ - 1] : overflow_.back();
    }
    void Pop() {
      if (depth_ > kInlineFrames) overflow_.pop_back();
      --depth_;
    }
    void Clear() {
      depth_ = 0;
      overflow_.clear();
      leaf_ = nullptr;
    }

    // Deep enough for most trees without touching the heap (Get builds one
    // of these per lookup).
    static constexpr size_t kInlineFrames = 24;

    const Art* tree_;
    const Leaf* leaf_ = nullptr;  // the current position; nullptr = invalid
    size_t depth_ = 0;            // frames on the stack
    Frame inline_frames_[kInlineFrames];
    std::vector<Frame> overflow_;  // frames beyond kInlineFrames
  };

 private:
  static bool IsLeaf(Ref r) { return (r & 1) != 0; }
  static const Leaf* AsLeaf(Ref r) { return reinterpret_cast<const Leaf*>(r & ~Ref{1}); }
  static Node* AsNode(Ref r) { return reinterpret_cast<Node*>(r); }
  static Ref LeafRef(const Leaf* l) { return reinterpret_cast<Ref>(l) | 1; }
  static Ref NodeRef(const Node* n) { return reinterpret_cast<Ref>(n); }

  Leaf* NewLeaf(std::string_view key, const char* value);
  Node* NewNode(int type, const uint8_t* prefix, uint32_t prefix_len);
  // A copy of n with another prefix (same type and children), unpublished.
  Node* CopyWithPrefix(const Node* n, const uint8_t* prefix, uint32_t prefix_len);
  // A copy of full node n one size up (same prefix and children), unpublished.
  Node* Grow(const Node* n);

  // Reader-side child access (acquire loads). Return 0 when there is none.
  static Ref FindChild(const Node* n, uint8_t byte);
  // The child with the smallest byte > after (forward) or the largest byte
  // < after (backward); `after` may be -1 or 256. Returns false if none.
  static bool NeighborChild(const Node* n, int after, bool forward, int* byte, Ref* child);
  // Writer-side: the slot holding the child for byte, or nullptr.
  static std::atomic<Ref>* ChildSlot(Node* n, uint8_t byte);
  // Adds a child for a byte not yet present; false if the node is full.
  static bool AddChild(Node* n, uint8_t byte, Ref child);

  void CollectStats(Ref r, size_t depth, Stats* stats) const;

  Arena* const arena_;
  std::atomic<Ref> root_{0};  // written by the writer (release), read with acquire
};

}  // namespace nokv
