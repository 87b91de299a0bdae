// The skiplist memtable engine: a SkipList of entry pointers ordered by their
// internal keys.
#include <cstring>
#include <string>

#include "base/internal_key.h"
#include "memtable/mem_index.h"
#include "memtable/skiplist.h"

namespace nokv {
namespace {

// What a skiplist node holds: the entry and the first 8 bytes of its user
// part (cf byte + user key), big-endian and zero-padded. Most comparisons
// during a search are decided by the prefixes alone, which live in the node,
// so they cost no second cache miss into the entry.
struct NodeKey {
  const char* entry = nullptr;
  uint64_t prefix = 0;
};

uint64_t UserPartPrefix(std::string_view internal_key) {
  const std::string_view user_part = UserPart(internal_key);
  unsigned char bytes[8] = {};
  std::memcpy(bytes, user_part.data(), user_part.size() < 8 ? user_part.size() : 8);
  return DecodeBigEndian64(reinterpret_cast<const char*>(bytes));
}

NodeKey MakeNodeKey(const char* entry, std::string_view internal_key) {
  return NodeKey{entry, UserPartPrefix(internal_key)};
}

// Prefixes that differ order the keys (a shorter user part pads with zeros,
// and a proper prefix sorts first); equal prefixes need the full comparison.
struct EntryComparator {
  int operator()(const NodeKey& a, const NodeKey& b) const {
    if (a.prefix != b.prefix) return a.prefix < b.prefix ? -1 : 1;
    return CompareInternalKeys(EntryKey(a.entry), EntryKey(b.entry));
  }
};
using Table = SkipList<NodeKey, EntryComparator>;

// A skiplist search target: an entry holding just a length-prefixed internal
// key, built in an inline buffer (the heap only for long keys).
class SearchEntry {
 public:
  explicit SearchEntry(std::string_view internal_key) : prefix_(UserPartPrefix(internal_key)) {
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

  NodeKey key() const { return NodeKey{data_, prefix_}; }

 private:
  static constexpr size_t kMaxVarint32 = 5;
  char inline_[256];
  std::string heap_;
  const char* data_;
  uint64_t prefix_;
};

class SkipListIndex final : public MemIndex {
 public:
  explicit SkipListIndex(Arena* arena) : table_(EntryComparator(), arena) {}

  void Insert(const char* entry, std::string_view internal_key) override {
    table_.Insert(MakeNodeKey(entry, internal_key));
  }

  const char* FindGreaterOrEqual(std::string_view internal_key) const override {
    SearchEntry target(internal_key);
    Table::Iterator iter(&table_);
    iter.Seek(target.key());
    return iter.Valid() ? iter.key().entry : nullptr;
  }

  class Iterator final : public MemIndex::Iterator {
   public:
    explicit Iterator(const Table* table) : iter_(table) {}
    bool Valid() const override { return iter_.Valid(); }
    const char* entry() const override { return iter_.key().entry; }
    void SeekToFirst() override { iter_.SeekToFirst(); }
    void SeekToLast() override { iter_.SeekToLast(); }
    void Seek(std::string_view internal_key) override {
      SearchEntry target(internal_key);
      iter_.Seek(target.key());
    }
    void SeekForPrev(std::string_view internal_key) override {
      SearchEntry target(internal_key);
      iter_.SeekForPrev(target.key());
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
