// ReplayWalFile: whole-file WAL replay with torn-tail detection.
#include "wal/wal_reader.h"

#include "base/coding.h"
#include "base/crc32c.h"
#include "wal/crc32c_range.h"
#include "wal/wal_format.h"

namespace nokv {
namespace {

enum class Decode {
  kOk,
  kTruncatedHeader,   // fewer than kWalHeaderSize bytes left
  kTruncatedPayload,  // header whole, payload runs past end of file
  kBadLength,
  kBadType,
  kBadChecksum,
};

struct Record {
  uint8_t type = 0;
  std::string_view payload;
  size_t size = 0;  // header + payload
};

uint32_t StoredCrc(const char* p) { return crc32c::Unmask(DecodeFixed32(p)); }

// Decodes the header at pos and everything that can be checked without the
// checksum. The checksum itself is verified by the caller.
Decode DecodeHeader(std::string_view data, size_t pos, Record* rec) {
  if (data.size() - pos < kWalHeaderSize) return Decode::kTruncatedHeader;
  const char* p = data.data() + pos;
  const uint32_t length = DecodeFixed32(p + 4);
  rec->type = static_cast<uint8_t>(p[8]);
  if (length > kWalMaxRecordLength) return Decode::kBadLength;
  if (rec->type == kWalInvalidType) return Decode::kBadType;
  if (data.size() - pos - kWalHeaderSize < length) return Decode::kTruncatedPayload;
  rec->payload = data.substr(pos + kWalHeaderSize, length);
  rec->size = kWalHeaderSize + length;
  return Decode::kOk;
}

Decode DecodeRecord(std::string_view data, size_t pos, Record* rec) {
  Decode d = DecodeHeader(data, pos, rec);
  if (d != Decode::kOk) return d;
  const char* p = data.data() + pos;
  uint32_t crc = crc32c::Value(p + 4, 5);
  crc = crc32c::Extend(crc, rec->payload.data(), rec->payload.size());
  return crc == StoredCrc(p) ? Decode::kOk : Decode::kBadChecksum;
}

// What is wrong with the record at some offset; the caller adds the offset.
std::string Describe(Decode d, size_t bytes_left) {
  switch (d) {
    case Decode::kTruncatedHeader:
      return "truncated record header (" + std::to_string(bytes_left) +
             " bytes before end of file)";
    case Decode::kTruncatedPayload:
      return "record runs past end of file";
    case Decode::kBadLength:
      return "impossible record length";
    case Decode::kBadType:
      return "invalid record type 0";
    case Decode::kBadChecksum:
      return "checksum mismatch";
    case Decode::kOk:
      break;
  }
  return "bad record";
}

// Returns the first offset > pos at which a complete record with a valid
// checksum starts, or data.size() if there is none.
size_t FindIntactRecordAfter(std::string_view data, size_t pos) {
  if (data.size() - pos <= kWalHeaderSize) return data.size();
  const Crc32cRangeIndex crcs(data.substr(pos));
  for (size_t y = pos + 1; y + kWalHeaderSize <= data.size(); ++y) {
    Record rec;
    if (DecodeHeader(data, y, &rec) != Decode::kOk) continue;
    const size_t begin = y + 4 - pos;
    if (crcs.Value(begin, begin + rec.size - 4) == StoredCrc(data.data() + y)) return y;
  }
  return data.size();
}

}  // namespace

Status ReplayWalFile(FileSystem* fs, const std::string& path, bool is_last_segment,
                     const WalRecordCallback& fn, WalReplayResult* result) {
  *result = WalReplayResult();
  std::string contents;
  NOKV_RETURN_IF_ERROR(fs->ReadFileToString(path, &contents));
  const std::string_view data(contents);

  size_t pos = 0;
  while (pos < data.size()) {
    Record rec;
    const Decode d = DecodeRecord(data, pos, &rec);
    if (d == Decode::kOk) {
      Status s = fn(rec.type, rec.payload, pos);
      if (!s.ok()) return s.WithContext(path + ": record at offset " + std::to_string(pos));
      ++result->records;
      pos += rec.size;
      result->valid_bytes = pos;
      continue;
    }

    const std::string where = "offset " + std::to_string(pos);
    const std::string reason = Describe(d, data.size() - pos);
    if (!is_last_segment) {
      return Status::Corruption(path + ": corrupt record at " + where + " (" + reason +
                                ") in a segment that is not the last");
    }
    if (d != Decode::kTruncatedHeader) {
      const size_t y = FindIntactRecordAfter(data, pos);
      if (y < data.size()) {
        return Status::Corruption(path + ": corrupt record at " + where +
                                  "; valid records follow at offset " + std::to_string(y) +
                                  " (" + reason + ")");
      }
    }
    result->tail_dropped = true;
    result->dropped_bytes = data.size() - pos;
    result->tail_reason = reason + " at " + where;
    return Status::OK();
  }
  return Status::OK();
}

}  // namespace nokv
