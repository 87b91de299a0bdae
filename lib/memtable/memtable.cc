// MemTable: entry encoding, point lookups and the memtable iterator.
#include "memtable/memtable.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

#include "base/coding.h"
#include "base/internal_key.h"

namespace nokv {

// Adapts a MemIndex cursor to InternalIterator; keys and values point into
// the arena.
class MemTable::Iterator final : public InternalIterator {
 public:
  explicit Iterator(std::unique_ptr<MemIndex::Iterator> iter) : iter_(std::move(iter)) {}

  bool Valid() const override { return iter_->Valid(); }
  void SeekToFirst() override { iter_->SeekToFirst(); }
  void SeekToLast() override { iter_->SeekToLast(); }
  void Seek(std::string_view target) override { iter_->Seek(target); }
  void SeekForPrev(std::string_view target) override { iter_->SeekForPrev(target); }
  void Next() override { iter_->Next(); }
  void Prev() override { iter_->Prev(); }
  std::string_view key() const override { return EntryKey(iter_->entry()); }
  std::string_view value() const override { return EntryValue(EntryKey(iter_->entry())); }
  Status status() const override { return Status::OK(); }

 private:
  const std::unique_ptr<MemIndex::Iterator> iter_;
};

MemTable::MemTable(MemTableEngine engine, size_t hash_index_bytes, size_t arena_block_size)
    : engine_(engine),
      arena_(arena_block_size),
      index_arena_(arena_block_size),
      index_(engine == MemTableEngine::kArt ? NewArtIndex(&index_arena_)
                                            : NewSkipListIndex(&index_arena_)),
      hash_index_(&index_arena_, hash_index_bytes) {}

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
  if (hash_index_.enabled()) {
    // The bucket loads while the ordered index inserts.
    const std::string_view user_part = UserPart(internal_key);
    const uint64_t hash = MemTableHashIndex::Hash(user_part);
    hash_index_.Prefetch(hash);
    index_->Insert(entry, internal_key);
    hash_index_.Insert(hash, user_part, entry);
  } else {
    index_->Insert(entry, internal_key);
  }

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

void MemTable::PrefetchForGets(const std::string_view* user_parts, size_t n) const {
  if (!hash_index_.enabled()) return;
  constexpr size_t kStep = 64;
  uint64_t hashes[kStep];
  for (size_t from = 0; from < n; from += kStep) {
    const size_t count = std::min(kStep, n - from);
    for (size_t i = 0; i < count; ++i) hashes[i] = MemTableHashIndex::Hash(user_parts[from + i]);
    hash_index_.PrefetchMany(hashes, count);
  }
}

bool MemTable::Get(std::string_view user_part, uint64_t version, uint64_t snapshot,
                   std::string* found_key, std::string* found_value) const {
  auto found = [&](std::string_view key) {
    if (found_key != nullptr) found_key->assign(key.data(), key.size());
    if (found_value != nullptr) {
      const std::string_view value = EntryValue(key);
      found_value->assign(value.data(), value.size());
    }
    return true;
  };
  if (hash_index_.enabled()) {
    const char* newest = hash_index_.Find(MemTableHashIndex::Hash(user_part), user_part);
    if (newest == nullptr) return false;  // no entry of this user part at all
    // The newest entry is the answer when it is a plain write (the highest
    // version there is) the reader may see; otherwise search in order.
    const std::string_view key = EntryKey(newest);
    if (version == kMaxVersion && InternalKeyVersion(key) == kMaxVersion &&
        InternalKeySequence(key) <= snapshot) {
      return found(key);
    }
  }
  // Within one user part, entries are ordered by version descending, then by
  // sequence descending. Seeking to (version, snapshot) skips every entry with
  // a newer version, and newer writes of `version` itself. What follows may
  // be an older version v written after the snapshot; then seeking to
  // (v, snapshot) skips the rest of v's invisible writes, and so on.
  char inline_target[256];
  std::string heap_target;
  const size_t target_size = user_part.size() + kTrailerSize;
  char* target_data = inline_target;
  if (target_size > sizeof(inline_target)) {
    heap_target.resize(target_size);
    target_data = heap_target.data();
  }
  if (!user_part.empty()) std::memcpy(target_data, user_part.data(), user_part.size());
  char* const trailer = target_data + user_part.size();
  EncodeBigEndian64(trailer, ~version);
  EncodeBigEndian64(trailer + 8, ~snapshot);
  const std::string_view target(target_data, target_size);
  for (const char* entry = index_->FindGreaterOrEqual(target); entry != nullptr;
       entry = index_->FindGreaterOrEqual(target)) {
    const std::string_view key = EntryKey(entry);
    if (UserPart(key) != user_part) return false;
    if (InternalKeySequence(key) > snapshot) {
      // key's version is <= `version` (else it would sort before target).
      std::memcpy(trailer, key.data() + key.size() - kTrailerSize, 8);
      continue;
    }
    return found(key);
  }
  return false;
}

std::unique_ptr<InternalIterator> MemTable::NewIterator() const {
  return std::make_unique<Iterator>(index_->NewIterator());
}

}  // namespace nokv
