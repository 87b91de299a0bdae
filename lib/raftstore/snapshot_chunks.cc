// Snapshot chunking and reassembly (see snapshot_chunks.h).
#include "raftstore/snapshot_chunks.h"

#include <algorithm>

#include "base/crc32c.h"

namespace nokv::raftstore {

std::vector<raft_serverpb::SnapshotChunk> SplitSnapshot(const raft_serverpb::RaftMessage& message,
                                                        const std::string& data,
                                                        size_t chunk_size) {
  chunk_size = std::max<size_t>(chunk_size, 1);
  std::vector<raft_serverpb::SnapshotChunk> chunks;
  raft_serverpb::SnapshotChunk& head = chunks.emplace_back();
  *head.mutable_header()->mutable_message() = message;
  head.mutable_header()->set_total_size(data.size());
  head.mutable_header()->set_total_crc32c(crc32c::Value(data));
  for (size_t off = 0; off < data.size(); off += chunk_size) {
    raft_serverpb::SnapshotChunk& c = chunks.emplace_back();
    const size_t n = std::min(chunk_size, data.size() - off);
    c.set_data(data.substr(off, n));
    c.set_crc32c(crc32c::Value(data.data() + off, n));
  }
  return chunks;
}

Status SnapshotAssembler::Fail(std::string message) {
  error_ = Status::Corruption("snapshot stream: " + message);
  data_.clear();
  return error_;
}

Status SnapshotAssembler::Add(const raft_serverpb::SnapshotChunk& chunk) {
  if (!error_.ok()) return error_;
  const uint64_t n = chunks_++;
  if (chunk.has_header()) {
    if (have_header_) return Fail("chunk " + std::to_string(n) + " is a second header");
    have_header_ = true;
    header_ = chunk.header();
    if (header_.message().region_id() == 0) return Fail("header names no region");
    return Status::OK();
  }
  if (!have_header_) return Fail("chunk " + std::to_string(n) + " came before the header");
  if (chunk.payload_case() != raft_serverpb::SnapshotChunk::kData) {
    return Fail("chunk " + std::to_string(n) + " carries neither header nor data");
  }
  const std::string& d = chunk.data();
  const uint32_t crc = crc32c::Value(d);
  if (crc != chunk.crc32c()) {
    return Fail("chunk " + std::to_string(n) + " checksum mismatch: expected " +
                std::to_string(chunk.crc32c()) + ", got " + std::to_string(crc));
  }
  if (data_.size() + d.size() > header_.total_size()) {
    return Fail("chunk " + std::to_string(n) + " runs past the announced size " +
                std::to_string(header_.total_size()));
  }
  data_.append(d);
  crc_ = crc32c::Extend(crc_, d.data(), d.size());
  return Status::OK();
}

Status SnapshotAssembler::Finish() {
  if (!error_.ok()) return error_;
  if (!have_header_) return Fail("stream ended without a header");
  if (data_.size() != header_.total_size()) {
    return Fail("got " + std::to_string(data_.size()) + " bytes, header announced " +
                std::to_string(header_.total_size()));
  }
  if (crc_ != header_.total_crc32c()) {
    return Fail("whole-snapshot checksum mismatch: expected " +
                std::to_string(header_.total_crc32c()) + ", got " + std::to_string(crc_));
  }
  return Status::OK();
}

}  // namespace nokv::raftstore
