// Iterator: the user-facing cursor over a consistent snapshot of one column
// family (ReadOptions::column_family), in user-key order, showing the newest
// visible value of each key — at or below ReadOptions::version if set.
// Tombstones, expired values (judged at the iterator's creation) and keys
// hidden by range deletions are skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"

namespace nokv {

class Iterator {
 public:
  virtual ~Iterator() = default;
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;

  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // First key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Last key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  // Valid until the iterator moves; requires Valid().
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Expiry of the current entry in unix milliseconds (0 = never).
  virtual uint64_t expires_at_ms() const { return 0; }
  // MVCC version of the current entry; unset for an unversioned write.
  virtual std::optional<uint64_t> version() const { return std::nullopt; }
  // Non-OK if an I/O error or corruption ended the iteration.
  virtual Status status() const = 0;
};

}  // namespace nokv
