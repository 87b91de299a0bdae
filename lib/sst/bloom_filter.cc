// Bloom filter construction and probing.
#include "sst/bloom_filter.h"

#include <algorithm>
#include <cmath>

#include "base/coding.h"

namespace nokv {

namespace {

constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;
constexpr int kMaxProbes = 30;
constexpr size_t kMinBits = 64;

inline uint64_t Mix(uint64_t x) {  // murmur3 fmix64
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

inline void SetBits(char* bits, uint64_t m, int k, uint64_t hash) {
  auto h = static_cast<uint32_t>(hash);
  const auto delta = static_cast<uint32_t>(hash >> 32);
  for (int j = 0; j < k; ++j) {
    const uint64_t pos = h % m;
    bits[pos / 8] = static_cast<char>(bits[pos / 8] | (1 << (pos % 8)));
    h += delta;
  }
}

}  // namespace

uint64_t BloomHash(std::string_view key) {
  const char* p = key.data();
  size_t n = key.size();
  uint64_t h = 0x243f6a8885a308d3ull ^ (n * kMul);
  while (n >= 8) {
    h = (h ^ Mix(DecodeFixed64(p))) * kMul;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  for (size_t i = 0; i < n; ++i) tail |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  h = (h ^ Mix(tail ^ (uint64_t{n} << 56))) * kMul;
  return Mix(h);
}

std::string BuildBloomFilterFromHashes(const std::vector<uint64_t>& hashes, int bits_per_key) {
  bits_per_key = std::max(bits_per_key, 1);
  const int k = std::clamp(static_cast<int>(std::lround(bits_per_key * 0.69)), 1, kMaxProbes);
  size_t bits = std::max(hashes.size() * static_cast<size_t>(bits_per_key), kMinBits);
  bits = (bits + 7) / 8 * 8;
  std::string filter(bits / 8 + 1, '\0');
  filter.back() = static_cast<char>(k);
  for (uint64_t h : hashes) SetBits(filter.data(), bits, k, h);
  return filter;
}

std::string BuildBloomFilter(const std::vector<std::string>& keys, int bits_per_key) {
  std::vector<uint64_t> hashes;
  hashes.reserve(keys.size());
  for (const auto& key : keys) hashes.push_back(BloomHash(key));
  return BuildBloomFilterFromHashes(hashes, bits_per_key);
}

bool BloomMayContainHash(std::string_view filter, uint64_t hash) {
  if (filter.size() < 2) return true;
  const int k = static_cast<unsigned char>(filter.back());
  if (k < 1 || k > kMaxProbes) return true;
  const uint64_t m = uint64_t{filter.size() - 1} * 8;
  auto h = static_cast<uint32_t>(hash);
  const auto delta = static_cast<uint32_t>(hash >> 32);
  for (int j = 0; j < k; ++j) {
    const uint64_t pos = h % m;
    if ((static_cast<unsigned char>(filter[pos / 8]) & (1u << (pos % 8))) == 0) return false;
    h += delta;
  }
  return true;
}

bool BloomMayContain(std::string_view filter, std::string_view key) {
  return BloomMayContainHash(filter, BloomHash(key));
}

}  // namespace nokv
