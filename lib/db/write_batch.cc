// WriteBatch encoding and decoding (layout in db/write_batch_internal.h).
#include "nokv/write_batch.h"

#include <algorithm>

#include "base/coding.h"
#include "db/write_batch_internal.h"
#include "nokv/column_family.h"

namespace nokv {
namespace {
constexpr size_t kHeaderSize = 4;  // count u32
constexpr uint8_t kFlagVersion = 1;
constexpr uint8_t kFlagExpiry = 2;
constexpr uint8_t kFlagValuePointer = 4;
constexpr uint8_t kFlagExpectSequence = 8;
constexpr uint8_t kFlagRelativeExpiry = 16;
constexpr uint8_t kKnownFlags =
    kFlagVersion | kFlagExpiry | kFlagValuePointer | kFlagExpectSequence | kFlagRelativeExpiry;

ColumnFamily CfOf(const ColumnFamilyHandle* handle) {
  return handle == nullptr ? ColumnFamily::kDefault
                           : static_cast<ColumnFamily>(static_cast<uint8_t>(handle->id()));
}

BatchOp MakeOp(BatchOp::Kind kind, const UpdateOptions& o, std::string_view key,
               std::string_view value) {
  BatchOp op;
  op.kind = kind;
  op.cf = CfOf(o.column_family);
  op.key = key;
  op.value = value;
  op.version = o.version.value_or(kMaxVersion);
  if (kind == BatchOp::Kind::kPut) {
    if (o.ttl_ms) {
      op.expires_at = *o.ttl_ms;
      op.expiry_is_ttl = true;
    } else {
      op.expires_at = o.expires_at_ms;
    }
  }
  return op;
}
}  // namespace

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  rep_.assign(kHeaderSize, '\0');
  has_ttl_ = false;
}

uint32_t WriteBatch::Count() const { return DecodeFixed32(rep_.data()); }

void WriteBatch::Put(std::string_view key, std::string_view value) {
  Put(UpdateOptions(), key, value);
}

void WriteBatch::Put(const UpdateOptions& options, std::string_view key, std::string_view value) {
  const BatchOp op = MakeOp(BatchOp::Kind::kPut, options, key, value);
  has_ttl_ = has_ttl_ || op.expiry_is_ttl;
  WriteBatchInternal::AppendOp(this, op);
}

void WriteBatch::Delete(std::string_view key) { Delete(UpdateOptions(), key); }

void WriteBatch::Delete(const UpdateOptions& options, std::string_view key) {
  WriteBatchInternal::AppendOp(this, MakeOp(BatchOp::Kind::kDelete, options, key, {}));
}

void WriteBatch::DeleteRange(std::string_view begin, std::string_view end) {
  DeleteRange(nullptr, begin, end);
}

void WriteBatch::DeleteRange(ColumnFamilyHandle* column_family, std::string_view begin,
                             std::string_view end) {
  UpdateOptions o;
  o.column_family = column_family;
  WriteBatchInternal::AppendOp(this, MakeOp(BatchOp::Kind::kDeleteRange, o, begin, end));
}

void WriteBatchInternal::AppendOp(WriteBatch* b, const BatchOp& op) {
  std::string* rep = &b->rep_;
  EncodeFixed32(rep->data(), DecodeFixed32(rep->data()) + 1);
  rep->push_back(static_cast<char>(op.kind));
  rep->push_back(static_cast<char>(op.cf));
  uint8_t flags = 0;
  if (op.version != kMaxVersion) flags |= kFlagVersion;
  if (op.expires_at != 0 || op.expiry_is_ttl) flags |= kFlagExpiry;
  if (op.expiry_is_ttl) flags |= kFlagRelativeExpiry;
  if (op.value_is_pointer) flags |= kFlagValuePointer;
  if (op.expected_sequence != 0) flags |= kFlagExpectSequence;
  rep->push_back(static_cast<char>(flags));
  PutLengthPrefixed(rep, op.key);
  if (flags & kFlagVersion) PutVarint64(rep, op.version);
  if (flags & kFlagExpiry) PutVarint64(rep, op.expires_at);
  if (flags & kFlagExpectSequence) PutVarint64(rep, op.expected_sequence);
  if (op.kind != BatchOp::Kind::kDelete) PutLengthPrefixed(rep, op.value);
  if (op.expiry_is_ttl) b->has_ttl_ = true;
}

void WriteBatchInternal::Append(WriteBatch* dst, const WriteBatch& src) {
  EncodeFixed32(dst->rep_.data(), dst->Count() + src.Count());
  dst->rep_.append(src.rep_.data() + kHeaderSize, src.rep_.size() - kHeaderSize);
  dst->has_ttl_ = dst->has_ttl_ || src.has_ttl_;
}

uint64_t WriteBatchInternal::PayloadBytes(const WriteBatch& b) {
  uint64_t bytes = 0;
  (void)ForEach(b.rep_, [&](const BatchOp& op) {
    bytes += op.key.size() + op.value.size();
    return Status::OK();
  });
  return bytes;
}

