// FileMeta: what the manifest records about one SST file.
#pragma once

#include <cstdint>
#include <string>

namespace nokv {

struct FileMeta {
  uint64_t number = 0;     // the file is TableFileName(dir, number)
  uint64_t file_size = 0;  // bytes
  std::string smallest, largest;  // internal keys, smallest <= largest
  uint64_t smallest_seq = 0, largest_seq = 0;
  uint64_t num_entries = 0, num_deletions = 0;
  uint64_t max_version = 0;  // highest MVCC version in the file
  int64_t created_at = 0;    // unix seconds
};

}  // namespace nokv
