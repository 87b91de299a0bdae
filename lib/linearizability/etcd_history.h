// Jepsen etcd register histories (the format of Porcupine's test_data/jepsen
// logs) and the register model they are checked against. Used to validate the
// checker on histories whose verdicts are known.
//
// Each log line is `INFO jepsen.util - PROCESS TYPE F VALUE`, TYPE one of
// :invoke :ok :fail :info, F one of :read :write :cas, VALUE `nil`, a number,
// `[FROM TO]` or `:timed-out`. :info means the outcome is unknown: the
// operation stays pending forever (Jepsen gives the client a new process).
// A `:fail :read :timed-out` read returns with an unknown value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "linearizability/checker.h"

namespace nokv::linearizability {

enum class EtcdOpKind { kRead, kWrite, kCas };

struct EtcdInput {
  EtcdOpKind kind = EtcdOpKind::kRead;
  int64_t value = 0;  // write: the value; cas: the new value
  int64_t from = 0;   // cas: the expected value
};

struct EtcdOutput {
  bool unknown = false;  // timed out: no constraint on what happened
  bool ok = true;        // cas: swapped (false: the compare failed)
  bool exists = false;   // read: the register had a value
  int64_t value = 0;     // read: that value
};

using EtcdOperation = Operation<EtcdInput, EtcdOutput>;

// One register, initially without a value.
class EtcdModel {
 public:
  using State = std::optional<int64_t>;
  using Input = EtcdInput;
  using Output = EtcdOutput;

  State Init() const { return std::nullopt; }
  std::optional<State> Step(const State& state, const EtcdInput& in, const EtcdOutput& out) const;
  uint64_t HashState(const State& state) const;
  std::string DescribeOperation(const EtcdInput& in, const EtcdOutput& out) const;
  std::string DescribeState(const State& state) const;
};

// Parses a log. Times are line numbers. Returns false and sets *error (with
// the line number) on a line it does not understand.
bool ParseJepsenEtcdLog(std::string_view text, std::vector<EtcdOperation>* history,
                        std::string* error);

// Reads and parses the log at `path`.
bool ReadJepsenEtcdLog(const std::string& path, std::vector<EtcdOperation>* history,
                       std::string* error);

}  // namespace nokv::linearizability
