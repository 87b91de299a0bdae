// Crc32cRangeIndex: range checksums from prefix checksums (see header).
#include "wal/crc32c_range.h"

#include <cassert>

#include "base/crc32c.h"

namespace nokv {
namespace {

// x^0 in the reflected bit order used by crc32c.
constexpr uint32_t kOne = 1u << 31;

}  // namespace

Crc32cRangeIndex::Crc32cRangeIndex(std::string_view data) : data_(data) {
  checkpoints_.reserve(data.size() / kStride + 1);
  uint32_t crc = 0;
  checkpoints_.push_back(crc);
  for (size_t pos = kStride; pos <= data.size(); pos += kStride) {
    crc = crc32c::Extend(crc, data.data() + pos - kStride, kStride);
    checkpoints_.push_back(crc);
  }
  // x^8: one byte of shift. kOne >> 8 is x^8 in reflected order.
  uint32_t step = kOne >> 8;
  for (auto& table : pow_) {
    table[0] = kOne;
    for (size_t j = 1; j < 256; ++j) table[j] = crc32c::MultModP(table[j - 1], step);
    step = crc32c::MultModP(table[255], step);  // x^(8 * 256^(k+1))
  }
}

uint32_t Crc32cRangeIndex::Prefix(size_t pos) const {
  const size_t cp = pos / kStride;
  const size_t base = cp * kStride;
  return crc32c::Extend(checkpoints_[cp], data_.data() + base, pos - base);
}

uint32_t Crc32cRangeIndex::Shift(uint32_t crc, uint64_t len) const {
  assert(len < (uint64_t{1} << 32));
  for (const auto& table : pow_) {
    const uint32_t digit = static_cast<uint32_t>(len & 0xff);
    if (digit != 0) crc = crc32c::MultModP(table[digit], crc);
    len >>= 8;
  }
  return crc;
}

uint32_t Crc32cRangeIndex::Value(size_t begin, size_t end) const {
  assert(begin <= end && end <= data_.size());
  return Prefix(end) ^ Shift(Prefix(begin), end - begin);
}

}  // namespace nokv
