// KvModel and CheckKvHistory: see kv_model.h.
#include "linearizability/kv_model.h"

#include <cstdio>
#include <functional>
#include <map>
#include <string_view>

namespace nokv::linearizability {
namespace {

// A printable, quoted form of a key or value (bytes outside ASCII as \xNN).
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

// True if the operation changes nothing and constrains nothing.
bool IsVacuous(const KvOperation& op) {
  switch (op.input.kind) {
    case KvOpKind::kGet: return op.output.unknown || !op.output.ok || op.ret == kNeverReturned;
    case KvOpKind::kPut: return !op.output.unknown && !op.output.ok && op.ret != kNeverReturned;
    case KvOpKind::kCas: return false;
  }
  return false;
}

}  // namespace

std::optional<KvModel::State> KvModel::Step(const State& state, const KvInput& in,
                                            const KvOutput& out) const {
  switch (in.kind) {
    case KvOpKind::kGet:
      if (out.unknown || !out.ok) return state;
      if (out.found != state.has_value()) return std::nullopt;
      if (out.found && out.value != *state) return std::nullopt;
      return state;
    case KvOpKind::kPut:
      if (!out.unknown && !out.ok) return state;
      return State(in.value);
    case KvOpKind::kCas: {
      const bool matches = state.has_value() && *state == in.expected;
      if (!out.unknown && out.ok != matches) return std::nullopt;
      return matches ? State(in.value) : state;
    }
  }
  return std::nullopt;
}

uint64_t KvModel::HashState(const State& state) const {
  return state ? std::hash<std::string>()(*state) : 0x5eed0fab5e47ull;
}

std::string KvModel::DescribeOperation(const KvInput& in, const KvOutput& out) const {
  std::string s;
  switch (in.kind) {
    case KvOpKind::kGet:
      s = "get(" + Quote(in.key) + ") -> ";
      if (out.unknown || !out.ok) return s + "unknown";
      return s + (out.found ? Quote(out.value) : "not found");
    case KvOpKind::kPut:
      s = "put(" + Quote(in.key) + ", " + Quote(in.value) + ") -> ";
      return s + (out.unknown ? "unknown" : out.ok ? "ok" : "failed");
    case KvOpKind::kCas:
      s = "cas(" + Quote(in.key) + ", " + Quote(in.expected) + " -> " + Quote(in.value) + ") -> ";
      return s + (out.unknown ? "unknown" : out.ok ? "swapped" : "compare failed");
  }
  return s;
}

std::string KvModel::DescribeState(const State& state) const {
  return state ? Quote(*state) : "absent";
}

std::vector<std::vector<size_t>> KvModel::Partition(const std::vector<KvOperation>& history) const {
  std::map<std::string_view, size_t> part_of_key;
  std::vector<std::vector<size_t>> parts;
  for (size_t i = 0; i < history.size(); ++i) {
    auto [it, inserted] = part_of_key.try_emplace(history[i].input.key, parts.size());
    if (inserted) parts.emplace_back();
    parts[it->second].push_back(i);
  }
  return parts;
}

CheckResult CheckKvHistory(const std::vector<KvOperation>& history, std::chrono::milliseconds timeout,
                           std::string* explanation) {
  std::vector<KvOperation> normalized;
  normalized.reserve(history.size());
  for (const KvOperation& op : history) {
    if (IsVacuous(op)) continue;
    normalized.push_back(op);
    KvOperation& added = normalized.back();
    if (added.ret == kNeverReturned) added.output.unknown = true;
    if (added.output.unknown) added.ret = kNeverReturned;
  }
  CheckOptions options;
  options.timeout = timeout;
  options.explain = explanation != nullptr;
  CheckOutcome outcome = CheckOperations(KvModel(), normalized, options);
  if (explanation) *explanation = std::move(outcome.explanation);
  return outcome.result;
}

}  // namespace nokv::linearizability
