// LevelIterator implementation.
#include "lsm/level_iterator.h"

#include "base/internal_key.h"

namespace nokv {
namespace {

class LevelIterator final : public InternalIterator {
 public:
  LevelIterator(std::shared_ptr<const Version> version,
                std::vector<std::shared_ptr<const FileMeta>> files, TableCache* cache,
                TableIterOptions options)
      : version_(std::move(version)), files_(std::move(files)), cache_(cache), options_(options) {}

  bool Valid() const override { return iter_ != nullptr && iter_->Valid(); }

  void SeekToFirst() override {
    if (!OpenFile(0)) return;
    iter_->SeekToFirst();
    SkipEmptyForward();
  }

  void SeekToLast() override {
    if (files_.empty() || !OpenFile(files_.size() - 1)) return;
    iter_->SeekToLast();
    SkipEmptyBackward();
  }

  void Seek(std::string_view target) override {
    // First file whose largest key >= target.
    size_t lo = 0, hi = files_.size();
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (CompareInternalKeys(files_[mid]->largest, target) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (!OpenFile(lo)) return;
    iter_->Seek(target);
    SkipEmptyForward();
  }

  void SeekForPrev(std::string_view target) override {
    // Last file whose smallest key <= target.
    size_t lo = 0, hi = files_.size();
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (CompareInternalKeys(files_[mid]->smallest, target) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo == 0) {
      Reset();
      return;
    }
    if (!OpenFile(lo - 1)) return;
    iter_->SeekForPrev(target);
    SkipEmptyBackward();
  }

  void Next() override {
    iter_->Next();
    SkipEmptyForward();
  }

  void Prev() override {
    iter_->Prev();
    SkipEmptyBackward();
  }

  std::string_view key() const override { return iter_->key(); }
  std::string_view value() const override { return iter_->value(); }

  Status status() const override {
    if (!status_.ok()) return status_;
    return iter_ ? iter_->status() : Status::OK();
  }

 private:
  void Reset() {
    iter_.reset();
    reader_.reset();
    index_ = files_.size();
  }

  // Positions on file i (unpositioned); false if out of range or on error.
  bool OpenFile(size_t i) {
    if (i >= files_.size()) {
      Reset();
      return false;
    }
    if (iter_ != nullptr && index_ == i) return true;
    if (iter_ != nullptr && !iter_->status().ok() && status_.ok()) status_ = iter_->status();
    auto reader = cache_->Get(files_[i]->number);
    if (!reader.ok()) {
      if (status_.ok()) status_ = reader.status();
      Reset();
      return false;
    }
    iter_.reset();  // its blocks may borrow the old reader's mapping
    reader_ = std::move(reader.value());
    iter_ = reader_->NewIterator(options_.verify_checksums, options_.fill_cache);
    index_ = i;
    return true;
  }

  void SkipEmptyForward() {
    while (iter_ != nullptr && !iter_->Valid()) {
      if (!iter_->status().ok()) return;
      if (!OpenFile(index_ + 1)) return;
      iter_->SeekToFirst();
    }
  }

  void SkipEmptyBackward() {
    while (iter_ != nullptr && !iter_->Valid()) {
      if (!iter_->status().ok()) return;
      if (index_ == 0) {
        Reset();
        return;
      }
      if (!OpenFile(index_ - 1)) return;
      iter_->SeekToLast();
    }
  }

  std::shared_ptr<const Version> version_;
  std::vector<std::shared_ptr<const FileMeta>> files_;
  TableCache* cache_;
  TableIterOptions options_;
  std::shared_ptr<TableReader> reader_;
  std::unique_ptr<InternalIterator> iter_;
  size_t index_ = 0;
  Status status_;
};

}  // namespace

std::unique_ptr<InternalIterator> NewLevelIterator(
    std::shared_ptr<const Version> version, std::vector<std::shared_ptr<const FileMeta>> files,
    TableCache* cache, TableIterOptions options) {
  return std::make_unique<LevelIterator>(std::move(version), std::move(files), cache, options);
}

}  // namespace nokv
