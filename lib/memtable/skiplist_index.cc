// The skiplist memtable engine: a SkipList of entry pointers ordered by their
// internal keys.
#include <cstring>
#include <string>

#include "base/internal_key.h"
#include "memtable/mem_index.h"
#include "memtable/skiplist.h"

namespace nokv {
namespace {

struct EntryComparator {
  int operator()(const char* a, const char* b) const {
    return CompareInternalKeys(EntryKey(a), EntryKey(b));
  }
};
using Table = SkipList<const char*, EntryComparator>;

// A skiplist search target: an entry holding just a length-prefixed internal
// key, built in an inline buffer (the heap only for long keys).
class SearchEntry {
 public:
  explicit SearchEntry(std::string_view internal_key) {
    const size_t needed = kMaxVarint32 + internal_key.size();
    char* p = inline_;
    if (needed > sizeof(inline_)) {
      heap_.resize(needed);
      p = heap_.data();
    }
    data_ = p;
    p = EncodeVarint64(p, internal_key.size());
    if (!internal_key.empty()) std::memcpy(p, internal_key.data(), internal_key.size());
  }
  SearchEntry(const SearchEntry&) = delete;
  SearchEntry& operator=(const SearchEntry&) = delete;

  const char* data() const { return data_; }

 private:
  static constexpr size_t kMaxVarint32 = 5;
  char inline_[256];
  std::string heap_;
  const char* data_;
};

class SkipListIndex final : public MemIndex {
 public:
  explicit SkipListIndex(Arena* arena) : table_(EntryComparator(), arena) {}

  void Insert(const char* entry, std::string_view /*internal_key*/) override {
    table_.Insert(entry);
  }

  const char* FindGreaterOrEqual(std::string_view internal_key) const override {
    SearchEntry target(internal_key);
    Table::Iterator iter(&table_);
    iter.Seek(target.data());
    return iter.Valid() ? iter.key() : nullptr;
  }

  class Iterator final : public MemIndex::Iterator {
   public:
    explicit Iterator(const Table* table) : iter_(table) {}
    bool Valid() const override { return iter_.Valid(); }
    const char* entry() const override { return iter_.key(); }
    void SeekToFirst() override { iter_.SeekToFirst(); }
    void SeekToLast() override { iter_.SeekToLast(); }
    void Seek(std::string_view internal_key) override {
      SearchEntry target(internal_key);
      iter_.Seek(target.data());
    }
    void SeekForPrev(std::string_view internal_key) override {
      SearchEntry target(internal_key);
      iter_.SeekForPrev(target.data());
    }
    void Next() override { iter_.Next(); }
    void Prev() override { iter_.Prev(); }

   private:
    Table::Iterator iter_;
  };

  std::unique_ptr<MemIndex::Iterator> NewIterator() const override {
    return std::make_unique<Iterator>(&table_);
  }

 private:
  Table table_;
};

}  // namespace

std::unique_ptr<MemIndex> NewSkipListIndex(Arena* arena) {
  return std::make_unique<SkipListIndex>(arena);
}

}  // namespace nokv
