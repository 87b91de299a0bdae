// Tests of the visibility module (lsm/visibility.h): the per-entry rules
// (snapshot, version, TTL at its boundary, range tombstones and their
// sequence ordering), the point lookup across memtables and SST levels
// (the maximum version <= v over all layers, distributed.md §20 item 13),
// and what flush/compaction may drop (ObsoleteEntryFilter, including
// tombstones at the bottom level).
#include "lsm/visibility.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/internal_key.h"
#include "lsm/table_cache.h"
#include "lsm/table_outputs.h"
#include "manifest/version.h"
#include "manifest/version_edit.h"
#include "memtable/memtable.h"
#include "testutil/test_util.h"
#include "vfs/file_system.h"

namespace nokv {
namespace {

constexpr ColumnFamily kCf = ColumnFamily::kWrite;

std::string Value(std::string_view v, uint8_t meta = 0, uint64_t expires_at = 0) {
  std::string out;
  AppendValueRecord(&out, ValueRecord{meta, expires_at, v});
  return out;
}
std::string Del() { return Value("", kMetaDelete); }

ParsedInternalKey Key(std::string_view user_key, uint64_t version, uint64_t sequence,
                      ColumnFamily cf = kCf) {
  ParsedInternalKey k;
  k.cf = cf;
  k.user_key = user_key;
  k.version = version;
  k.sequence = sequence;
  return k;
}

ValueRecord Record(uint8_t meta = 0, uint64_t expires_at = 0) {
  return ValueRecord{meta, expires_at, "v"};
}

RangeTombstone Tombstone(std::string begin, std::string end, uint64_t sequence,
                         uint64_t version = kMaxVersion, ColumnFamily cf = kCf) {
  RangeTombstone t;
  t.cf = cf;
  t.begin = std::move(begin);
  t.end = std::move(end);
  t.sequence = sequence;
  t.version = version;
  return t;
}

// ------------------------------------------------------------ Classify

TEST(VisibilityTest, SnapshotHidesLaterSequencesOnly) {
  ReadPoint p;
  p.snapshot = 10;
  EXPECT_EQ(Classify(p, Key("a", kMaxVersion, 10), Record()), Visibility::kLive);
  EXPECT_EQ(Classify(p, Key("a", kMaxVersion, 11), Record()), Visibility::kInvisible);
  EXPECT_EQ(Classify(p, Key("a", kMaxVersion, 11), Record(kMetaDelete)), Visibility::kInvisible);
  EXPECT_EQ(Classify(p, Key("a", kMaxVersion, 9), Record(kMetaDelete)), Visibility::kDeleted);
}

TEST(VisibilityTest, VersionsAboveTheReadVersionAreInvisible) {
  ReadPoint p;
  p.max_version = 20;
  EXPECT_EQ(Classify(p, Key("a", 20, 1), Record()), Visibility::kLive);
  EXPECT_EQ(Classify(p, Key("a", 21, 1), Record()), Visibility::kInvisible);
  EXPECT_EQ(Classify(p, Key("a", kMaxVersion, 1), Record()), Visibility::kInvisible);
  EXPECT_EQ(Classify(p, Key("a", 3, 1), Record(kMetaDelete)), Visibility::kDeleted);
}

TEST(VisibilityTest, TtlExpiresAtExactlyNow) {
  EXPECT_FALSE(IsExpired(0, 5000));       // 0: never
  EXPECT_FALSE(IsExpired(5001, 5000));
  EXPECT_TRUE(IsExpired(5000, 5000));     // inclusive: gone at the instant
  EXPECT_TRUE(IsExpired(4999, 5000));
  ReadPoint p;
  p.now_ms = 5000;
  EXPECT_EQ(Classify(p, Key("a", kMaxVersion, 1), Record(0, 5001)), Visibility::kLive);
  EXPECT_EQ(Classify(p, Key("a", kMaxVersion, 1), Record(0, 5000)), Visibility::kDeleted);
  EXPECT_EQ(Classify(p, Key("a", kMaxVersion, 1), Record(0, 0)), Visibility::kLive);
  p.now_ms = 0;  // no clock: expiry is not checked
  EXPECT_EQ(Classify(p, Key("a", kMaxVersion, 1), Record(0, 5000)), Visibility::kLive);
}

TEST(VisibilityTest, RangeTombstonesHideOnlyOlderSequencesTheReaderSees) {
  const RangeTombstoneSet dels({Tombstone("b", "m", /*sequence=*/20)});
  ReadPoint p;
  p.range_dels = &dels;
  // Older than the tombstone, in range: as if it did not exist.
  EXPECT_EQ(Classify(p, Key("c", kMaxVersion, 19), Record()), Visibility::kInvisible);
  EXPECT_EQ(Classify(p, Key("b", kMaxVersion, 1), Record(kMetaDelete)), Visibility::kInvisible);
  // Written after the range delete: visible again.
  EXPECT_EQ(Classify(p, Key("c", kMaxVersion, 21), Record()), Visibility::kLive);
  // End is exclusive; other column families are not affected.
  EXPECT_EQ(Classify(p, Key("m", kMaxVersion, 1), Record()), Visibility::kLive);
  EXPECT_EQ(Classify(p, Key("c", kMaxVersion, 1, ColumnFamily::kDefault), Record()),
            Visibility::kLive);
  // A reader whose snapshot predates the tombstone still sees the entry.
  p.snapshot = 19;
  EXPECT_EQ(Classify(p, Key("c", kMaxVersion, 19), Record()), Visibility::kLive);
  p.snapshot = 20;
  EXPECT_EQ(Classify(p, Key("c", kMaxVersion, 19), Record()), Visibility::kInvisible);
}

TEST(VisibilityTest, VersionedRangeTombstoneHidesVersionsAtOrBelowIt) {
  const RangeTombstoneSet dels({Tombstone("a", "z", /*sequence=*/50, /*version=*/10)});
  ReadPoint p;
  p.range_dels = &dels;
  EXPECT_EQ(Classify(p, Key("k", 10, 5), Record()), Visibility::kInvisible);
  EXPECT_EQ(Classify(p, Key("k", 11, 5), Record()), Visibility::kLive);
}

TEST(VisibilityTest, ClassifyEntryRejectsMalformedInput) {
  ReadPoint p;
  ValueRecord r;
  Visibility v;
  EXPECT_TRUE(ClassifyEntry(p, "short", Value("x"), &r, &v).IsCorruption());
  EXPECT_TRUE(
      ClassifyEntry(p, MakeInternalKey(kCf, "a", 1, 1), std::string(), &r, &v).IsCorruption());
  ASSERT_TRUE(ClassifyEntry(p, MakeInternalKey(kCf, "a", 1, 1), Del(), &r, &v).ok());
  EXPECT_EQ(v, Visibility::kDeleted);
}

// ------------------------------------------- point lookup across layers

// One memtable, one immutable memtable, one L0 table and one L1 table.
class LayeredLookupTest : public ::testing::Test {
 protected:
  using Entries = std::vector<std::pair<std::string, std::string>>;

