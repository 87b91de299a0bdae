// Internal key and value-record codecs.
#include "base/internal_key.h"

#include <cstring>

#include "base/coding.h"

namespace nokv {

std::string ColumnFamilyName(ColumnFamily cf) {
  const auto id = static_cast<uint8_t>(cf);
  if (id == 0) return "default";
  if (id == kRangeDeleteSpace) return "range_del";
  return "cf" + std::to_string(id);
}

void AppendInternalKey(std::string* dst, ColumnFamily cf, std::string_view user_key,
                       uint64_t version, uint64_t sequence) {
  const size_t base = dst->size();
  dst->resize(base + 1 + user_key.size() + kTrailerSize);
  char* p = dst->data() + base;
  *p++ = static_cast<char>(cf);
  if (!user_key.empty()) std::memcpy(p, user_key.data(), user_key.size());
  p += user_key.size();
  EncodeBigEndian64(p, ~version);
  EncodeBigEndian64(p + 8, ~sequence);
}

std::string MakeInternalKey(ColumnFamily cf, std::string_view user_key, uint64_t version,
                            uint64_t sequence) {
  std::string out;
  AppendInternalKey(&out, cf, user_key, version, sequence);
  return out;
}

bool ParseInternalKey(std::string_view ikey, ParsedInternalKey* out) {
  if (ikey.size() < 1 + kTrailerSize) return false;
  out->cf = static_cast<ColumnFamily>(static_cast<uint8_t>(ikey[0]));
  out->user_key = ikey.substr(1, ikey.size() - 1 - kTrailerSize);
  out->version = InternalKeyVersion(ikey);
  out->sequence = InternalKeySequence(ikey);
  return true;
}

uint64_t InternalKeyVersion(std::string_view ikey) {
  return ~DecodeBigEndian64(ikey.data() + ikey.size() - kTrailerSize);
}

uint64_t InternalKeySequence(std::string_view ikey) {
  return ~DecodeBigEndian64(ikey.data() + ikey.size() - 8);
}

void AppendValueRecord(std::string* dst, const ValueRecord& record) {
  dst->push_back(static_cast<char>(record.meta));
  PutVarint64(dst, record.expires_at);
  dst->append(record.value.data(), record.value.size());
}

size_t ValueRecordSize(const ValueRecord& record) {
  return 1 + static_cast<size_t>(VarintLength(record.expires_at)) + record.value.size();
}

bool DecodeValueRecord(std::string_view encoded, ValueRecord* out) {
  if (encoded.empty()) return false;
  out->meta = static_cast<uint8_t>(encoded[0]);
  encoded.remove_prefix(1);
  if (!GetVarint64(&encoded, &out->expires_at)) return false;
  out->value = encoded;
  return true;
}

}  // namespace nokv
