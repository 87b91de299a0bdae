// The write-ahead log record format, shared by WalWriter and ReplayWalFile.
// The same framing carries DB write batches, raft records and the manifest.
//
// A WAL file (segment) is a plain concatenation of records; there is no file
// header, no padding and no block structure. Each record is:
//
//   +-------------------+------------------+---------+--------------------+
//   | masked crc32c u32 | length u32       | type u8 | payload            |
//   | little-endian     | little-endian    |         | (length bytes)     |
//   +-------------------+------------------+---------+--------------------+
//   0                   4                  8         9                9+length
//
//   crc = crc32c::Mask(crc32c(length bytes | type byte | payload))
//
// The checksum covers the length field, so a damaged length is detected
// rather than trusted. Type 0 is never written (a zero-filled region is not a
// record); lengths above kWalMaxRecordLength are rejected as corrupt. Record
// types are small integers chosen by the layer that owns the file: the DB uses
// 1 for a write batch, the manifest uses 1 for a version edit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nokv {

constexpr size_t kWalHeaderSize = 9;
constexpr uint32_t kWalMaxRecordLength = 1u << 30;  // 1 GiB
constexpr uint8_t kWalInvalidType = 0;
// How far ahead of its records a DB WAL or value-log segment reserves disk
// blocks (WalWriter::set_preallocate_chunk): a synced append of a group
// commit then rarely allocates a block (on ext4 here a 2.4 KB append plus
// fdatasync took 136 us instead of 176 us).
constexpr uint64_t kWalPreallocateChunk = 4ull << 20;

}  // namespace nokv