  // Writes entries (sorted here) into table `number` and returns its meta.
  FileMeta WriteTable(Entries entries) {
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return CompareInternalKeys(a.first, b.first) < 0;
    });
    TableOutputs out(fs_.get(), dir_.path(), TableOptions(), 0, [this] { return next_++; });
    for (const auto& [k, v] : entries) EXPECT_TRUE(out.Add(k, v).ok());
    EXPECT_TRUE(out.Finish().ok());
    EXPECT_EQ(out.files().size(), 1u);
    return out.files()[0];
  }

  void Build(const Entries& l1, const Entries& l0, const Entries& imm, const Entries& mem) {
    VersionEdit edit;
    if (!l1.empty()) edit.new_files.emplace_back(1, WriteTable(l1));
    if (!l0.empty()) edit.new_files.emplace_back(0, WriteTable(l0));
    VersionBuilder builder(nullptr);
    ASSERT_TRUE(builder.Apply(edit).ok());
    auto v = builder.Finish();
    ASSERT_TRUE(v.ok());
    view_.version = v.value();
    view_.imms.clear();
    if (!imm.empty()) {
      view_.imms.push_back(std::make_shared<MemTable>());
      for (const auto& [k, val] : imm) view_.imms[0]->Add(k, val);
    }
    view_.mem = std::make_shared<MemTable>();
    for (const auto& [k, val] : mem) view_.mem->Add(k, val);
  }

