// MemIndex: the ordered index under a MemTable, behind which the two engines
// (skiplist, adaptive radix tree) sit. The MemTable owns entry encoding,
// counters and Get's version logic; an index only orders entries.
//
// An entry is one arena allocation written by MemTable::Add:
//
//   key_len varint32 | internal key | value_len varint32 | value bytes
//
// and an index stores a pointer to its first byte. Entries are ordered by
// CompareInternalKeys on their internal keys.
//
// Thread safety: Insert is for one writer at a time; FindGreaterOrEqual and
// iterators may run concurrently with it, lock-free, and see every entry
// inserted before they started (and maybe some inserted concurrently).
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <string_view>

#include "base/coding.h"
#include "memtable/arena.h"

namespace nokv {

// Decodes the varint32-length-prefixed bytes at p. Entries are written by
// MemTable::Add, so the encoding is trusted.
inline std::string_view DecodeEntryField(const char* p) {
  uint32_t len = static_cast<unsigned char>(*p);
  if (len < 128) return {p + 1, len};
  p = GetVarint32Ptr(p, p + 5, &len);
  assert(p != nullptr);
  return {p, len};
}
// The internal key of an entry.
inline std::string_view EntryKey(const char* entry) { return DecodeEntryField(entry); }
// The value of an entry, given its key as returned by EntryKey.
inline std::string_view EntryValue(std::string_view entry_key) {
  return DecodeEntryField(entry_key.data() + entry_key.size());
}

class MemIndex {
 public:
  virtual ~MemIndex() = default;
  MemIndex() = default;
  MemIndex(const MemIndex&) = delete;
  MemIndex& operator=(const MemIndex&) = delete;

  // Adds entry, whose internal key is internal_key (== EntryKey(entry)).
  // REQUIRES: no entry with an equal internal key is present; one writer.
  virtual void Insert(const char* entry, std::string_view internal_key) = 0;

  // The first entry whose internal key is >= internal_key, or nullptr.
  virtual const char* FindGreaterOrEqual(std::string_view internal_key) const = 0;

  // A cursor over entries; the index must outlive it. It starts invalid.
  class Iterator {
   public:
    virtual ~Iterator() = default;
    virtual bool Valid() const = 0;
    virtual const char* entry() const = 0;  // REQUIRES: Valid()
    virtual void SeekToFirst() = 0;
    virtual void SeekToLast() = 0;
    // First entry with internal key >= target / last entry with key <= target.
    virtual void Seek(std::string_view internal_key) = 0;
    virtual void SeekForPrev(std::string_view internal_key) = 0;
    virtual void Next() = 0;  // REQUIRES: Valid()
    virtual void Prev() = 0;  // REQUIRES: Valid()
  };
  virtual std::unique_ptr<Iterator> NewIterator() const = 0;
};

// The two engines. Nodes are allocated in *arena, which must outlive them.
std::unique_ptr<MemIndex> NewSkipListIndex(Arena* arena);
std::unique_ptr<MemIndex> NewArtIndex(Arena* arena);

}  // namespace nokv
