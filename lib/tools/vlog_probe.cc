// VlogProbe: ValueLog::Read on a read-only ValueLog, plus the key check.
#include "tools/vlog_probe.h"

#include <cinttypes>
#include <cstdio>

#include "manifest/version_edit.h"

namespace nokv {

VlogProbe::VlogProbe(FileSystem* fs, const std::string& dir) {
  const std::string vdir = JoinPath(dir, "vlog");
  if (!fs->FileExists(vdir)) return;
  // Open only lists the (existing) directory; nothing is appended, so no
  // segment is ever created.
  auto vlog = std::make_unique<ValueLog>(fs, vdir, ValueLogOptions(), [] { return uint64_t{0}; });
  if (vlog->Open().ok()) vlog_ = std::move(vlog);
}

VlogProbe::~VlogProbe() = default;

std::string VlogProbe::SegmentName(uint64_t number) {
  char name[40];
  std::snprintf(name, sizeof(name), "vlog/%06" PRIu64 ".vlog", number);
  return name;
}

Status VlogProbe::Check(std::string_view ikey, const ValuePointer& ptr) const {
  if (ptr.size == 0) return Status::Corruption("malformed value pointer");
  if (vlog_ == nullptr) {
    return Status::NotFound(SegmentName(ptr.file) + " does not exist");
  }
  std::string stored_key, value;
  Status s = vlog_->Read(ptr, &stored_key, &value);
  if (s.IsNotFound()) return Status::NotFound(SegmentName(ptr.file) + " does not exist");
  if (!s.ok()) return s;
  if (stored_key != ikey) {
    return Status::Corruption(SegmentName(ptr.file) + ": value record at offset " +
                              std::to_string(ptr.offset) + " holds key " +
                              PrintableKey(stored_key) + ", not " + PrintableKey(ikey));
  }
  return Status::OK();
}

bool DecodePointerEntry(std::string_view value, ValueRecord* record, ValuePointer* ptr) {
  if (!DecodeValueRecord(value, record) || (record->meta & kMetaValuePointer) == 0) return false;
  if (!ptr->DecodeFrom(record->value)) *ptr = ValuePointer();
  return true;
}

}  // namespace nokv
