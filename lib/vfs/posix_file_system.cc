// POSIX implementation of the VFS: buffered append files, memory-mapped
// random access (pread past the mapping), fcntl workdir locks.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <mutex>
#include <set>

#include "vfs/file_system.h"

namespace nokv {
namespace {

Status PosixError(const std::string& context, int err) {
  std::string msg = context + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(msg);
  return Status::IOError(msg);
}

constexpr size_t kWriteBufferSize = 64 * 1024;

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {
    buf_.reserve(kWriteBufferSize);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) (void)Close();
  }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::IOError(path_ + ": append after close");
    size_ += data.size();
    if (buf_.size() + data.size() <= kWriteBufferSize) {
      buf_.append(data.data(), data.size());
      return Status::OK();
    }
    NOKV_RETURN_IF_ERROR(FlushBuffer());
    if (data.size() < kWriteBufferSize) {
      buf_.append(data.data(), data.size());
      return Status::OK();
    }
    return WriteRaw(data.data(), data.size());
  }

  Status Flush() override { return FlushBuffer(); }

  Status Sync() override {
    NOKV_RETURN_IF_ERROR(FlushBuffer());
    if (::fdatasync(fd_) != 0) return PosixError(path_ + ": fdatasync", errno);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    Status s = FlushBuffer();
    // Hand back the blocks reserved beyond the end (ftruncate to the same
    // size frees them); a failure here costs space, never data. Not after a
    // failed write: size_ then counts bytes that never reached the file, and
    // the truncate would extend it with zeros.
    if (s.ok() && !write_failed_ && preallocated_ > size_) {
      (void)::ftruncate(fd_, static_cast<off_t>(size_));
    }
    if (::close(fd_) != 0 && s.ok()) s = PosixError(path_ + ": close", errno);
    fd_ = -1;
    return s;
  }

  uint64_t Size() const override { return size_; }
  const std::string& path() const override { return path_; }

  Status Preallocate(uint64_t bytes) override {
    if (fd_ < 0) return Status::IOError(path_ + ": preallocate after close");
    if (bytes <= preallocated_ || bytes <= size_) return Status::OK();
    if (::fallocate(fd_, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(bytes)) != 0) {
      const int err = errno;
      if (err == EOPNOTSUPP || err == ENOSYS || err == EINVAL) return Status::OK();
      return PosixError(path_ + ": fallocate " + std::to_string(bytes) + " bytes", err);
    }
    preallocated_ = bytes;
    return Status::OK();
  }

 private:
  Status FlushBuffer() {
    if (buf_.empty()) return Status::OK();
    Status s = WriteRaw(buf_.data(), buf_.size());
    buf_.clear();
    return s;
  }

  Status WriteRaw(const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        write_failed_ = true;
        return PosixError(path_ + ": write", errno);
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return Status::OK();
  }

  std::string path_;
  int fd_;
  uint64_t size_;
  uint64_t preallocated_ = 0;  // fallocate(KEEP_SIZE) reached this offset
  bool write_failed_ = false;  // a write(2) failed: size_ may exceed the file
  std::string buf_;
};

// Random access by pread, or (PosixFileSystemOptions::mmap_reads) through
// one read-only shared mapping of the bytes the file held when opened: a
// read there is a pointer into the page cache with no system call and no
// copy (*result then points into the mapping, not into scratch). Reads past
// the size at open (a value-log segment still being appended to) use pread.
// Files here never shrink while open (recovery and repair truncate only
// files nobody has open); an I/O error on a mapped page is SIGBUS, which is
// why mapping is opt-in.
class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd, uint64_t size, bool map)
      : path_(std::move(path)), fd_(fd), size_(size) {
    if (!map || size == 0 || size > std::numeric_limits<size_t>::max()) return;
    void* base = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd_, 0);
    if (base != MAP_FAILED) map_ = static_cast<const char*>(base);  // else: pread only
  }
  ~PosixRandomAccessFile() override {
    if (map_ != nullptr) ::munmap(const_cast<char*>(map_), static_cast<size_t>(size_));
    ::close(fd_);
  }

  Status Read(uint64_t offset, size_t n, char* scratch,
              std::string_view* result) const override {
    if (map_ != nullptr && offset <= size_ && n <= size_ - offset) {
      *result = std::string_view(map_ + offset, n);
      return Status::OK();
    }
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_ + ": pread at " + std::to_string(offset), errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *result = std::string_view(scratch, done);
    return Status::OK();
  }
  // The size when opened.
  uint64_t Size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
  const char* map_ = nullptr;  // size_ bytes, or null
};

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }

  Status Read(size_t n, char* scratch, std::string_view* result) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::read(fd_, scratch + done, n - done);
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_ + ": read", errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *result = std::string_view(scratch, done);
    return Status::OK();
  }
  Status Skip(uint64_t n) override {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) < 0) return PosixError(path_ + ": lseek", errno);
    return Status::OK();
  }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
};

