// Tests for the generic search: a model without partitions (a FIFO queue),
// and a cross-check of CheckKvHistory against brute-force enumeration of
// every order on thousands of small random histories.
#include "linearizability/checker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <numeric>
#include <random>

#include "linearizability/kv_model.h"

namespace nokv::linearizability {
namespace {

// A FIFO queue of ints: enqueue(v) / dequeue() -> v or empty (-1).
struct QueueInput {
  bool enqueue = true;
  int value = 0;
};
struct QueueOutput {
  int value = -1;
};
class QueueModel {
 public:
  using State = std::deque<int>;
  using Input = QueueInput;
  using Output = QueueOutput;
  State Init() const { return {}; }
  std::optional<State> Step(const State& s, const QueueInput& in, const QueueOutput& out) const {
    State next = s;
    if (in.enqueue) {
      next.push_back(in.value);
      return next;
    }
    if (s.empty()) return out.value == -1 ? std::optional<State>(next) : std::nullopt;
    if (s.front() != out.value) return std::nullopt;
    next.pop_front();
    return next;
  }
  uint64_t HashState(const State& s) const {
    uint64_t h = s.size();
    for (int v : s) h = h * 1000003 + static_cast<uint64_t>(v);
    return h;
  }
  std::string DescribeOperation(const QueueInput& in, const QueueOutput& out) const {
    return in.enqueue ? "enqueue(" + std::to_string(in.value) + ")"
                      : "dequeue() -> " + std::to_string(out.value);
  }
  std::string DescribeState(const State& s) const { return std::to_string(s.size()) + " queued"; }
};
static_assert(SequentialModel<QueueModel>);
static_assert(!PartitionedModel<QueueModel>);
static_assert(PartitionedModel<KvModel>);

using QueueOp = Operation<QueueInput, QueueOutput>;

QueueOp Enq(int client, int64_t call, int64_t ret, int v) { return {client, call, ret, {true, v}, {}}; }
QueueOp Deq(int client, int64_t call, int64_t ret, int v) { return {client, call, ret, {false, 0}, {v}}; }

TEST(CheckerTest, GenericModelWithoutPartitions) {
  // Concurrent enqueues may be dequeued in either order.
  EXPECT_EQ(CheckOperations(QueueModel(), {Enq(1, 0, 10, 1), Enq(2, 0, 10, 2), Deq(3, 11, 12, 2),
                                           Deq(3, 13, 14, 1), Deq(3, 15, 16, -1)})
                .result,
            CheckResult::kOk);
  // Sequential enqueues may not.
  const CheckOutcome bad = CheckOperations(
      QueueModel(), {Enq(1, 0, 1, 1), Enq(2, 2, 3, 2), Deq(3, 11, 12, 2), Deq(3, 13, 14, 1)});
  EXPECT_EQ(bad.result, CheckResult::kIllegal);
  EXPECT_EQ(bad.partitions, 1u);
  EXPECT_NE(bad.explanation.find("dequeue() -> 2"), std::string::npos) << bad.explanation;
  // An enqueue that never returned may have happened.
  EXPECT_EQ(CheckOperations(QueueModel(), {Enq(1, 0, kNeverReturned, 7), Deq(2, 5, 6, 7)}).result,
            CheckResult::kOk);
}

TEST(CheckerTest, ExplanationNamesThePrefixAndTheStuckOperation) {
  const CheckOutcome bad = CheckOperations(
      QueueModel(), {Enq(1, 0, 1, 1), Deq(2, 2, 3, 1), Deq(2, 4, 5, 1)});
  ASSERT_EQ(bad.result, CheckResult::kIllegal);
  EXPECT_NE(bad.explanation.find("has 2 of 3 operations"), std::string::npos) << bad.explanation;
  EXPECT_NE(bad.explanation.find("1. client 1 [0, 1] enqueue(1)"), std::string::npos)
      << bad.explanation;
  EXPECT_NE(bad.explanation.find("client 2 [4, 5] dequeue() -> 1"), std::string::npos)
      << bad.explanation;
  CheckOptions quiet;
  quiet.explain = false;
  EXPECT_EQ(CheckOperations(QueueModel(), {Deq(2, 4, 5, 1)}, quiet).explanation, "");
}

// Brute force: is there an order of all operations that respects real time
// and that the model accepts? (Pending operations placed last cover the case
// where they never happened.)
bool BruteForceLinearizable(const std::vector<KvOperation>& h) {
  std::vector<size_t> order(h.size());
  std::iota(order.begin(), order.end(), 0);
  KvModel model;
  do {
    bool respects_time = true;
    for (size_t i = 0; i < order.size() && respects_time; ++i) {
      for (size_t j = i + 1; j < order.size(); ++j) {
        if (h[order[j]].ret < h[order[i]].call) {
          respects_time = false;
          break;
        }
      }
    }
    if (!respects_time) continue;
    std::map<std::string, KvModel::State> states;
    bool legal = true;
    for (size_t i : order) {
      std::optional<KvModel::State> next = model.Step(states[h[i].input.key], h[i].input, h[i].output);
      if (!next) {
        legal = false;
        break;
      }
      states[h[i].input.key] = *next;
    }
    if (legal) return true;
  } while (std::next_permutation(order.begin(), order.end()));
  return false;
}

std::vector<KvOperation> RandomHistory(std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  const char* const kValues[] = {"a", "b", "c"};
  std::vector<KvOperation> h;
  const int n = 1 + pick(7);
  const int keys = 1 + pick(2);
  for (int i = 0; i < n; ++i) {
    KvOperation op;
    op.client_id = i;
    op.call = pick(20);
    op.ret = op.call + pick(8);
    op.input.key = "k" + std::to_string(pick(keys));
    switch (pick(3)) {
      case 0:
        op.input.kind = KvOpKind::kGet;
        op.output.found = pick(4) != 0;
        op.output.value = kValues[pick(3)];
        break;
      case 1:
        op.input.kind = KvOpKind::kPut;
        op.input.value = kValues[pick(3)];
        break;
      default:
        op.input.kind = KvOpKind::kCas;
        op.input.expected = kValues[pick(3)];
        op.input.value = kValues[pick(3)];
        op.output.ok = pick(2) != 0;
        break;
    }
    if (pick(6) == 0) {
      op.output.unknown = true;
      if (op.input.kind != KvOpKind::kGet) op.ret = kNeverReturned;
    }
    h.push_back(op);
  }
  return h;
}

TEST(CheckerTest, AgreesWithBruteForceOnRandomSmallHistories) {
  std::mt19937_64 rng(20240611);
  int linearizable = 0, illegal = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    const std::vector<KvOperation> h = RandomHistory(rng);
    const bool expected = BruteForceLinearizable(h);
    std::string why;
    const CheckResult got = CheckKvHistory(h, std::chrono::milliseconds(0), &why);
    ASSERT_EQ(got, expected ? CheckResult::kOk : CheckResult::kIllegal)
        << "iteration " << iter << ": " << why;
    (expected ? linearizable : illegal)++;
  }
  // Both verdicts are well represented, so the comparison means something.
  EXPECT_GT(linearizable, 500);
  EXPECT_GT(illegal, 500);
}

}  // namespace
}  // namespace nokv::linearizability
