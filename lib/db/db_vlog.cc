// DBImpl: the value log's place in the engine — resolving pointers on reads,
// counting garbage, checking replayed pointers, and the hooks through which
// value-log GC (value_log_gc.h) reaches the engine.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "db/db_impl.h"
#include "db/write_batch_internal.h"

namespace nokv {

Status DBImpl::ResolveValue(const ValueRecord& record, std::string* out) const {
  if ((record.meta & kMetaValuePointer) == 0) {
    out->assign(record.value.data(), record.value.size());
    return Status::OK();
  }
  ValuePointer ptr;
  if (!ptr.DecodeFrom(record.value)) return Status::Corruption("malformed value pointer");
  if (!vlog_) return Status::Corruption("value pointer found but the value log is disabled");
  return vlog_->Read(ptr, nullptr, out);
}

void DBImpl::CountVlogGarbage(std::string_view value) {
  ValueRecord record;
  ValuePointer ptr;
  if (DecodeValueRecord(value, &record) && (record.meta & kMetaValuePointer) &&
      ptr.DecodeFrom(record.value)) {
    vlog_->AddDiscard(ptr.file, ptr.size);
  }
}

Status DBImpl::VerifyValuePointers(std::string_view rep) {
  if (!vlog_) return Status::OK();
  std::string value;
  return WriteBatchInternal::ForEach(rep, [&](const BatchOp& op) -> Status {
    if (!op.value_is_pointer) return Status::OK();
    ValueRecord record;
    record.meta = kMetaValuePointer;
    record.value = op.value;
    return ResolveValue(record, &value);
  });
}

bool DBImpl::IsLiveValue(std::string_view ikey, const ValuePointer& ptr, uint64_t* expires_at) {
  ParsedInternalKey parsed;
  if (!ParseInternalKey(ikey, &parsed)) return false;
  std::string cur_key, cur_value;
  Visibility vis = Visibility::kInvisible;
  if (!FindEntry(ReadOptions(), parsed.cf, parsed.user_key, parsed.version, &cur_key, &cur_value,
                 &vis)
           .ok()) {
    return false;
  }
  // A newer entry, a tombstone or an expiry took over.
  if (vis != Visibility::kLive || cur_key != ikey) return false;
  ValueRecord record;
  if (!DecodeValueRecord(cur_value, &record) || (record.meta & kMetaValuePointer) == 0) {
    return false;
  }
  ValuePointer cur;
  if (!cur.DecodeFrom(record.value) || !(cur == ptr)) return false;
  *expires_at = record.expires_at;
  return true;
}

Status DBImpl::RunValueLogGC(double discard_ratio) {
  NOKV_RETURN_IF_ERROR(CheckWritable());
  if (!(discard_ratio > 0 && discard_ratio < 1)) {
    return Status::InvalidArgument("value log GC discard ratio must be in (0, 1)");
  }
  if (!gc_) return Status::NotSupported("the value log is disabled (value_threshold = 0)");
  return gc_->Run(discard_ratio);
}

void DBImpl::MaybeDeleteVlogSegments() {
  if (gc_) gc_->MaybeDeleteSegments();
}

ValueLogGc::Hooks DBImpl::GcHooks() {
  ValueLogGc::Hooks h;
  h.is_live = [this](std::string_view ikey, const ValuePointer& ptr, uint64_t* expires_at) {
    return IsLiveValue(ikey, ptr, expires_at);
  };
  h.rewrite = [this](const WriteBatch& batch) {
    WriteOptions wo;
    wo.sync = true;
    return WriteImpl(wo, &batch, /*exclusive=*/true);
  };
  h.flush = [this] { return Flush(); };
  h.log_number = [this] { return versions_->log_number(); };
  h.last_sequence = [this] { return last_sequence_.load(); };
  h.oldest_snapshot = [this] {
    std::lock_guard<std::mutex> l(mu_);
    return snapshots_.empty() ? UINT64_MAX : *snapshots_.begin();
  };
  return h;
}

}  // namespace nokv
