// Block parsing and iteration.
#include "sst/block.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "base/coding.h"
#include "base/internal_key.h"

namespace nokv {

namespace {

constexpr size_t kMinKeySize = kTrailerSize + 1;

// Decodes an entry header at p. Returns a pointer to the key delta, or
// nullptr if the header or the bytes it announces run past limit.
inline const char* DecodeEntry(const char* p, const char* limit, uint32_t* shared,
                               uint32_t* non_shared, uint32_t* value_len) {
  if (limit - p < 3) return nullptr;
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  if ((u[0] | u[1] | u[2]) < 128) {  // fast path: all three fit in one byte
    *shared = u[0];
    *non_shared = u[1];
    *value_len = u[2];
    p += 3;
  } else {
    if ((p = GetVarint32Ptr(p, limit, shared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, non_shared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, value_len)) == nullptr) return nullptr;
  }
  if (static_cast<uint64_t>(limit - p) < uint64_t{*non_shared} + *value_len) return nullptr;
  return p;
}

}  // namespace

Block::Block(std::string contents) : contents_(std::move(contents)) {
  bytes_ = contents_;
  Parse();
}

Block::Block(Borrow, std::string_view bytes) : bytes_(bytes), borrowed_(true) {
  Parse();
}

void Block::Parse() {
  const size_t size = bytes_.size();
  if (size < sizeof(uint32_t) || size > std::numeric_limits<uint32_t>::max()) {
    status_ = Status::Corruption("block of " + std::to_string(size) + " bytes is malformed");
    return;
  }
  const uint32_t n = DecodeFixed32(bytes_.data() + size - sizeof(uint32_t));
  const size_t max_restarts = (size - sizeof(uint32_t)) / sizeof(uint32_t);
  if (n > max_restarts) {
    status_ = Status::Corruption("block restart count " + std::to_string(n) + " too large");
    return;
  }
  const auto restarts_offset = static_cast<uint32_t>(size - (1 + size_t{n}) * sizeof(uint32_t));
  // Restart points must start at 0, increase strictly and lie inside the
  // entries. An empty block has either no restarts or the single restart 0.
  const char* arr = bytes_.data() + restarts_offset;
  uint32_t prev = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t r = DecodeFixed32(arr + size_t{i} * sizeof(uint32_t));
    const bool bad = (i == 0) ? r != 0 : (r <= prev || r >= restarts_offset);
    if (bad) {
      status_ = Status::Corruption("block restart array is malformed at index " +
                                   std::to_string(i));
      return;
    }
    prev = r;
  }
  if (n == 0 && restarts_offset != 0) {
    status_ = Status::Corruption("block has entries but no restart points");
    return;
  }
  restarts_offset_ = restarts_offset;
  num_restarts_ = n;
}

std::unique_ptr<InternalIterator> Block::NewIterator() const {
  return std::make_unique<BlockIterator>(this);
}

std::unique_ptr<InternalIterator> NewBlockIterator(std::shared_ptr<const Block> block) {
  auto it = std::make_unique<BlockIterator>();
  it->Init(std::move(block));
  return it;
}

void BlockIterator::Init(std::shared_ptr<const Block> block) {
  Init(block.get());
  owner_ = std::move(block);
}

void BlockIterator::Init(const Block* block) {
  owner_.reset();
  block_ = block;
  data_ = block->bytes_.data();
  status_ = block->status_;
  // A malformed block has restarts_offset_ == num_restarts_ == 0: nothing is valid.
  restarts_offset_ = block->restarts_offset_;
  num_restarts_ = block->num_restarts_;
  MarkInvalid();
}

void BlockIterator::Clear() {
  owner_.reset();
  block_ = nullptr;
  data_ = nullptr;
  status_ = Status::OK();
  restarts_offset_ = 0;
  num_restarts_ = 0;
  MarkInvalid();
}

void BlockIterator::ResetStatus() {
  if (!status_.ok()) status_ = block_ != nullptr ? block_->status_ : Status::OK();
}

uint32_t BlockIterator::RestartPoint(uint32_t index) const {
  return DecodeFixed32(data_ + restarts_offset_ + size_t{index} * sizeof(uint32_t));
}

void BlockIterator::MarkInvalid() {
  current_ = restarts_offset_;
  next_ = restarts_offset_;
  restart_index_ = num_restarts_;
  key_ = {};
  value_ = {};
}

void BlockIterator::SetCorruption(uint32_t offset, std::string_view what) {
  status_ = Status::Corruption("block entry at offset " + std::to_string(offset) + ": " +
                               std::string(what));
  MarkInvalid();
}

