// CRC32C implementation: hardware (SSE4.2 crc32 instruction, three streams
// on long inputs) with a byte-table fallback; both produce identical results.
#include "base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

namespace nokv::crc32c {
namespace {

constexpr uint32_t kPoly = 0x82f63b78u;  // reflected Castagnoli polynomial

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kTable = MakeTable();

uint32_t ExtendSoftware(uint32_t crc, const char* data, size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  for (size_t i = 0; i < n; ++i) c = kTable[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return ~c;
}

// Long inputs: the crc32 instruction takes 3 cycles but can start one per
// cycle, so three independent streams over three adjacent chunks run about
// three times as fast as one. The register after chunks A|B|C from state s
// is shift(shift(R(s, A)) ^ R(0, B)) ^ R(0, C), where R is the raw
// (un-inverted) register update and shift multiplies by x^(8*chunk) modulo
// the polynomial: linear over GF(2), hence four 256-entry tables per chunk
// size (built once).

}  // namespace

uint32_t MultModP(uint32_t a, uint32_t b) {
  if (a == 0) return 0;
  uint32_t m = 1u << 31, p = 0;
  while (true) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = (b & 1) ? (b >> 1) ^ kPoly : b >> 1;
  }
  return p;
}

namespace {

// x^(8 * bytes) modulo the polynomial.
uint32_t XPowBytes(size_t bytes) {
  uint32_t result = 1u << 31;  // x^0
  uint32_t square = 1u << 30;  // x^(2^k), from x^1
  for (size_t e = bytes * 8; e != 0; e >>= 1) {
    if (e & 1) result = MultModP(square, result);
    square = MultModP(square, square);
  }
  return result;
}

struct ShiftTable {
  explicit ShiftTable(size_t bytes) {
    const uint32_t op = XPowBytes(bytes);
    for (int k = 0; k < 4; ++k) {
      for (uint32_t i = 0; i < 256; ++i) t[k][i] = MultModP(op, i << (8 * k));
    }
  }
  uint32_t operator()(uint32_t c) const {
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
  }
  uint32_t t[4][256];
};

constexpr size_t kLongChunk = 1024;  // bytes per stream, long tier
constexpr size_t kShortChunk = 128;  // bytes per stream, short tier

#if defined(__x86_64__)
// Runs three streams over [p, p+chunk), [p+chunk, ...), [p+2*chunk, ...) and
// folds them into c.
__attribute__((target("sse4.2"))) uint64_t ThreeWay(uint64_t c, const char* p, size_t chunk,
                                                     const ShiftTable& shift) {
  uint64_t c1 = 0, c2 = 0;
  for (size_t i = 0; i < chunk; i += 8) {
    uint64_t w0, w1, w2;
    std::memcpy(&w0, p + i, 8);
    std::memcpy(&w1, p + chunk + i, 8);
    std::memcpy(&w2, p + 2 * chunk + i, 8);
    c = _mm_crc32_u64(c, w0);
    c1 = _mm_crc32_u64(c1, w1);
    c2 = _mm_crc32_u64(c2, w2);
  }
  const uint32_t ab = shift(static_cast<uint32_t>(c)) ^ static_cast<uint32_t>(c1);
  return shift(ab) ^ static_cast<uint32_t>(c2);
}

__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t crc, const char* data,
                                                           size_t n) {
  static const ShiftTable kLongShift(kLongChunk);    // immutable after first use
  static const ShiftTable kShortShift(kShortChunk);  // immutable after first use
  uint64_t c = ~crc & 0xffffffffu;
  const char* p = data;
  while (n >= 3 * kLongChunk) {
    c = ThreeWay(c, p, kLongChunk, kLongShift);
    p += 3 * kLongChunk;
    n -= 3 * kLongChunk;
  }
  while (n >= 3 * kShortChunk) {
    c = ThreeWay(c, p, kShortChunk, kShortShift);
    p += 3 * kShortChunk;
    n -= 3 * kShortChunk;
  }
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, static_cast<unsigned char>(*p));
    ++p;
    --n;
  }
  return ~c32;
}

bool CpuHasSse42() {
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (ecx & bit_SSE4_2) != 0;
}
#endif

using ExtendFn = uint32_t (*)(uint32_t, const char*, size_t);

ExtendFn ChooseImpl() {
#if defined(__x86_64__)
  if (CpuHasSse42()) return ExtendHardware;
#endif
  return ExtendSoftware;
}

}  // namespace

uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n) {
  return ExtendSoftware(init_crc, data, n);
}

uint32_t Extend(uint32_t init_crc, const char* data, size_t n) {
  static const ExtendFn impl = ChooseImpl();  // immutable after first use
  return impl(init_crc, data, n);
}

}  // namespace nokv::crc32c
