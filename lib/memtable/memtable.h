// MemTable: the in-memory, sorted write buffer of the LSM tree. Entries are
// internal keys (base/internal_key.h) with opaque values (encoded
// ValueRecords), ordered by one of two index engines (mem_index.h) whose nodes
// live in the memtable's Arena:
//  * kSkipList - a skiplist of entry pointers compared with
//    CompareInternalKeys (skiplist.h);
//  * kArt - an adaptive radix tree (art.h) over route keys, an
//    order-preserving byte encoding of internal keys (route_key.h). No key
//    comparisons on the way down, so fewer cache misses per Add and Get, at
//    about twice the arena memory (each leaf holds a copy of its route key).
// Both engines share the entry encoding, the counters and Get's logic.
//
// Entry layout in the arena (one allocation per Add; the index stores a
// pointer to its first byte):
//
//   +--------------------+------------------+----------------------+--------------+
//   | key_len varint32   | internal key     | value_len varint32   | value bytes  |
//   +--------------------+------------------+----------------------+--------------+
//
// Thread safety: one writer at a time calls Add (the DB's commit thread);
// any number of readers (Get, iterators, the accessors) run concurrently with
// it, without locks. A memtable is never modified after it becomes immutable
// and is freed only when the last shared_ptr to it (and so the last iterator
// over it) is gone.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/iterator.h"
#include "memtable/arena.h"
#include "memtable/mem_index.h"
#include "memtable/hash_index.h"
#include "nokv/options.h"  // MemTableEngine

namespace nokv {

class MemTable {
 public:
  // hash_index_bytes sizes the buckets of the point-read hash index
  // (hash_index.h); 0 turns it off. arena_block_size is Arena::kBlockSize or,
  // for a memtable of many MiB, Arena::kHugeBlockSize (arena.h).
  explicit MemTable(MemTableEngine engine = MemTableEngine::kSkipList,
                    size_t hash_index_bytes = 0, size_t arena_block_size = Arena::kBlockSize);
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Adds an entry. `internal_key` must be a well-formed internal key not
  // already in the table; `value` is stored as is (normally an encoded
  // ValueRecord). One writer at a time, concurrent with readers.
  void Add(std::string_view internal_key, std::string_view value);

  // Finds the newest entry whose user part (cf byte + user key) equals
  // `user_part`, whose version is <= `version` and whose sequence is
  // <= `snapshot`: the highest such version, and for that version the highest
  // such sequence. On success stores its internal key and value in the
  // non-null outputs and returns true; returns false if there is none.
  // Tombstones are entries like any other (the caller interprets the value).
  bool Get(std::string_view user_part, uint64_t version, uint64_t snapshot, std::string* found_key,
           std::string* found_value) const;

  // A hint before point reads (or overwrites) of several user parts: loads
  // what Get of each will touch in the hash index into the CPU cache, all
  // keys at once (hash_index.h). No effect without the hash index.
  void PrefetchForGets(const std::string_view* user_parts, size_t n) const;
  bool has_hash_index() const { return hash_index_.enabled(); }

  // An iterator over the internal keys in CompareInternalKeys order; values
  // are the stored bytes. The MemTable must outlive it. It sees every entry
  // added before it was positioned (and maybe some added concurrently).
  std::unique_ptr<InternalIterator> NewIterator() const;

  // Arena bytes in use (entries, index nodes, hash buckets): the memtable's
  // footprint, for flush decisions.
  size_t ApproximateMemoryUsage() const {
    return arena_.MemoryUsage() + index_arena_.MemoryUsage();
  }
  uint64_t num_entries() const { return num_entries_.load(std::memory_order_acquire); }
  // The number of the first table its flush wrote, set by the flush before it
  // installs the tables (0 before): a reader that sees that table in the
  // version and this memtable still frozen knows they hold the same entries.
  void set_flush_output(uint64_t file_number) {
    flush_output_.store(file_number, std::memory_order_release);
  }
  uint64_t flush_output() const { return flush_output_.load(std::memory_order_acquire); }
  // Entries whose value's first (meta) byte has kMetaDelete set.
  uint64_t num_deletions() const { return num_deletions_.load(std::memory_order_relaxed); }
  bool empty() const { return num_entries() == 0; }
  MemTableEngine engine() const { return engine_; }
  // Largest / smallest sequence number added so far; 0 while empty.
  uint64_t largest_sequence() const { return largest_sequence_.load(std::memory_order_relaxed); }
  uint64_t smallest_sequence() const {
    return empty() ? 0 : smallest_sequence_.load(std::memory_order_relaxed);
  }

 private:
  class Iterator;

  const MemTableEngine engine_;
  Arena arena_;  // written by the writer only; entries live here
  // Index nodes live apart from the entries: packed densely, the nodes a
  // search walks share cache lines and pages instead of sitting one per
  // entry-sized stride. Written by the writer only.
  Arena index_arena_;
  const std::unique_ptr<MemIndex> index_;  // declared after index_arena_, which it uses
  MemTableHashIndex hash_index_;  // buckets and chain nodes in index_arena_
  // Written by the writer only (relaxed/release stores), read by anyone.
  std::atomic<uint64_t> num_entries_{0};
  std::atomic<uint64_t> num_deletions_{0};
  std::atomic<uint64_t> largest_sequence_{0};
  std::atomic<uint64_t> smallest_sequence_{UINT64_MAX};
  // Written once by the flush (not the writer); read by anyone.
  std::atomic<uint64_t> flush_output_{0};
};

}  // namespace nokv