// Locks held by this process: fcntl locks do not exclude the same process.
class LockRegistry {
 public:
  bool Insert(const std::string& path) {
    std::lock_guard<std::mutex> l(mu_);
    return held_.insert(path).second;
  }
  void Erase(const std::string& path) {
    std::lock_guard<std::mutex> l(mu_);
    held_.erase(path);
  }

 private:
  std::mutex mu_;
  std::set<std::string> held_;
};

LockRegistry& ProcessLocks() {
  static LockRegistry registry;  // process-wide by nature: mirrors kernel lock scope
  return registry;
}

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFileLock() override {
    struct flock f {};
    f.l_type = F_UNLCK;
    f.l_whence = SEEK_SET;
    (void)::fcntl(fd_, F_SETLK, &f);
    ::close(fd_);
    ProcessLocks().Erase(path_);
  }

 private:
  std::string path_;
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  explicit PosixFileSystem(PosixFileSystemOptions options) : options_(options) {}

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(path + ": open for write", errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd, 0));
  }

  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(path + ": open for append", errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return PosixError(path + ": fstat", err);
    }
    return std::unique_ptr<WritableFile>(
        new PosixWritableFile(path, fd, static_cast<uint64_t>(st.st_size)));
  }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path + ": open for read", errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return PosixError(path + ": fstat", err);
    }
    return std::unique_ptr<RandomAccessFile>(
        new PosixRandomAccessFile(path, fd, static_cast<uint64_t>(st.st_size), options_.mmap_reads));
  }

  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path + ": open for read", errno);
    return std::unique_ptr<SequentialFile>(new PosixSequentialFile(path, fd));
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError(dir + ": opendir", errno);
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names->push_back(std::move(name));
    }
    ::closedir(d);
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError(path + ": unlink", errno);
    return Status::OK();
  }

  Status CreateDirIfMissing(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return PosixError(dir + ": mkdir", errno);
    }
    return Status::OK();
  }

  Status GetFileSize(const std::string& path, uint64_t* size) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return PosixError(path + ": stat", errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }

  Status RenameFile(const std::string& src, const std::string& dst) override {
    if (::rename(src.c_str(), dst.c_str()) != 0) {
      return PosixError("rename " + src + " -> " + dst, errno);
    }
    return Status::OK();
  }

  Status Truncate(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      return PosixError(path + ": truncate", errno);
    }
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError(dir + ": open dir", errno);
    Status s;
    if (::fsync(fd) != 0) s = PosixError(dir + ": fsync dir", errno);
    ::close(fd);
    return s;
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    if (!ProcessLocks().Insert(path)) {
      return Status::Busy(path + ": already locked by this process");
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      int err = errno;
      ProcessLocks().Erase(path);
      return PosixError(path + ": open lock file", err);
    }
    struct flock f {};
    f.l_type = F_WRLCK;
    f.l_whence = SEEK_SET;
    if (::fcntl(fd, F_SETLK, &f) != 0) {
      int err = errno;
      ::close(fd);
      ProcessLocks().Erase(path);
      return Status::Busy(path + ": locked by another process (" + std::strerror(err) + ")");
    }
    return std::unique_ptr<FileLock>(new PosixFileLock(path, fd));
  }

 private:
  PosixFileSystemOptions options_;
};

}  // namespace

Status FileSystem::ReadFileToString(const std::string& path, std::string* out) {
  out->clear();
  auto file = NewSequentialFile(path);
  if (!file.ok()) return file.status();
  std::string buf(64 * 1024, '\0');
  while (true) {
    std::string_view chunk;
    NOKV_RETURN_IF_ERROR((*file)->Read(buf.size(), buf.data(), &chunk));
    if (chunk.empty()) break;
    out->append(chunk.data(), chunk.size());
  }
  return Status::OK();
}

Status FileSystem::WriteStringToFileAtomic(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  {
    auto file = NewWritableFile(tmp);
    if (!file.ok()) return file.status();
    Status s = (*file)->Append(data);
    if (s.ok()) s = (*file)->Sync();
    Status c = (*file)->Close();
    if (s.ok()) s = c;
    if (!s.ok()) {
      (void)RemoveFile(tmp);
      return s;
    }
  }
  NOKV_RETURN_IF_ERROR(RenameFile(tmp, path));
  return SyncDir(DirName(path));
}

Status FileSystem::CreateDirDurable(const std::string& dir) {
  std::string path = dir;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  NOKV_RETURN_IF_ERROR(CreateDirIfMissing(path));
  return SyncDir(DirName(path));
}

std::shared_ptr<FileSystem> NewPosixFileSystem(PosixFileSystemOptions options) {
  return std::make_shared<PosixFileSystem>(options);
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

std::string DirName(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

}  // namespace nokv
