// A sequential model of a key-value store with get, put and compare-and-set,
// and CheckKvHistory, which checks a recorded client history against it (one
// partition per key).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "linearizability/checker.h"

namespace nokv::linearizability {

enum class KvOpKind { kGet, kPut, kCas };

struct KvInput {
  KvOpKind kind = KvOpKind::kGet;
  std::string key;
  std::string value;     // put: the value written; cas: the new value
  std::string expected;  // cas: swap only if the key exists with this value
};

// What the client saw.
//   unknown: the call timed out or failed in a way that leaves its outcome
//     open. A get then constrains nothing; a put or cas may have taken effect
//     at any time after its call, even after the client gave up, so
//     CheckKvHistory treats its return time as kNeverReturned.
//   ok: put: the write was acknowledged (ok == false and !unknown: it
//     definitely did not happen); cas: the compare matched and the value was
//     swapped (false: the key was absent or held another value); get: the read
//     was answered (false: it failed and constrains nothing).
//   found, value: get: whether the key existed and its value.
struct KvOutput {
  bool unknown = false;
  bool ok = true;
  bool found = false;
  std::string value;
};

// ret == kNeverReturned (INT64_MAX) for an operation that never returned.
using KvOperation = Operation<KvInput, KvOutput>;

// The model of one key's register; Partition splits a history by key.
class KvModel {
 public:
  using State = std::optional<std::string>;  // nullopt: the key is absent
  using Input = KvInput;
  using Output = KvOutput;

  State Init() const { return std::nullopt; }
  std::optional<State> Step(const State& state, const KvInput& in, const KvOutput& out) const;
  uint64_t HashState(const State& state) const;
  std::string DescribeOperation(const KvInput& in, const KvOutput& out) const;
  std::string DescribeState(const State& state) const;
  std::vector<std::vector<size_t>> Partition(const std::vector<KvOperation>& history) const;
};

// Checks a client history of a key-value store. Gets that constrain nothing
// (unknown or failed) and puts that definitely failed are dropped first; puts
// and cas with an unknown outcome are treated as never returning. Returns
// kUnknown when `timeout` (zero: none) runs out first. On kIllegal,
// *explanation (if not null) says which key, the longest linearizable prefix
// of its operations and the operation that could not be placed.
CheckResult CheckKvHistory(const std::vector<KvOperation>& history, std::chrono::milliseconds timeout,
                           std::string* explanation);

}  // namespace nokv::linearizability
