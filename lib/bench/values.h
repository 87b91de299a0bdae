// Verifiable benchmark values. Every value the harness writes is derived
// from its key and a version: the first 8 bytes are the version (little
// endian), the rest a splitmix64 stream seeded by a hash of (key, version).
// A value read back is right only if its length is the configured size and
// every byte after the version is the stream for (key, that version), so a
// value of another key, a truncated or corrupted value, or a value from
// nowhere is caught; the bytes stay incompressible like random data.
//
// What a "missing" value means is the runner's business (runner.cc); this
// file only makes and checks values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nokv::bench {

// Smallest value that can carry its version.
constexpr size_t kMinValueSize = 8;

// Writes the value of (key, version), `size` >= kMinValueSize bytes, to *out.
void MakeValue(std::string_view key, uint64_t version, size_t size, std::string* out);

// True if `value` is exactly MakeValue(key, v, size) for the version v it
// carries.
bool CheckValue(std::string_view key, std::string_view value, size_t size);

// The version a value carries (0 if it is too short to carry one).
uint64_t ValueVersion(std::string_view value);

// A version unique to one write: the phase (0 = load, 1 = warm-up, 2 =
// timed run, 3+ = other), the client thread and that thread's write count.
inline uint64_t WriteVersion(uint64_t phase, uint64_t thread, uint64_t count) {
  return (phase << 56) | ((thread & 0xffff) << 40) | (count & ((uint64_t{1} << 40) - 1));
}

}  // namespace nokv::bench
