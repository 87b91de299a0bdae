// Block: an immutable, parsed view of one SST block (data or index) and the
// BlockIterator that walks it.
//
// Block layout (all fixed-width integers little-endian):
//
//   entry*  restart u32 * num_restarts  num_restarts u32
//
//   entry:  shared varint32 | non_shared varint32 | value_len varint32 |
//           key_delta (non_shared bytes) | value (value_len bytes)
//
// An entry's key is the first `shared` bytes of the previous entry's key
// followed by key_delta. Every restart_interval-th entry is a restart point:
// it stores its key whole (shared == 0) and its offset is listed in the
// restart array, so Seek can binary-search the restarts. Keys are internal
// keys (base/internal_key.h) in CompareInternalKeys order. The index block
// uses the same layout with key = last internal key of a data block and
// value = that block's encoded BlockHandle.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/iterator.h"
#include "base/status.h"

namespace nokv {

class Block {
 public:
  // Takes ownership of the block bytes and validates the restart array. A
  // malformed block is still constructed; status() then reports Corruption and
  // its iterators are empty and carry that status.
  explicit Block(std::string contents);
  // Borrows the bytes instead (a block read through a file's memory
  // mapping, see ReadBlockBorrowed): they must outlive the Block.
  struct Borrow {};
  Block(Borrow, std::string_view bytes);

  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  const Status& status() const { return status_; }
  size_t size() const { return bytes_.size(); }
  // True if the bytes are borrowed (the Block does not own them).
  bool borrowed() const { return borrowed_; }
  uint32_t num_restarts() const { return num_restarts_; }

  // Returns an iterator over the entries. The iterator references this Block,
  // which must outlive it (see NewBlockIterator for a self-owning one).
  std::unique_ptr<InternalIterator> NewIterator() const;

 private:
  friend class BlockIterator;

  void Parse();

  std::string contents_;     // the bytes, unless borrowed
  std::string_view bytes_;   // contents_ or the borrowed bytes
  bool borrowed_ = false;
  uint32_t restarts_offset_ = 0;  // end of the entries, start of the restart array
  uint32_t num_restarts_ = 0;
  Status status_;
};

// An iterator that keeps the block alive by holding a reference to it.
std::unique_ptr<InternalIterator> NewBlockIterator(std::shared_ptr<const Block> block);

// Cursor over one Block. Exposed (rather than hidden behind NewIterator) so
// the table iterator can embed and re-target it without allocating. Seek
// targets must be valid internal keys (at least kTrailerSize + 1 bytes). A
// malformed entry ends iteration with a Corruption status naming the entry's
// offset within the block; a new Seek*/SeekTo* clears it.
class BlockIterator final : public InternalIterator {
 public:
  BlockIterator() = default;  // over nothing until Init
  explicit BlockIterator(const Block* block) { Init(block); }

  // Re-targets the iterator (unpositioned). block must outlive the iterator
  // or the next Init; the shared_ptr overload keeps it alive itself.
  void Init(const Block* block);
  void Init(std::shared_ptr<const Block> block);
  // Detaches from any block: the iterator is then empty with an OK status.
  void Clear();

  bool Valid() const override { return current_ < restarts_offset_; }
  void SeekToFirst() override;
  void SeekToLast() override;
  void Seek(std::string_view target) override;
  void SeekForPrev(std::string_view target) override;
  void Next() override;
  void Prev() override;
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  Status status() const override { return status_; }

 private:
  uint32_t RestartPoint(uint32_t index) const;
  void SeekToRestart(uint32_t index);
  // Decodes the entry at next_; false (iterator invalid) at the end or on
  // corruption.
  bool ParseNextEntry();
  // Decodes the whole key stored at a restart point into *key.
  bool RestartKey(uint32_t index, std::string_view* key);
  void MarkInvalid();
  void SetCorruption(uint32_t offset, std::string_view what);
  void ResetStatus();

  std::shared_ptr<const Block> owner_;  // set only by Init(shared_ptr)
  const Block* block_ = nullptr;
  const char* data_ = nullptr;
  uint32_t restarts_offset_ = 0;
  uint32_t num_restarts_ = 0;
  uint32_t current_ = 0;        // offset of the current entry; restarts_offset_ = invalid
  uint32_t next_ = 0;           // offset just past the current entry
  uint32_t restart_index_ = 0;  // restart interval holding current_
  std::string_view key_;        // into the block (restart entries) or key_buf_
  // Prefix-compressed keys are rebuilt here with plain memcpy (no string
  // bookkeeping on the scan path); grows, never shrinks.
  std::unique_ptr<char[]> key_buf_;
  size_t key_buf_capacity_ = 0;
  std::string_view value_;
  Status status_;
};

}  // namespace nokv
