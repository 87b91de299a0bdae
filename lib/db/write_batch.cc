// WriteBatch encoding and decoding.
#include "nokv/write_batch.h"

#include "base/coding.h"
#include "db/write_batch_internal.h"

namespace nokv {
namespace {
constexpr size_t kHeaderSize = 4;  // count u32
constexpr uint8_t kFlagVersion = 1;
constexpr uint8_t kFlagExpiry = 2;
constexpr uint8_t kFlagValuePointer = 4;
constexpr uint8_t kFlagExpectSequence = 8;

void AppendOp(std::string* rep, WriteBatch::Op::Kind kind, ColumnFamily cf, std::string_view key,
              std::string_view value, uint64_t version = kMaxVersion, uint64_t expires_at = 0) {
  uint32_t count = DecodeFixed32(rep->data());
  EncodeFixed32(rep->data(), count + 1);
  rep->push_back(static_cast<char>(kind));
  rep->push_back(static_cast<char>(cf));
  uint8_t flags = 0;
  if (version != kMaxVersion) flags |= kFlagVersion;
  if (expires_at != 0) flags |= kFlagExpiry;
  rep->push_back(static_cast<char>(flags));
  PutLengthPrefixed(rep, key);
  if (flags & kFlagVersion) PutVarint64(rep, version);
  if (flags & kFlagExpiry) PutVarint64(rep, expires_at);
  if (kind != WriteBatch::Op::Kind::kDelete) PutLengthPrefixed(rep, value);
}
}  // namespace

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() { rep_.assign(kHeaderSize, '\0'); }

uint32_t WriteBatch::Count() const { return DecodeFixed32(rep_.data()); }

void WriteBatch::Put(std::string_view key, std::string_view value) {
  PutCF(ColumnFamily::kDefault, key, value);
}
void WriteBatch::Delete(std::string_view key) { DeleteCF(ColumnFamily::kDefault, key); }
void WriteBatch::PutCF(ColumnFamily cf, std::string_view key, std::string_view value) {
  AppendOp(&rep_, Op::Kind::kPut, cf, key, value);
}
void WriteBatch::DeleteCF(ColumnFamily cf, std::string_view key) {
  AppendOp(&rep_, Op::Kind::kDelete, cf, key, {});
}

void WriteBatch::DeleteRange(std::string_view begin, std::string_view end) {
  DeleteRangeCF(ColumnFamily::kDefault, begin, end);
}
void WriteBatch::DeleteRangeCF(ColumnFamily cf, std::string_view begin, std::string_view end) {
  AppendOp(&rep_, Op::Kind::kDeleteRange, cf, begin, end);
}

void WriteBatch::PutWithExpiry(std::string_view key, std::string_view value,
                               uint64_t expires_at_ms) {
  PutCFWithExpiry(ColumnFamily::kDefault, key, value, expires_at_ms);
}
void WriteBatch::PutCFWithExpiry(ColumnFamily cf, std::string_view key, std::string_view value,
                                 uint64_t expires_at_ms) {
  AppendOp(&rep_, Op::Kind::kPut, cf, key, value, kMaxVersion, expires_at_ms);
}
void WriteBatch::PutVersioned(ColumnFamily cf, std::string_view key, uint64_t version,
                              std::string_view value, uint64_t expires_at_ms) {
  AppendOp(&rep_, Op::Kind::kPut, cf, key, value, version, expires_at_ms);
}
void WriteBatch::DeleteVersioned(ColumnFamily cf, std::string_view key, uint64_t version) {
  AppendOp(&rep_, Op::Kind::kDelete, cf, key, {}, version, 0);
}

void WriteBatchInternal::AppendOp(WriteBatch* b, const WriteBatch::Op& op) {
  std::string* rep = &b->rep_;
  EncodeFixed32(rep->data(), DecodeFixed32(rep->data()) + 1);
  rep->push_back(static_cast<char>(op.kind));
  rep->push_back(static_cast<char>(op.cf));
  uint8_t flags = 0;
  if (op.version != kMaxVersion) flags |= kFlagVersion;
  if (op.expires_at != 0) flags |= kFlagExpiry;
  if (op.value_is_pointer) flags |= kFlagValuePointer;
  if (op.expected_sequence != 0) flags |= kFlagExpectSequence;
  rep->push_back(static_cast<char>(flags));
  PutLengthPrefixed(rep, op.key);
  if (flags & kFlagVersion) PutVarint64(rep, op.version);
  if (flags & kFlagExpiry) PutVarint64(rep, op.expires_at);
  if (flags & kFlagExpectSequence) PutVarint64(rep, op.expected_sequence);
  if (op.kind != WriteBatch::Op::Kind::kDelete) PutLengthPrefixed(rep, op.value);
}

void WriteBatchInternal::Append(WriteBatch* dst, const WriteBatch& src) {
  EncodeFixed32(dst->rep_.data(), dst->Count() + src.Count());
  dst->rep_.append(src.rep_.data() + kHeaderSize, src.rep_.size() - kHeaderSize);
}

uint64_t WriteBatchInternal::PayloadBytes(const WriteBatch& b) {
  uint64_t bytes = 0;
  (void)ForEach(b.rep_, [&](const WriteBatch::Op& op) {
    bytes += op.key.size() + op.value.size();
    return Status::OK();
  });
  return bytes;
}

Status WriteBatchInternal::ForEach(std::string_view rep,
                                   const std::function<Status(const WriteBatch::Op&)>& fn) {
  if (rep.size() < kHeaderSize) return Status::Corruption("write batch: too small");
  const uint32_t count = DecodeFixed32(rep.data());
  std::string_view in = rep.substr(kHeaderSize);
  uint32_t seen = 0;
  while (!in.empty()) {
    if (in.size() < 3) return Status::Corruption("write batch: truncated op header");
    WriteBatch::Op op{};
    const auto kind = static_cast<uint8_t>(in[0]);
    const auto cf = static_cast<uint8_t>(in[1]);
    const auto flags = static_cast<uint8_t>(in[2]);
    in.remove_prefix(3);
    if (kind < 1 || kind > 3) return Status::Corruption("write batch: unknown op kind");
    if (cf >= kNumColumnFamilies) return Status::Corruption("write batch: unknown column family");
    if ((flags & ~(kFlagVersion | kFlagExpiry | kFlagValuePointer | kFlagExpectSequence)) != 0) {
      return Status::Corruption("write batch: unknown op flags");
    }
    op.kind = static_cast<WriteBatch::Op::Kind>(kind);
    op.cf = static_cast<ColumnFamily>(cf);
    op.version = kMaxVersion;
    op.expires_at = 0;
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
    if (op.kind != WriteBatch::Op::Kind::kDelete && !GetLengthPrefixed(&in, &op.value)) {
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
  return FromRep(*rep, batch);
}

Status WriteBatchInternal::FromRep(std::string_view rep, WriteBatch* out) {
  NOKV_RETURN_IF_ERROR(ForEach(rep, [](const WriteBatch::Op&) { return Status::OK(); }));
  out->rep_.assign(rep.data(), rep.size());
  return Status::OK();
}

Status WriteBatchInternal::Validate(const WriteBatch& b) {
  return ForEach(b.rep_, [](const WriteBatch::Op& op) {
    if (op.key.empty()) return Status::InvalidArgument("empty key");
    if (op.key.size() > kMaxUserKeySize) {
      return Status::InvalidArgument("key of " + std::to_string(op.key.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(kMaxUserKeySize));
    }
    if (op.kind == WriteBatch::Op::Kind::kDeleteRange) {
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
