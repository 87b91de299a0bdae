// Bloom filter over the user parts (cf byte + user key) of a table's keys.
//
// Filter layout:
//   bit array (m / 8 bytes, m >= 64, a multiple of 8) | k u8
// Key i sets bits (h1 + j * h2) mod m for j in [0, k), where h1 and h2 are
// the low and high 32 bits of BloomHash(key) (double hashing). k values
// above 30 are reserved: such filters match every key. BloomHash is part of
// the on-disk format and must never change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nokv {

// Stable 64-bit hash of key used by the filter.
uint64_t BloomHash(std::string_view key);

// Builds a filter for keys with bits_per_key bits each (clamped to >= 1);
// k = round(bits_per_key * 0.69) clamped to [1, 30]. Duplicate keys are
// harmless. About 1 % false positives at 10 bits per key.
std::string BuildBloomFilter(const std::vector<std::string>& keys, int bits_per_key);

// Same, from precomputed BloomHash values (lets a builder keep 8 bytes per
// key instead of the keys themselves).
std::string BuildBloomFilterFromHashes(const std::vector<uint64_t>& hashes, int bits_per_key);

// False only if key was certainly not added. A malformed or empty filter
// matches everything.
bool BloomMayContain(std::string_view filter, std::string_view key);
bool BloomMayContainHash(std::string_view filter, uint64_t hash);

}  // namespace nokv
