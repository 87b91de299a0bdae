// TableCache: keeps open TableReaders by file number, bounded by an LRU of
// `capacity` readers. Readers are shared_ptrs, so an evicted reader stays
// usable by the iterators that hold it.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/status.h"
#include "sst/block_cache.h"
#include "sst/table_options.h"
#include "sst/table_reader.h"
#include "vfs/file_system.h"

namespace nokv {

class TableCache {
 public:
  TableCache(FileSystem* fs, std::string dir, TableOptions options, BlockCache* block_cache,
             size_t capacity);

  // Returns the reader of table `number`, opening it on first use.
  Result<std::shared_ptr<TableReader>> Get(uint64_t number);
  // Forgets a table (after its file is deleted).
  void Evict(uint64_t number);

 private:
  struct Entry {
    std::shared_ptr<TableReader> reader;
    std::list<uint64_t>::iterator lru_pos;
  };

  FileSystem* const fs_;
  const std::string dir_;
  const TableOptions options_;
  BlockCache* const block_cache_;
  const size_t capacity_;

  std::mutex mu_;
  std::unordered_map<uint64_t, Entry> tables_;  // guarded by mu_
  std::list<uint64_t> lru_;                     // guarded by mu_; front = most recent
};

}  // namespace nokv
