// MemTableBloom: a cache-line-blocked bloom filter over the user parts
// (cf byte + user key) added to one memtable, so a point read of a key the
// memtable does not hold skips the index search (tens of dependent cache
// misses in a skiplist of 100k+ nodes) for one cache-line probe.
//
// All probes of a key fall in one 64-byte block, chosen by the high half of
// the hash; six bits in that block are set from the low half.
//
// Thread safety: one writer calls Add, concurrently with any number of
// readers calling MayContain, without locks (relaxed atomics). A reader that
// saw an entry published by the writer's later release store (the memtable's
// entry count, or the DB's last sequence) also sees that entry's bits.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace nokv {

class MemTableBloom {
 public:
  // A filter of about `bytes` bytes (rounded down to whole 64-byte blocks);
  // fewer than 64 disables it (MayContain is then always true).
  explicit MemTableBloom(size_t bytes);
  MemTableBloom(const MemTableBloom&) = delete;
  MemTableBloom& operator=(const MemTableBloom&) = delete;

  static uint64_t Hash(std::string_view user_part);

  void Add(uint64_t hash);  // one writer at a time
  bool MayContain(uint64_t hash) const;

  bool enabled() const { return num_blocks_ != 0; }
  size_t bytes() const { return num_blocks_ * kBlockBytes; }

 private:
  static constexpr size_t kBlockBytes = 64;
  static constexpr size_t kWordsPerBlock = kBlockBytes / sizeof(uint64_t);
  static constexpr int kProbes = 6;

  std::atomic<uint64_t>* BlockFor(uint64_t hash) const;

  const size_t num_blocks_;
  const std::unique_ptr<std::atomic<uint64_t>[]> words_;
};

}  // namespace nokv
