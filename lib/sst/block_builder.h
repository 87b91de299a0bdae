// BlockBuilder: assembles a block of sorted internal keys with prefix
// compression and restart points. The byte layout is documented in block.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nokv {

class BlockBuilder {
 public:
  // restart_interval: entries between restart points (values < 1 mean 1).
  explicit BlockBuilder(int restart_interval);

  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Forgets all entries; the builder can then build a new block.
  void Reset();

  // Appends an entry. Requires: Finish() not called since the last Reset(),
  // and key sorts after every key added before (CompareInternalKeys).
  void Add(std::string_view key, std::string_view value);

  // Appends the restart array and returns the finished block. The view stays
  // valid until Reset() or destruction.
  std::string_view Finish();

  // Size of the block Finish() would return now.
  size_t CurrentSizeEstimate() const;

  bool empty() const { return num_entries_ == 0; }
  size_t num_entries() const { return num_entries_; }
  // The most recently added key (empty if none).
  std::string_view last_key() const { return last_key_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;  // entries since the last restart point
  size_t num_entries_ = 0;
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace nokv
