// DBIter: turns the merged stream of internal entries (all versions, all
// sources) into the user view of one column family at one snapshot — the
// newest visible entry of each user key, tombstones and expired entries
// hidden, within [lower_bound, upper_bound).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/internal_key.h"
#include "base/iterator.h"
#include "nokv/iterator.h"

namespace nokv {

struct DBIterOptions {
  ColumnFamily cf = ColumnFamily::kDefault;
  uint64_t snapshot = kMaxSequence;
  std::string lower_bound;  // user key, inclusive; empty = none
  std::string upper_bound;  // user key, exclusive; empty = none
  // Current unix time in milliseconds for TTL checks.
  std::function<uint64_t()> now;
  // Reads a value-log pointer (ValueRecord with kMetaValuePointer). Called
  // when the iterator lands on the entry, not lazily from value(): an entry
  // whose value cannot be read must not be shown as valid (with an empty
  // value), so the iterator stops there and status() carries the error.
  std::function<Status(const ValueRecord&, std::string*)> resolve;
  // True if a range tombstone hides this internal key (null: none exist).
  std::function<bool(std::string_view ikey)> covered;
};

// `pin` is kept alive as long as the iterator (memtables, versions, tables).
std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<InternalIterator> internal,
                                        DBIterOptions options, std::shared_ptr<void> pin);

}  // namespace nokv
