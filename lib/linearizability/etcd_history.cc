// EtcdModel and the Jepsen etcd log parser: see etcd_history.h.
#include "linearizability/etcd_history.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace nokv::linearizability {
namespace {

std::vector<std::string_view> SplitWhitespace(std::string_view line) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) tokens.push_back(line.substr(i, j - i));
    i = j;
  }
  return tokens;
}

bool ParseInt(std::string_view s, int64_t* v) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Parses the cas argument `[FROM TO]`, split into two tokens.
bool ParseCasPair(const std::vector<std::string_view>& rest, int64_t* from, int64_t* to) {
  if (rest.size() != 2 || rest[0].size() < 2 || rest[1].size() < 2) return false;
  if (rest[0].front() != '[' || rest[1].back() != ']') return false;
  return ParseInt(rest[0].substr(1), from) && ParseInt(rest[1].substr(0, rest[1].size() - 1), to);
}

}  // namespace

std::optional<EtcdModel::State> EtcdModel::Step(const State& state, const EtcdInput& in,
                                                const EtcdOutput& out) const {
  switch (in.kind) {
    case EtcdOpKind::kRead:
      if (out.unknown) return state;
      if (out.exists != state.has_value()) return std::nullopt;
      if (out.exists && out.value != *state) return std::nullopt;
      return state;
    case EtcdOpKind::kWrite:
      return State(in.value);
    case EtcdOpKind::kCas: {
      const bool matches = state.has_value() && *state == in.from;
      if (!out.unknown && out.ok != matches) return std::nullopt;
      return matches ? State(in.value) : state;
    }
  }
  return std::nullopt;
}

uint64_t EtcdModel::HashState(const State& state) const {
  return state ? static_cast<uint64_t>(*state) : 0x6e696cull;
}

std::string EtcdModel::DescribeOperation(const EtcdInput& in, const EtcdOutput& out) const {
  switch (in.kind) {
    case EtcdOpKind::kRead:
      if (out.unknown) return "read -> unknown";
      return "read -> " + (out.exists ? std::to_string(out.value) : std::string("nil"));
    case EtcdOpKind::kWrite:
      return "write(" + std::to_string(in.value) + ")" + (out.unknown ? " -> unknown" : "");
    case EtcdOpKind::kCas:
      return "cas(" + std::to_string(in.from) + " -> " + std::to_string(in.value) + ") -> " +
             (out.unknown ? "unknown" : out.ok ? "ok" : "fail");
  }
  return "?";
}

std::string EtcdModel::DescribeState(const State& state) const {
  return state ? std::to_string(*state) : "nil";
}

bool ParseJepsenEtcdLog(std::string_view text, std::vector<EtcdOperation>* history,
                        std::string* error) {
  history->clear();
  std::unordered_map<int64_t, size_t> pending;  // process -> index in *history
  int64_t line_no = 0;
  auto fail = [&](std::string_view why) {
    if (error) *error = "line " + std::to_string(line_no) + ": " + std::string(why);
    return false;
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const std::vector<std::string_view> t = SplitWhitespace(line);
    if (t.empty()) continue;
    int64_t process = 0;
    if (t.size() < 7 || t[0] != "INFO" || t[1] != "jepsen.util" || t[2] != "-" ||
        !ParseInt(t[3], &process)) {
      return fail("not a jepsen.util line");
    }
    const std::string_view type = t[4];
    const std::string_view f = t[5];
    const std::vector<std::string_view> rest(t.begin() + 6, t.end());
    EtcdOpKind kind;
    if (f == ":read") {
      kind = EtcdOpKind::kRead;
    } else if (f == ":write") {
      kind = EtcdOpKind::kWrite;
    } else if (f == ":cas") {
      kind = EtcdOpKind::kCas;
    } else {
      return fail("unknown function");
    }

    if (type == ":invoke") {
      EtcdOperation op;
      op.client_id = static_cast<int>(process);
      op.call = line_no;
      op.ret = kNeverReturned;
      op.input.kind = kind;
      op.output.unknown = true;
      if (kind == EtcdOpKind::kRead) {
        if (rest.size() != 1 || rest[0] != "nil") return fail("bad read invocation");
      } else if (kind == EtcdOpKind::kWrite) {
        if (rest.size() != 1 || !ParseInt(rest[0], &op.input.value)) return fail("bad write value");
      } else if (!ParseCasPair(rest, &op.input.from, &op.input.value)) {
        return fail("bad cas arguments");
      }
      pending[process] = history->size();
      history->push_back(op);
      continue;
    }
    if (type != ":ok" && type != ":fail" && type != ":info") return fail("unknown event type");
    auto it = pending.find(process);
    if (it == pending.end()) return fail("completion without an invocation");
    EtcdOperation& op = (*history)[it->second];
    if (op.input.kind != kind) return fail("completion of another function");
    if (type == ":info") {
      // Outcome unknown: the operation stays pending forever.
      pending.erase(it);
      continue;
    }
    const bool timed_out = rest.size() == 1 && rest[0] == ":timed-out";
    op.ret = line_no;
    op.output = EtcdOutput{};
    if (kind == EtcdOpKind::kRead) {
      if (type == ":fail") {
        if (!timed_out) return fail("bad failed read");
        op.output.unknown = true;
      } else if (rest.size() == 1 && rest[0] == "nil") {
        op.output.exists = false;
      } else if (rest.size() == 1 && ParseInt(rest[0], &op.output.value)) {
        op.output.exists = true;
      } else {
        return fail("bad read result");
      }
    } else if (kind == EtcdOpKind::kWrite) {
      if (type != ":ok") return fail("a write can only complete :ok or :info");
    } else {
      op.output.ok = type == ":ok";
    }
    pending.erase(it);
  }
  return true;
}

bool ReadJepsenEtcdLog(const std::string& path, std::vector<EtcdOperation>* history,
                       std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = "cannot open " + path;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!ParseJepsenEtcdLog(text.str(), history, error)) {
    if (error) *error = path + ": " + *error;
    return false;
  }
  return true;
}

}  // namespace nokv::linearizability