Status WriteBatchInternal::ResolveTtls(const WriteBatch& b, uint64_t now_ms, WriteBatch* out) {
  out->Clear();
  return ForEach(b.rep_, [&](const BatchOp& in) {
    BatchOp op = in;
    if (op.expiry_is_ttl) {
      // A TTL of 0 means "already expired"; keep a non-zero stamp.
      op.expires_at = op.expires_at == 0 ? std::max<uint64_t>(now_ms, 1) : now_ms + op.expires_at;
      op.expiry_is_ttl = false;
    }
    AppendOp(out, op);
    return Status::OK();
  });
}

Status WriteBatchInternal::ForEach(std::string_view rep,
                                   const std::function<Status(const BatchOp&)>& fn) {
  if (rep.size() < kHeaderSize) return Status::Corruption("write batch: too small");
  const uint32_t count = DecodeFixed32(rep.data());
  std::string_view in = rep.substr(kHeaderSize);
  uint32_t seen = 0;
  while (!in.empty()) {
    if (in.size() < 3) return Status::Corruption("write batch: truncated op header");
    BatchOp op;
    const auto kind = static_cast<uint8_t>(in[0]);
    const auto cf = static_cast<uint8_t>(in[1]);
    const auto flags = static_cast<uint8_t>(in[2]);
    in.remove_prefix(3);
    if (kind < 1 || kind > 3) return Status::Corruption("write batch: unknown op kind");
    if (cf == kRangeDeleteSpace) return Status::Corruption("write batch: reserved column family");
    if ((flags & ~kKnownFlags) != 0) return Status::Corruption("write batch: unknown op flags");
    op.kind = static_cast<BatchOp::Kind>(kind);
    op.cf = static_cast<ColumnFamily>(cf);
    if (!GetLengthPrefixed(&in, &op.key)) return Status::Corruption("write batch: bad key");
    if ((flags & kFlagVersion) && !GetVarint64(&in, &op.version)) {
      return Status::Corruption("write batch: bad version");
    }
    if ((flags & kFlagExpiry) && !GetVarint64(&in, &op.expires_at)) {
      return Status::Corruption("write batch: bad expiry");
    }
    if ((flags & kFlagExpectSequence) && !GetVarint64(&in, &op.expected_sequence)) {
      return Status::Corruption("write batch: bad expected sequence");
    }
    op.value_is_pointer = (flags & kFlagValuePointer) != 0;
    op.expiry_is_ttl = (flags & kFlagRelativeExpiry) != 0;
    if (op.kind != BatchOp::Kind::kDelete && !GetLengthPrefixed(&in, &op.value)) {
      return Status::Corruption("write batch: bad value");
    }
    ++seen;
    NOKV_RETURN_IF_ERROR(fn(op));
  }
  if (seen != count) return Status::Corruption("write batch: op count mismatch");
  return Status::OK();
}

Status WriteBatchInternal::DecodeWalRecord(std::string_view payload, uint64_t* first_sequence,
                                           std::string_view* rep, WriteBatch* batch) {
  if (payload.size() < 8) return Status::Corruption("short write-batch record");
  *first_sequence = DecodeFixed64(payload.data());
  *rep = payload.substr(8);
  NOKV_RETURN_IF_ERROR(FromRep(*rep, batch));
  if (batch->has_ttl_) return Status::Corruption("write-batch record with an unresolved TTL");
  return Status::OK();
}

Status WriteBatchInternal::FromRep(std::string_view rep, WriteBatch* out) {
  bool ttl = false;
  NOKV_RETURN_IF_ERROR(ForEach(rep, [&](const BatchOp& op) {
    ttl = ttl || op.expiry_is_ttl;
    return Status::OK();
  }));
  out->rep_.assign(rep.data(), rep.size());
  out->has_ttl_ = ttl;
  return Status::OK();
}

Status WriteBatchInternal::Validate(const WriteBatch& b,
                                    const std::function<bool(ColumnFamily)>& is_live) {
  return ForEach(b.rep_, [&is_live](const BatchOp& op) {
    if (!is_live(op.cf)) {
      return Status::InvalidArgument("column family " +
                                     std::to_string(static_cast<unsigned>(op.cf)) +
                                     " does not exist (dropped?)");
    }
    if (op.key.empty()) return Status::InvalidArgument("empty key");
    if (op.key.size() > kMaxUserKeySize) {
      return Status::InvalidArgument("key of " + std::to_string(op.key.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(kMaxUserKeySize));
    }
    if (op.kind == BatchOp::Kind::kDeleteRange) {
      if (op.value.empty()) return Status::InvalidArgument("empty range end key");
      if (op.value.size() > kMaxUserKeySize) return Status::InvalidArgument("range end too long");
      if (op.key >= op.value) {
        return Status::InvalidArgument("range delete needs begin < end");
      }
    }
    if (op.value_is_pointer || op.expected_sequence != 0) {
      return Status::InvalidArgument("engine-internal write flags in a user batch");
    }
    if (op.value.size() > (uint64_t{1} << 31)) {
      return Status::InvalidArgument("value larger than 2 GiB");
    }
    return Status::OK();
  });
}

}  // namespace nokv
