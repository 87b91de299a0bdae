// WalWriter appends checksummed records (see wal_format.h) to one WAL file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "vfs/file_system.h"

namespace nokv {

// Appends records to a WritableFile it owns. Not thread-safe: callers
// serialize access (the DB's single commit thread, the manifest mutex).
//
// Error model: after any failed write, flush, sync or close of the underlying
// file the writer is poisoned, and every later call returns that same error.
// A failed Append may have left a partial record on disk; appending after it
// would bury later records behind garbage, so the owner must start a new file.
class WalWriter {
 public:
  explicit WalWriter(std::unique_ptr<WritableFile> file);
  // Closes the file if Close() was not called (errors are ignored; call
  // Close() to observe them).
  ~WalWriter();

  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Appends one record. The bytes may sit in the file's user-space buffer
  // until Flush() or Sync(). Returns InvalidArgument (without poisoning) for
  // type 0 or a payload longer than kWalMaxRecordLength, Closed after Close().
  Status AddRecord(uint8_t type, std::string_view payload);

  // Hands buffered bytes to the OS: they survive a process crash.
  Status Flush();
  // Flush + fdatasync: the records survive a machine crash.
  Status Sync();
  // Flushes and closes without syncing. Calling Close() again returns OK (or
  // the poisoning error); other calls after Close() return Closed.
  Status Close();

  // Reserves disk blocks `chunk` bytes at a time ahead of the records
  // (WritableFile::Preallocate), so a synced append rarely runs the block
  // allocator: fdatasync then writes the data, the size and the extent's
  // written mark, not a fresh allocation. 0 (the
  // default) reserves nothing. A failed reservation turns it off and is
  // reported by preallocate_error(); records are unaffected.
  void set_preallocate_chunk(uint64_t chunk) { preallocate_chunk_ = chunk; }
  const Status& preallocate_error() const { return preallocate_error_; }

  // Bytes written so far (including still-buffered ones).
  uint64_t size() const { return file_->Size(); }
  const std::string& path() const { return file_->path(); }

 private:
  Status CheckUsable() const;
  Status Poison(Status s);

  std::unique_ptr<WritableFile> file_;
  Status error_;  // first write failure; sticky
  bool closed_ = false;
  uint64_t preallocate_chunk_ = 0;
  uint64_t reserved_ = 0;       // the file's blocks are reserved up to here
  Status preallocate_error_;
};

}  // namespace nokv
