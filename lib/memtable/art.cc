// Adaptive radix tree: node layouts, insertion (single writer) and the
// lock-free ordered iterator. See art.h for the concurrency argument.
#include "memtable/art.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>

namespace nokv {
namespace art_internal {

// The common inner-node header; the node's body follows it in the same
// allocation. `count` is the number of children; for Node4/16 it is also the
// publication point of a new child (release store).
struct Node {
  Node(uint8_t t, const uint8_t* p, uint32_t len) : type(t), prefix_len(len), prefix(p) {}

  const uint8_t type;  // a NodeType
  std::atomic<uint16_t> count{0};
  const uint32_t prefix_len;
  const uint8_t* const prefix;  // prefix_len bytes inside some leaf's key
};

// A leaf: the value, then key_len key bytes in the same allocation.
struct Leaf {
  const char* value;
  uint32_t key_len;
  const uint8_t* key() const { return reinterpret_cast<const uint8_t*>(this + 1); }
  std::string_view key_view() const { return {reinterpret_cast<const char*>(key()), key_len}; }
};

}  // namespace art_internal

using art_internal::Leaf;
using art_internal::Node;

namespace {

enum NodeType : uint8_t { kNode4 = 0, kNode16 = 1, kNode48 = 2, kNode256 = 3 };
constexpr int kCapacity[] = {4, 16, 48, 256};

// Node4 and Node16 bodies: `count` valid entries in keys/children, in
// insertion order (not sorted). A key byte never changes once counted.
template <int N>
struct SmallBody {
  uint8_t keys[N];
  std::atomic<uintptr_t> children[N];
};
using Node4Body = SmallBody<4>;
using Node16Body = SmallBody<16>;

// Node48 body: index[byte] is 0 (no child) or slot + 1. Slots fill in order.
struct Node48Body {
  std::atomic<uint8_t> index[256];
  std::atomic<uintptr_t> children[48];
};

struct Node256Body {
  std::atomic<uintptr_t> children[256];
};

template <typename Body>
constexpr size_t NodeSize() {
  return sizeof(Node) + sizeof(Body);
}

// Node bodies follow the header, so it must keep child slots aligned.
static_assert(sizeof(Node) % alignof(std::atomic<uintptr_t>) == 0);
static_assert(alignof(std::atomic<uintptr_t>) <= Arena::kAlignment);

template <typename Body>
Body* BodyOf(Node* n) {
  return std::launder(reinterpret_cast<Body*>(reinterpret_cast<char*>(n) + sizeof(Node)));
}
template <typename Body>
const Body* BodyOf(const Node* n) {
  return std::launder(
      reinterpret_cast<const Body*>(reinterpret_cast<const char*>(n) + sizeof(Node)));
}

// The key and child arrays of a Node4 or Node16.
uint8_t* SmallKeys(Node* n) {
  return n->type == kNode4 ? BodyOf<Node4Body>(n)->keys : BodyOf<Node16Body>(n)->keys;
}
const uint8_t* SmallKeys(const Node* n) {
  return n->type == kNode4 ? BodyOf<Node4Body>(n)->keys : BodyOf<Node16Body>(n)->keys;
}
std::atomic<uintptr_t>* SmallChildren(Node* n) {
  return n->type == kNode4 ? BodyOf<Node4Body>(n)->children : BodyOf<Node16Body>(n)->children;
}
const std::atomic<uintptr_t>* SmallChildren(const Node* n) {
  return n->type == kNode4 ? BodyOf<Node4Body>(n)->children : BodyOf<Node16Body>(n)->children;
}

int CompareBytes(const uint8_t* a, size_t an, const uint8_t* b, size_t bn) {
  const size_t n = std::min(an, bn);
  const int r = n == 0 ? 0 : std::memcmp(a, b, n);
  if (r != 0) return r;
  return an < bn ? -1 : (an > bn ? 1 : 0);
}

}  // namespace

Art::Art(Arena* arena) : arena_(arena) {}

Leaf* Art::NewLeaf(std::string_view key, const char* value) {
  assert(key.size() <= UINT32_MAX);
  char* mem = arena_->AllocateAligned(sizeof(Leaf) + key.size());
  Leaf* leaf = new (mem) Leaf{value, static_cast<uint32_t>(key.size())};
  if (!key.empty()) std::memcpy(mem + sizeof(Leaf), key.data(), key.size());
  return leaf;
}

Node* Art::NewNode(int type, const uint8_t* prefix, uint32_t prefix_len) {
  static constexpr size_t kSizes[] = {NodeSize<Node4Body>(), NodeSize<Node16Body>(),
                                      NodeSize<Node48Body>(), NodeSize<Node256Body>()};
  char* mem = arena_->AllocateAligned(kSizes[type]);
  Node* n = new (mem) Node(static_cast<uint8_t>(type), prefix, prefix_len);
  char* body = mem + sizeof(Node);
  // Value-initialization zeroes every key byte, index entry and child slot.
  switch (type) {
    case kNode4:
      new (body) Node4Body();
      break;
    case kNode16:
      new (body) Node16Body();
      break;
    case kNode48:
      new (body) Node48Body();
      break;
    default:
      new (body) Node256Body();
      break;
  }
  return n;
}

Art::Ref Art::FindChild(const Node* n, uint8_t byte) {
  switch (n->type) {
    case kNode4:
    case kNode16: {
      const int count = n->count.load(std::memory_order_acquire);
      const uint8_t* keys = SmallKeys(n);
      const std::atomic<Ref>* children = SmallChildren(n);
      for (int i = 0; i < count; ++i) {
        if (keys[i] == byte) return children[i].load(std::memory_order_acquire);
      }
      return 0;
    }
    case kNode48: {
      const Node48Body* b = BodyOf<Node48Body>(n);
      const uint8_t slot = b->index[byte].load(std::memory_order_acquire);
      return slot == 0 ? 0 : b->children[slot - 1].load(std::memory_order_acquire);
    }
    default:
      return BodyOf<Node256Body>(n)->children[byte].load(std::memory_order_acquire);
  }
}

bool Art::NeighborChild(const Node* n, int after, bool forward, int* byte, Ref* child) {
  switch (n->type) {
    case kNode4:
    case kNode16: {
      const int count = n->count.load(std::memory_order_acquire);
      const uint8_t* keys = SmallKeys(n);
      const std::atomic<Ref>* children = SmallChildren(n);
      int best = -1;
      for (int i = 0; i < count; ++i) {
        const int k = keys[i];
        if (forward ? (k > after && (best < 0 || k < keys[best]))
                    : (k < after && (best < 0 || k > keys[best]))) {
          best = i;
        }
      }
      if (best < 0) return false;
      *byte = keys[best];
      *child = children[best].load(std::memory_order_acquire);
      return true;
    }
    case kNode48: {
      const Node48Body* b = BodyOf<Node48Body>(n);
      for (int k = forward ? after + 1 : after - 1; k >= 0 && k < 256; k += forward ? 1 : -1) {
        const uint8_t slot = b->index[k].load(std::memory_order_acquire);
        if (slot != 0) {
          *byte = k;
          *child = b->children[slot - 1].load(std::memory_order_acquire);
          return true;
        }
      }
      return false;
    }
    default: {
      const Node256Body* b = BodyOf<Node256Body>(n);
      for (int k = forward ? after + 1 : after - 1; k >= 0 && k < 256; k += forward ? 1 : -1) {
        const Ref c = b->children[k].load(std::memory_order_acquire);
        if (c != 0) {
          *byte = k;
          *child = c;
          return true;
        }
      }
      return false;
    }
  }
}

std::atomic<Art::Ref>* Art::ChildSlot(Node* n, uint8_t byte) {
  switch (n->type) {
    case kNode4:
    case kNode16: {
      const int count = n->count.load(std::memory_order_relaxed);
      uint8_t* keys = SmallKeys(n);
      std::atomic<Ref>* children = SmallChildren(n);
      for (int i = 0; i < count; ++i) {
        if (keys[i] == byte) return &children[i];
      }
      return nullptr;
    }
    case kNode48: {
      Node48Body* b = BodyOf<Node48Body>(n);
      const uint8_t slot = b->index[byte].load(std::memory_order_relaxed);
      return slot == 0 ? nullptr : &b->children[slot - 1];
    }
    default: {
      std::atomic<Ref>* slot = &BodyOf<Node256Body>(n)->children[byte];
      return slot->load(std::memory_order_relaxed) == 0 ? nullptr : slot;
    }
  }
}

bool Art::AddChild(Node* n, uint8_t byte, Ref child) {
  const int count = n->count.load(std::memory_order_relaxed);
  if (count == kCapacity[n->type]) return false;
  switch (n->type) {
    case kNode4:
    case kNode16: {
      uint8_t* keys = SmallKeys(n);
      std::atomic<Ref>* children = SmallChildren(n);
      keys[count] = byte;
      children[count].store(child, std::memory_order_relaxed);
      // Publishes the key byte, the slot and the child's contents.
      n->count.store(static_cast<uint16_t>(count + 1), std::memory_order_release);
      return true;
    }
    case kNode48: {
      Node48Body* b = BodyOf<Node48Body>(n);
      b->children[count].store(child, std::memory_order_relaxed);
      b->index[byte].store(static_cast<uint8_t>(count + 1), std::memory_order_release);
      break;
    }
    default:
      BodyOf<Node256Body>(n)->children[byte].store(child, std::memory_order_release);
      break;
  }
  n->count.store(static_cast<uint16_t>(count + 1), std::memory_order_relaxed);
  return true;
}

Node* Art::CopyWithPrefix(const Node* n, const uint8_t* prefix, uint32_t prefix_len) {
  Node* copy = NewNode(n->type, prefix, prefix_len);
  for (int after = -1;;) {
    int byte;
    Ref child;
    if (!NeighborChild(n, after, true, &byte, &child)) break;
    AddChild(copy, static_cast<uint8_t>(byte), child);
    after = byte;
  }
  return copy;
}

Node* Art::Grow(const Node* n) {
  assert(n->type != kNode256);
  Node* bigger = NewNode(n->type + 1, n->prefix, n->prefix_len);
  for (int after = -1;;) {
    int byte;
    Ref child;
    if (!NeighborChild(n, after, true, &byte, &child)) break;
    AddChild(bigger, static_cast<uint8_t>(byte), child);
    after = byte;
  }
  return bigger;
}

void Art::Insert(std::string_view key_view, const char* value) {
  Leaf* const leaf = NewLeaf(key_view, value);
  const uint8_t* const key = leaf->key();  // the arena copy: prefixes may point here
  const size_t key_len = leaf->key_len;

  std::atomic<Ref>* ref = &root_;
  size_t depth = 0;
  while (true) {
    const Ref r = ref->load(std::memory_order_relaxed);  // only the writer stores
    if (r == 0) {
      ref->store(LeafRef(leaf), std::memory_order_release);
      return;
    }
    if (IsLeaf(r)) {
      const Leaf* old = AsLeaf(r);
      const uint8_t* old_key = old->key();
      const size_t limit = std::min<size_t>(key_len, old->key_len);
      size_t i = depth;
      while (i < limit && old_key[i] == key[i]) ++i;
      if (i == limit) {
        // Equal keys: replace the value. (A proper prefix would break the
        // prefix-free requirement; it is treated the same way.)
        assert(key_len == old->key_len);
        ref->store(LeafRef(leaf), std::memory_order_release);
        return;
      }
      Node* n = NewNode(kNode4, key + depth, static_cast<uint32_t>(i - depth));
      AddChild(n, old_key[i], r);
      AddChild(n, key[i], LeafRef(leaf));
      ref->store(NodeRef(n), std::memory_order_release);
      return;
    }

    Node* n = AsNode(r);
    const size_t limit = std::min<size_t>(n->prefix_len, key_len - std::min(depth, key_len));
    size_t p = 0;
    while (p < limit && n->prefix[p] == key[depth + p]) ++p;
    if (p < n->prefix_len) {
      assert(depth + p < key_len);  // else key would be a prefix of keys below n
      if (depth + p >= key_len) return;
      // Split the compressed path at p: a new Node4 takes the shared part and
      // branches to a copy of n (with the rest of its path) and the new leaf.
      Node* parent = NewNode(kNode4, n->prefix, static_cast<uint32_t>(p));
      Node* shortened =
          CopyWithPrefix(n, n->prefix + p + 1, static_cast<uint32_t>(n->prefix_len - p - 1));
      AddChild(parent, n->prefix[p], NodeRef(shortened));
      AddChild(parent, key[depth + p], LeafRef(leaf));
      ref->store(NodeRef(parent), std::memory_order_release);
      return;
    }
    depth += n->prefix_len;
    assert(depth < key_len);
    if (depth >= key_len) return;
    const uint8_t byte = key[depth];
    if (std::atomic<Ref>* child = ChildSlot(n, byte)) {
      ref = child;
      ++depth;
      continue;
    }
    if (AddChild(n, byte, LeafRef(leaf))) return;
    Node* bigger = Grow(n);
    AddChild(bigger, byte, LeafRef(leaf));
    ref->store(NodeRef(bigger), std::memory_order_release);
    return;
  }
}

const char* Art::Find(std::string_view key_view) const {
  const auto* key = reinterpret_cast<const uint8_t*>(key_view.data());
  const size_t key_len = key_view.size();
  Ref r = root_.load(std::memory_order_acquire);
  size_t depth = 0;
  while (r != 0) {
    if (IsLeaf(r)) {
      const Leaf* l = AsLeaf(r);
      return CompareBytes(l->key(), l->key_len, key, key_len) == 0 ? l->value : nullptr;
    }
    const Node* n = AsNode(r);
    if (depth + n->prefix_len >= key_len ||
        (n->prefix_len > 0 && std::memcmp(n->prefix, key + depth, n->prefix_len) != 0)) {
      return nullptr;
    }
    depth += n->prefix_len;
    r = FindChild(n, key[depth]);
    ++depth;
  }
  return nullptr;
}

Art::Stats Art::ComputeStats() const {
  Stats stats;
  CollectStats(root_.load(std::memory_order_acquire), 0, &stats);
  return stats;
}

void Art::CollectStats(Ref r, size_t depth, Stats* stats) const {
  if (r == 0) return;
  if (IsLeaf(r)) {
    ++stats->leaves;
    stats->max_depth = std::max(stats->max_depth, depth);
    return;
  }
  const Node* n = AsNode(r);
  size_t* counters[] = {&stats->node4, &stats->node16, &stats->node48, &stats->node256};
  ++*counters[n->type];
  int byte;
  Ref child;
  for (int after = -1; NeighborChild(n, after, true, &byte, &child); after = byte) {
    CollectStats(child, depth + 1, stats);
  }
}

// ---- Iterator ----

std::string_view Art::Iterator::key() const {
  assert(Valid());
  return leaf_->key_view();
}

const char* Art::Iterator::value() const {
  assert(Valid());
  return leaf_->value;
}

void Art::Iterator::SeekToFirst() {
  Clear();
  DescendToEdge(tree_->root_.load(std::memory_order_acquire), true);
}

void Art::Iterator::SeekToLast() {
  Clear();
  DescendToEdge(tree_->root_.load(std::memory_order_acquire), false);
}

void Art::Iterator::Next() {
  assert(Valid());
  Step(true);
}

void Art::Iterator::Prev() {
  assert(Valid());
  Step(false);
}

void Art::Iterator::DescendToEdge(Ref r, bool forward) {
  while (r != 0 && !IsLeaf(r)) {
    const Node* n = AsNode(r);
    int byte;
    Ref child;
    // Published inner nodes always have children (at least two).
    if (!NeighborChild(n, forward ? -1 : 256, forward, &byte, &child)) break;
    Push({n, byte});
    r = child;
  }
  leaf_ = (r != 0 && IsLeaf(r)) ? AsLeaf(r) : nullptr;
}

void Art::Iterator::Step(bool forward) {
  while (depth_ > 0) {
    Frame& top = Top();
    int byte;
    Ref child;
    if (NeighborChild(top.node, top.byte, forward, &byte, &child)) {
      top.byte = byte;
      DescendToEdge(child, forward);
      return;
    }
    Pop();
  }
  leaf_ = nullptr;
}

// One descent along target. Wherever the path leaves the target, the answer
// is the edge leaf of a subtree wholly on the wanted side, or a Step from the
// frames pushed so far. Forward looks for the first key >= target, backward
// for the last key <= target.
void Art::Iterator::SeekImpl(std::string_view target_view, bool forward) {
  Clear();
  const auto* target = reinterpret_cast<const uint8_t*>(target_view.data());
  const size_t target_len = target_view.size();
  Ref r = tree_->root_.load(std::memory_order_acquire);
  size_t depth = 0;
  while (r != 0) {
    if (IsLeaf(r)) {
      const Leaf* l = AsLeaf(r);
      const int c = CompareBytes(l->key(), l->key_len, target, target_len);
      if (c == 0 || (c > 0) == forward) {
        leaf_ = l;
      } else {
        Step(forward);
      }
      return;
    }
    const Node* n = AsNode(r);
    // c: how the keys below n compare with the target (0 = undecided).
    const size_t avail = target_len > depth ? target_len - depth : 0;
    const size_t m = std::min<size_t>(n->prefix_len, avail);
    int c = m == 0 ? 0 : std::memcmp(n->prefix, target + depth, m);
    // The target ends inside or right after the path: it is a proper prefix
    // of every key below, which therefore sort after it.
    if (c == 0 && depth + n->prefix_len >= target_len) c = 1;
    if (c != 0) {
      if ((c > 0) == forward) {
        DescendToEdge(r, forward);
      } else {
        Step(forward);
      }
      return;
    }
    depth += n->prefix_len;
    const uint8_t byte = target[depth];
    Ref child = FindChild(n, byte);
    if (child != 0) {
      Push({n, byte});
      r = child;
      ++depth;
      continue;
    }
    int neighbor;
    if (NeighborChild(n, byte, forward, &neighbor, &child)) {
      Push({n, neighbor});
      DescendToEdge(child, forward);
    } else {
      Step(forward);
    }
    return;
  }
}

}  // namespace nokv
