// VlogProbe: positioned reads of single value records, the frame and key
// checks, and a small LRU of open segment files.
#include "tools/vlog_probe.h"

#include <cinttypes>
#include <cstdio>

#include "base/coding.h"
#include "base/crc32c.h"
#include "manifest/version_edit.h"
#include "wal/wal_format.h"

namespace nokv {

VlogProbe::VlogProbe(FileSystem* fs, const std::string& dir) : fs_(fs), dir_(dir) {}

std::string VlogProbe::SegmentName(uint64_t number) {
  char name[40];
  std::snprintf(name, sizeof(name), "vlog/%06" PRIu64 ".vlog", number);
  return name;
}

Result<RandomAccessFile*> VlogProbe::Open(uint64_t number) {
  auto it = index_.find(number);
  if (it != index_.end()) {
    open_.splice(open_.begin(), open_, it->second);  // now the most recent
    return open_.front().second.get();
  }
  const std::string path = JoinPath(dir_, SegmentName(number));
  if (!fs_->FileExists(path)) return Status::NotFound(SegmentName(number) + " does not exist");
  auto file = fs_->NewRandomAccessFile(path);
  if (!file.ok()) return file.status();
  if (open_.size() >= kMaxOpenSegments) {
    index_.erase(open_.back().first);
    open_.pop_back();
  }
  open_.emplace_front(number, std::move(file.value()));
  index_[number] = open_.begin();
  return open_.front().second.get();
}

Status VlogProbe::Check(std::string_view ikey, const ValuePointer& ptr) {
  const std::string name = SegmentName(ptr.file);
  if (ptr.size <= kWalHeaderSize || ptr.size > kWalHeaderSize + kWalMaxRecordLength) {
    return Status::Corruption("malformed value pointer (size " + std::to_string(ptr.size) + ")");
  }
  auto file = Open(ptr.file);
  if (!file.ok()) return file.status();
  auto at = [&](const std::string& what) {
    return Status::Corruption(name + ": value record at offset " + std::to_string(ptr.offset) +
                              ": " + what);
  };
  std::string buf(ptr.size, '\0');
  std::string_view got;
  NOKV_RETURN_IF_ERROR((*file)->Read(ptr.offset, ptr.size, buf.data(), &got));
  if (got.size() != ptr.size) {
    return at("extends past the end of the segment (" + std::to_string((*file)->Size()) +
              " bytes)");
  }
  uint8_t type = 0;
  std::string_view payload, stored_key, value;
  if (!ParseVlogFrame(got, &type, &payload)) return at("checksum mismatch or bad frame");
  if (type != kVlogValue) return at("not a value record");
  if (!SplitVlogValue(payload, &stored_key, &value)) return at("malformed value record");
  if (stored_key != ikey) {
    return at("holds key " + PrintableKey(stored_key) + ", not " + PrintableKey(ikey));
  }
  return Status::OK();
}

bool DecodePointerEntry(std::string_view value, ValueRecord* record, ValuePointer* ptr) {
  if (!DecodeValueRecord(value, record) || (record->meta & kMetaValuePointer) == 0) return false;
  if (!ptr->DecodeFrom(record->value)) *ptr = ValuePointer();
  return true;
}

bool ParseVlogFrame(std::string_view rec, uint8_t* type, std::string_view* payload) {
  if (rec.size() < kWalHeaderSize) return false;
  const uint32_t length = DecodeFixed32(rec.data() + 4);
  if (length != rec.size() - kWalHeaderSize) return false;
  *type = static_cast<uint8_t>(rec[8]);
  if (*type == kWalInvalidType) return false;
  const uint32_t crc =
      crc32c::Extend(crc32c::Value(rec.data() + 4, 5), rec.data() + kWalHeaderSize, length);
  if (crc32c::Mask(crc) != DecodeFixed32(rec.data())) return false;
  *payload = rec.substr(kWalHeaderSize);
  return true;
}

bool SplitVlogValue(std::string_view payload, std::string_view* ikey, std::string_view* value) {
  uint32_t klen = 0;
  if (!GetVarint32(&payload, &klen) || payload.size() < klen) return false;
  *ikey = payload.substr(0, klen);
  *value = payload.substr(klen);
  return true;
}

}  // namespace nokv
