// The LSM entries a WAL write-batch record turns into when it is replayed,
// for the offline tools (repair rebuilds tables from them, fsck checks their
// value pointers). Mirrors DBImpl::InsertIntoMemTable: op i of a record gets
// sequence first_sequence + i; puts and deletes become (internal key,
// ValueRecord) pairs, range deletes become kRangeDeleteSpace entries
// (RangeTombstoneSet::EncodeKey).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "base/status.h"

namespace nokv {

// Facts about one decoded record.
struct WalRecordFacts {
  uint64_t first_sequence = 0;
  uint64_t ops = 0;  // operations in the batch (0 for an empty batch)
  uint64_t puts = 0, deletes = 0, range_deletes = 0;
};

// Called with each entry's internal key and encoded ValueRecord; the views
// are valid only during the call. A non-OK status stops the walk.
using WalEntryFn = std::function<Status(std::string_view ikey, std::string_view value)>;

// Decodes the payload of a kWalWriteBatch record with
// WriteBatchInternal::DecodeWalRecord, fills *facts and, if fn is set, calls
// it for every entry in batch order. Corruption if the record is malformed
// (then fn has not been called: the batch is validated first).
Status DecodeWalRecordEntries(std::string_view payload, const WalEntryFn& fn,
                              WalRecordFacts* facts);

}  // namespace nokv