  // "value@version", "deleted@version", or "none".
  std::string Find(uint64_t version, uint64_t snapshot = kMaxSequence, uint64_t now = 0) {
    ReadPoint p;
    p.max_version = version;
    p.snapshot = snapshot;
    p.now_ms = now;
    p.range_dels = range_dels_.get();
    std::string ikey, value;
    Visibility vis;
    Status s = FindVisibleEntry(view_, &tables_, TableIterOptions(), p, kCf, "row", &ikey,
                                &value, &vis);
    if (s.IsNotFound()) return "none";
    if (!s.ok()) return s.ToString();
    ValueRecord r;
    EXPECT_TRUE(DecodeValueRecord(value, &r));
    const std::string at = "@" + std::to_string(InternalKeyVersion(ikey)) + "#" +
                           std::to_string(InternalKeySequence(ikey));
    if (vis == Visibility::kDeleted) return "deleted" + at;
    return std::string(r.value) + at;
  }

  static std::string K(uint64_t version, uint64_t sequence) {
    return MakeInternalKey(kCf, "row", version, sequence);
  }

  testutil::TempDir dir_;
  std::shared_ptr<FileSystem> fs_ = NewPosixFileSystem();
  uint64_t next_ = 10;
  TableCache tables_{fs_.get(), dir_.path(), TableOptions(), nullptr, 16};
  LsmView view_;
  std::shared_ptr<const RangeTombstoneSet> range_dels_;
};

// MVCC versions arrive out of version order (a late rollback tombstone at an
// old start_ts): the newest layer may hold a lower version than an older
// one. The lookup must return the maximum version <= v over every layer.
TEST_F(LayeredLookupTest, MaxVersionAtOrBelowAcrossAllLayers) {
  Build(/*l1=*/{{K(20, 1), Value("v20")}},
        /*l0=*/{{K(10, 5), Del()}},
        /*imm=*/{{K(15, 7), Value("v15")}},
        /*mem=*/{{K(8, 9), Value("v8")}});
  EXPECT_EQ(Find(25), "v20@20#1");  // in the oldest layer, under three newer ones
  EXPECT_EQ(Find(20), "v20@20#1");
  EXPECT_EQ(Find(19), "v15@15#7");
  EXPECT_EQ(Find(14), "deleted@10#5");
  EXPECT_EQ(Find(10), "deleted@10#5");
  EXPECT_EQ(Find(9), "v8@8#9");
  EXPECT_EQ(Find(7), "none");
  // At snapshot 6 the immutable memtable's and memtable's entries are not there yet.
  EXPECT_EQ(Find(19, 6), "deleted@10#5");
  EXPECT_EQ(Find(9, 6), "none");
  EXPECT_EQ(Find(kMaxVersion, 6), "v20@20#1");
}

TEST_F(LayeredLookupTest, SameVersionInTwoLayersTheHigherSequenceWins) {
  Build({{K(20, 1), Value("old")}}, {}, {}, {{K(20, 9), Value("new")}});
  EXPECT_EQ(Find(20), "new@20#9");
  EXPECT_EQ(Find(20, 8), "old@20#1");
  Build({{K(kMaxVersion, 3), Value("sst")}}, {{K(kMaxVersion, 5), Del()}}, {}, {});
  EXPECT_EQ(Find(kMaxVersion), "deleted@18446744073709551615#5");
  EXPECT_EQ(Find(kMaxVersion, 4), "sst@18446744073709551615#3");
}

