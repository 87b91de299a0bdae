// In-memory RandomAccessFiles for the table tests: CopyingMemoryFile copies
// into the caller's scratch as pread does; InPlaceMemoryFile answers with
// views of its own bytes as a memory-mapped file does (scratch untouched).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "vfs/file_system.h"

namespace nokv {

class CopyingMemoryFile final : public RandomAccessFile {
 public:
  explicit CopyingMemoryFile(std::string data, std::string path = "mem/000042.sst")
      : data_(std::move(data)), path_(std::move(path)) {}
  Status Read(uint64_t offset, size_t n, char* scratch, std::string_view* result) const override {
    if (offset > data_.size()) return Status::IOError("read past end");
    n = std::min<size_t>(n, data_.size() - offset);
    std::copy_n(data_.data() + offset, n, scratch);
    *result = std::string_view(scratch, n);
    return Status::OK();
  }
  uint64_t Size() const override { return data_.size(); }
  const std::string& path() const override { return path_; }

 private:
  std::string data_;
  std::string path_;
};

class InPlaceMemoryFile final : public RandomAccessFile {
 public:
  explicit InPlaceMemoryFile(std::string data, std::string path = "mem/000043.sst")
      : data_(std::move(data)), path_(std::move(path)) {}
  Status Read(uint64_t offset, size_t n, char*, std::string_view* result) const override {
    if (offset > data_.size()) return Status::IOError("read past end");
    *result = std::string_view(data_).substr(offset, n);
    return Status::OK();
  }
  uint64_t Size() const override { return data_.size(); }
  const std::string& path() const override { return path_; }
  // True if p points into the file's bytes (a read was served in place).
  bool Holds(const char* p) const { return p >= data_.data() && p < data_.data() + data_.size(); }
  // The bytes, to damage them in place.
  std::string& data() { return data_; }

 private:
  std::string data_;
  std::string path_;
};

}  // namespace nokv
