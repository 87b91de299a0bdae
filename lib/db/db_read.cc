// DBImpl: the read path — point lookups through memtables and levels, and
// iterators over a pinned view.
#include <chrono>

#include "db/db_impl.h"
#include "db/db_iter.h"
#include "lsm/level_iterator.h"
#include "lsm/merging_iterator.h"

namespace nokv {

namespace {
bool IsBetter(std::string_view candidate, const std::string& best) {
  return best.empty() || CompareInternalKeys(candidate, best) < 0;
}
}  // namespace

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

// Sources are searched newest first (memtables, L0 newest first, then one
// table per level). For plain writes (version kMaxVersion) the first hit is
// the answer. For versioned reads a later source may hold a higher version
// <= `version` than an earlier one, so the search keeps the best candidate
// and stops early only on an exact version match: no older source can hold
// a newer sequence of the same version.
//
// An entry hidden by a range deletion is as if it did not exist: the search
// goes on below it. The tombstone hides every older entry of the same version
// as well, so the next candidate has a lower version.
Status DBImpl::FindEntry(const ReadOptions& options, ColumnFamily cf, std::string_view key,
                         uint64_t version, std::string* best_key, std::string* best_value) {
  NOKV_RETURN_IF_ERROR(CheckOpen());
  if (key.empty()) return Status::InvalidArgument("empty key");
  if (key.size() > kMaxUserKeySize) return Status::InvalidArgument("key too long");
  ReadView view = CaptureReadView();
  const uint64_t snapshot = options.snapshot ? options.snapshot->sequence() : view.sequence;
  while (true) {
    NOKV_RETURN_IF_ERROR(
        FindNewestInView(view, snapshot, options, cf, key, version, best_key, best_value));
    if (!view.range_dels->CoversInternalKey(*best_key, snapshot)) return Status::OK();
    const uint64_t hidden = InternalKeyVersion(*best_key);
    if (hidden == 0) return Status::NotFound();
    version = hidden - 1;
  }
}

Status DBImpl::FindNewestInView(const ReadView& view, uint64_t snapshot,
                                const ReadOptions& options, ColumnFamily cf, std::string_view key,
                                uint64_t version, std::string* best_key,
                                std::string* best_value) {
  std::string lookup;
  AppendInternalKey(&lookup, cf, key, version, snapshot);
  const std::string_view user_part = UserPart(lookup);
  best_key->clear();
  std::string k, v;
  auto offer = [&](std::string_view ik, std::string_view val) -> bool {
    if (IsBetter(ik, *best_key)) {
      best_key->assign(ik.data(), ik.size());
      best_value->assign(val.data(), val.size());
    }
    return InternalKeyVersion(*best_key) == version;  // exact: nothing older can beat it
  };

  if (view.mem->Get(user_part, version, snapshot, &k, &v) && offer(k, v)) return Status::OK();
  for (const auto& imm : view.imms) {
    if (imm->Get(user_part, version, snapshot, &k, &v) && offer(k, v)) return Status::OK();
  }

  Status error;
  // Returns true when the search can stop (exact hit or error).
  auto search_table = [&](const FileMeta& f) -> bool {
    auto reader = table_cache_->Get(f.number);
    if (!reader.ok()) {
      error = reader.status();
      return true;
    }
    if (!(*reader)->MayContain(user_part)) return false;
    auto it = (*reader)->NewIterator(options.verify_checksums, options.fill_cache);
    for (it->Seek(lookup); it->Valid(); it->Next()) {
      std::string_view ik = it->key();
      if (UserPart(ik) != user_part) break;
      if (InternalKeySequence(ik) > snapshot) continue;
      return offer(ik, it->value());
    }
    if (!it->status().ok()) {
      error = it->status();
      return true;
    }
    return false;
  };

  const Version& ver = *view.version;
  bool done = false;
  for (const auto& f : ver.files(0)) {
    if (user_part < UserPart(f->smallest) || user_part > UserPart(f->largest)) continue;
    if (f->smallest_seq > snapshot) continue;
    if ((done = search_table(*f))) break;
  }
  for (int level = 1; level < kNumLevels && !done; ++level) {
    const auto& files = ver.files(level);
    if (files.empty()) continue;
    int index = ver.FindFile(level, lookup);
    if (index >= static_cast<int>(files.size())) continue;
    const FileMeta& f = *files[index];
    if (user_part < UserPart(f.smallest)) continue;
    done = search_table(f);
  }
  if (!error.ok()) return error;
  if (best_key->empty()) return Status::NotFound();
  return Status::OK();
}

// A point read can lose a race with value-log GC (it read a pointer into a
// segment that was rewritten and deleted meanwhile); a fresh lookup then
// finds the rewritten pointer.
constexpr int kVlogReadAttempts = 4;

Status DBImpl::GetEntry(const ReadOptions& options, ColumnFamily cf, std::string_view key,
                        uint64_t version, Entry* entry) {
  std::string ikey, value, resolved;
  Status rs;
  for (int attempt = 0; attempt < kVlogReadAttempts; ++attempt) {
    NOKV_RETURN_IF_ERROR(FindEntry(options, cf, key, version, &ikey, &value));
    ValueRecord r;
    if (!DecodeValueRecord(value, &r)) return Status::Corruption("undecodable value record");
    if (r.IsDelete()) break;
    // An expired entry reports no value; its value-log record may be gone.
    if (r.expires_at != 0 && r.expires_at <= NowMs()) break;
    rs = ResolveValue(r, &resolved);
    if (!rs.IsNotFound()) break;
  }
  if (!rs.ok()) return rs;
  ValueRecord record;
  ParsedInternalKey parsed;
  if (!ParseInternalKey(ikey, &parsed) || !DecodeValueRecord(value, &record)) {
    return Status::Corruption("undecodable record for a key");
  }
  entry->key.assign(parsed.user_key.data(), parsed.user_key.size());
  entry->cf = parsed.cf;
  entry->version = parsed.version;
  entry->sequence = parsed.sequence;
  entry->expires_at_ms = record.expires_at;
  entry->deleted = record.IsDelete() || (record.meta & kMetaRangeDelete) != 0;
  entry->expired = record.expires_at != 0 && record.expires_at <= NowMs();
  if (entry->deleted) {
    entry->value.clear();
  } else if (record.meta & kMetaValuePointer) {
    entry->value = std::move(resolved);
  } else {
    entry->value.assign(record.value.data(), record.value.size());
  }
  return Status::OK();
}

Status DBImpl::GetWithExpiry(const ReadOptions& options, std::string_view key, std::string* value,
                             uint64_t* expires_at_ms) {
  std::string ikey, raw;
  Status s;
  for (int attempt = 0; attempt < kVlogReadAttempts; ++attempt) {
    NOKV_RETURN_IF_ERROR(
        FindEntry(options, ColumnFamily::kDefault, key, kMaxVersion, &ikey, &raw));
    ValueRecord record;
    if (!DecodeValueRecord(raw, &record)) return Status::Corruption("undecodable value record");
    if (record.IsDelete() || (record.meta & kMetaRangeDelete)) return Status::NotFound();
    if (record.expires_at != 0 && record.expires_at <= NowMs()) return Status::NotFound();
    if (expires_at_ms) *expires_at_ms = record.expires_at;
    s = ResolveValue(record, value);
    if (s.ok() && read_ring_) read_ring_->Touch(key);
    if (!s.IsNotFound()) return s;
  }
  return Status::Corruption("value log segment vanished during repeated reads: " + s.ToString());
}

Status DBImpl::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  return GetCF(options, ColumnFamily::kDefault, key, value);
}

