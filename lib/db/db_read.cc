// DBImpl: the read path — point lookups through memtables and levels, and
// iterators over a pinned view.
#include <chrono>
#include <cstring>

#include "db/db_impl.h"
#include "db/db_iter.h"
#include "lsm/level_iterator.h"
#include "lsm/merging_iterator.h"

namespace nokv {

uint64_t DBImpl::NowMs() const {
  if (options_.clock_ms) return options_.clock_ms();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

DBImpl::ReadView DBImpl::CaptureReadView() {
  ReadView view;
  std::lock_guard<std::mutex> l(mu_);
  view.mem = mem_;
  view.imms.reserve(imms_.size());
  for (auto it = imms_.rbegin(); it != imms_.rend(); ++it) view.imms.push_back(it->mem);
  view.version = versions_ ? versions_->current() : nullptr;
  view.sequence = last_sequence_.load(std::memory_order_acquire);
  view.range_dels = range_dels_;
  return view;
}

Status DBImpl::FindEntry(const ReadOptions& options, ColumnFamily cf, std::string_view key,
                         uint64_t version, std::string* ikey, std::string* value,
                         Visibility* vis) {
  NOKV_RETURN_IF_ERROR(CheckOpen());
  if (key.empty()) return Status::InvalidArgument("empty key");
  if (key.size() > kMaxUserKeySize) return Status::InvalidArgument("key too long");
  ReadView view = CaptureReadView();
  ReadPoint point;
  point.snapshot = options.snapshot ? options.snapshot->sequence() : view.sequence;
  point.max_version = version;
  point.now_ms = NowMs();
  point.range_dels = view.range_dels.get();
  TableIterOptions topts;
  topts.verify_checksums = options.verify_checksums;
  topts.fill_cache = options.fill_cache;
  return FindVisibleEntry(view, table_cache_.get(), topts, point, cf, key, ikey, value, vis);
}

// A point read can lose a race with value-log GC (it read a pointer into a
// segment that was rewritten and deleted meanwhile); a fresh lookup then
// finds the rewritten pointer.
constexpr int kVlogReadAttempts = 4;

Status DBImpl::Get(const ReadOptions& options, std::string_view key, ReadResult* result) {
  ColumnFamily cf;
  NOKV_RETURN_IF_ERROR(families_->Resolve(options.column_family, &cf));
  const uint64_t version = options.version.value_or(kMaxVersion);
  std::string ikey, raw;
  Visibility vis = Visibility::kInvisible;
  ValueRecord record;
  Status rs;
  for (int attempt = 0; attempt < kVlogReadAttempts; ++attempt) {
    NOKV_RETURN_IF_ERROR(FindEntry(options, cf, key, version, &ikey, &raw, &vis));
    if (vis != Visibility::kLive && !options.include_tombstones) return Status::NotFound();
    if (!DecodeValueRecord(raw, &record)) return Status::Corruption("undecodable value record");
    // A tombstone or expired entry has no value; its value-log record may be gone.
    if (vis != Visibility::kLive) {
      result->value.clear();
      break;
    }
    rs = ResolveValue(record, &result->value);
    if (!rs.IsNotFound()) break;
  }
  if (rs.IsNotFound()) {
    return Status::Corruption("value log segment vanished during repeated reads: " +
                              rs.ToString());
  }
  NOKV_RETURN_IF_ERROR(rs);
  const uint64_t found_version = InternalKeyVersion(ikey);
  result->version = found_version == kMaxVersion ? std::nullopt
                                                 : std::optional<uint64_t>(found_version);
  result->sequence = InternalKeySequence(ikey);
  result->expires_at_ms = record.expires_at;
  result->deleted = record.IsDelete() || (record.meta & kMetaRangeDelete) != 0;
  result->expired = vis == Visibility::kDeleted && !result->deleted;
  if (read_ring_ && vis == Visibility::kLive) {
    if (cf == ColumnFamily::kDefault) {
      read_ring_->Touch(key);
    } else {
      std::string k(1, static_cast<char>(cf));
      k.append(key.data(), key.size());
      read_ring_->Touch(k);
    }
  }
  return Status::OK();
}

void DBImpl::PrefetchForGets(const ReadOptions& options, std::span<const std::string_view> keys) {
  ColumnFamily cf;
  if (keys.empty() || !CheckOpen().ok() || !families_->Resolve(options.column_family, &cf).ok()) {
    return;
  }
  // The active memtable only: it holds the newest writes, which a pipelined
  // batch reads and overwrites most; older tables are probed by Get as usual.
  std::shared_ptr<MemTable> mem;
  {
    std::lock_guard<std::mutex> l(mu_);
    mem = mem_;
  }
  if (!mem || !mem->has_hash_index()) return;
  std::string parts;  // cf byte + key, back to back
  std::vector<std::string_view> user_parts;
  user_parts.reserve(keys.size());
  for (std::string_view k : keys) parts.append(1 + k.size(), '\0');
  size_t at = 0;
  for (std::string_view k : keys) {
    parts[at] = static_cast<char>(cf);
    std::memcpy(parts.data() + at + 1, k.data(), k.size());
    user_parts.emplace_back(parts.data() + at, 1 + k.size());
    at += 1 + k.size();
  }
  mem->PrefetchForGets(user_parts.data(), user_parts.size());
}

std::unique_ptr<InternalIterator> DBImpl::NewViewIterator(const ReadView& view,
                                                          TableIterOptions options) {
  std::vector<std::unique_ptr<InternalIterator>> children;
  children.push_back(view.mem->NewIterator());
  for (const auto& imm : view.imms) children.push_back(imm->NewIterator());
  for (const auto& f : view.version->files(0)) {
    children.push_back(NewLevelIterator(view.version, {f}, table_cache_.get(), options));
  }
  for (int level = 1; level < kNumLevels; ++level) {
    const auto& files = view.version->files(level);
    if (files.empty()) continue;
    children.push_back(NewLevelIterator(view.version, files, table_cache_.get(), options));
  }
  return NewMergingIterator(std::move(children));
}

std::shared_ptr<DBImpl::ReadView> DBImpl::CaptureIteratorView(std::shared_ptr<void>* pin) {
  // Pin before capturing: GC then never deletes a segment the view may read.
  const uint64_t pinned = last_sequence_.load(std::memory_order_acquire);
  if (gc_) gc_->Pin(pinned);
  auto view = std::make_shared<ReadView>(CaptureReadView());
  // Holds the view; unpins (value-log GC waits for it) when the iterator
  // goes away. The DB must outlive its iterators.
  ValueLogGc* gc = gc_.get();
  *pin = std::shared_ptr<void>(new int(0), [view, gc, pinned](int* p) {
    delete p;
    if (gc) gc->Unpin(pinned);
  });
  return view;
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  Status open = CheckOpen();
  if (!open.ok()) return std::make_unique<EmptyIteratorOf<Iterator>>(open);
  ColumnFamily cf;
  Status resolved = families_->Resolve(options.column_family, &cf);
  if (!resolved.ok()) return std::make_unique<EmptyIteratorOf<Iterator>>(resolved);
  std::shared_ptr<void> pin;
  auto view = CaptureIteratorView(&pin);
  const uint64_t snapshot = options.snapshot ? options.snapshot->sequence() : view->sequence;

  TableIterOptions topts;
  topts.verify_checksums = options.verify_checksums;
  topts.fill_cache = options.fill_cache;
  DBIterOptions dopts;
  dopts.cf = cf;
  dopts.point.snapshot = snapshot;
  dopts.point.max_version = options.version.value_or(kMaxVersion);
  dopts.point.now_ms = NowMs();
  dopts.point.range_dels = view->range_dels.get();  // pinned by `pin`
  dopts.lower_bound = options.lower_bound;
  dopts.upper_bound = options.upper_bound;
  if (vlog_) {
    dopts.resolve = [this](const ValueRecord& record, std::string* out) {
      return ResolveValue(record, out);
    };
  }
  return NewDBIterator(NewViewIterator(*view, topts), std::move(dopts), std::move(pin));
}

}  // namespace nokv

namespace nokv {
namespace {

// Raw internal entries at a snapshot: entries newer than the snapshot are
// skipped, value pointers resolved. Forward and backward.
class SnapshotInternalIterator final : public InternalIterator {
 public:
  SnapshotInternalIterator(std::unique_ptr<InternalIterator> iter, uint64_t snapshot,
                           std::function<Status(const ValueRecord&, std::string*)> resolve,
                           std::shared_ptr<void> pin)
      : iter_(std::move(iter)),
        snapshot_(snapshot),
        resolve_(std::move(resolve)),
        pin_(std::move(pin)) {}

