// Crc32cRangeIndex answers "crc32c of bytes [begin, end) of this buffer" in
// near-constant time, so that WAL recovery can test every byte offset of a
// damaged file for a valid record without re-checksumming the rest of the
// file at each offset (which would be quadratic).
//
// It uses CRC linearity: crc(A|B) = shift(crc(A), |B|) ^ crc(B), where shift
// multiplies by x^(8|B|) modulo the CRC polynomial (zlib's crc32_combine).
// Prefix checksums are kept every kStride bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace nokv {

class Crc32cRangeIndex {
 public:
  // data must outlive the index.
  explicit Crc32cRangeIndex(std::string_view data);

  // crc32c (the value crc32c::Value would return) of data[begin, end).
  // Requires begin <= end <= data.size().
  uint32_t Value(size_t begin, size_t end) const;

 private:
  static constexpr size_t kStride = 64;

  uint32_t Prefix(size_t pos) const;        // crc32c of data[0, pos)
  uint32_t Shift(uint32_t crc, uint64_t len) const;  // crc * x^(8 len) mod P

  std::string_view data_;
  std::vector<uint32_t> checkpoints_;  // checkpoints_[i] = Prefix(i * kStride)
  // pow_[k][j] = x^(8 * j * 256^k) mod P, for lengths below 2^32.
  std::array<std::array<uint32_t, 256>, 4> pow_;
};

}  // namespace nokv
