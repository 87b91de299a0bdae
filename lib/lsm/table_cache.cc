// TableCache implementation.
#include "lsm/table_cache.h"

#include "manifest/filenames.h"

namespace nokv {

TableCache::TableCache(FileSystem* fs, std::string dir, TableOptions options,
                       BlockCache* block_cache, size_t capacity)
    : fs_(fs),
      dir_(std::move(dir)),
      options_(options),
      block_cache_(block_cache),
      capacity_(capacity < 16 ? 16 : capacity) {}

Result<std::shared_ptr<TableReader>> TableCache::Get(uint64_t number) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tables_.find(number);
    if (it != tables_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru_pos);
      return it->second.reader;
    }
  }
  // Open outside the lock: it reads the footer, index and filter.
  const std::string path = TableFileName(dir_, number);
  auto file = fs_->NewRandomAccessFile(path);
  if (!file.ok()) return file.status();
  auto reader = TableReader::Open(options_, std::move(file.value()), number, block_cache_);
  if (!reader.ok()) return reader.status();
  std::shared_ptr<TableReader> shared(std::move(reader.value()));

  std::lock_guard<std::mutex> l(mu_);
  auto it = tables_.find(number);
  if (it != tables_.end()) return it->second.reader;  // raced with another opener
  lru_.push_front(number);
  tables_.emplace(number, Entry{shared, lru_.begin()});
  while (tables_.size() > capacity_) {
    uint64_t victim = lru_.back();
    lru_.pop_back();
    tables_.erase(victim);
  }
  return shared;
}

void TableCache::Evict(uint64_t number) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = tables_.find(number);
  if (it == tables_.end()) return;
  lru_.erase(it->second.lru_pos);
  tables_.erase(it);
}

}  // namespace nokv
