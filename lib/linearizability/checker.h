// A linearizability checker: the Wing–Gong–Lowe search with memoization of
// (linearized set, state), as in Porcupine, generic over a sequential model.
//
// A history is a list of operations, each with the client that issued it, the
// time it was called, the time it returned, its input and its output. It is
// linearizable when there is a total order of the operations that (1) respects
// real time: an operation that returned before another was called comes first,
// and (2) is legal for the model: stepping the model through the order from its
// initial state accepts every operation's output.
//
// An operation that never returned has ret == kNeverReturned: it may have taken
// effect at any time after its call, or never (placing it after every returned
// operation is the same as it never having happened). Its output should then
// carry no constraint (the model decides; see kv_model.h).
//
// A model M provides
//   using State, Input, Output;            State copyable, with operator==
//   State Init() const;
//   std::optional<State> Step(const State&, const Input&, const Output&) const;
//       // the state after the operation, or nullopt if the output is impossible
//   uint64_t HashState(const State&) const;
//   std::string DescribeOperation(const Input&, const Output&) const;
//   std::string DescribeState(const State&) const;
// and optionally, when its operations on different parts of the state are
// independent (P-compositionality: a history is linearizable iff each part is),
//   std::vector<std::vector<size_t>> Partition(const std::vector<Operation<Input, Output>>&) const;
//       // groups of indexes into the history, each checked on its own
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "linearizability/search_support.h"

namespace nokv::linearizability {

inline constexpr int64_t kNeverReturned = std::numeric_limits<int64_t>::max();

enum class CheckResult {
  kOk,       // linearizable
  kIllegal,  // not linearizable (the explanation says where it breaks)
  kUnknown,  // the search ran out of time, or the history is malformed
};

inline const char* CheckResultName(CheckResult r) {
  switch (r) {
    case CheckResult::kOk: return "linearizable";
    case CheckResult::kIllegal: return "not linearizable";
    case CheckResult::kUnknown: return "unknown";
  }
  return "?";
}

template <typename InputT, typename OutputT>
struct Operation {
  int client_id = 0;
  int64_t call = 0;
  int64_t ret = kNeverReturned;
  InputT input{};
  OutputT output{};
};

template <typename M>
concept SequentialModel = requires(const M& m, const typename M::State& s,
                                   const typename M::Input& in, const typename M::Output& out) {
  { m.Init() } -> std::convertible_to<typename M::State>;
  { m.Step(s, in, out) } -> std::same_as<std::optional<typename M::State>>;
  { m.HashState(s) } -> std::convertible_to<uint64_t>;
  { s == s } -> std::convertible_to<bool>;
  { m.DescribeOperation(in, out) } -> std::convertible_to<std::string>;
  { m.DescribeState(s) } -> std::convertible_to<std::string>;
};

template <typename M>
concept PartitionedModel =
    SequentialModel<M> &&
    requires(const M& m, const std::vector<Operation<typename M::Input, typename M::Output>>& h) {
      { m.Partition(h) } -> std::same_as<std::vector<std::vector<size_t>>>;
    };

struct CheckOptions {
  // Give up (kUnknown) after this long; zero means no limit.
  std::chrono::milliseconds timeout{0};
  // Build an explanation of a failure (costs a copy of the deepest prefix).
  bool explain = true;
};

struct CheckOutcome {
  CheckResult result = CheckResult::kOk;
  // For kIllegal: the longest linearizable prefix found and the operation that
  // could not be placed after it. For kUnknown: why.
  std::string explanation;
  // Search effort, for reports and tests.
  uint64_t steps = 0;
  size_t partitions = 0;
};

namespace internal {

// The memo of visited (linearized set, state) pairs. Each pair is stored once;
// Insert returns false if the pair was already there.
template <typename State>
class VisitedCache {
 public:
  explicit VisitedCache(size_t words) : words_(words) {}

  bool Insert(const LinearizedSet& set, const State& state, uint64_t state_hash) {
    const uint64_t key = set.Hash() ^ Mix64(state_hash);
    auto [it, inserted] = heads_.try_emplace(key, kNone);
    for (uint32_t i = it->second; i != kNone; i = entries_[i].next) {
      if (entries_[i].state == state && SameSet(entries_[i].bits, set)) return false;
    }
    const size_t bits = arena_.size();
    arena_.insert(arena_.end(), set.Words().begin(), set.Words().end());
    entries_.push_back({it->second, bits, state});
    it->second = static_cast<uint32_t>(entries_.size() - 1);
    return true;
  }

 private:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  struct Entry {
    uint32_t next;
    size_t bits;  // offset of the set's words in arena_
    State state;
  };
  bool SameSet(size_t bits, const LinearizedSet& set) const {
    for (size_t w = 0; w < words_; ++w) {
      if (arena_[bits + w] != set.Words()[w]) return false;
    }
    return true;
  }

