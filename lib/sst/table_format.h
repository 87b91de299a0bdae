// The SST file layout: block handles, block trailers, the footer, and
// ReadBlock, the one routine that turns a handle into verified block bytes.
//
// File layout (format version 1):
//
//   [data block 0] ... [data block n-1]   each followed by a 5-byte trailer
//   [filter block]                        optional (size 0 in the footer = none)
//   [index block]                         block format (block.h); key = last
//                                         internal key of a data block, value =
//                                         that block's encoded BlockHandle
//   [properties block]                    TableProperties (table_properties.h)
//   [footer]                              kFooterSize bytes
//
// Block trailer (after the block payload of `handle.size` bytes):
//   +-----------------------+---------------------------------------------+
//   | type u8               | masked crc32c u32 LE over payload + type   |
//   +-----------------------+---------------------------------------------+
//   type is a CompressionType; a compressed payload is laid out as described
//   in compression.h. Filter, index and properties blocks are stored with
//   type kNone.
//
// BlockHandle encoding (inside index entries): offset varint64 | size varint64.
// size excludes the trailer.
//
// Footer (kFooterSize = 64 bytes, all integers little-endian):
//   offset  0  index.offset       u64
//   offset  8  index.size         u64
//   offset 16  filter.offset      u64
//   offset 24  filter.size        u64
//   offset 32  properties.offset  u64
//   offset 40  properties.size    u64
//   offset 48  format version     u32   (kTableFormatVersion)
//   offset 52  masked crc32c      u32   over bytes [0, 52)
//   offset 56  magic              u64   (kTableMagicNumber)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "vfs/file_system.h"

namespace nokv {

constexpr uint64_t kTableMagicNumber = 0x31545353564b6f4eull;  // "NoKVSST1" little-endian
constexpr uint32_t kTableFormatVersion = 1;
constexpr size_t kBlockTrailerSize = 5;
constexpr size_t kFooterSize = 64;

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;  // payload bytes, excluding the trailer

  // Longest possible varint encoding.
  static constexpr size_t kMaxEncodedLength = 20;

  void EncodeTo(std::string* dst) const;
  // Consumes a handle from the front of *input; false if malformed.
  bool DecodeFrom(std::string_view* input);
};

struct Footer {
  BlockHandle index;
  BlockHandle filter;  // size 0: the table has no filter
  BlockHandle properties;
  uint32_t version = kTableFormatVersion;

  // Appends exactly kFooterSize bytes.
  void EncodeTo(std::string* dst) const;
  // input must be the last kFooterSize bytes of the file at file_offset.
  // Checks magic, checksum and version; errors are Corruption naming path.
  Status DecodeFrom(std::string_view input, const std::string& path, uint64_t file_offset);
};

// Computes the trailer for payload stored with type. trailer must have room
// for kBlockTrailerSize bytes.
void EncodeBlockTrailer(std::string_view payload, uint8_t type, char* trailer);

// Reads the block named by handle from file, checks its trailer CRC when
// verify_checksum is set, and decompresses it into *contents. A handle that
// points outside the file, a checksum mismatch, an unknown compression type or
// an undecodable payload yields Corruption("<path>: block at offset N: ...").
Status ReadBlock(const RandomAccessFile& file, const BlockHandle& handle, bool verify_checksum,
                 std::string* contents);

// ReadBlock without the copy where there is nothing to do to the bytes:
// when the file hands out its own memory (a mapping) and the block is stored
// uncompressed, *block views that memory (valid while the file is open) and
// *borrowed is set; otherwise the bytes are decoded into *contents and
// *block views them. Same checks and errors as ReadBlock.
Status ReadBlockBorrowed(const RandomAccessFile& file, const BlockHandle& handle,
                         bool verify_checksum, std::string* contents, std::string_view* block,
                         bool* borrowed);

}  // namespace nokv
