// Rendering of Status values.
#include "base/status.h"

namespace nokv {

namespace {
const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kNotFound: return "NotFound";
    case Status::Code::kCorruption: return "Corruption";
    case Status::Code::kInvalidArgument: return "InvalidArgument";
    case Status::Code::kIOError: return "IOError";
    case Status::Code::kNotSupported: return "NotSupported";
    case Status::Code::kBusy: return "Busy";
    case Status::Code::kClosed: return "Closed";
    case Status::Code::kTooBig: return "TooBig";
    case Status::Code::kBlockedWrites: return "BlockedWrites";
    case Status::Code::kAborted: return "Aborted";
    case Status::Code::kCompacted: return "Compacted";
    case Status::Code::kUnavailable: return "Unavailable";
    case Status::Code::kSnapOutOfDate: return "SnapOutOfDate";
    case Status::Code::kSnapshotTemporarilyUnavailable: return "SnapshotTemporarilyUnavailable";
    case Status::Code::kProposalDropped: return "ProposalDropped";
  }
  return "Unknown";
}
}  // namespace

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = CodeName(code_);
  if (!msg_.empty()) {
    out += ": ";
    out += msg_;
  }
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  if (!msg_.empty()) {
    msg += ": ";
    msg += msg_;
  }
  return Status(code_, msg);
}

}  // namespace nokv
