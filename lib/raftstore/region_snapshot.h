// The data of a region snapshot: every record of the region's key range in
// every data column family, as of one engine snapshot (taken on the raft
// thread at the region's applied index), and its installation into a
// DataWriteBatch that first clears the range.
//
// Format (docs/raftstore.md, "Snapshot data"), repeated until the end:
//   cf u8 | key (varint32 length + bytes) | value (varint32 length + bytes)
//   | expires_at_ms varint64
// Records come ordered by (cf, key). Only the newest visible value of each
// key is carried (the raw API writes no versions; MVCC version history
// arrives with the transaction layer's versioned scan).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "raftstore/engine_adapter.h"

namespace nokv::raftstore {

struct SnapshotDataStats {
  uint64_t keys = 0;
  uint64_t bytes = 0;
};

// Serializes [start, end) (end empty = +inf) of every data column family at
// `snapshot`.
Status BuildSnapshotData(DataEngine* engine, const Snapshot* snapshot, std::string_view start,
                         std::string_view end, std::string* data, SnapshotDataStats* stats);

// Appends every record of `data` to `batch` as puts. The caller clears the
// range first (in the same batch, before: a range delete hides the puts
// that precede it in a batch). Corruption (naming the offset) if the data is
// malformed or holds a key outside [start, end); nothing is appended then.
Status StageSnapshotData(std::string_view data, std::string_view start, std::string_view end,
                         DataWriteBatch* batch, SnapshotDataStats* stats);

// Counts keys and bytes of [start, end) in every data column family, and
// finds the key at which about half of the bytes lie before (the split key
// when PD asks for a split without one; empty if the range holds fewer than
// two keys).
Status ScanRegionSize(DataEngine* engine, std::string_view start, std::string_view end,
                      SnapshotDataStats* stats, std::string* middle_key);

}  // namespace nokv::raftstore
