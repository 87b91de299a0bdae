// DBImpl: the read path — point lookups through memtables and levels, and
// iterators over a pinned view.
#include <ctime>

#include "db/db_impl.h"
#include "db/db_iter.h"
#include "lsm/level_iterator.h"
#include "lsm/merging_iterator.h"

namespace nokv {

namespace {
uint64_t NowSeconds() { return static_cast<uint64_t>(std::time(nullptr)); }

// Outcome of looking for a key in one source.
enum class Lookup { kMissing, kFound, kDeleted };

Lookup Interpret(std::string_view value, std::string* out, Status* error) {
  ValueRecord record;
  if (!DecodeValueRecord(value, &record)) {
    *error = Status::Corruption("undecodable value record");
    return Lookup::kDeleted;
  }
  if (record.IsDelete() || (record.meta & kMetaRangeDelete)) return Lookup::kDeleted;
  if (record.expires_at != 0 && record.expires_at <= NowSeconds()) return Lookup::kDeleted;
  out->assign(record.value.data(), record.value.size());
  return Lookup::kFound;
}
}  // namespace

DBImpl::ReadView DBImpl::CaptureReadView() {
  ReadView view;
  std::lock_guard<std::mutex> l(mu_);
  view.mem = mem_;
  view.imms.reserve(imms_.size());
  for (auto it = imms_.rbegin(); it != imms_.rend(); ++it) view.imms.push_back(it->mem);
  view.version = versions_ ? versions_->current() : nullptr;
  view.sequence = last_sequence_.load(std::memory_order_acquire);
  return view;
}

Status DBImpl::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  return GetCF(options, ColumnFamily::kDefault, key, value);
}

Status DBImpl::GetCF(const ReadOptions& options, ColumnFamily cf, std::string_view key,
                     std::string* value) {
  NOKV_RETURN_IF_ERROR(CheckOpen());
  if (key.empty()) return Status::InvalidArgument("empty key");
  if (key.size() > kMaxUserKeySize) return Status::InvalidArgument("key too long");
  ReadView view = CaptureReadView();
  const uint64_t snapshot = options.snapshot ? options.snapshot->sequence() : view.sequence;

  std::string lookup;
  AppendInternalKey(&lookup, cf, key, kMaxVersion, snapshot);
  const std::string_view user_part = UserPart(lookup);
  Status error;
  std::string found_key, found_value;

  auto finish = [&](Lookup r) -> Status {
    if (!error.ok()) return error;
    return r == Lookup::kFound ? Status::OK() : Status::NotFound();
  };

  // Memtables, newest first: the first hit is the newest entry.
  if (view.mem->Get(user_part, kMaxVersion, snapshot, &found_key, &found_value)) {
    return finish(Interpret(found_value, value, &error));
  }
  for (const auto& imm : view.imms) {
    if (imm->Get(user_part, kMaxVersion, snapshot, &found_key, &found_value)) {
      return finish(Interpret(found_value, value, &error));
    }
  }

  // Tables: L0 newest first, then one candidate file per deeper level.
  auto search_table = [&](const FileMeta& f, Lookup* result) -> bool {
    auto reader = table_cache_->Get(f.number);
    if (!reader.ok()) {
      error = reader.status();
      return true;
    }
    if (!(*reader)->MayContain(user_part)) return false;
    auto it = (*reader)->NewIterator(options.verify_checksums, options.fill_cache);
    for (it->Seek(lookup); it->Valid(); it->Next()) {
      std::string_view k = it->key();
      if (UserPart(k) != user_part) break;
      if (InternalKeySequence(k) > snapshot) continue;
      *result = Interpret(it->value(), value, &error);
      return true;
    }
    if (!it->status().ok()) {
      error = it->status();
      return true;
    }
    return false;
  };

  const Version& version = *view.version;
  Lookup result = Lookup::kMissing;
  for (const auto& f : version.files(0)) {
    if (user_part < UserPart(f->smallest) || user_part > UserPart(f->largest)) continue;
    if (f->smallest_seq > snapshot) continue;
    if (search_table(*f, &result)) return finish(result);
  }
  for (int level = 1; level < kNumLevels; ++level) {
    const auto& files = version.files(level);
    if (files.empty()) continue;
    int index = version.FindFile(level, lookup);
    if (index >= static_cast<int>(files.size())) continue;
    const FileMeta& f = *files[index];
    if (user_part < UserPart(f.smallest)) continue;
    if (search_table(f, &result)) return finish(result);
  }
  return Status::NotFound();
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

  TableIterOptions topts;
  topts.verify_checksums = options.verify_checksums;
  topts.fill_cache = options.fill_cache;
  std::vector<std::unique_ptr<InternalIterator>> children;
  children.push_back(view->mem->NewIterator());
  for (const auto& imm : view->imms) children.push_back(imm->NewIterator());
  for (const auto& f : view->version->files(0)) {
    children.push_back(NewLevelIterator(view->version, {f}, table_cache_.get(), topts));
  }
  for (int level = 1; level < kNumLevels; ++level) {
    const auto& files = view->version->files(level);
    if (files.empty()) continue;
    children.push_back(NewLevelIterator(view->version, files, table_cache_.get(), topts));
  }
  DBIterOptions dopts;
  dopts.cf = cf;
  dopts.snapshot = snapshot;
  dopts.lower_bound = options.lower_bound;
  dopts.upper_bound = options.upper_bound;
  dopts.now = NowSeconds;
  return NewDBIterator(NewMergingIterator(std::move(children)), std::move(dopts), view);
}

}  // namespace nokv