TEST_F(LayeredLookupTest, RangeTombstoneHidesEntriesInEveryLayerItIsNewerThan) {
  Build({{K(20, 1), Value("v20")}}, {{K(10, 5), Del()}}, {{K(15, 7), Value("v15")}},
        {{K(8, 9), Value("v8")}});
  range_dels_ = std::make_shared<const RangeTombstoneSet>(
      std::vector<RangeTombstone>{Tombstone("a", "z", /*sequence=*/8)});
  // Entries with sequence < 8 are as if they did not exist; v8 (#9) is newer.
  EXPECT_EQ(Find(25), "v8@8#9");
  EXPECT_EQ(Find(7), "none");
  // A reader before the tombstone sees everything.
  EXPECT_EQ(Find(25, 7), "v20@20#1");
}

TEST_F(LayeredLookupTest, ExpiryBoundaryInATable) {
  Build({}, {{K(kMaxVersion, 4), Value("ttl", 0, 1000)}}, {}, {});
  EXPECT_EQ(Find(kMaxVersion, kMaxSequence, 999), "ttl@18446744073709551615#4");
  EXPECT_EQ(Find(kMaxVersion, kMaxSequence, 1000), "deleted@18446744073709551615#4");
  EXPECT_EQ(Find(kMaxVersion, kMaxSequence, 0), "ttl@18446744073709551615#4");
}

// ------------------------------------------------- ObsoleteEntryFilter

// Runs (key, value) pairs through a filter and returns the emitted keys.
std::vector<std::string> Survivors(const std::vector<std::pair<std::string, std::string>>& in,
                                   uint64_t smallest_snapshot, uint64_t now_ms = 0,
                                   bool bottommost = true,
                                   std::shared_ptr<const RangeTombstoneSet> range_dels = nullptr,
                                   uint64_t* dropped = nullptr) {
  ObsoleteEntryFilter filter(
      smallest_snapshot, [bottommost](std::string_view) { return bottommost; }, now_ms,
      std::move(range_dels));
  std::vector<ObsoleteEntryFilter::Emit> emits;
  std::vector<std::string> out;
  uint64_t drops = 0;
  filter.set_on_drop([&](std::string_view, std::string_view) { ++drops; });
  for (const auto& [k, v] : in) {
    filter.Process(k, v, &emits);
    for (const auto& e : emits) out.emplace_back(e.key);
  }
  if (dropped) *dropped = drops;
  return out;
}

TEST(ObsoleteEntryFilterTest, PlainTombstonesGoAtTheBottomVersionedOnesStay) {
  const std::string plain_del = MakeInternalKey(ColumnFamily::kDefault, "a", kMaxVersion, 9);
  const std::string plain_put = MakeInternalKey(ColumnFamily::kDefault, "a", kMaxVersion, 3);
  const std::string mvcc_del = MakeInternalKey(ColumnFamily::kWrite, "b", 18, 10);
  const std::string mvcc_expired = MakeInternalKey(ColumnFamily::kWrite, "c", 39, 11);
  uint64_t dropped = 0;
  auto out = Survivors({{plain_del, Del()},
                        {plain_put, Value("old")},
                        {mvcc_del, Del()},
                        {mvcc_expired, Value("x", 0, 500)}},
                       /*smallest_snapshot=*/100, /*now_ms=*/1000, true, nullptr, &dropped);
  // The plain tombstone and the value it shadows are gone; the versioned
  // tombstone and the expired versioned entry stay, because a later write
  // at a lower version must not show through them.
  EXPECT_EQ(out, (std::vector<std::string>{mvcc_del, mvcc_expired}));
  EXPECT_EQ(dropped, 2u);
}

