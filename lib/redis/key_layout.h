// How the gateway lays Redis keys out in the engine (listed in
// docs/formats.md). Every Redis key K is stored in the default column family
// under the engine key
//
//   kKeyPrefix (1 byte, 'R') | K (0..kMaxKeyLen bytes)
//
// with the Redis value as the engine value and the Redis expiry as the
// engine's expires_at_ms. The prefix makes the empty Redis key a valid
// (non-empty) engine key and puts the whole keyspace in one engine range,
// [kKeyspaceBegin, kKeyspaceEnd), which SCAN, KEYS, DBSIZE, FLUSHDB (one
// DeleteRange) and the active expiry walk are bounded to. Engine keys
// outside that range are not the gateway's and are never shown or touched.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/internal_key.h"

namespace nokv::redis {

inline constexpr char kKeyPrefix = 'R';
inline constexpr std::string_view kKeyspaceBegin = "R";
inline constexpr std::string_view kKeyspaceEnd = "S";  // kKeyPrefix + 1
// The longest Redis key: the engine's limit less the prefix byte.
inline constexpr size_t kMaxKeyLen = kMaxUserKeySize - 1;

// The engine key of Redis key `key`.
inline std::string EncodeKey(std::string_view key) {
  std::string k;
  k.reserve(key.size() + 1);
  k.push_back(kKeyPrefix);
  k.append(key);
  return k;
}

// The engine key of a Redis key, built in place (no allocation) for keys up
// to 63 bytes: the per-command form of EncodeKey.
class EngineKey {
 public:
  explicit EngineKey(std::string_view key) {
    if (key.size() < sizeof(buf_)) {
      buf_[0] = kKeyPrefix;
      key.copy(buf_ + 1, key.size());
      view_ = std::string_view(buf_, key.size() + 1);
    } else {
      heap_ = EncodeKey(key);
      view_ = heap_;
    }
  }
  EngineKey(const EngineKey&) = delete;
  EngineKey& operator=(const EngineKey&) = delete;
  std::string_view view() const { return view_; }

 private:
  char buf_[64];
  std::string heap_;
  std::string_view view_;
};

// The Redis key of an engine key inside the keyspace range.
inline std::string_view DecodeKey(std::string_view engine_key) { return engine_key.substr(1); }

}  // namespace nokv::redis
