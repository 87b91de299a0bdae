// Snapshots of a replicated PD (docs/pd.md, "Snapshots and log compaction").
//
// The data of a PD Raft snapshot is a pdstatepb.SnapshotData: PD's whole
// durable state (pdstatepb.StateSnapshot) and its CRC32C. A member keeps its
// latest snapshot (raftpb.Snapshot: index, term, membership, data) in one
// file of its workdir, PD-RAFT-SNAPSHOT:
//   "NOKVPDS1"  fixed32 masked crc32c(payload)  fixed64 len  payload
// where payload is the serialized raftpb.Snapshot. The file is replaced
// atomically (written beside, fsynced, renamed, directory fsynced), so a
// crash leaves either the old or the new snapshot.
#pragma once

#include <string>

#include "base/status.h"
#include "proto/pdstatepb.pb.h"
#include "raft/raftpb.pb.h"
#include "vfs/file_system.h"

namespace nokv::pd {

inline constexpr char kSnapshotFileName[] = "PD-RAFT-SNAPSHOT";

std::string SnapshotFilePath(const std::string& dir);

// Replaces dir/PD-RAFT-SNAPSHOT with `snapshot`, durably.
Status WriteSnapshotFile(FileSystem* fs, const std::string& dir, const raftpb::Snapshot& snapshot);
// Reads dir/PD-RAFT-SNAPSHOT. NotFound if there is none; Corruption naming
// the file if it is truncated, fails its checksum or does not parse.
Status ReadSnapshotFile(FileSystem* fs, const std::string& dir, raftpb::Snapshot* snapshot);

// SnapshotData <-> StateSnapshot. Decode: Corruption if the data does not
// parse or its checksum does not match.
std::string EncodeSnapshotData(const pdstatepb::StateSnapshot& state);
Status DecodeSnapshotData(const std::string& data, pdstatepb::StateSnapshot* state);

}  // namespace nokv::pd
