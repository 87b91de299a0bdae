// DBIter: turns the merged stream of internal entries (all versions, all
// sources) into the user view of one column family at one snapshot — the
// newest visible entry of each user key (at or below the read version),
// tombstones and expired entries hidden, within [lower_bound, upper_bound).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/internal_key.h"
#include "base/iterator.h"
#include "lsm/visibility.h"
#include "nokv/iterator.h"

namespace nokv {

struct DBIterOptions {
  ColumnFamily cf = ColumnFamily::kDefault;
  // Snapshot, version bound, clock and range tombstones: what the iterator
  // shows of each entry is decided by lsm/visibility.h. The range tombstone
  // set must outlive the iterator (the pin holds it).
  ReadPoint point;
  std::string lower_bound;  // user key, inclusive; empty = none
  std::string upper_bound;  // user key, exclusive; empty = none
  // Reads a value-log pointer (ValueRecord with kMetaValuePointer). Called
  // when the iterator lands on the entry, not lazily from value(): an entry
  // whose value cannot be read must not be shown as valid (with an empty
  // value), so the iterator stops there and status() carries the error.
  std::function<Status(const ValueRecord&, std::string*)> resolve;
};

// `pin` is kept alive as long as the iterator (memtables, versions, tables).
std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<InternalIterator> internal,
                                        DBIterOptions options, std::shared_ptr<void> pin);

}  // namespace nokv
