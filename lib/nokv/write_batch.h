// WriteBatch: a group of updates applied atomically by DB::Write — after a
// crash either all of them are present or none. Updates apply in the order
// they were added.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "nokv/options.h"

namespace nokv {

class WriteBatch {
 public:
  WriteBatch();

  // Writes key = value in the default family (unversioned, no expiry).
  void Put(std::string_view key, std::string_view value);
  // Writes key = value where `options` says: column family, version, expiry
  // (absolute, or a TTL counted from the moment DB::Write applies the batch).
  void Put(const UpdateOptions& options, std::string_view key, std::string_view value);
  // Deletes key (a tombstone); deleting a missing key is not an error.
  void Delete(std::string_view key);
  // Deletes key in options.column_family at options.version (expiry ignored).
  void Delete(const UpdateOptions& options, std::string_view key);
  // Deletes every key in [begin, end) of the family (a range tombstone; null
  // = the default family): reads, iterators and compaction honour it; later
  // writes to keys in the range are visible again. DB::Write refuses it
  // unless begin < end.
  void DeleteRange(std::string_view begin, std::string_view end);
  void DeleteRange(ColumnFamilyHandle* column_family, std::string_view begin,
                   std::string_view end);

  void Clear();
  // Updates in the batch.
  uint32_t Count() const;
  // Bytes of the encoded batch (about what the WAL will carry).
  size_t ApproximateSize() const { return rep_.size(); }

 private:
  friend class WriteBatchInternal;
  // The encoding and its engine-only fields are in db/write_batch_internal.h.
  std::string rep_;
  bool has_ttl_ = false;  // some Put carries a TTL to resolve at DB::Write
};

}  // namespace nokv
