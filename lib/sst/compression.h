// Block compression codecs (LZ4, Zstandard) used by the SST layer.
//
// A compressed block payload is:
//   raw_size varint32 | codec output (LZ4 raw block, or one zstd frame)
// The raw size prefix lets the reader allocate the output exactly once and
// bounds what a corrupt payload can make it allocate.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"
#include "sst/table_options.h"

namespace nokv {

// Largest uncompressed block the reader accepts (guards allocations driven by
// corrupt input).
constexpr size_t kMaxUncompressedBlockSize = size_t{1} << 30;

// Compresses raw with type into *out (replacing its contents). Returns false
// if the codec failed or type is kNone; *out is then unspecified.
bool CompressBlock(CompressionType type, std::string_view raw, std::string* out);

// Inverse of CompressBlock. Returns Corruption (message without file context;
// the caller adds it) when the payload is malformed.
Status UncompressBlock(CompressionType type, std::string_view payload, std::string* out);

}  // namespace nokv
