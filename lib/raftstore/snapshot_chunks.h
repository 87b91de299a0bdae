// Cutting a snapshot into SnapshotChunk messages and putting it back
// together with every checksum checked. Both the gRPC transport and the
// in-memory test transport use these, so the wire format (first chunk =
// SnapshotHeader, then data chunks each with its crc32c, the header carrying
// the total size and the crc32c of all data) lives in one place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "proto/raft_serverpb.pb.h"

namespace nokv::raftstore {

inline constexpr size_t kDefaultSnapshotChunkSize = 1 << 20;

// The chunks of one snapshot: the header chunk, then ceil(size/chunk_size)
// data chunks (none for empty data).
std::vector<raft_serverpb::SnapshotChunk> SplitSnapshot(
    const raft_serverpb::RaftMessage& message, const std::string& data,
    size_t chunk_size = kDefaultSnapshotChunkSize);

// Reassembles one snapshot stream. Add each chunk as it arrives, then
// Finish. Every error is Corruption naming what failed (chunk number,
// expected and actual checksum or size); after an error the assembler
// refuses everything.
class SnapshotAssembler {
 public:
  Status Add(const raft_serverpb::SnapshotChunk& chunk);
  // OK once the header came and the data matches its size and checksum.
  Status Finish();

  const raft_serverpb::RaftMessage& message() const { return header_.message(); }
  std::string TakeData() { return std::move(data_); }
  uint64_t chunks() const { return chunks_; }

 private:
  Status Fail(std::string message);

  bool have_header_ = false;
  raft_serverpb::SnapshotHeader header_;
  std::string data_;
  uint32_t crc_ = 0;
  uint64_t chunks_ = 0;
  Status error_;
};

}  // namespace nokv::raftstore
