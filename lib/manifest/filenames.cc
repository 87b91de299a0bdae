// File naming for NoKV directories.
#include "manifest/filenames.h"

#include <cstdio>
#include <string_view>

namespace nokv {
namespace {

constexpr std::string_view kManifestPrefix = "MANIFEST-";

std::string NumberedName(const std::string& dir, std::string_view prefix, uint64_t number,
                         std::string_view suffix) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%06llu", static_cast<unsigned long long>(number));
  std::string out = dir;
  out.push_back('/');
  out.append(prefix);
  out.append(buf);
  out.append(suffix);
  return out;
}

// Parses a non-empty all-digit string without overflow.
bool ParseNumber(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string TableFileName(const std::string& dir, uint64_t number) {
  return NumberedName(dir, "", number, ".sst");
}

std::string WalFileName(const std::string& dir, uint64_t number) {
  return NumberedName(dir, "", number, ".wal");
}

std::string ManifestFileName(const std::string& dir, uint64_t number) {
  return NumberedName(dir, kManifestPrefix, number, "");
}

std::string CurrentFileName(const std::string& dir) { return dir + "/CURRENT"; }

std::string LockFileName(const std::string& dir) { return dir + "/LOCK"; }

bool ParseFileName(const std::string& name, FileKind* kind, uint64_t* number) {
  const std::string_view s(name);
  *kind = FileKind::kUnknown;
  *number = 0;
  uint64_t n = 0;
  if (s == "CURRENT") {
    *kind = FileKind::kCurrent;
    return true;
  }
  if (s == "LOCK") {
    *kind = FileKind::kLock;
    return true;
  }
  if (s.substr(0, kManifestPrefix.size()) == kManifestPrefix) {
    if (!ParseNumber(s.substr(kManifestPrefix.size()), &n)) return false;
    *kind = FileKind::kManifest;
    *number = n;
    return true;
  }
  if (EndsWith(s, ".tmp")) {
    if (s.size() == 4) return false;
    if (ParseNumber(s.substr(0, s.size() - 4), &n)) *number = n;
    *kind = FileKind::kTemp;
    return true;
  }
  for (auto [suffix, k] : {std::pair{std::string_view(".sst"), FileKind::kTable},
                           std::pair{std::string_view(".wal"), FileKind::kWal}}) {
    if (EndsWith(s, suffix)) {
      if (!ParseNumber(s.substr(0, s.size() - suffix.size()), &n)) return false;
      *kind = k;
      *number = n;
      return true;
    }
  }
  return false;
}

}  // namespace nokv
