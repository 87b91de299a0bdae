// nokv kv get|put|delete|scan: a small cluster client for scripts. `get`
// prints the value and exits 1 when the key is missing; every failure goes
// to stderr with a non-zero exit (codes in commands.h). The client behind it
// is a KvClient (kv_client.h).
#include <fmt/core.h>

#include <cstdio>

#include "config/key_text.h"
#include "kv_client.h"

namespace nokv::cli {
namespace {

constexpr int kExitKvNotFound = 1;
constexpr int kExitKvFailed = 3;
constexpr uint64_t kMaxScanLimit = 1'000'000;

// An argument in the chosen spelling: raw bytes, or hex with --hex.
bool DecodeArgument(const KvOptions& o, const std::string& text, std::string* bytes) {
  if (!o.hex) {
    *bytes = text;
    return true;
  }
  Result<std::string> decoded = config::HexDecode(text);
  if (!decoded.ok()) return false;
  *bytes = decoded.value();
  return true;
}

std::string Show(const KvOptions& o, const std::string& bytes) {
  return o.hex ? config::HexEncode(bytes) : bytes;
}

}  // namespace

std::string CheckKvArguments(const KvOptions& o) {
  if (o.op != "get" && o.op != "put" && o.op != "delete" && o.op != "scan") {
    return "unknown operation \"" + o.op + "\" (expected get, put, delete or scan)";
  }
  if (o.pd_addr.empty()) return "--pd-addr is required (or set NOKV_PD_ADDR)";
  if (o.timeout_ms <= 0) return "--timeout must be > 0";
  if (o.op != "scan" && o.key.empty()) return "an empty key is not a key";
  if (o.op == "scan" && (o.limit == 0 || o.limit > kMaxScanLimit)) {
    return "--limit must be in 1.." + std::to_string(kMaxScanLimit);
  }
  std::string unused;
  if (!DecodeArgument(o, o.key, &unused)) {
    return (o.op == "scan" ? "START" : "KEY") + std::string(" \"") + o.key +
           "\" is not hex (--hex)";
  }
  if (o.op == "put" && !DecodeArgument(o, o.value, &unused)) {
    return "VALUE \"" + o.value + "\" is not hex (--hex)";
  }
  return "";
}

int ExecuteKv(KvClient* client, const KvOptions& o, std::string* out, std::string* err) {
  const std::string usage = CheckKvArguments(o);
  if (!usage.empty()) {
    *err += "nokv kv " + o.op + ": " + usage + "\n";
    return kExitUsage;
  }
  auto failed = [&](const Status& s) {
    *err += "nokv kv " + o.op + ": " + s.ToString() + "\n";
    return kExitKvFailed;
  };
  std::string key, value;
  (void)DecodeArgument(o, o.key, &key);
  if (o.op == "get") {
    Result<std::string> v = client->Get(key);
    if (!v.ok()) {
      if (v.status().IsNotFound()) {
        *err += "nokv kv get: key not found\n";
        return kExitKvNotFound;
      }
      return failed(v.status());
    }
    *out += Show(o, v.value()) + "\n";
    return kExitOk;
  }
  if (o.op == "put") {
    (void)DecodeArgument(o, o.value, &value);
    Status s = client->Put(key, value);
    return s.ok() ? kExitOk : failed(s);
  }
  if (o.op == "delete") {
    Status s = client->Delete(key);
    return s.ok() ? kExitOk : failed(s);
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  Status s = client->Scan(key, o.limit, &pairs);
  if (!s.ok()) return failed(s);
  for (const auto& [k, v] : pairs) *out += Show(o, k) + "\t" + Show(o, v) + "\n";
  return kExitOk;
}

int RunKv(const KvOptions& o) {
  std::string out, err;
  const std::string usage = CheckKvArguments(o);
  if (!usage.empty()) {
    fmt::print(stderr, "nokv kv {}: {}\n", o.op, usage);
    return kExitUsage;
  }
  Result<std::unique_ptr<KvClient>> client = OpenKvClient({o.pd_addr, o.timeout_ms});
  if (!client.ok()) {
    fmt::print(stderr, "nokv kv {}: {}\n", o.op, client.status().ToString());
    return kExitKvFailed;
  }
  const int code = ExecuteKv(client->get(), o, &out, &err);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fwrite(err.data(), 1, err.size(), stderr);
  return code;
}

}  // namespace nokv::cli
