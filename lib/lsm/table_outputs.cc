// TableOutputs and ObsoleteEntryFilter.
#include "lsm/table_outputs.h"

#include <ctime>

#include "base/internal_key.h"
#include "manifest/filenames.h"

namespace nokv {

TableOutputs::TableOutputs(FileSystem* fs, std::string dir, TableOptions options,
                           uint64_t target_file_size, std::function<uint64_t()> new_file_number)
    : fs_(fs),
      dir_(std::move(dir)),
      options_(options),
      target_file_size_(target_file_size),
      new_file_number_(std::move(new_file_number)) {}

TableOutputs::~TableOutputs() {
  if (builder_) builder_->Abandon();
}

uint64_t TableOutputs::bytes_written() const {
  uint64_t n = 0;
  for (const auto& f : files_) n += f.file_size;
  return n;
}

Status TableOutputs::OpenFile() {
  number_ = new_file_number_();
  created_.push_back(number_);
  auto file = fs_->NewWritableFile(TableFileName(dir_, number_));
  if (!file.ok()) return file.status();
  file_ = std::move(file.value());
  builder_ = std::make_unique<TableBuilder>(options_, file_.get());
  return Status::OK();
}

Status TableOutputs::CloseFile() {
  Status s = builder_->Finish();
  if (s.ok()) s = file_->Sync();
  Status c = file_->Close();
  if (s.ok()) s = c;
  if (s.ok()) {
    const TableProperties& p = builder_->properties();
    FileMeta meta;
    meta.number = number_;
    meta.file_size = builder_->FileSize();
    meta.smallest = p.smallest_key;
    meta.largest = p.largest_key;
    meta.smallest_seq = p.smallest_seq;
    meta.largest_seq = p.largest_seq;
    meta.num_entries = p.num_entries;
    meta.num_deletions = p.num_deletions;
    meta.max_version = p.max_version;
    meta.created_at = static_cast<int64_t>(std::time(nullptr));
    files_.push_back(std::move(meta));
  }
  builder_.reset();
  file_.reset();
  return s;
}

Status TableOutputs::Add(std::string_view ikey, std::string_view value) {
  if (builder_ && target_file_size_ > 0 && builder_->FileSize() >= target_file_size_ &&
      UserPart(ikey) != UserPart(last_key_)) {
    NOKV_RETURN_IF_ERROR(CloseFile());
  }
  if (!builder_) NOKV_RETURN_IF_ERROR(OpenFile());
  builder_->Add(ikey, value);
  last_key_.assign(ikey.data(), ikey.size());
  return builder_->status();
}

Status TableOutputs::Finish() {
  if (builder_) NOKV_RETURN_IF_ERROR(CloseFile());
  if (files_.empty()) return Status::OK();
  return fs_->SyncDir(dir_);
}

void TableOutputs::Abandon() {
  if (builder_) {
    builder_->Abandon();
    builder_.reset();
  }
  if (file_) {
    (void)file_->Close();
    file_.reset();
  }
  for (uint64_t n : created_) (void)fs_->RemoveFile(TableFileName(dir_, n));
  files_.clear();
}

ObsoleteEntryFilter::ObsoleteEntryFilter(uint64_t smallest_snapshot,
                                         std::function<bool(std::string_view)> is_bottommost,
                                         uint64_t now_ms)
    : smallest_snapshot_(smallest_snapshot),
      now_ms_(now_ms),
      is_bottommost_(std::move(is_bottommost)) {}

void ObsoleteEntryFilter::Process(std::string_view ikey, std::string_view value,
                                  std::vector<Emit>* out) {
  out->clear();
  const std::string_view user_part = UserPart(ikey);
  const uint64_t version = InternalKeyVersion(ikey);
  const uint64_t sequence = InternalKeySequence(ikey);
  const bool same_key = has_last_ && user_part == last_user_part_;

  if (held_ && !same_key) {
    held_ = false;  // nothing older of that key survived: the tombstone goes
    ++dropped_;
    if (on_drop_) on_drop_(held_key_, held_value_);
  }
  // Shadowed: a newer entry of the same key and version is visible to every
  // reader (its sequence is at or below the oldest snapshot).
  // Range tombstones live in their own keyspace and are never dropped here:
  // two with the same begin key may cover different ranges (the DB drops a
  // tombstone itself once nothing can need it; db_background.cc).
  const bool is_range_delete =
      !ikey.empty() && static_cast<uint8_t>(ikey[0]) == kRangeDeleteSpace;
  const bool shadowed = !is_range_delete && same_key && version == last_version_ &&
                        last_sequence_ <= smallest_snapshot_;
  if (!same_key) last_user_part_.assign(user_part.data(), user_part.size());
  has_last_ = true;
  last_version_ = version;
  last_sequence_ = sequence;
  if (shadowed) {
    ++dropped_;
    if (on_drop_) on_drop_(ikey, value);
    return;
  }

  ValueRecord record;
  const bool decoded = DecodeValueRecord(value, &record);
  const bool is_tombstone =
      decoded && (record.IsDelete() ||
                  (now_ms_ != 0 && record.expires_at != 0 && record.expires_at <= now_ms_));
  // Only a plain (kMaxVersion) tombstone may go: a later write of its key
  // sorts before it and wins anyway. A versioned one must stay, since a
  // later write at a lower version would otherwise show through to reads at
  // or above the tombstone's version.
  if (is_tombstone && version == kMaxVersion && sequence <= smallest_snapshot_ &&
      is_bottommost_ && is_bottommost_(user_part)) {
    if (held_) {  // an older held tombstone of the same key is moot
      ++dropped_;
      if (on_drop_) on_drop_(held_key_, held_value_);
    }
    held_key_.assign(ikey.data(), ikey.size());
    held_value_.assign(value.data(), value.size());
    held_ = true;
    return;
  }
  if (held_) {
    out->push_back(Emit{held_key_, held_value_});
    held_ = false;
  }
  out->push_back(Emit{ikey, value});
}

}  // namespace nokv
