// WalWriter: frames records and appends them without copying the payload.
#include "wal/wal_writer.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "base/coding.h"
#include "base/crc32c.h"
#include "wal/wal_format.h"

namespace nokv {

WalWriter::WalWriter(std::unique_ptr<WritableFile> file) : file_(std::move(file)) {}

WalWriter::~WalWriter() {
  if (!closed_) (void)file_->Close();
}

Status WalWriter::CheckUsable() const {
  if (!error_.ok()) return error_;
  if (closed_) return Status::Closed(file_->path() + ": WAL writer is closed");
  return Status::OK();
}

Status WalWriter::Poison(Status s) {
  if (!s.ok() && error_.ok()) error_ = s;
  return s;
}

Status WalWriter::AddRecord(uint8_t type, std::string_view payload) {
  NOKV_RETURN_IF_ERROR(CheckUsable());
  if (type == kWalInvalidType) {
    return Status::InvalidArgument(file_->path() + ": WAL record type 0 is reserved");
  }
  if (payload.size() > kWalMaxRecordLength) {
    return Status::InvalidArgument(file_->path() + ": WAL record of " +
                                   std::to_string(payload.size()) + " bytes exceeds the limit");
  }
  const uint64_t end = file_->Size() + kWalHeaderSize + payload.size();
  if (preallocate_chunk_ > 0 && end > reserved_) {
    reserved_ = end + preallocate_chunk_;
    Status s = file_->Preallocate(reserved_);
    if (!s.ok()) {
      spdlog::warn("{}: reserving disk blocks ahead of the log failed, going on without: {}",
                   file_->path(), s.ToString());
      preallocate_error_ = s;
      preallocate_chunk_ = 0;
    }
  }
  char header[kWalHeaderSize];
  EncodeFixed32(header + 4, static_cast<uint32_t>(payload.size()));
  header[8] = static_cast<char>(type);
  uint32_t crc = crc32c::Value(header + 4, 5);
  crc = crc32c::Extend(crc, payload.data(), payload.size());
  EncodeFixed32(header, crc32c::Mask(crc));

  NOKV_RETURN_IF_ERROR(Poison(file_->Append(std::string_view(header, kWalHeaderSize))));
  if (!payload.empty()) NOKV_RETURN_IF_ERROR(Poison(file_->Append(payload)));
  return Status::OK();
}

Status WalWriter::Flush() {
  NOKV_RETURN_IF_ERROR(CheckUsable());
  return Poison(file_->Flush());
}

Status WalWriter::Sync() {
  NOKV_RETURN_IF_ERROR(CheckUsable());
  return Poison(file_->Sync());
}

Status WalWriter::Close() {
  if (closed_) return error_;
  closed_ = true;
  Status s = file_->Close();
  if (!error_.ok()) return error_;
  return Poison(s);
}

}  // namespace nokv