  size_t words_;
  std::unordered_map<uint64_t, uint32_t> heads_;
  std::vector<Entry> entries_;
  std::vector<uint64_t> arena_;
};

template <typename Op>
std::string DescribeOp(const auto& model, const Op& op) {
  return "client " + std::to_string(op.client_id) + " [" + FormatTime(op.call) + ", " +
         FormatTime(op.ret) + "] " + model.DescribeOperation(op.input, op.output);
}

struct Deadline {
  bool limited = false;
  std::chrono::steady_clock::time_point at;
  bool Passed() const { return limited && std::chrono::steady_clock::now() >= at; }
};

// Searches one partition (ops are pointers into the caller's history).
template <SequentialModel M>
CheckResult SearchPartition(const M& model,
                            const std::vector<const Operation<typename M::Input, typename M::Output>*>& ops,
                            const Deadline& deadline, bool explain, uint64_t* steps,
                            std::string* explanation) {
  using State = typename M::State;
  const size_t n = ops.size();
  std::vector<int64_t> calls(n), returns(n);
  for (size_t i = 0; i < n; ++i) {
    calls[i] = ops[i]->call;
    returns[i] = ops[i]->ret;
  }
  EventList events(calls, returns);
  LinearizedSet linearized(n);
  VisitedCache<State> cache(linearized.WordCount());
  struct Frame {
    uint32_t op;
    State before;
  };
  std::vector<Frame> stack;
  stack.reserve(n);
  State state = model.Init();

  // The deepest dead end seen, for the explanation.
  std::vector<uint32_t> best_prefix;
  std::optional<State> best_state;
  uint32_t best_blocked = 0;
  bool have_best = false;

  uint32_t node = events.First();
  while (!events.Empty()) {
    if ((++*steps & 1023) == 0 && deadline.Passed()) {
      if (explanation) *explanation = "the search timed out";
      return CheckResult::kUnknown;
    }
    if (events.IsCall(node)) {
      const uint32_t op = events.OperationOf(node);
      std::optional<State> next = model.Step(state, ops[op]->input, ops[op]->output);
      if (next) {
        linearized.Set(op);
        if (cache.Insert(linearized, *next, model.HashState(*next))) {
          stack.push_back({op, std::move(state)});
          state = std::move(*next);
          events.Lift(op);
          node = events.First();
          continue;
        }
        linearized.Clear(op);
      }
      node = events.Next(node);
      continue;
    }
    // A return whose call could not be linearized before it: backtrack.
    if (explain && (!have_best || stack.size() > best_prefix.size())) {
      have_best = true;
      best_prefix.clear();
      for (const Frame& f : stack) best_prefix.push_back(f.op);
      best_state = state;
      best_blocked = events.OperationOf(node);
    }
    if (stack.empty()) break;
    Frame top = std::move(stack.back());
    stack.pop_back();
    state = std::move(top.before);
    linearized.Clear(top.op);
    events.Unlift(top.op);
    node = events.Next(events.CallNode(top.op));
  }
  if (events.Empty()) return CheckResult::kOk;

  if (explanation && explain) {
    constexpr size_t kShown = 40;
    std::string& out = *explanation;
    out += "the longest linearizable prefix has " + std::to_string(best_prefix.size()) + " of " +
           std::to_string(n) + " operations";
    size_t from = 0;
    if (best_prefix.size() > kShown) {
      from = best_prefix.size() - kShown;
      out += " (the first " + std::to_string(from) + " not shown)";
    }
    out += ":\n";
    for (size_t i = from; i < best_prefix.size(); ++i) {
      out += "  " + std::to_string(i + 1) + ". " + DescribeOp(model, *ops[best_prefix[i]]) + "\n";
    }
    out += "state then: " + model.DescribeState(*best_state) + "\n";
    out += "no remaining operation can be linearized before this one returns:\n  " +
           DescribeOp(model, *ops[best_blocked]) + "\n";
  }
  return CheckResult::kIllegal;
}

}  // namespace internal

// Checks whether `history` is linearizable for `model`. Operations may come in
// any order; only their times matter. Operations with call > ret make the
// history malformed (kUnknown).
template <SequentialModel M>
CheckOutcome CheckOperations(const M& model,
                             const std::vector<Operation<typename M::Input, typename M::Output>>& history,
                             const CheckOptions& options = {}) {
  using Op = Operation<typename M::Input, typename M::Output>;
  CheckOutcome outcome;
  for (size_t i = 0; i < history.size(); ++i) {
    if (history[i].call > history[i].ret) {
      outcome.result = CheckResult::kUnknown;
      outcome.explanation = "malformed history: operation " + std::to_string(i) +
                            " returns before it is called: " + internal::DescribeOp(model, history[i]);
      return outcome;
    }
  }
  std::vector<std::vector<size_t>> partitions;
  if constexpr (PartitionedModel<M>) {
    partitions = model.Partition(history);
  } else {
    partitions.emplace_back(history.size());
    for (size_t i = 0; i < history.size(); ++i) partitions[0][i] = i;
  }
  internal::Deadline deadline;
  if (options.timeout.count() > 0) {
    deadline.limited = true;
    deadline.at = std::chrono::steady_clock::now() + options.timeout;
  }
  outcome.partitions = partitions.size();
  bool timed_out = false;
  for (const std::vector<size_t>& part : partitions) {
    std::vector<const Op*> ops;
    ops.reserve(part.size());
    for (size_t i : part) ops.push_back(&history[i]);
    std::string why;
    const CheckResult r = internal::SearchPartition(model, ops, deadline, options.explain,
                                                    &outcome.steps, &why);
    if (r == CheckResult::kIllegal) {
      outcome.result = CheckResult::kIllegal;
      outcome.explanation = std::move(why);
      return outcome;
    }
    if (r == CheckResult::kUnknown) {
      timed_out = true;
      break;
    }
  }
  if (timed_out) {
    outcome.result = CheckResult::kUnknown;
    outcome.explanation = "the search timed out after " + std::to_string(options.timeout.count()) +
                          " ms with no violation found";
  }
  return outcome;
}

}  // namespace nokv::linearizability
