// The two-level table iterator: walks the index block and, through it, the
// data blocks of one TableReader.
#pragma once

#include <memory>

#include "base/iterator.h"

namespace nokv {

class TableReader;

// table must outlive the iterator. See TableReader::NewIterator.
std::unique_ptr<InternalIterator> NewTableIterator(const TableReader* table, bool verify_checksums,
                                                   bool fill_cache);

}  // namespace nokv
