// Options that shape an SST file: block size, restart interval, bloom filter
// density and data-block compression. Shared by TableBuilder and TableReader.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nokv {

// Stored in each block trailer (and in TableProperties::compression), so the
// numeric values are part of the on-disk format and must never change.
enum class CompressionType : uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };

struct TableOptions {
  // Target uncompressed size of a data block; a block is closed once it
  // reaches this size (a single large entry may make it bigger).
  size_t block_size = 4096;
  // Entries between restart points in data blocks (>= 1).
  int restart_interval = 16;
  // Bloom filter density; <= 0 writes no filter (MayContain is then always true).
  int bloom_bits_per_key = 10;
  // Compression for data blocks. A block is stored compressed only when that
  // saves at least 1/8 of its size; index, filter and properties blocks are
  // always stored uncompressed.
  CompressionType compression = CompressionType::kLz4;
};

}  // namespace nokv
