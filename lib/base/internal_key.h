// The internal key: how every record is named inside the engine.
//
//   +-------+---------------+---------------------+---------------------+
//   | cf u8 | user key      | ~version  u64 BE    | ~sequence u64 BE    |
//   +-------+---------------+---------------------+---------------------+
//   \___ user part ______/  \________ 16-byte trailer _______________/
//
// Order: user parts bytewise, then trailers bytewise. Because version and
// sequence are stored inverted, within one user key newer versions sort first
// and, for equal versions, later writes (higher sequence) sort first. The
// sequence number is the engine's commit order; it is the tie-breaker the Go
// reference lacks (brief §11.1). Non-transactional writes use kMaxVersion.
//
// The value stored beside an internal key (memtable, SST, WAL) is a
// ValueRecord: meta u8 | expires_at varint64 | value bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace nokv {

// A column family's id: the first byte of every key. The DB creates
// families by name and records id <-> name in the manifest
// (db/column_family_set.h); the named values are the default family and the
// two families that format-v1 workdirs (no column-family records in their
// manifest) have implicitly. Any byte but kRangeDeleteSpace is an id.
enum class ColumnFamily : uint8_t { kDefault = 0, kLock = 1, kWrite = 2 };
// Engine-internal keyspace: range tombstones, keyed as [3][target cf][begin
// key] with the end key as the value (meta kMetaRangeDelete). A scan of one
// family never reaches it (its keys start with another byte). The byte was
// chosen when only ids 0..2 existed; it stays reserved so that the key
// format does not change.
constexpr uint8_t kRangeDeleteSpace = 3;
constexpr int kMaxColumnFamilyId = 255;
// For display: "default" for id 0, "range_del" for kRangeDeleteSpace, else
// "cf<id>" (the names live in the manifest).
std::string ColumnFamilyName(ColumnFamily cf);

constexpr uint64_t kMaxVersion = UINT64_MAX;
constexpr uint64_t kMaxSequence = UINT64_MAX;
constexpr size_t kTrailerSize = 16;
constexpr size_t kMaxUserKeySize = 65535 - 1 - kTrailerSize;

struct ParsedInternalKey {
  ColumnFamily cf = ColumnFamily::kDefault;
  std::string_view user_key;  // without the cf byte
  uint64_t version = 0;
  uint64_t sequence = 0;
};

void AppendInternalKey(std::string* dst, ColumnFamily cf, std::string_view user_key,
                       uint64_t version, uint64_t sequence);
std::string MakeInternalKey(ColumnFamily cf, std::string_view user_key, uint64_t version,
                            uint64_t sequence);

// Returns false if ikey is too short to hold a column family byte and the trailer.
bool ParseInternalKey(std::string_view ikey, ParsedInternalKey* out);

// cf byte + user key: the part bloom filters and key ranges work on.
inline std::string_view UserPart(std::string_view ikey) {
  return ikey.substr(0, ikey.size() - kTrailerSize);
}
uint64_t InternalKeyVersion(std::string_view ikey);
uint64_t InternalKeySequence(std::string_view ikey);

// Total order over internal keys (see the file comment). Both keys must be at
// least kTrailerSize + 1 bytes long. Inline: merging and block seeks call it
// per step.
inline int CompareInternalKeys(std::string_view a, std::string_view b) {
  const size_t ua = a.size() - kTrailerSize;
  const size_t ub = b.size() - kTrailerSize;
  const size_t n = ua < ub ? ua : ub;
  int r = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (r != 0) return r;
  if (ua != ub) return ua < ub ? -1 : 1;
  return std::memcmp(a.data() + ua, b.data() + ub, kTrailerSize);
}

struct InternalKeyLess {
  bool operator()(std::string_view a, std::string_view b) const {
    return CompareInternalKeys(a, b) < 0;
  }
};

// Meta bits of a ValueRecord.
enum ValueMeta : uint8_t {
  kMetaDelete = 0x01,        // point tombstone; value empty
  kMetaValuePointer = 0x02,  // value is a value-log pointer
  kMetaRangeDelete = 0x04,   // range tombstone; value is the end key
};

struct ValueRecord {
  uint8_t meta = 0;
  uint64_t expires_at = 0;  // unix milliseconds, 0 = never
  std::string_view value;

  bool IsDelete() const { return (meta & kMetaDelete) != 0; }
};

void AppendValueRecord(std::string* dst, const ValueRecord& record);
size_t ValueRecordSize(const ValueRecord& record);
// Returns false on malformed input.
bool DecodeValueRecord(std::string_view encoded, ValueRecord* out);

}  // namespace nokv
