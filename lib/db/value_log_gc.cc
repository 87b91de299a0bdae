// ValueLogGc: segment choice, liveness scan, conditional rewrite and
// deferred deletion (protocol in the header).
#include "db/value_log_gc.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "base/internal_key.h"
#include "db/write_batch_internal.h"

namespace nokv {

ValueLogGc::ValueLogGc(ValueLog* vlog, Hooks hooks) : vlog_(vlog), hooks_(std::move(hooks)) {}

Status ValueLogGc::Run(double discard_ratio) {
  if (!(discard_ratio > 0 && discard_ratio < 1)) {
    return Status::InvalidArgument("value log GC discard ratio must be in (0, 1)");
  }
  std::vector<uint64_t> pending;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (running_) return Status::Busy("value log GC is already running");
    running_ = true;
    for (const auto& p : pending_) pending.push_back(p.file);
  }
  struct Done {
    ValueLogGc* gc;
    ~Done() {
      std::lock_guard<std::mutex> l(gc->mu_);
      gc->running_ = false;
    }
  } done{this};
  runs_.fetch_add(1, std::memory_order_relaxed);

  // Candidates: sealed segments not already waiting for deletion, most
  // known garbage first.
  std::vector<ValueLogSegment> candidates;
  for (const auto& seg : vlog_->Segments()) {
    if (seg.active || std::find(pending.begin(), pending.end(), seg.number) != pending.end()) {
      continue;
    }
    candidates.push_back(seg);
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    double ra = a.bytes ? static_cast<double>(a.discard_bytes) / a.bytes : 0;
    double rb = b.bytes ? static_cast<double>(b.discard_bytes) / b.bytes : 0;
    return ra > rb;
  });
  for (const auto& seg : candidates) {
    bool rewritten = false;
    NOKV_RETURN_IF_ERROR(CollectSegment(seg, discard_ratio, &rewritten));
    if (rewritten) return Status::OK();
  }
  return Status::NotFound("value log GC: no sealed segment has a discard ratio >= " +
                          std::to_string(discard_ratio));
}

Status ValueLogGc::CollectSegment(const ValueLogSegment& seg, double discard_ratio,
                                  bool* rewritten) {
  *rewritten = false;
  // Measure the real garbage by checking every record against the LSM.
  struct Live {
    std::string ikey, value;
    uint64_t expires_at;
  };
  std::vector<Live> live;
  uint64_t live_bytes = 0, total_bytes = 0;
  Status s = vlog_->ForEachRecord(
      seg.number, [&](std::string_view ikey, std::string_view value, const ValuePointer& ptr) {
        total_bytes += ptr.size;
        uint64_t expires_at = 0;
        if (hooks_.is_live(ikey, ptr, &expires_at)) {
          live_bytes += ptr.size;
          live.push_back(Live{std::string(ikey), std::string(value), expires_at});
        }
        return Status::OK();
      });
  if (!s.ok()) return s.WithContext("value log GC scan");
  const double garbage =
      total_bytes == 0 ? 1.0 : 1.0 - static_cast<double>(live_bytes) / total_bytes;
  if (garbage < discard_ratio) return Status::OK();

  // Rewrite the live values in bounded, conditional, synced batches.
  WriteBatch batch;
  auto submit = [&]() -> Status {
    if (batch.Count() == 0) return Status::OK();
    Status w = hooks_.rewrite(batch);
    batch.Clear();
    return w;
  };
  for (const auto& rec : live) {
    ParsedInternalKey parsed;
    if (!ParseInternalKey(rec.ikey, &parsed)) continue;
    BatchOp op{};
    op.kind = BatchOp::Kind::kPut;
    op.cf = parsed.cf;
    op.key = parsed.user_key;
    op.value = rec.value;
    op.version = parsed.version;
    op.expires_at = rec.expires_at;
    op.expected_sequence = parsed.sequence;
    WriteBatchInternal::AppendOp(&batch, op);
    records_.fetch_add(1, std::memory_order_relaxed);
    bytes_.fetch_add(rec.value.size(), std::memory_order_relaxed);
    if (batch.ApproximateSize() >= (1 << 20)) NOKV_RETURN_IF_ERROR(submit());
  }
  NOKV_RETURN_IF_ERROR(submit());
  // WAL records written before the rewrite may still point into the old
  // segment; replaying them after a crash must find it. Flushing moves the
  // WAL checkpoint past them.
  NOKV_RETURN_IF_ERROR(hooks_.flush());
  // Every record written before the flush now sits below the checkpoint.
  const uint64_t wal_number = hooks_.log_number() - 1;
  const uint64_t sequence = hooks_.last_sequence();
  {
    std::lock_guard<std::mutex> l(mu_);
    pending_.push_back(PendingDelete{seg.number, sequence, wal_number});
  }
  spdlog::info("nokv: value log GC rewrote {} live record(s) of segment {} ({:.0f}% garbage)",
               live.size(), seg.number, garbage * 100);
  *rewritten = true;
  MaybeDeleteSegments();
  return Status::OK();
}

void ValueLogGc::Pin(uint64_t sequence) {
  std::lock_guard<std::mutex> l(mu_);
  pins_.insert(sequence);
}

void ValueLogGc::Unpin(uint64_t sequence) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = pins_.find(sequence);
    if (it != pins_.end()) pins_.erase(it);
  }
  MaybeDeleteSegments();
}

void ValueLogGc::MaybeDeleteSegments() {
  // Read before mu_ (the hooks take the DB's mutex). A snapshot taken after
  // this point has a sequence >= every pending entry's: it reads the
  // rewritten copies.
  const uint64_t oldest_snapshot = hooks_.oldest_snapshot();
  const uint64_t log_number = hooks_.log_number();
  // One deleter at a time, from choosing to counting: when a caller
  // returns, a deletion another thread started is finished and counted.
  std::lock_guard<std::mutex> deleting(delete_mu_);
  std::vector<uint64_t> ready;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (pending_.empty()) return;
    uint64_t oldest_reader = oldest_snapshot;
    if (!pins_.empty()) oldest_reader = std::min(oldest_reader, *pins_.begin());
    auto keep = std::remove_if(pending_.begin(), pending_.end(), [&](const PendingDelete& p) {
      if (oldest_reader <= p.sequence) return false;
      if (log_number <= p.wal_number) return false;
      ready.push_back(p.file);
      return true;
    });
    pending_.erase(keep, pending_.end());
  }
  for (uint64_t file : ready) {
    uint64_t bytes = 0;
    for (const auto& seg : vlog_->Segments()) {
      if (seg.number == file) bytes = seg.bytes;
    }
    Status s = vlog_->RemoveSegment(file);
    if (!s.ok()) {
      spdlog::warn("nokv: cannot delete value log segment {}: {}", file, s.ToString());
      continue;
    }
    deleted_.fetch_add(1, std::memory_order_relaxed);
    reclaimed_.fetch_add(bytes, std::memory_order_relaxed);
  }
}

int ValueLogGc::pending_deletes() const {
  std::lock_guard<std::mutex> l(mu_);
  return static_cast<int>(pending_.size());
}

ValueLogGc::Stats ValueLogGc::stats() const {
  Stats s;
  s.runs = runs_.load(std::memory_order_relaxed);
  s.records_rewritten = records_.load(std::memory_order_relaxed);
  s.bytes_rewritten = bytes_.load(std::memory_order_relaxed);
  s.segments_deleted = deleted_.load(std::memory_order_relaxed);
  s.bytes_reclaimed = reclaimed_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace nokv
