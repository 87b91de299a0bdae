// Tests for CheckKvHistory on small hand-built histories: linearizable and
// not, pending operations, unknown outcomes, per-key partitions, timeouts.
#include "linearizability/kv_model.h"

#include <gtest/gtest.h>

namespace nokv::linearizability {
namespace {

using std::chrono::milliseconds;

KvOperation Put(int client, int64_t call, int64_t ret, std::string key, std::string value) {
  return {client, call, ret, {KvOpKind::kPut, std::move(key), std::move(value), ""}, {}};
}
KvOperation Get(int client, int64_t call, int64_t ret, std::string key,
                std::optional<std::string> seen) {
  KvOutput out;
  out.found = seen.has_value();
  out.value = seen.value_or("");
  return {client, call, ret, {KvOpKind::kGet, std::move(key), "", ""}, out};
}
KvOperation Cas(int client, int64_t call, int64_t ret, std::string key, std::string expected,
                std::string value, bool swapped) {
  KvOutput out;
  out.ok = swapped;
  return {client, call, ret, {KvOpKind::kCas, std::move(key), std::move(value), std::move(expected)},
          out};
}
KvOperation Unknown(KvOperation op) {
  op.output.unknown = true;
  return op;
}

CheckResult Check(const std::vector<KvOperation>& h, std::string* why = nullptr) {
  std::string ignored;
  return CheckKvHistory(h, milliseconds(10000), why ? why : &ignored);
}

TEST(KvModelTest, EmptyHistoryIsLinearizable) { EXPECT_EQ(Check({}), CheckResult::kOk); }

TEST(KvModelTest, SequentialReadsSeeTheLastWrite) {
  EXPECT_EQ(Check({Get(1, 0, 1, "k", std::nullopt), Put(1, 2, 3, "k", "a"), Get(2, 4, 5, "k", "a"),
                   Put(2, 6, 7, "k", "b"), Get(1, 8, 9, "k", "b")}),
            CheckResult::kOk);
  EXPECT_EQ(Check({Put(1, 0, 1, "k", "a"), Put(2, 2, 3, "k", "b"), Get(1, 4, 5, "k", "a")}),
            CheckResult::kIllegal);
  EXPECT_EQ(Check({Put(1, 0, 1, "k", "a"), Get(1, 2, 3, "k", std::nullopt)}), CheckResult::kIllegal);
  EXPECT_EQ(Check({Get(1, 0, 1, "k", "a")}), CheckResult::kIllegal);
}

TEST(KvModelTest, ConcurrentReadMaySeeEitherValue) {
  for (auto seen : {std::optional<std::string>("a"), std::optional<std::string>()}) {
    EXPECT_EQ(Check({Put(1, 0, 10, "k", "a"), Get(2, 5, 6, "k", seen)}), CheckResult::kOk);
  }
  // Touching at an instant counts as concurrent.
  EXPECT_EQ(Check({Put(1, 0, 5, "k", "a"), Get(2, 5, 6, "k", std::nullopt)}), CheckResult::kOk);
}

TEST(KvModelTest, ReadsMayNotGoBackInTime) {
  // A write is in flight; one read sees it, a later read does not: illegal.
  std::string why;
  EXPECT_EQ(Check({Put(1, 0, 100, "k", "new"), Get(2, 10, 20, "k", "new"),
                   Get(3, 30, 40, "k", std::nullopt)},
                  &why),
            CheckResult::kIllegal);
  EXPECT_NE(why.find("longest linearizable prefix"), std::string::npos) << why;
  EXPECT_NE(why.find("get(\"k\") -> not found"), std::string::npos) << why;
  // The same reads in the other order are fine.
  EXPECT_EQ(Check({Put(1, 0, 100, "k", "new"), Get(2, 10, 20, "k", std::nullopt),
                   Get(3, 30, 40, "k", "new")}),
            CheckResult::kOk);
}

TEST(KvModelTest, PendingWriteMayOrMayNotHaveHappened) {
  const KvOperation pending = Put(1, 0, kNeverReturned, "k", "x");
  EXPECT_EQ(Check({pending, Get(2, 5, 6, "k", "x")}), CheckResult::kOk);
  EXPECT_EQ(Check({pending, Get(2, 5, 6, "k", std::nullopt)}), CheckResult::kOk);
  EXPECT_EQ(Check({pending, Get(2, 5, 6, "k", std::nullopt), Get(2, 7, 8, "k", "x")}),
            CheckResult::kOk);
  // Once seen, it stays.
  EXPECT_EQ(Check({pending, Get(2, 5, 6, "k", "x"), Get(2, 7, 8, "k", std::nullopt)}),
            CheckResult::kIllegal);
  // It cannot take effect before it was called.
  EXPECT_EQ(Check({Get(2, 0, 1, "k", "x"), Put(1, 5, kNeverReturned, "k", "x")}),
            CheckResult::kIllegal);
}

TEST(KvModelTest, TimedOutWriteMayTakeEffectAfterTheClientGaveUp) {
  // The put timed out at 10 but was applied later, after a read at 20.
  EXPECT_EQ(Check({Unknown(Put(1, 0, 10, "k", "x")), Get(2, 20, 21, "k", std::nullopt),
                   Get(2, 30, 31, "k", "x")}),
            CheckResult::kOk);
}

TEST(KvModelTest, UnknownReadsAndFailedWritesConstrainNothing) {
  EXPECT_EQ(Check({Unknown(Get(1, 0, 1, "k", "never-written"))}), CheckResult::kOk);
  KvOperation failed_put = Put(1, 0, 1, "k", "x");
  failed_put.output.ok = false;
  EXPECT_EQ(Check({failed_put, Get(2, 2, 3, "k", std::nullopt)}), CheckResult::kOk);
  EXPECT_EQ(Check({failed_put, Get(2, 2, 3, "k", "x")}), CheckResult::kIllegal);
}

TEST(KvModelTest, CompareAndSetOutcomes) {
  EXPECT_EQ(Check({Put(1, 0, 1, "k", "a"), Cas(1, 2, 3, "k", "a", "b", true), Get(1, 4, 5, "k", "b")}),
            CheckResult::kOk);
  // A swap that should have matched but reported a failed compare.
  EXPECT_EQ(Check({Put(1, 0, 1, "k", "a"), Cas(1, 2, 3, "k", "a", "b", false)}),
            CheckResult::kIllegal);
  // A swap that reported success although the value differed, or was absent.
  EXPECT_EQ(Check({Put(1, 0, 1, "k", "a"), Cas(1, 2, 3, "k", "z", "b", true)}),
            CheckResult::kIllegal);
  EXPECT_EQ(Check({Cas(1, 0, 1, "k", "", "b", true)}), CheckResult::kIllegal);
  // Two concurrent CAS from the same value: only one may win.
  EXPECT_EQ(Check({Put(1, 0, 1, "k", "a"), Cas(1, 2, 10, "k", "a", "b", true),
                   Cas(2, 3, 11, "k", "a", "c", true)}),
            CheckResult::kIllegal);
  EXPECT_EQ(Check({Put(1, 0, 1, "k", "a"), Cas(1, 2, 10, "k", "a", "b", true),
                   Cas(2, 3, 11, "k", "a", "c", false), Get(3, 12, 13, "k", "b")}),
            CheckResult::kOk);
}

TEST(KvModelTest, UnknownCasOutcome) {
  const KvOperation put = Put(1, 0, 1, "k", "a");
  const KvOperation cas = Unknown(Cas(2, 2, 3, "k", "a", "b", false));
  EXPECT_EQ(Check({put, cas, Get(3, 10, 11, "k", "b")}), CheckResult::kOk);
  EXPECT_EQ(Check({put, cas, Get(3, 10, 11, "k", "a")}), CheckResult::kOk);
  EXPECT_EQ(Check({put, cas, Get(3, 10, 11, "k", "b"), Get(3, 12, 13, "k", "a")}),
            CheckResult::kIllegal);
  // A CAS whose compare could never match cannot have swapped.
  const KvOperation hopeless = Unknown(Cas(2, 2, 3, "k", "zzz", "b", true));
  EXPECT_EQ(Check({put, hopeless, Get(3, 10, 11, "k", "b")}), CheckResult::kIllegal);
  // ... unless the value it expects shows up later.
  EXPECT_EQ(Check({put, hopeless, Put(1, 5, 6, "k", "zzz"), Get(3, 10, 11, "k", "b")}),
            CheckResult::kOk);
}

TEST(KvModelTest, KeysArePartitioned) {
  std::vector<KvOperation> h;
  for (int k = 0; k < 50; ++k) {
    const std::string key = "key" + std::to_string(k);
    h.push_back(Put(k, 0, 10, key, "v" + std::to_string(k)));
    h.push_back(Get(100 + k, 5, 6, key, std::nullopt));
    h.push_back(Get(100 + k, 11, 12, key, "v" + std::to_string(k)));
  }
  CheckOutcome outcome = CheckOperations(KvModel(), h);
  EXPECT_EQ(outcome.result, CheckResult::kOk);
  EXPECT_EQ(outcome.partitions, 50u);
  // A value written to one key is never seen under another.
  h.push_back(Get(7, 20, 21, "key3", "v4"));
  std::string why;
  EXPECT_EQ(Check(h, &why), CheckResult::kIllegal);
  EXPECT_NE(why.find("get(\"key3\") -> \"v4\""), std::string::npos) << why;
  // Many independent keys, each with many concurrent writers, stay cheap.
  std::vector<KvOperation> wide;
  for (int k = 0; k < 200; ++k) {
    const std::string key = "k" + std::to_string(k);
    for (int w = 0; w < 6; ++w) wide.push_back(Put(w, 0, 100, key, std::to_string(w)));
    wide.push_back(Get(9, 101, 102, key, "3"));
  }
  EXPECT_EQ(Check(wide), CheckResult::kOk);
}

TEST(KvModelTest, SearchTimeoutSaysUnknown) {
  // 40 concurrent writes of distinct values, then a read of a value nobody
  // wrote: every order of the writes must be tried, far more than 50 ms.
  std::vector<KvOperation> h;
  for (int w = 0; w < 40; ++w) h.push_back(Put(w, 0, 100, "k", std::to_string(w)));
  h.push_back(Get(99, 200, 201, "k", "nobody"));
  std::string why;
  EXPECT_EQ(CheckKvHistory(h, milliseconds(50), &why), CheckResult::kUnknown);
  EXPECT_NE(why.find("timed out"), std::string::npos) << why;
}

TEST(KvModelTest, MalformedHistoryIsUnknown) {
  std::string why;
  EXPECT_EQ(Check({Put(1, 10, 5, "k", "a")}, &why), CheckResult::kUnknown);
  EXPECT_NE(why.find("malformed"), std::string::npos) << why;
}

TEST(KvModelTest, DescribesBinaryValuesReadably) {
  KvModel model;
  EXPECT_EQ(model.DescribeOperation({KvOpKind::kPut, "a\"b", std::string("\x01z", 2), ""}, {}),
            "put(\"a\\\"b\", \"\\x01z\") -> ok");
  EXPECT_EQ(model.DescribeState(std::nullopt), "absent");
}

}  // namespace
}  // namespace nokv::linearizability
