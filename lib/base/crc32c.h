// CRC32C (Castagnoli), the checksum on every persistent NoKV record.
// Uses the SSE4.2 instruction when the CPU has it, a table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nokv::crc32c {

// Returns the crc32c of concat(A, data[0,n)) where init_crc is crc32c(A).
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }

// Extend computed with the byte table only (the reference the fast path is
// tested against).
uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n);
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// a(x) * b(x) modulo the CRC32C polynomial, both bit-reflected (x^0 is the
// top bit), as the CRC register holds them: the step that shifts or combines
// checksums (x^(8n) * crc(A) is crc(A followed by n zero bytes), unmasked
// and un-inverted).
uint32_t MultModP(uint32_t a, uint32_t b);

// Stored checksums are masked so that a CRC computed over bytes that embed
// CRCs does not degenerate (LevelDB's trick).
constexpr uint32_t kMaskDelta = 0xa282ead8ul;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace nokv::crc32c
