// The ART memtable engine: an adaptive radix tree (art.h) keyed by the route
// key (route_key.h) of each entry's internal key, whose byte order equals
// CompareInternalKeys order.
#include <string_view>

#include "memtable/art.h"
#include "memtable/mem_index.h"
#include "memtable/route_key.h"

namespace nokv {
namespace {

class ArtIndex final : public MemIndex {
 public:
  explicit ArtIndex(Arena* arena) : tree_(arena) {}

  void Insert(const char* entry, std::string_view internal_key) override {
    RouteKeyBuffer route(internal_key);
    tree_.Insert(route.key(), entry);
  }

  const char* FindGreaterOrEqual(std::string_view internal_key) const override {
    RouteKeyBuffer route(internal_key);
    Art::Iterator iter(&tree_);
    iter.Seek(route.key());
    return iter.Valid() ? iter.value() : nullptr;
  }

  class Iterator final : public MemIndex::Iterator {
   public:
    explicit Iterator(const Art* tree) : iter_(tree) {}
    bool Valid() const override { return iter_.Valid(); }
    const char* entry() const override { return iter_.value(); }
    void SeekToFirst() override { iter_.SeekToFirst(); }
    void SeekToLast() override { iter_.SeekToLast(); }
    void Seek(std::string_view internal_key) override {
      RouteKeyBuffer route(internal_key);
      iter_.Seek(route.key());
    }
    void SeekForPrev(std::string_view internal_key) override {
      RouteKeyBuffer route(internal_key);
      iter_.SeekForPrev(route.key());
    }
    void Next() override { iter_.Next(); }
    void Prev() override { iter_.Prev(); }

   private:
    Art::Iterator iter_;
  };

  std::unique_ptr<MemIndex::Iterator> NewIterator() const override {
    return std::make_unique<Iterator>(&tree_);
  }

 private:
  Art tree_;
};

}  // namespace

std::unique_ptr<MemIndex> NewArtIndex(Arena* arena) { return std::make_unique<ArtIndex>(arena); }

}  // namespace nokv
