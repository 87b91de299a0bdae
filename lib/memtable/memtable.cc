// MemTable: entry encoding, point lookups and the memtable iterator.
#include "memtable/memtable.h"

#include <cassert>
#include <cstring>

#include "base/coding.h"
#include "base/internal_key.h"

namespace nokv {
namespace {

// Decodes the varint32-length-prefixed bytes at p. Entries are written by
// MemTable::Add, so the encoding is trusted.
inline std::string_view DecodeLengthPrefixed(const char* p) {
  uint32_t len = static_cast<unsigned char>(*p);
  if (len < 128) return {p + 1, len};
  p = GetVarint32Ptr(p, p + 5, &len);
  assert(p != nullptr);
  return {p, len};
}

inline std::string_view EntryKey(const char* entry) { return DecodeLengthPrefixed(entry); }

inline std::string_view EntryValue(std::string_view key) {
  return DecodeLengthPrefixed(key.data() + key.size());
}

// A skiplist search target: a length-prefixed internal key. It is built in
// an inline buffer; only keys too long for it go to the heap.
class SearchEntry {
 public:
  // The internal key (user_part, version, sequence).
  SearchEntry(std::string_view user_part, uint64_t version, uint64_t sequence) {
    const size_t key_size = user_part.size() + kTrailerSize;
    char* p = EncodeVarint64(Reserve(key_size), key_size);
    if (!user_part.empty()) std::memcpy(p, user_part.data(), user_part.size());
    p += user_part.size();
    EncodeBigEndian64(p, ~version);
    EncodeBigEndian64(p + 8, ~sequence);
  }

  explicit SearchEntry(std::string_view internal_key) {
    char* p = EncodeVarint64(Reserve(internal_key.size()), internal_key.size());
    if (!internal_key.empty()) std::memcpy(p, internal_key.data(), internal_key.size());
  }

  SearchEntry(const SearchEntry&) = delete;
  SearchEntry& operator=(const SearchEntry&) = delete;

  const char* data() const { return data_; }

 private:
  static constexpr size_t kMaxVarint32 = 5;

  char* Reserve(size_t key_size) {
    const size_t needed = kMaxVarint32 + key_size;
    if (needed <= sizeof(inline_)) {
      data_ = inline_;
      return inline_;
    }
    heap_.resize(needed);
    data_ = heap_.data();
    return heap_.data();
  }

  char inline_[256];
  std::string heap_;
  const char* data_ = nullptr;
};

}  // namespace

int MemTable::EntryComparator::operator()(const char* a, const char* b) const {
  return CompareInternalKeys(EntryKey(a), EntryKey(b));
}

// Iterates the skiplist; keys and values point into the arena.
class MemTable::Iterator final : public InternalIterator {
 public:
  explicit Iterator(const Table* table) : iter_(table) {}

  bool Valid() const override { return iter_.Valid(); }
  void SeekToFirst() override { iter_.SeekToFirst(); }
  void SeekToLast() override { iter_.SeekToLast(); }
  void Seek(std::string_view target) override {
    SearchEntry entry(target);
    iter_.Seek(entry.data());
  }
  void SeekForPrev(std::string_view target) override {
    SearchEntry entry(target);
    iter_.SeekForPrev(entry.data());
  }
  void Next() override { iter_.Next(); }
  void Prev() override { iter_.Prev(); }
  std::string_view key() const override { return EntryKey(iter_.key()); }
  std::string_view value() const override { return EntryValue(EntryKey(iter_.key())); }
  Status status() const override { return Status::OK(); }

 private:
  Table::Iterator iter_;
};

MemTable::MemTable() : table_(EntryComparator(), &arena_) {}

void MemTable::Add(std::string_view internal_key, std::string_view value) {
  assert(internal_key.size() > kTrailerSize);
  assert(internal_key.size() <= UINT32_MAX && value.size() <= UINT32_MAX);
  const size_t encoded_size = static_cast<size_t>(VarintLength(internal_key.size())) +
                              internal_key.size() +
                              static_cast<size_t>(VarintLength(value.size())) + value.size();
  char* const entry = arena_.Allocate(encoded_size);
  char* p = EncodeVarint64(entry, internal_key.size());
  std::memcpy(p, internal_key.data(), internal_key.size());
  p += internal_key.size();
  p = EncodeVarint64(p, value.size());
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  assert(p + value.size() == entry + encoded_size);
  table_.Insert(entry);

  // Only this thread writes the counters, so load+store is race-free.
  const uint64_t sequence = InternalKeySequence(internal_key);
  if (sequence > largest_sequence_.load(std::memory_order_relaxed)) {
    largest_sequence_.store(sequence, std::memory_order_relaxed);
  }
  if (sequence < smallest_sequence_.load(std::memory_order_relaxed)) {
    smallest_sequence_.store(sequence, std::memory_order_relaxed);
  }
  if (!value.empty() && (static_cast<uint8_t>(value[0]) & kMetaDelete) != 0) {
    num_deletions_.store(num_deletions_.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
  }
  // Release: a reader that sees the count also sees the sequence bounds.
  num_entries_.store(num_entries_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

bool MemTable::Get(std::string_view user_part, uint64_t version, uint64_t snapshot,
                   std::string* found_key, std::string* found_value) const {
  // Within one user part, entries are ordered by version descending, then by
  // sequence descending. Seeking to (version, snapshot) skips every entry with
  // a newer version, and newer writes of `version` itself; what follows may
  // still hold older versions written after the snapshot, so filter those.
  SearchEntry target(user_part, version, snapshot);
  Table::Iterator iter(&table_);
  for (iter.Seek(target.data()); iter.Valid(); iter.Next()) {
    const std::string_view key = EntryKey(iter.key());
    if (UserPart(key) != user_part) return false;
    if (InternalKeySequence(key) > snapshot) continue;
    if (found_key != nullptr) found_key->assign(key.data(), key.size());
    if (found_value != nullptr) {
      const std::string_view value = EntryValue(key);
      found_value->assign(value.data(), value.size());
    }
    return true;
  }
  return false;
}

std::unique_ptr<InternalIterator> MemTable::NewIterator() const {
  return std::make_unique<Iterator>(&table_);
}

}  // namespace nokv
