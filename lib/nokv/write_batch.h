// WriteBatch: a group of updates applied atomically — after a crash either
// all of them are present or none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/internal_key.h"
#include "base/status.h"

namespace nokv {

class WriteBatch {
 public:
  WriteBatch();

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Column-family forms (the transaction layer uses lock/write).
  void PutCF(ColumnFamily cf, std::string_view key, std::string_view value);
  void DeleteCF(ColumnFamily cf, std::string_view key);
  // A value that disappears at expires_at_ms (unix milliseconds; 0 = never):
  // reads stop returning it then and compaction drops it.
  void PutWithExpiry(std::string_view key, std::string_view value, uint64_t expires_at_ms);
  void PutCFWithExpiry(ColumnFamily cf, std::string_view key, std::string_view value,
                       uint64_t expires_at_ms);
  // MVCC: entries at a caller-chosen version (the transaction layer's
  // timestamps). Reads at version v see the newest entry with version <= v.
  // Do not mix versioned and plain writes on the same key.
  void PutVersioned(ColumnFamily cf, std::string_view key, uint64_t version,
                    std::string_view value, uint64_t expires_at_ms = 0);
  void DeleteVersioned(ColumnFamily cf, std::string_view key, uint64_t version);
  // Deletes every key in [begin, end) of the column family (a range
  // tombstone): reads, iterators and compaction honour it; later writes to
  // keys in the range are visible again.
  void DeleteRange(std::string_view begin, std::string_view end);
  void DeleteRangeCF(ColumnFamily cf, std::string_view begin, std::string_view end);

  void Clear();
  uint32_t Count() const;
  // Bytes of the encoded batch (what the WAL will carry).
  size_t ApproximateSize() const { return rep_.size(); }

  // One decoded update; see ForEach.
  struct Op {
    enum class Kind : uint8_t { kPut = 1, kDelete = 2, kDeleteRange = 3 };  // range: value = end
    Kind kind;
    ColumnFamily cf;
    std::string_view key;
    std::string_view value;
    uint64_t version;     // kMaxVersion for non-versioned writes
    uint64_t expires_at;  // unix milliseconds, 0 = never
    bool value_is_pointer = false;     // engine-internal: value is a ValuePointer
    uint64_t expected_sequence = 0;    // engine-internal: conditional GC rewrite
  };

 private:
  friend class WriteBatchInternal;
  // Layout: count u32 LE | ops. Each op:
  //   kind u8 | cf u8 | flags u8 | key (varint len + bytes)
  //   | [version varint64 if flags&1] | [expires_at varint64 if flags&2]
  //   | [expected_sequence varint64 if flags&8]
  //   | [value (varint len + bytes) if kind == kPut; a ValuePointer if flags&4]
  std::string rep_;
};

}  // namespace nokv
