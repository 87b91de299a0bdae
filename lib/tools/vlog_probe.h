// VlogProbe: resolves value pointers against the value log of an offline
// workdir, read-only (it never creates the vlog directory or a segment).
// fsck and repair use it to tell whether a live entry's value can be read.
// It keeps at most kMaxOpenSegments segment files open (least recently used
// closed first), so a workdir with thousands of segments does not run out
// of file descriptors.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/internal_key.h"
#include "base/status.h"
#include "vfs/file_system.h"
#include "vlog/value_log.h"

namespace nokv {

class VlogProbe {
 public:
  static constexpr size_t kMaxOpenSegments = 64;

  VlogProbe(FileSystem* fs, const std::string& dir);

  // Returns OK if ptr names an intact value record (frame, checksum, type)
  // of an existing segment and that record holds ikey. NotFound if the
  // segment does not exist, Corruption naming the segment and offset
  // otherwise (or for a malformed pointer), IOError if it cannot be read.
  Status Check(std::string_view ikey, const ValuePointer& ptr);

  // "vlog/000012.vlog": a segment's path relative to the workdir.
  static std::string SegmentName(uint64_t number);

 private:
  Result<RandomAccessFile*> Open(uint64_t number);

  FileSystem* const fs_;
  const std::string dir_;
  std::list<std::pair<uint64_t, std::unique_ptr<RandomAccessFile>>> open_;  // most recent first
  std::map<uint64_t, decltype(open_)::iterator> index_;
};

// True if value (an encoded ValueRecord) is a value-log pointer; fills
// *record and *ptr. A pointer that does not decode yields true with
// ptr->size == 0 (which never resolves).
bool DecodePointerEntry(std::string_view value, ValueRecord* record, ValuePointer* ptr);

// Checks one framed record held whole in rec (wal/wal_format.h): the length
// field matches rec's size, the type is not 0 and the checksum verifies.
// Fills *type and *payload (a view into rec).
bool ParseVlogFrame(std::string_view rec, uint8_t* type, std::string_view* payload);

// Splits a kVlogValue payload into internal key and value; false if
// malformed.
bool SplitVlogValue(std::string_view payload, std::string_view* ikey, std::string_view* value);

}  // namespace nokv
