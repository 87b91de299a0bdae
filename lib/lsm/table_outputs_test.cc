// Tests for ObsoleteEntryFilter: what compaction may drop, entry by entry.
#include "lsm/table_outputs.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/internal_key.h"

namespace nokv {
namespace {

std::string Value(std::string_view v, uint8_t meta = 0, uint64_t expires_at = 0) {
  std::string out;
  AppendValueRecord(&out, ValueRecord{meta, expires_at, v});
  return out;
}

// Runs (key, value) pairs through a filter at the bottom level and returns
// the emitted keys.
std::vector<std::string> Survivors(const std::vector<std::pair<std::string, std::string>>& in,
                                   uint64_t smallest_snapshot, uint64_t now_ms = 0) {
  ObsoleteEntryFilter filter(smallest_snapshot, [](std::string_view) { return true; }, now_ms);
  std::vector<ObsoleteEntryFilter::Emit> emits;
  std::vector<std::string> out;
  for (const auto& [k, v] : in) {
    filter.Process(k, v, &emits);
    for (const auto& e : emits) out.emplace_back(e.key);
  }
  return out;
}

TEST(ObsoleteEntryFilterTest, PlainTombstonesGoAtTheBottomVersionedOnesStay) {
  const std::string plain_del = MakeInternalKey(ColumnFamily::kDefault, "a", kMaxVersion, 9);
  const std::string plain_put = MakeInternalKey(ColumnFamily::kDefault, "a", kMaxVersion, 3);
  const std::string mvcc_del = MakeInternalKey(ColumnFamily::kWrite, "b", 18, 10);
  const std::string mvcc_expired = MakeInternalKey(ColumnFamily::kWrite, "c", 39, 11);
  auto out = Survivors({{plain_del, Value("", kMetaDelete)},
                        {plain_put, Value("old")},
                        {mvcc_del, Value("", kMetaDelete)},
                        {mvcc_expired, Value("x", 0, 500)}},
                       /*smallest_snapshot=*/100, /*now_ms=*/1000);
  // The plain tombstone and the value it shadows are gone; the versioned
  // tombstone and the expired versioned entry stay, because a later write
  // at a lower version must not show through them.
  EXPECT_EQ(out, (std::vector<std::string>{mvcc_del, mvcc_expired}));
}

TEST(ObsoleteEntryFilterTest, TombstonesASnapshotNeedsStay) {
  const std::string del = MakeInternalKey(ColumnFamily::kDefault, "a", kMaxVersion, 9);
  const std::string put = MakeInternalKey(ColumnFamily::kDefault, "a", kMaxVersion, 3);
  auto out = Survivors({{del, Value("", kMetaDelete)}, {put, Value("old")}},
                       /*smallest_snapshot=*/5);
  EXPECT_EQ(out, (std::vector<std::string>{del, put}));
}

}  // namespace
}  // namespace nokv
