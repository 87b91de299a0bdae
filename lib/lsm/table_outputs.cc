// TableOutputs: cutting and syncing flush/compaction output tables.
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

}  // namespace nokv
