// Shared helpers of the command handlers: error texts and argument parsing.
#include "redis/command.h"

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

namespace {
Status FoundOrError(const Status& s, bool* found) {
  *found = s.ok();
  if (s.ok() || s.IsNotFound()) return Status::OK();
  return EngineErr(s);
}
}  // namespace

Status Lookup(RedisStore* store, std::string_view key, std::string* value, bool* found,
              uint64_t* expires_at) {
  return FoundOrError(store->Get(key, value, expires_at), found);
}

Status LookupForWrite(RedisStore* store, std::string_view key, std::string* value, bool* found,
                      uint64_t* expires_at) {
  return FoundOrError(store->GetForWrite(key, value, expires_at), found);
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
