// Verifiable benchmark values: version header plus a keyed splitmix64 stream.
#include "bench/values.h"

#include <cstring>

namespace nokv::bench {
namespace {

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// FNV-1a over the key, mixed with the version.
uint64_t StreamSeed(std::string_view key, uint64_t version) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h ^ (version * 0x9e3779b97f4a7c15ull);
}

void PutFixed64(char* dst, uint64_t v) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>(v >> (8 * i));
}

// Fills dst[0, n) with the stream of `seed`.
void FillStream(uint64_t seed, char* dst, size_t n) {
  uint64_t state = seed;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t word = SplitMix64(&state);
    std::memcpy(dst + i, &word, 8);
  }
  if (i < n) {
    const uint64_t word = SplitMix64(&state);
    std::memcpy(dst + i, &word, n - i);
  }
}

}  // namespace

uint64_t ValueVersion(std::string_view value) {
  if (value.size() < 8) return 0;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(value[static_cast<size_t>(i)]);
  return v;
}

void MakeValue(std::string_view key, uint64_t version, size_t size, std::string* out) {
  out->resize(size < kMinValueSize ? kMinValueSize : size);
  PutFixed64(out->data(), version);
  FillStream(StreamSeed(key, version), out->data() + 8, out->size() - 8);
}

bool CheckValue(std::string_view key, std::string_view value, size_t size) {
  if (value.size() != size || size < kMinValueSize) return false;
  uint64_t state = StreamSeed(key, ValueVersion(value));
  size_t i = 8;
  for (; i + 8 <= size; i += 8) {
    const uint64_t word = SplitMix64(&state);
    if (std::memcmp(value.data() + i, &word, 8) != 0) return false;
  }
  if (i < size) {
    const uint64_t word = SplitMix64(&state);
    if (std::memcmp(value.data() + i, &word, size - i) != 0) return false;
  }
  return true;
}

}  // namespace nokv::bench