void BlockIterator::SeekToRestart(uint32_t index) {
  restart_index_ = index;
  key_ = {};
  next_ = RestartPoint(index);
  current_ = next_;
}

bool BlockIterator::ParseNextEntry() {
  current_ = next_;
  if (current_ >= restarts_offset_) {
    MarkInvalid();
    return false;
  }
  const char* limit = data_ + restarts_offset_;
  uint32_t shared = 0, non_shared = 0, value_len = 0;
  const char* p = DecodeEntry(data_ + current_, limit, &shared, &non_shared, &value_len);
  if (p == nullptr) {
    SetCorruption(current_, "truncated entry");
    return false;
  }
  if (shared > key_.size()) {
    SetCorruption(current_, "shared prefix longer than the previous key");
    return false;
  }
  if (shared == 0) {
    key_ = std::string_view(p, non_shared);  // zero-copy
  } else {
    const size_t size = size_t{shared} + non_shared;
    if (size > key_buf_capacity_) {
      const size_t capacity = std::max<size_t>({size, 2 * key_buf_capacity_, 64});
      auto grown = std::make_unique_for_overwrite<char[]>(capacity);
      std::memcpy(grown.get(), key_.data(), shared);
      key_buf_ = std::move(grown);
      key_buf_capacity_ = capacity;
    } else if (key_.data() != key_buf_.get()) {
      std::memcpy(key_buf_.get(), key_.data(), shared);
    }  // else the shared prefix is already in place
    std::memcpy(key_buf_.get() + shared, p, non_shared);
    key_ = std::string_view(key_buf_.get(), size);
  }
  if (key_.size() < kMinKeySize) {
    SetCorruption(current_, "key shorter than an internal key");
    return false;
  }
  value_ = std::string_view(p + non_shared, value_len);
  next_ = static_cast<uint32_t>(p + non_shared + value_len - data_);
  while (restart_index_ + 1 < num_restarts_ && RestartPoint(restart_index_ + 1) <= current_) {
    ++restart_index_;
  }
  return true;
}

bool BlockIterator::RestartKey(uint32_t index, std::string_view* key) {
  const uint32_t offset = RestartPoint(index);
  uint32_t shared = 0, non_shared = 0, value_len = 0;
  const char* p =
      DecodeEntry(data_ + offset, data_ + restarts_offset_, &shared, &non_shared, &value_len);
  if (p == nullptr || shared != 0 || non_shared < kMinKeySize) {
    SetCorruption(offset, "bad restart entry");
    return false;
  }
  *key = std::string_view(p, non_shared);
  return true;
}

void BlockIterator::SeekToFirst() {
  ResetStatus();
  if (num_restarts_ == 0) return MarkInvalid();
  SeekToRestart(0);
  ParseNextEntry();
}

void BlockIterator::SeekToLast() {
  ResetStatus();
  if (num_restarts_ == 0) return MarkInvalid();
  SeekToRestart(num_restarts_ - 1);
  while (ParseNextEntry() && next_ < restarts_offset_) {
  }
}

void BlockIterator::Seek(std::string_view target) {
  ResetStatus();
  if (num_restarts_ == 0) return MarkInvalid();
  // Find the last restart point whose key is < target; the answer lies in
  // its interval or is the first entry of the next one.
  uint32_t left = 0;
  uint32_t right = num_restarts_ - 1;
  while (left < right) {
    const uint32_t mid = left + (right - left + 1) / 2;
    std::string_view mid_key;
    if (!RestartKey(mid, &mid_key)) return;
    if (CompareInternalKeys(mid_key, target) < 0) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  SeekToRestart(left);
  while (ParseNextEntry()) {
    if (CompareInternalKeys(key_, target) >= 0) return;
  }
}

void BlockIterator::SeekForPrev(std::string_view target) {
  Seek(target);
  if (!Valid()) {
    if (status_.ok()) SeekToLast();
  } else if (CompareInternalKeys(key_, target) > 0) {
    Prev();
  }
}

void BlockIterator::Next() {
  if (!Valid()) return;
  ParseNextEntry();
}

void BlockIterator::Prev() {
  if (!Valid()) return;
  const uint32_t original = current_;
  while (RestartPoint(restart_index_) >= original) {
    if (restart_index_ == 0) return MarkInvalid();  // before the first entry
    --restart_index_;
  }
  SeekToRestart(restart_index_);
  while (ParseNextEntry() && next_ < original) {
  }
}

}  // namespace nokv
