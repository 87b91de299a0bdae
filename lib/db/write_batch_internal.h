// Engine-side access to WriteBatch's encoding: decoding for WAL replay and
// memtable insertion, the engine-only fields of an update (value-log
// pointers, conditional GC rewrites), and concatenation for group commit.
//
// Batch rep: count u32 LE | ops. Each op:
//   kind u8 | cf u8 | flags u8 | key (varint32 len + bytes)
//   | [version varint64          if flags & kFlagVersion]
//   | [expiry varint64           if flags & kFlagExpiry: unix ms, or a TTL
//                                 in ms if flags & kFlagRelativeExpiry]
//   | [expected_sequence varint64 if flags & kFlagExpectSequence]
//   | [value (varint32 len + bytes) unless kind == kDelete; a ValuePointer
//      if flags & kFlagValuePointer; the end key for kDeleteRange]
// kind: 1 put, 2 delete, 3 delete range. cf: the column family id (any byte
// but kRangeDeleteSpace).
//
// A WAL record of type kWalWriteBatch carries: first_sequence u64 LE | batch
// rep. Op i of the record gets sequence first_sequence + i. A rep in the WAL
// never has kFlagRelativeExpiry: DB::Write turns TTLs into expiry times first.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/internal_key.h"
#include "base/status.h"
#include "nokv/write_batch.h"

namespace nokv {

constexpr uint8_t kWalWriteBatch = 1;

// One decoded update.
struct BatchOp {
  enum class Kind : uint8_t { kPut = 1, kDelete = 2, kDeleteRange = 3 };  // range: value = end
  Kind kind = Kind::kPut;
  ColumnFamily cf = ColumnFamily::kDefault;
  std::string_view key;
  std::string_view value;
  uint64_t version = kMaxVersion;  // kMaxVersion for unversioned updates
  uint64_t expires_at = 0;         // unix ms (0 = never), or a TTL if expiry_is_ttl
  bool expiry_is_ttl = false;      // a user batch's TTL, resolved by DB::Write
  bool value_is_pointer = false;   // value is a ValuePointer (the write leader set it)
  uint64_t expected_sequence = 0;  // GC rewrite: applies only if the key still has this sequence
};

class WriteBatchInternal {
 public:
  static const std::string& Rep(const WriteBatch& b) { return b.rep_; }
  // Appends one op (engine-internal fields included).
  static void AppendOp(WriteBatch* b, const BatchOp& op);
  // Appends src's ops to dst.
  static void Append(WriteBatch* dst, const WriteBatch& src);
  // Sum of key + value bytes (for stats).
  static uint64_t PayloadBytes(const WriteBatch& b);
  // True if some op carries a TTL that DB::Write must resolve.
  static bool HasTtl(const WriteBatch& b) { return b.has_ttl_; }
  // A copy of b with every TTL turned into the expiry time now_ms + ttl (a
  // TTL of 0: already expired).
  static Status ResolveTtls(const WriteBatch& b, uint64_t now_ms, WriteBatch* out);

  // Splits a kWalWriteBatch record payload into its first sequence and the
  // batch rep (validated); Corruption if it is malformed.
  static Status DecodeWalRecord(std::string_view payload, uint64_t* first_sequence,
                                std::string_view* rep, WriteBatch* batch);
  // Calls fn for each op of an encoded rep; Corruption on malformed input.
  static Status ForEach(std::string_view rep, const std::function<Status(const BatchOp&)>& fn);
  // Builds a batch from an encoded rep after validating it.
  static Status FromRep(std::string_view rep, WriteBatch* out);
  // Validates a user batch: keys non-empty and not longer than
  // kMaxUserKeySize, ranges ordered, no engine-internal flags, and every
  // op's column family live (InvalidArgument otherwise).
  static Status Validate(const WriteBatch& b, const std::function<bool(ColumnFamily)>& is_live);
};

}  // namespace nokv