Status DBImpl::GetCF(const ReadOptions& options, ColumnFamily cf, std::string_view key,
                     std::string* value) {
  if (cf == ColumnFamily::kDefault) return GetWithExpiry(options, key, value, nullptr);
  Entry entry;
  NOKV_RETURN_IF_ERROR(GetEntry(options, cf, key, kMaxVersion, &entry));
  if (entry.deleted || entry.expired) return Status::NotFound();
  *value = std::move(entry.value);
  return Status::OK();
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

std::shared_ptr<void> DBImpl::PinIterator(std::shared_ptr<ReadView> view, uint64_t snapshot) {
  {
    std::lock_guard<std::mutex> l(mu_);
    iterator_seqs_.insert(snapshot);
  }
  // Holds the view; unregisters the iterator's sequence (value-log GC waits
  // for it) when the iterator goes away. The DB must outlive its iterators.
  return std::shared_ptr<void>(new int(0), [this, view, snapshot](int* p) {
    delete p;
    UnregisterIterator(snapshot);
  });
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  return NewIteratorCF(options, ColumnFamily::kDefault);
}

namespace {
class ErrorIterator final : public Iterator {
 public:
  explicit ErrorIterator(Status s) : s_(std::move(s)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void SeekForPrev(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return s_; }

 private:
  Status s_;
};
}  // namespace

std::unique_ptr<Iterator> DBImpl::NewIteratorCF(const ReadOptions& options, ColumnFamily cf) {
  Status open = CheckOpen();
  if (!open.ok()) return std::make_unique<ErrorIterator>(open);
  auto view = std::make_shared<ReadView>(CaptureReadView());
  const uint64_t snapshot = options.snapshot ? options.snapshot->sequence() : view->sequence;
  std::shared_ptr<void> pin = PinIterator(view, snapshot);

  TableIterOptions topts;
  topts.verify_checksums = options.verify_checksums;
  topts.fill_cache = options.fill_cache;
  DBIterOptions dopts;
  dopts.cf = cf;
  dopts.snapshot = snapshot;
  dopts.lower_bound = options.lower_bound;
  dopts.upper_bound = options.upper_bound;
  dopts.now = [this] { return NowMs(); };
  if (!view->range_dels->empty()) {
    const RangeTombstoneSet* dels = view->range_dels.get();  // pinned by `pin`
    dopts.covered = [dels, snapshot](std::string_view ikey) {
      return dels->CoversInternalKey(ikey, snapshot);
    };
  }
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
  auto view = std::make_shared<ReadView>(CaptureReadView());
  const uint64_t snapshot = options.snapshot ? options.snapshot->sequence() : view->sequence;
  std::shared_ptr<void> pin = PinIterator(view, snapshot);
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
