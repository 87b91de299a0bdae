// Two-level iteration: index block → data blocks. Any error (I/O, checksum,
// malformed block) stops the iterator: Valid() turns false and status()
// names the file and block offset. Re-positioning clears the error.
#include "sst/table_iterator.h"

#include "sst/block.h"
#include "sst/table_format.h"
#include "sst/table_reader.h"

namespace nokv {

namespace {

class TableIterator final : public InternalIterator {
 public:
  TableIterator(const TableReader* table, bool verify_checksums, bool fill_cache)
      : table_(table),
        verify_checksums_(verify_checksums),
        fill_cache_(fill_cache),
        index_iter_(&table->index_block()) {}

  bool Valid() const override { return data_iter_.Valid(); }
  std::string_view key() const override { return data_iter_.key(); }
  std::string_view value() const override { return data_iter_.value(); }
  Status status() const override { return status_; }

  void SeekToFirst() override {
    status_ = Status::OK();
    index_iter_.SeekToFirst();
    if (!LoadDataBlock()) return;
    data_iter_.SeekToFirst();
    SkipEmptyForward();
  }

  void SeekToLast() override {
    status_ = Status::OK();
    index_iter_.SeekToLast();
    if (!LoadDataBlock()) return;
    data_iter_.SeekToLast();
    SkipEmptyBackward();
  }

  void Seek(std::string_view target) override {
    status_ = Status::OK();
    // The first block whose last key is >= target holds the answer, if any.
    index_iter_.Seek(target);
    if (!LoadDataBlock()) return;
    data_iter_.Seek(target);
    SkipEmptyForward();
  }

  void SeekForPrev(std::string_view target) override {
    status_ = Status::OK();
    index_iter_.Seek(target);
    if (index_iter_.Valid()) {
      if (!LoadDataBlock()) return;
      data_iter_.SeekForPrev(target);
    } else {
      if (!index_iter_.status().ok()) {
        SetError(index_iter_.status().WithContext(table_->path() + ": index block"));
        return;
      }
      index_iter_.SeekToLast();  // target is past every key
      if (!LoadDataBlock()) return;
      data_iter_.SeekToLast();
    }
    SkipEmptyBackward();
  }

  void Next() override {
    if (!Valid()) return;
    data_iter_.Next();
    SkipEmptyForward();
  }

  void Prev() override {
    if (!Valid()) return;
    data_iter_.Prev();
    SkipEmptyBackward();
  }

 private:
  void SetError(Status s) {
    status_ = std::move(s);
    data_iter_.Clear();
    has_block_ = false;
  }

  // Points data_iter_ (unpositioned) at the block index_iter_ names. Returns
  // false when the index is exhausted or on error (recorded in status_).
  bool LoadDataBlock() {
    if (!index_iter_.Valid()) {
      if (!index_iter_.status().ok()) {
        SetError(index_iter_.status().WithContext(table_->path() + ": index block"));
      } else {
        data_iter_.Clear();
        has_block_ = false;
      }
      return false;
    }
    std::string_view encoded = index_iter_.value();
    BlockHandle handle;
    if (!handle.DecodeFrom(&encoded)) {
      SetError(Status::Corruption(table_->path() + ": index block: bad block handle"));
      return false;
    }
    if (has_block_ && handle.offset == block_offset_) return true;
    std::shared_ptr<const Block> block;
    Status s = table_->GetDataBlock(handle, verify_checksums_, fill_cache_, &block);
    if (!s.ok()) {
      SetError(std::move(s));
      return false;
    }
    data_iter_.Init(std::move(block));
    has_block_ = true;
    block_offset_ = handle.offset;
    return true;
  }

  // A data iterator that ran off its block (or broke) moves on to the
  // neighbouring block; an error stops the walk.
  bool DataIterFailed() {
    if (data_iter_.status().ok()) return false;
    SetError(data_iter_.status().WithContext(table_->path() + ": block at offset " +
                                             std::to_string(block_offset_)));
    return true;
  }

  void SkipEmptyForward() {
    while (!data_iter_.Valid()) {
      if (DataIterFailed()) return;
      index_iter_.Next();
      if (!LoadDataBlock()) return;
      data_iter_.SeekToFirst();
    }
  }

  void SkipEmptyBackward() {
    while (!data_iter_.Valid()) {
      if (DataIterFailed()) return;
      index_iter_.Prev();
      if (!LoadDataBlock()) return;
      data_iter_.SeekToLast();
    }
  }

  const TableReader* const table_;
  const bool verify_checksums_;
  const bool fill_cache_;
  BlockIterator index_iter_;
  BlockIterator data_iter_;  // holds a reference to its block
  bool has_block_ = false;
  uint64_t block_offset_ = 0;  // offset of data_iter_'s block when has_block_
  Status status_;
};

}  // namespace

std::unique_ptr<InternalIterator> NewTableIterator(const TableReader* table, bool verify_checksums,
                                                   bool fill_cache) {
  return std::make_unique<TableIterator>(table, verify_checksums, fill_cache);
}

}  // namespace nokv
