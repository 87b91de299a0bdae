// Route-key encoding and decoding (layout and order proof in route_key.h).
#include "memtable/route_key.h"

#include <cassert>
#include <cstring>

#include "base/internal_key.h"

namespace nokv {

size_t RouteKeyLength(size_t internal_key_size) {
  assert(internal_key_size >= kTrailerSize);
  const size_t user_size = internal_key_size - kTrailerSize;
  return (user_size / kRouteGroupSize + 1) * (kRouteGroupSize + 1) + kTrailerSize;
}

char* EncodeRouteKey(std::string_view internal_key, char* dst) {
  assert(internal_key.size() >= kTrailerSize);
  const size_t user_size = internal_key.size() - kTrailerSize;
  const char* src = internal_key.data();
  size_t left = user_size;
  while (left >= kRouteGroupSize) {
    std::memcpy(dst, src, kRouteGroupSize);
    dst[kRouteGroupSize] = static_cast<char>(kRouteFullGroupMarker);
    dst += kRouteGroupSize + 1;
    src += kRouteGroupSize;
    left -= kRouteGroupSize;
  }
  // The last group: `left` (0..7) real bytes, zero padding, and a marker
  // that says how much padding there is.
  if (left > 0) std::memcpy(dst, src, left);
  std::memset(dst + left, 0, kRouteGroupSize - left);
  dst[kRouteGroupSize] = static_cast<char>(kRouteFullGroupMarker - (kRouteGroupSize - left));
  dst += kRouteGroupSize + 1;
  std::memcpy(dst, internal_key.data() + user_size, kTrailerSize);
  return dst + kTrailerSize;
}

void AppendRouteKey(std::string* dst, std::string_view internal_key) {
  const size_t old_size = dst->size();
  dst->resize(old_size + RouteKeyLength(internal_key.size()));
  EncodeRouteKey(internal_key, dst->data() + old_size);
}

bool DecodeRouteKey(std::string_view route_key, std::string* internal_key) {
  constexpr size_t kGroup = kRouteGroupSize + 1;
  if (route_key.size() < kGroup + kTrailerSize) return false;
  const size_t encoded_user = route_key.size() - kTrailerSize;
  if (encoded_user % kGroup != 0) return false;
  internal_key->clear();
  for (size_t pos = 0; pos < encoded_user; pos += kGroup) {
    const auto marker = static_cast<unsigned char>(route_key[pos + kRouteGroupSize]);
    const bool last = pos + kGroup == encoded_user;
    if (!last) {
      if (marker != kRouteFullGroupMarker) return false;
      internal_key->append(route_key.data() + pos, kRouteGroupSize);
      continue;
    }
    if (marker >= kRouteFullGroupMarker || marker < kRouteFullGroupMarker - kRouteGroupSize) {
      return false;
    }
    const size_t real = kRouteGroupSize - (kRouteFullGroupMarker - marker);
    for (size_t i = real; i < kRouteGroupSize; ++i) {
      if (route_key[pos + i] != 0) return false;
    }
    internal_key->append(route_key.data() + pos, real);
  }
  internal_key->append(route_key.data() + encoded_user, kTrailerSize);
  return true;
}

RouteKeyBuffer::RouteKeyBuffer(std::string_view internal_key)
    : size_(RouteKeyLength(internal_key.size())) {
  char* dst = inline_;
  if (size_ > sizeof(inline_)) {
    heap_.resize(size_);
    dst = heap_.data();
  }
  data_ = dst;
  EncodeRouteKey(internal_key, dst);
}

}  // namespace nokv
