// Route keys: an order-preserving, prefix-free byte encoding of internal keys
// (base/internal_key.h), so that the ART memtable index can order entries by
// plain byte comparison.
//
// Layout. The user part (cf byte + user key, n bytes) is cut into 8-byte
// groups; every group is written as 8 data bytes followed by one marker byte:
//
//   full group (8 real bytes, more groups follow)   data[8] | 0xFF
//   last group (r = n mod 8 real bytes, r in 0..7)   data[r] 0x00 x (8-r) | 0xFF - (8-r)
//
// so the encoded user part is 9 * (n / 8 + 1) bytes and always ends with a
// marker in 0xF7..0xFE. The 16-byte trailer (~version, ~sequence, both
// big-endian) is appended unchanged:
//
//   route key = encoded user part | trailer[16]
//
// Why byte order equals CompareInternalKeys order:
//  * Encoded user parts are prefix-free: an encoding ends at its first marker
//    below 0xFF, and markers sit at fixed offsets (9k + 8), so if one encoding
//    were a prefix of another both would end at the same marker, and the
//    groups before it determine the user part exactly.
//  * They preserve order. Take user parts a != b and the first group where
//    their encodings differ. If the 8 data bytes differ, either both hold real
//    bytes at the first difference (same order as a and b), or one is padding
//    (0x00) and the other a real byte x > 0, which is in the longer user part,
//    and the shorter one (a prefix of the longer) sorts first both ways. If the
//    data bytes are equal, the markers differ; a larger marker means more real
//    bytes in the group, so the longer user part - of which the other is then a
//    prefix - sorts second, as memcmp-then-length ordering demands.
//  * Because the encoded user part is prefix-free, two route keys with
//    different user parts first differ inside the encoded user part, and two
//    with equal user parts differ only in the trailer, which is compared
//    bytewise exactly as CompareInternalKeys does.
// The whole route key is prefix-free too (a prefix-free part plus a fixed
// length trailer), which the ART relies on: no key ends at an inner node.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace nokv {

constexpr size_t kRouteGroupSize = 8;
constexpr unsigned char kRouteFullGroupMarker = 0xFF;

// The route key length for an internal key of `internal_key_size` bytes
// (>= kTrailerSize).
size_t RouteKeyLength(size_t internal_key_size);

// Writes the route key of `internal_key` (>= kTrailerSize bytes) to dst,
// which must have room for RouteKeyLength(internal_key.size()) bytes.
// Returns one past the last byte written.
char* EncodeRouteKey(std::string_view internal_key, char* dst);

// Appends the route key of `internal_key` to *dst.
void AppendRouteKey(std::string* dst, std::string_view internal_key);

// Inverse of EncodeRouteKey. Returns false if `route_key` is not a valid
// encoding (wrong length, bad marker, non-zero padding).
bool DecodeRouteKey(std::string_view route_key, std::string* internal_key);

// A route key built in an inline buffer (the heap only for long keys): the
// search target of one lookup.
class RouteKeyBuffer {
 public:
  explicit RouteKeyBuffer(std::string_view internal_key);
  RouteKeyBuffer(const RouteKeyBuffer&) = delete;
  RouteKeyBuffer& operator=(const RouteKeyBuffer&) = delete;

  std::string_view key() const { return {data_, size_}; }

 private:
  char inline_[192];
  std::string heap_;
  const char* data_;
  size_t size_;
};

}  // namespace nokv
