// Shared helpers of the command handlers: key positions, error texts, reads
// and writes of one key, argument parsing.
#include "redis/command.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace nokv::redis {

std::string ArityError(std::string_view name) {
  return "ERR wrong number of arguments for '" + std::string(name) + "' command";
}

std::string InvalidExpireError(std::string_view cmd) {
  return "ERR invalid expire time in '" + std::string(cmd) + "' command";
}

bool KeyIndexes(const CommandSpec& spec, size_t argc, std::vector<size_t>* indexes) {
  indexes->clear();
  if (spec.first_key <= 0) return true;
  const int n = static_cast<int>(argc);
  const int step = std::max(1, spec.key_step);
  const int last = spec.last_key < 0 ? n + spec.last_key : spec.last_key;
  if (spec.last_key < 0 && step > 1 && (last + 1 - spec.first_key) % step != 0) return false;
  for (int i = spec.first_key; i <= last && i < n; i += step) {
    indexes->push_back(static_cast<size_t>(i));
  }
  return true;
}

namespace {
Status Read(RedisStore* store, std::string_view key, StoredValue* value, bool count) {
  value->data.clear();
  value->expires_at_ms = 0;
  Status s = count ? store->Get(key, &value->data, &value->expires_at_ms)
                   : store->GetForWrite(key, &value->data, &value->expires_at_ms);
  value->found = s.ok();
  if (s.ok() || s.IsNotFound()) return Status::OK();
  return EngineErr(s);
}
}  // namespace

Status Lookup(RedisStore* store, std::string_view key, StoredValue* value) {
  return Read(store, key, value, true);
}

Status LookupForWrite(RedisStore* store, std::string_view key, StoredValue* value) {
  return Read(store, key, value, false);
}

Status StoreValue(RedisStore* store, std::string_view key, std::string_view value, int64_t at_ms) {
  Status s;
  if (at_ms > 0 && static_cast<uint64_t>(at_ms) <= store->NowMs()) {
    s = store->Delete(key);
  } else {
    s = store->Put(key, value, static_cast<uint64_t>(at_ms));
  }
  return s.ok() ? s : EngineErr(s);
}

Status ModifyKey(RedisStore* store, std::string_view key, const Modifier& modify) {
  auto guard = store->locks().Lock(key);
  StoredValue v;
  NOKV_RETURN_IF_ERROR(LookupForWrite(store, key, &v));
  bool write = false;
  NOKV_RETURN_IF_ERROR(modify(&v, &write));
  if (!write) return Status::OK();
  return StoreValue(store, key, v.data, static_cast<int64_t>(v.expires_at_ms));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return r;
}

std::string ToUpper(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return r;
}

Status ParseInt64(std::string_view s, int64_t* v) {
  if (!StringToInt64(s, v)) return Err(kErrNotInteger);
  return Status::OK();
}

bool ParseLongDouble(std::string_view s, long double* v) {
  constexpr size_t kMaxChars = 5 * 1024;
  if (s.empty() || s.size() >= kMaxChars) return false;
  std::string buf(s);
  if (std::isspace(static_cast<unsigned char>(buf[0]))) return false;
  errno = 0;
  char* end = nullptr;
  long double value = std::strtold(buf.c_str(), &end);
  // The whole string must be the number: "1\0x" (a NUL inside) is not 1.
  if (*end != '\0' || static_cast<size_t>(end - buf.c_str()) != buf.size()) return false;
  if (errno == ERANGE &&
      (value == HUGE_VALL || value == -HUGE_VALL || std::fpclassify(value) == FP_ZERO)) {
    return false;
  }
  if (std::isnan(value)) return false;
  *v = value;
  return true;
}

std::string FormatLongDouble(long double v) {
  char buf[5 * 1024 + 64];
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (len <= 0 || static_cast<size_t>(len) >= sizeof(buf)) return "0";
  std::string s(buf, static_cast<size_t>(len));
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

}  // namespace nokv::redis
