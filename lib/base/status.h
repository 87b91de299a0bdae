// Status and Result<T>: the error currency of NoKV. No exception crosses a
// module boundary; every fallible call returns one of these.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace nokv {

class [[nodiscard]] Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kNotFound,
    kCorruption,
    kInvalidArgument,
    kIOError,
    kNotSupported,
    kBusy,          // resource held elsewhere (e.g. workdir LOCK)
    kClosed,        // the DB was closed
    kTooBig,        // a batch or key exceeds a configured limit
    kBlockedWrites, // writes refused (closing, or background error state)
    kAborted,
    // Raft (lib/raft): log storage and proposal outcomes.
    kCompacted,                       // index below the first available entry
    kUnavailable,                     // index beyond the last entry
    kSnapOutOfDate,                   // snapshot older than the current one
    kSnapshotTemporarilyUnavailable,  // snapshot being built; retry later
    kProposalDropped,                 // request refused; never appended
  };

  Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg = {}) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }
  static Status Busy(std::string_view msg) { return Status(Code::kBusy, msg); }
  static Status Closed(std::string_view msg = "database is closed") { return Status(Code::kClosed, msg); }
  static Status TooBig(std::string_view msg) { return Status(Code::kTooBig, msg); }
  static Status BlockedWrites(std::string_view msg) { return Status(Code::kBlockedWrites, msg); }
  static Status Aborted(std::string_view msg) { return Status(Code::kAborted, msg); }
  static Status Compacted(std::string_view msg = "requested index is unavailable due to compaction") { return Status(Code::kCompacted, msg); }
  static Status Unavailable(std::string_view msg = "requested entry at index is unavailable") { return Status(Code::kUnavailable, msg); }
  static Status SnapOutOfDate(std::string_view msg = "requested index is older than the existing snapshot") { return Status(Code::kSnapOutOfDate, msg); }
  static Status SnapshotTemporarilyUnavailable(std::string_view msg = "snapshot is temporarily unavailable") { return Status(Code::kSnapshotTemporarilyUnavailable, msg); }
  static Status ProposalDropped(std::string_view msg = "raft proposal dropped") { return Status(Code::kProposalDropped, msg); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsClosed() const { return code_ == Code::kClosed; }
  bool IsTooBig() const { return code_ == Code::kTooBig; }
  bool IsBlockedWrites() const { return code_ == Code::kBlockedWrites; }
  bool IsAborted() const { return code_ == Code::kAborted; }
  bool IsCompacted() const { return code_ == Code::kCompacted; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsSnapOutOfDate() const { return code_ == Code::kSnapOutOfDate; }
  bool IsSnapshotTemporarilyUnavailable() const { return code_ == Code::kSnapshotTemporarilyUnavailable; }
  bool IsProposalDropped() const { return code_ == Code::kProposalDropped; }

  Code code() const { return code_; }
  const std::string& message() const { return msg_; }

  // "Corruption: <message>" style rendering for logs and CLI output.
  std::string ToString() const;

  // Returns a copy with "context: " prepended to the message.
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string_view msg) : code_(code), msg_(msg) {}

  Code code_ = Code::kOk;
  std::string msg_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result built from an OK status without a value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace nokv

// Propagates a non-OK Status to the caller.
#define NOKV_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::nokv::Status _nokv_s = (expr);        \
    if (!_nokv_s.ok()) return _nokv_s;      \
  } while (0)
