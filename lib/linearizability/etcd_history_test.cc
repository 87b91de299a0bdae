// Validates the checker on the 103 Jepsen etcd histories recorded by
// Porcupine: every file's verdict must match expected.txt. The histories live
// outside the repository (NOKV_ETCD_HISTORIES_DIR); the test fails if they are
// missing.
#include "linearizability/etcd_history.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace nokv::linearizability {
namespace {

const std::filesystem::path kDir = NOKV_ETCD_HISTORIES_DIR;

TEST(EtcdHistoryTest, ParsesEveryEventKind) {
  const std::string log =
      "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 1\t:invoke\t:write\t4\n"
      "INFO  jepsen.util - 2\t:invoke\t:cas\t[4 1]\n"
      "INFO  jepsen.util - 3   :invoke   :read   nil\n"
      "INFO  jepsen.util - 0\t:ok\t:read\tnil\n"
      "INFO  jepsen.util - 1\t:info\t:write\t:timed-out\n"
      "INFO  jepsen.util - 2\t:fail\t:cas\t[4 1]\n"
      "INFO  jepsen.util - 3   :fail   :read   :timed-out\n"
      "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 0\t:ok\t:read\t4\n";
  std::vector<EtcdOperation> h;
  std::string error;
  ASSERT_TRUE(ParseJepsenEtcdLog(log, &h, &error)) << error;
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h[0].input.kind, EtcdOpKind::kRead);
  EXPECT_EQ(h[0].call, 1);
  EXPECT_EQ(h[0].ret, 5);
  EXPECT_FALSE(h[0].output.exists);
  EXPECT_EQ(h[1].input.kind, EtcdOpKind::kWrite);
  EXPECT_EQ(h[1].input.value, 4);
  EXPECT_EQ(h[1].ret, kNeverReturned);
  EXPECT_TRUE(h[1].output.unknown);
  EXPECT_EQ(h[2].input.kind, EtcdOpKind::kCas);
  EXPECT_EQ(h[2].input.from, 4);
  EXPECT_EQ(h[2].input.value, 1);
  EXPECT_EQ(h[2].ret, 7);
  EXPECT_FALSE(h[2].output.ok);
  EXPECT_FALSE(h[2].output.unknown);
  EXPECT_TRUE(h[3].output.unknown);
  EXPECT_EQ(h[3].ret, 8);
  EXPECT_TRUE(h[4].output.exists);
  EXPECT_EQ(h[4].output.value, 4);
  // The pending write of 4 explains the last read.
  EXPECT_EQ(CheckOperations(EtcdModel(), h).result, CheckResult::kOk);
}

TEST(EtcdHistoryTest, RejectsMalformedLines) {
  std::vector<EtcdOperation> h;
  std::string error;
  EXPECT_FALSE(ParseJepsenEtcdLog("INFO jepsen.util - 0 :invoke :incr 1\n", &h, &error));
  EXPECT_NE(error.find("line 1"), std::string::npos) << error;
  EXPECT_FALSE(ParseJepsenEtcdLog("INFO jepsen.util - 0 :ok :read 1\n", &h, &error));
  EXPECT_FALSE(ParseJepsenEtcdLog("INFO jepsen.util - 0 :invoke :cas [1\n", &h, &error));
  EXPECT_FALSE(ParseJepsenEtcdLog("hello\n", &h, &error));
}

std::map<std::string, std::string> ReadExpected() {
  std::map<std::string, std::string> expected;
  std::ifstream in(kDir / "expected.txt");
  std::string file, verdict;
  while (in >> file >> verdict) expected[file] = verdict;
  return expected;
}

TEST(EtcdHistoryTest, EveryRecordedHistoryGetsItsExpectedVerdict) {
  ASSERT_TRUE(std::filesystem::is_directory(kDir))
      << "the Jepsen etcd histories are missing: " << kDir;
  const std::map<std::string, std::string> expected = ReadExpected();
  ASSERT_EQ(expected.size(), 103u) << "expected.txt in " << kDir;

  // Every log in the folder has a verdict, and every verdict has its log.
  std::set<std::string> logs;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    if (entry.path().extension() == ".log") logs.insert(entry.path().filename().string());
  }
  std::set<std::string> listed;
  for (const auto& [file, verdict] : expected) listed.insert(file);
  ASSERT_EQ(logs, listed);

  int checked = 0, linearizable = 0, illegal = 0;
  double slowest_ms = 0;
  std::string slowest;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& [file, verdict] : expected) {
    std::vector<EtcdOperation> history;
    std::string error;
    ASSERT_TRUE(ReadJepsenEtcdLog((kDir / file).string(), &history, &error)) << error;
    if (verdict == "none") {
      EXPECT_TRUE(history.empty()) << file;
      continue;
    }
    ASSERT_TRUE(verdict == "linearizable" || verdict == "not-linearizable") << file << verdict;
    const auto t0 = std::chrono::steady_clock::now();
    CheckOptions options;
    options.timeout = std::chrono::seconds(20);
    const CheckOutcome outcome = CheckOperations(EtcdModel(), history, options);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (ms > slowest_ms) {
      slowest_ms = ms;
      slowest = file;
    }
    const CheckResult want =
        verdict == "linearizable" ? CheckResult::kOk : CheckResult::kIllegal;
    EXPECT_EQ(CheckResultName(outcome.result), std::string(CheckResultName(want)))
        << file << " (" << history.size() << " operations): " << outcome.explanation;
    if (outcome.result == CheckResult::kIllegal) {
      EXPECT_NE(outcome.explanation.find("longest linearizable prefix"), std::string::npos);
    }
    ++checked;
    (outcome.result == CheckResult::kOk ? linearizable : illegal)++;
  }
  const double total_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(checked, 102);
  std::printf("checked %d etcd histories (%d linearizable, %d not) in %.0f ms; slowest %s %.0f ms\n",
              checked, linearizable, illegal, total_ms, slowest.c_str(), slowest_ms);
}

}  // namespace
}  // namespace nokv::linearizability
