// Engine-side access to WriteBatch's encoding: decoding for WAL replay and
// memtable insertion, and concatenation for group commit.
//
// A WAL record of type kWalWriteBatch carries: first_sequence u64 LE | batch
// rep (see nokv/write_batch.h). Op i of the record gets sequence
// first_sequence + i.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "nokv/write_batch.h"

namespace nokv {

constexpr uint8_t kWalWriteBatch = 1;

class WriteBatchInternal {
 public:
  static const std::string& Rep(const WriteBatch& b) { return b.rep_; }
  // Appends one op (engine-internal fields included).
  static void AppendOp(WriteBatch* b, const WriteBatch::Op& op);
  // Appends src's ops to dst.
  static void Append(WriteBatch* dst, const WriteBatch& src);
  // Sum of key + value bytes (for stats).
  static uint64_t PayloadBytes(const WriteBatch& b);

  // Splits a kWalWriteBatch record payload into its first sequence and the
  // batch rep (validated); Corruption if it is malformed.
  static Status DecodeWalRecord(std::string_view payload, uint64_t* first_sequence,
                                std::string_view* rep, WriteBatch* batch);
  // Calls fn for each op of an encoded rep; Corruption on malformed input.
  static Status ForEach(std::string_view rep,
                        const std::function<Status(const WriteBatch::Op&)>& fn);
  // Builds a batch from an encoded rep after validating it.
  static Status FromRep(std::string_view rep, WriteBatch* out);
  // Validates keys: non-empty, not longer than kMaxUserKeySize.
  static Status Validate(const WriteBatch& b);
};

}  // namespace nokv
