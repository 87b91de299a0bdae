// VlogProbe: resolves value pointers against the value log of an offline
// workdir, read-only (it never creates the vlog directory or a segment).
// fsck and repair use it to tell whether a live entry's value can be read.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/internal_key.h"
#include "base/status.h"
#include "vfs/file_system.h"
#include "vlog/value_log.h"

namespace nokv {

class VlogProbe {
 public:
  VlogProbe(FileSystem* fs, const std::string& dir);
  ~VlogProbe();

  // Returns OK if ptr names an intact value record (frame, checksum, type)
  // of an existing segment and that record holds ikey. NotFound if the
  // segment does not exist, Corruption naming the segment and offset
  // otherwise (or a malformed pointer: size 0).
  Status Check(std::string_view ikey, const ValuePointer& ptr) const;

  // "vlog/000012.vlog": a segment's path relative to the workdir.
  static std::string SegmentName(uint64_t number);

 private:
  std::unique_ptr<ValueLog> vlog_;  // null when the workdir has no vlog dir
};

// True if value (an encoded ValueRecord) is a value-log pointer; fills
// *record and *ptr. A pointer that does not decode yields true with
// ptr->size == 0 (which never resolves).
bool DecodePointerEntry(std::string_view value, ValueRecord* record, ValuePointer* ptr);

}  // namespace nokv