  bool Valid() const override { return iter_->Valid(); }
  void SeekToFirst() override {
    iter_->SeekToFirst();
    SkipForward();
  }
  void SeekToLast() override {
    iter_->SeekToLast();
    SkipBackward();
  }
  void Seek(std::string_view t) override {
    iter_->Seek(t);
    SkipForward();
  }
  void SeekForPrev(std::string_view t) override {
    iter_->SeekForPrev(t);
    SkipBackward();
  }
  void Next() override {
    iter_->Next();
    SkipForward();
  }
  void Prev() override {
    iter_->Prev();
    SkipBackward();
  }
  std::string_view key() const override { return iter_->key(); }
  std::string_view value() const override {
    ValueRecord record;
    std::string_view raw = iter_->value();
    if (!DecodeValueRecord(raw, &record) || (record.meta & kMetaValuePointer) == 0) return raw;
    std::string resolved;
    Status s = resolve_ ? resolve_(record, &resolved) : Status::Corruption("no value log");
    if (!s.ok()) {
      if (status_.ok()) status_ = s;
      return raw;
    }
    record.meta &= static_cast<uint8_t>(~kMetaValuePointer);
    record.value = resolved;
    value_.clear();
    AppendValueRecord(&value_, record);
    return value_;
  }
  Status status() const override { return status_.ok() ? iter_->status() : status_; }

 private:
  bool Hidden() const { return InternalKeySequence(iter_->key()) > snapshot_; }
  void SkipForward() {
    while (iter_->Valid() && Hidden()) iter_->Next();
  }
  void SkipBackward() {
    while (iter_->Valid() && Hidden()) iter_->Prev();
  }

  std::unique_ptr<InternalIterator> iter_;
  uint64_t snapshot_;
  std::function<Status(const ValueRecord&, std::string*)> resolve_;
  std::shared_ptr<void> pin_;
  mutable Status status_;
  mutable std::string value_;
};

}  // namespace

std::unique_ptr<InternalIterator> DBImpl::NewInternalIterator(const ReadOptions& options) {
  Status open = CheckOpen();
  if (!open.ok()) return NewEmptyIterator(open);
  std::shared_ptr<void> pin;
  auto view = CaptureIteratorView(&pin);
  const uint64_t snapshot = options.snapshot ? options.snapshot->sequence() : view->sequence;
  TableIterOptions topts;
  topts.verify_checksums = options.verify_checksums;
  topts.fill_cache = options.fill_cache;
  std::function<Status(const ValueRecord&, std::string*)> resolve;
  if (vlog_) {
    resolve = [this](const ValueRecord& r, std::string* out) { return ResolveValue(r, out); };
  }
  return std::make_unique<SnapshotInternalIterator>(NewViewIterator(*view, topts), snapshot,
                                                    std::move(resolve), std::move(pin));
}

}  // namespace nokv
