// The value log: WiscKey-style key/value separation. Values of at least
// Options::value_threshold bytes are appended here and the LSM stores a
// ValuePointer to them instead.
//
// Files: <db>/vlog/NNNNNN.vlog, numbered from the DB's shared file-number
// allocator. A segment uses the WAL record framing (wal/wal_format.h:
// masked crc32c | length | type | payload, checksum over length, type and
// payload). The first record (type kVlogHeader) holds
//   magic u64 LE | format version u32 LE | segment number u64 LE
// and every following record (type kVlogValue) holds
//   internal key length varint32 | internal key | value bytes
// A ValuePointer names the whole framed record: (segment, offset, size).
//
// Ordering invariant kept by the DB: a value reaches the log (flushed to the
// OS, or fsynced under sync writes) before any WAL record that points at it.
// The log is never replayed; WAL + manifest are the only committed state. A
// segment is deleted only by value-log GC, after its live records have been
// rewritten and no snapshot or iterator can still read the old copies.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "vfs/file_system.h"
#include "wal/wal_writer.h"

namespace nokv {

constexpr uint8_t kVlogHeader = 3;
constexpr uint8_t kVlogValue = 2;
constexpr uint64_t kVlogMagic = 0x4e6f4b56566c6f67ull;  // "NoKVVlog"
constexpr uint32_t kVlogFormatVersion = 1;

struct ValuePointer {
  uint64_t file = 0;
  uint64_t offset = 0;
  uint32_t size = 0;  // bytes of the framed record

  void EncodeTo(std::string* dst) const;
  bool DecodeFrom(std::string_view input);
  bool operator==(const ValuePointer&) const = default;
};

struct ValueLogSegment {
  uint64_t number = 0;
  uint64_t bytes = 0;
  bool active = false;
  uint64_t discard_bytes = 0;  // known garbage (from compaction), lower bound
};

struct ValueLogOptions {
  uint64_t segment_size = 256ull << 20;  // rotate to a new segment beyond this
  // Open registers the segments of an existing directory and creates
  // nothing (a missing directory means no segments).
  bool read_only = false;
};

class ValueLog {
 public:
  ValueLog(FileSystem* fs, std::string dir, ValueLogOptions options,
           std::function<uint64_t()> new_file_number);
  ~ValueLog();

  // Creates the directory if needed and registers existing segments (all
  // sealed; appends go to a fresh segment).
  Status Open();
  // Returns the highest segment number on disk (0 if none).
  uint64_t MaxSegmentNumber() const;

  // --- writer side: one thread at a time (the DB's write leader).
  Status Append(std::string_view ikey, std::string_view value, ValuePointer* ptr);
  Status Flush();  // hand appended bytes to the OS
  Status Sync();   // and make them durable
  Status Close();

  // --- thread-safe readers.
  // Reads and verifies the record at ptr. NotFound if the segment was
  // deleted (a concurrent GC: the caller retries its lookup), Corruption
  // naming the file and offset if the bytes do not verify.
  Status Read(const ValuePointer& ptr, std::string* ikey, std::string* value) const;
  // Calls fn for every record of a sealed segment, in order.
  Status ForEachRecord(uint64_t file,
                       const std::function<Status(std::string_view ikey, std::string_view value,
                                                  const ValuePointer& ptr)>& fn) const;
  std::vector<ValueLogSegment> Segments() const;
  void AddDiscard(uint64_t file, uint64_t bytes);
  // Unlinks a sealed segment. Open handles keep working (POSIX), new reads
  // get NotFound.
  Status RemoveSegment(uint64_t file);
  std::string SegmentPath(uint64_t file) const;

 private:
  Status OpenActive();
  // The cached reader of a segment (it serves the active segment's later
  // appends too; see RandomAccessFile::Read).
  Result<std::shared_ptr<RandomAccessFile>> Reader(uint64_t file) const;

  FileSystem* const fs_;
  const std::string dir_;
  const ValueLogOptions options_;
  std::function<uint64_t()> new_file_number_;

  // Writer state (write leader only).
  std::unique_ptr<WalWriter> active_;
  uint64_t active_number_ = 0;

  mutable std::mutex mu_;
  std::map<uint64_t, ValueLogSegment> segments_;  // guarded by mu_
  mutable std::map<uint64_t, std::shared_ptr<RandomAccessFile>> readers_;  // guarded by mu_
};

}  // namespace nokv
