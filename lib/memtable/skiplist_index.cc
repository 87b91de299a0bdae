// The skiplist memtable engine: a SkipList of entry pointers ordered by their
// internal keys.
#include <cstring>
#include <string>

#include "base/internal_key.h"
#include "memtable/mem_index.h"
#include "memtable/skiplist.h"

namespace nokv {
namespace {

// What a skiplist node holds: the entry and the first 16 bytes of its user
// part (cf byte + user key), as two big-endian words, zero-padded. Most
// comparisons during a search are decided by the prefixes alone, which live
// in the node, so they cost no second cache miss into the entry. Sixteen
// bytes, not eight: keys often share a long textual prefix ("user" plus the
// leading digits of a number), which eight bytes would not get past.
struct UserPartPrefix {
  uint64_t high = 0;  // bytes 0..7
  uint64_t low = 0;   // bytes 8..15
};

struct NodeKey {
  const char* entry = nullptr;
  UserPartPrefix prefix;
};

UserPartPrefix MakePrefix(std::string_view internal_key) {
  const std::string_view user_part = UserPart(internal_key);
  char bytes[16] = {};
  std::memcpy(bytes, user_part.data(), user_part.size() < 16 ? user_part.size() : 16);
  return UserPartPrefix{DecodeBigEndian64(bytes), DecodeBigEndian64(bytes + 8)};
}

NodeKey MakeNodeKey(const char* entry, std::string_view internal_key) {
  return NodeKey{entry, MakePrefix(internal_key)};
}

// Prefixes that differ order the keys (a shorter user part pads with zeros,
// and a proper prefix sorts first); equal prefixes need the full comparison.
struct EntryComparator {
  int operator()(const NodeKey& a, const NodeKey& b) const {
    if (a.prefix.high != b.prefix.high) return a.prefix.high < b.prefix.high ? -1 : 1;
    if (a.prefix.low != b.prefix.low) return a.prefix.low < b.prefix.low ? -1 : 1;
    return CompareInternalKeys(EntryKey(a.entry), EntryKey(b.entry));
  }
};
using Table = SkipList<NodeKey, EntryComparator>;

// A skiplist search target: an entry holding just a length-prefixed internal
// key, built in an inline buffer (the heap only for long keys).
class SearchEntry {
 public:
  explicit SearchEntry(std::string_view internal_key) : prefix_(MakePrefix(internal_key)) {
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
  UserPartPrefix prefix_;
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
