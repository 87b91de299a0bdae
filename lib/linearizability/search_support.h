// The model-independent pieces of the linearizability search: the ordered
// list of call/return events with O(1) lift/unlift (dancing links), and the
// set of already-linearized operations as a bitset with an incremental hash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nokv::linearizability::internal {

// The history of one partition as a doubly linked list of events, ordered by
// time (a call before a return at equal times, so operations touching at an
// instant count as concurrent). Operation i has a call node and a return node;
// Lift(i) takes both out of the list, Unlift(i) puts them back. Unlifts must
// come in the reverse order of lifts, which the search's stack guarantees.
class EventList {
 public:
  // calls[i] <= returns[i] for every operation i.
  EventList(const std::vector<int64_t>& calls, const std::vector<int64_t>& returns);

  bool Empty() const { return next_[kHead] == kHead; }
  uint32_t First() const { return next_[kHead]; }
  uint32_t Next(uint32_t node) const { return next_[node]; }
  bool IsCall(uint32_t node) const { return (node & 1) != 0; }
  uint32_t OperationOf(uint32_t node) const { return (node - 1) / 2; }
  uint32_t CallNode(uint32_t op) const { return 2 * op + 1; }
  uint32_t ReturnNode(uint32_t op) const { return 2 * op + 2; }

  void Lift(uint32_t op);
  void Unlift(uint32_t op);

 private:
  static constexpr uint32_t kHead = 0;
  void Remove(uint32_t node);
  void Restore(uint32_t node);

  std::vector<uint32_t> next_;
  std::vector<uint32_t> prev_;
};

// Which operations the current partial linearization contains. Hash() is a
// Zobrist hash (XOR of one random word per member), kept up to date on every
// Set/Clear, so hashing costs nothing during the search.
class LinearizedSet {
 public:
  explicit LinearizedSet(size_t n);

  void Set(uint32_t op);
  void Clear(uint32_t op);
  bool Contains(uint32_t op) const { return (words_[op / 64] >> (op % 64)) & 1; }
  uint64_t Hash() const { return hash_; }
  const std::vector<uint64_t>& Words() const { return words_; }
  size_t WordCount() const { return words_.size(); }

 private:
  std::vector<uint64_t> words_;
  std::vector<uint64_t> zobrist_;
  uint64_t hash_ = 0;
};

// A time for explanations: the number, or "never" for an operation that
// never returned.
std::string FormatTime(int64_t t);

// A 64-bit finalizer (splitmix64), used to mix state hashes into cache keys.
uint64_t Mix64(uint64_t x);

}  // namespace nokv::linearizability::internal
