// The VFS: every file NoKV touches goes through a FileSystem, so tests can
// inject faults (and simulate crashes) underneath the engine. The POSIX
// implementation is the default; a FaultFileSystem wraps any FileSystem.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace nokv {

// Append-only file. Data passed to Append may sit in a user-space buffer
// until Flush (handed to the OS: survives a process crash) or Sync (on
// stable storage: survives a machine crash).
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Flush() = 0;
  virtual Status Sync() = 0;  // Flush + fdatasync
  virtual Status Close() = 0; // Flush + close; does not sync
  // Bytes appended so far (including still-buffered ones).
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
  // A hint: reserves disk blocks for the file to grow to `bytes` without
  // changing its size or contents (fallocate with KEEP_SIZE), so a synced
  // append later skips the block allocator (the file system still records
  // the written extent and the size). OK and a no-op where the file system
  // cannot do it; a real failure (ENOSPC, EIO) is returned, and the file is
  // usable either way. Close releases what was not used.
  virtual Status Preallocate(uint64_t bytes) {
    (void)bytes;
    return Status::OK();
  }
};

// Positional reads; safe for concurrent use.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset; *result points at the bytes read (fewer
  // than n only at end of file): into scratch, or into memory the file owns
  // (a mapping), valid as long as the file object lives.
  virtual Status Read(uint64_t offset, size_t n, char* scratch,
                      std::string_view* result) const = 0;
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

// Forward-only reads.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  virtual Status Read(size_t n, char* scratch, std::string_view* result) = 0;
  virtual Status Skip(uint64_t n) = 0;
  virtual const std::string& path() const = 0;
};

// Held while a workdir is open; releasing it unlocks.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates (truncating any existing file).
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens for append, creating if missing; Size() starts at the current size.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  // Names (not paths) of the entries of dir, excluding "." and "..".
  virtual Status GetChildren(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status CreateDirIfMissing(const std::string& dir) = 0;
  virtual Status GetFileSize(const std::string& path, uint64_t* size) = 0;
  // Atomically replaces dst (POSIX rename semantics).
  virtual Status RenameFile(const std::string& src, const std::string& dst) = 0;
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // fsyncs a directory so that creations, renames and removals in it persist.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Exclusive lock (fcntl + in-process registry); Busy if already held.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  // Convenience: whole-file helpers built on the primitives above.
  Status ReadFileToString(const std::string& path, std::string* out);
  // Writes data to path via path.tmp + fsync + rename + dir fsync.
  Status WriteStringToFileAtomic(const std::string& path, std::string_view data);
  // CreateDirIfMissing, then fsync of the parent directory: like a new
  // file's name, a new directory's entry survives a machine crash only once
  // its parent is synced. The parent is synced even if `dir` already
  // existed, since the process that created it may have crashed before
  // syncing. Use it for every directory that will hold durable data.
  Status CreateDirDurable(const std::string& dir);
};

struct PosixFileSystemOptions {
  // Random-access reads (tables, value-log segments) through a read-only
  // mapping of each file instead of pread: no system call or copy per read.
  // Off by default: a disk read error on a mapped page kills the process
  // (SIGBUS) where pread returns an error.
  bool mmap_reads = false;
};
std::shared_ptr<FileSystem> NewPosixFileSystem(PosixFileSystemOptions options = {});

// Path helpers.
std::string JoinPath(std::string_view dir, std::string_view name);
std::string DirName(const std::string& path);

}  // namespace nokv
