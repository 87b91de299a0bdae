// InternalIterator: the cursor every layer (memtable, block, table, merge)
// exposes over internal keys (base/internal_key.h) in CompareInternalKeys
// order. Values are encoded ValueRecords unless a layer says otherwise.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace nokv {

class InternalIterator {
 public:
  virtual ~InternalIterator() = default;
  InternalIterator() = default;
  InternalIterator(const InternalIterator&) = delete;
  InternalIterator& operator=(const InternalIterator&) = delete;

  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first entry with key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Positions at the last entry with key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  virtual void Next() = 0;  // requires Valid()
  virtual void Prev() = 0;  // requires Valid()
  // Valid until the next move; requires Valid().
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Non-OK if an error (I/O, corruption) ended the iteration early.
  virtual Status status() const = 0;
};

// An iterator over nothing, optionally carrying an error.
// An iterator over nothing that reports `status`; `Interface` is any
// iterator interface of this shape (InternalIterator, the public Iterator).
template <typename Interface>
class EmptyIteratorOf final : public Interface {
 public:
  explicit EmptyIteratorOf(Status status) : status_(std::move(status)) {}
  bool Valid() const override { return false; }
  void SeekToFirst() override {}
  void SeekToLast() override {}
  void Seek(std::string_view) override {}
  void SeekForPrev(std::string_view) override {}
  void Next() override {}
  void Prev() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return status_; }

 private:
  Status status_;
};

std::unique_ptr<InternalIterator> NewEmptyIterator(Status status = Status::OK());

}  // namespace nokv
