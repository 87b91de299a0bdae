// ReplayWalFile: reads one WAL file (see wal_format.h) and hands every intact
// record to a callback, enforcing NoKV's durability contract for damage.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "vfs/file_system.h"

namespace nokv {

struct WalReplayResult {
  uint64_t records = 0;      // records handed to the callback
  uint64_t valid_bytes = 0;  // end offset of the last good record
  bool tail_dropped = false; // a torn tail was ignored (last segment only)
  uint64_t dropped_bytes = 0;
  std::string tail_reason;   // why the tail was dropped, with its offset
};

using WalRecordCallback =
    std::function<Status(uint8_t type, std::string_view payload, uint64_t offset)>;

// Replays the records of the WAL file at path, in order, calling fn with each
// record's type, payload and start offset. The payload view is valid only
// during the call.
//
// Damage policy (the durability contract):
//  * End of file exactly after a record: OK.
//  * A record cut short by end of file (partial header or partial payload) is
//    a torn write. In the last segment the tail is dropped (result reports
//    it); in any other segment it is Corruption.
//  * A record with a bad checksum, type 0 or a length above the limit at
//    offset X (this includes a zero-filled tail): in the last segment, every
//    later byte offset is checked for a complete record with a valid checksum.
//    If one exists at Y, acknowledged data lies beyond the damage and the
//    result is Corruption("<path>: corrupt record at offset X; valid records
//    follow at offset Y"). Otherwise the tail is dropped as torn. In any other
//    segment it is Corruption naming path and offset.
//    A record whose header is whole but whose length runs past end of file is
//    checked the same way: if an intact record lies after it, its length field
//    was damaged and the result is Corruption, not a silent drop.
//  * A non-OK status from fn stops replay and is returned, prefixed with the
//    path and record offset.
// Any error reading the file is returned as is. result is filled in on every
// return path with what was replayed up to that point.
Status ReplayWalFile(FileSystem* fs, const std::string& path, bool is_last_segment,
                     const WalRecordCallback& fn, WalReplayResult* result);

}  // namespace nokv