TEST(ObsoleteEntryFilterTest, TombstonesASnapshotNeedsStay) {
  const std::string del = MakeInternalKey(ColumnFamily::kDefault, "a", kMaxVersion, 9);
  const std::string put = MakeInternalKey(ColumnFamily::kDefault, "a", kMaxVersion, 3);
  auto out = Survivors({{del, Del()}, {put, Value("old")}}, /*smallest_snapshot=*/5);
  EXPECT_EQ(out, (std::vector<std::string>{del, put}));
}

TEST(ObsoleteEntryFilterTest, TombstonesAboveTheBottomLevelStay) {
  const std::string del = MakeInternalKey(ColumnFamily::kDefault, "a", kMaxVersion, 9);
  auto out = Survivors({{del, Del()}}, 100, 0, /*bottommost=*/false);
  EXPECT_EQ(out, (std::vector<std::string>{del}));
  out = Survivors({{del, Del()}}, 100, 0, /*bottommost=*/true);
  EXPECT_TRUE(out.empty());
}

TEST(ObsoleteEntryFilterTest, ExpiredPlainEntriesGoAtTheBottomFromTheirExpiryOn) {
  const std::string k = MakeInternalKey(ColumnFamily::kDefault, "t", kMaxVersion, 4);
  EXPECT_TRUE(Survivors({{k, Value("x", 0, 1000)}}, 100, /*now_ms=*/1000).empty());
  EXPECT_EQ(Survivors({{k, Value("x", 0, 1001)}}, 100, /*now_ms=*/1000),
            (std::vector<std::string>{k}));
  // No clock (a flush): expiry is not judged.
  EXPECT_EQ(Survivors({{k, Value("x", 0, 1000)}}, 100, /*now_ms=*/0),
            (std::vector<std::string>{k}));
}

TEST(ObsoleteEntryFilterTest, HeldTombstoneComesBackIfAnOlderEntryStays) {
  // A plain tombstone above a versioned entry of the same user key: the
  // entry is not shadowed (another version), so the tombstone must stay
  // above it.
  const std::string del = MakeInternalKey(ColumnFamily::kDefault, "a", kMaxVersion, 9);
  const std::string old = MakeInternalKey(ColumnFamily::kDefault, "a", 5, 3);
  EXPECT_EQ(Survivors({{del, Del()}, {old, Value("v5")}}, 100),
            (std::vector<std::string>{del, old}));
}

TEST(ObsoleteEntryFilterTest, EntriesEveryReaderSeesRangeDeletedGo) {
  auto dels = std::make_shared<const RangeTombstoneSet>(std::vector<RangeTombstone>{
      Tombstone("b", "m", /*sequence=*/20, kMaxVersion, ColumnFamily::kDefault)});
  const std::string covered = MakeInternalKey(ColumnFamily::kDefault, "c", kMaxVersion, 10);
  const std::string after = MakeInternalKey(ColumnFamily::kDefault, "d", kMaxVersion, 30);
  const std::string outside = MakeInternalKey(ColumnFamily::kDefault, "x", kMaxVersion, 10);
  uint64_t dropped = 0;
  EXPECT_EQ(Survivors({{covered, Value("1")}, {after, Value("2")}, {outside, Value("3")}},
                      /*smallest_snapshot=*/25, 0, false, dels, &dropped),
            (std::vector<std::string>{after, outside}));
  EXPECT_EQ(dropped, 1u);
  // An older snapshot still reads the covered entry: it stays.
  EXPECT_EQ(Survivors({{covered, Value("1")}}, /*smallest_snapshot=*/15, 0, false, dels),
            (std::vector<std::string>{covered}));
  // The tombstone's own entry is never dropped by the filter.
  RangeTombstone t = Tombstone("b", "m", 20, kMaxVersion, ColumnFamily::kDefault);
  std::string tkey;
  RangeTombstoneSet::EncodeKey(t, &tkey);
  EXPECT_EQ(Survivors({{tkey, Value("m", kMetaRangeDelete)}}, 100, 0, true, dels),
            (std::vector<std::string>{tkey}));
}

}  // namespace
}  // namespace nokv
