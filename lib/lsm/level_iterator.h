// LevelIterator: one cursor over a sorted, non-overlapping run of tables
// (an L1+ level, or a single L0 table), opening each table lazily through the
// TableCache. It keeps the Version that lists the files alive.
#pragma once

#include <memory>
#include <vector>

#include "base/iterator.h"
#include "lsm/table_cache.h"
#include "manifest/file_meta.h"
#include "manifest/version.h"

namespace nokv {

struct TableIterOptions {
  bool verify_checksums = true;
  bool fill_cache = true;
};

std::unique_ptr<InternalIterator> NewLevelIterator(
    std::shared_ptr<const Version> version, std::vector<std::shared_ptr<const FileMeta>> files,
    TableCache* cache, TableIterOptions options);

}  // namespace nokv
