// MergingIterator: a binary heap of children, a min-heap while moving forward
// and a max-heap while moving backward (after RocksDB's MergingIterator).
#include "lsm/merging_iterator.h"

#include <cassert>
#include <string_view>
#include <utility>

#include "base/internal_key.h"

namespace nokv {
namespace {

// A child iterator with its current key cached, so that heap comparisons make
// no virtual calls. `key` is meaningful only while iter->Valid().
struct Child {
  std::unique_ptr<InternalIterator> iter;
  std::string_view key;
  size_t index = 0;  // position in the children vector: the tie-breaker
};

class MergingIterator final : public InternalIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<InternalIterator>> children) {
    children_.resize(children.size());
    for (size_t i = 0; i < children.size(); ++i) {
      children_[i].iter = std::move(children[i]);
      children_[i].index = i;
    }
    heap_.reserve(children_.size());
  }

  bool Valid() const override { return !heap_.empty(); }

  void SeekToFirst() override {
    for (Child& c : children_) c.iter->SeekToFirst();
    Rebuild(Direction::kForward);
  }

  void SeekToLast() override {
    for (Child& c : children_) c.iter->SeekToLast();
    Rebuild(Direction::kReverse);
  }

  void Seek(std::string_view target) override {
    for (Child& c : children_) c.iter->Seek(target);
    Rebuild(Direction::kForward);
  }

  void SeekForPrev(std::string_view target) override {
    for (Child& c : children_) c.iter->SeekForPrev(target);
    Rebuild(Direction::kReverse);
  }

  void Next() override {
    assert(Valid());
    if (direction_ != Direction::kForward) SwitchToForward();
    heap_.front()->iter->Next();
    TopMoved();
  }

  void Prev() override {
    assert(Valid());
    if (direction_ != Direction::kReverse) SwitchToReverse();
    heap_.front()->iter->Prev();
    TopMoved();
  }

  std::string_view key() const override {
    assert(Valid());
    return heap_.front()->key;
  }

  std::string_view value() const override {
    assert(Valid());
    return heap_.front()->iter->value();
  }

  Status status() const override {
    for (const Child& c : children_) {
      Status s = c.iter->status();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

 private:
  enum class Direction { kForward, kReverse };

  // True if `a` is yielded before `b` in the current direction. Forward the
  // merged order is (key ascending, index ascending); backward it is the exact
  // reverse, so that Prev undoes Next even across identical keys.
  bool Before(const Child* a, const Child* b) const {
    const int r = CompareInternalKeys(a->key, b->key);
    if (direction_ == Direction::kForward) return r < 0 || (r == 0 && a->index < b->index);
    return r > 0 || (r == 0 && a->index > b->index);
  }

  void SiftDown(size_t i) {
    const size_t n = heap_.size();
    Child* const x = heap_[i];
    while (true) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && Before(heap_[child + 1], heap_[child])) ++child;
      if (!Before(heap_[child], x)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = x;
  }

  // Builds the heap from every valid child, for the given direction. A child
  // that stopped on an error ends the merge (see the header).
  void Rebuild(Direction direction) {
    direction_ = direction;
    heap_.clear();
    for (Child& c : children_) {
      if (c.iter->Valid()) {
        c.key = c.iter->key();
        heap_.push_back(&c);
      } else if (!c.iter->status().ok()) {
        heap_.clear();
        return;
      }
    }
    for (size_t i = heap_.size() / 2; i-- > 0;) SiftDown(i);
  }

  // Restores the heap after the top child moved one step.
  void TopMoved() {
    Child* const top = heap_.front();
    if (top->iter->Valid()) {
      top->key = top->iter->key();
    } else if (!top->iter->status().ok()) {
      heap_.clear();  // the child's remaining entries are unknown: stop here
      return;
    } else {
      heap_.front() = heap_.back();
      heap_.pop_back();
      if (heap_.empty()) return;
    }
    SiftDown(0);
  }

  // Positions every other child at its first entry that comes after the
  // current one in forward order, then rebuilds a min-heap (whose top is the
  // current child again).
  void SwitchToForward() {
    Child* const current = heap_.front();
    const std::string_view k = current->key;
    for (Child& c : children_) {
      if (&c == current) continue;
      c.iter->Seek(k);
      // Lower-index children holding k itself were yielded before current.
      if (c.index < current->index && c.iter->Valid() &&
          CompareInternalKeys(c.iter->key(), k) == 0) {
        c.iter->Next();
      }
    }
    Rebuild(Direction::kForward);
    assert(heap_.front() == current);
  }

  // The mirror image of SwitchToForward.
  void SwitchToReverse() {
    Child* const current = heap_.front();
    const std::string_view k = current->key;
    for (Child& c : children_) {
      if (&c == current) continue;
      c.iter->SeekForPrev(k);
      // Higher-index children holding k itself come after current.
      if (c.index > current->index && c.iter->Valid() &&
          CompareInternalKeys(c.iter->key(), k) == 0) {
        c.iter->Prev();
      }
    }
    Rebuild(Direction::kReverse);
    assert(heap_.front() == current);
  }

  std::vector<Child> children_;  // fixed after construction; heap_ points here
  std::vector<Child*> heap_;     // the valid children, heap-ordered by Before
  Direction direction_ = Direction::kForward;
};

}  // namespace

std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children) {
  if (children.empty()) return NewEmptyIterator();
  if (children.size() == 1) return std::move(children[0]);
  return std::make_unique<MergingIterator>(std::move(children));
}

}  // namespace nokv
