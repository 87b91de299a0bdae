// Corruption tests: damage one file of a closed DB — flipped bits, a
// truncation, a zeroed range; and, on a tiny DB, every single byte in turn —
// then Open and read every key (Get with expiry, and a full scan) at the
// clock time the DB was closed at. The contract per file kind (also in
// docs/formats.md, "Damage"):
//
//  WAL segment    Damage followed by an intact record: Open fails naming the
//                 segment. Damage confined to the tail (nothing intact after
//                 it): indistinguishable from a torn write, so Open succeeds
//                 with exactly the writes whose records lie before the
//                 damage — no more lost, no read errors.
//  value log      Open succeeds. A WAL record of the newest WAL segment that
//                 points at damaged bytes ends the replay there (as a crash
//                 that lost the value); otherwise every write is there. A Get
//                 of a key whose live value lies in damaged bytes returns
//                 Corruption, every other key reads exactly; a scan returns
//                 exact entries up to the first damaged value, then fails.
//  SST            Open fails naming the table, or succeeds; then every Get is
//                 exact or an error (Corruption/IOError), and a scan returns
//                 exact entries, in order without gaps, until it fails.
//  MANIFEST,      Open fails naming the file, or succeeds with every write
//  CURRENT        there and every read exact.
//
// Never a stale value, a resurrected delete, a wrong value or expiry, never
// a crash (the ASan build runs these too). Reproduce a failure with
// NOKV_TEST_SEED=<seed printed on failure>.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "crash/crash_harness.h"
#include "manifest/filenames.h"
#include "vlog/value_log.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"

namespace nokv::crashtest {
namespace {

namespace stdfs = std::filesystem;

constexpr uint64_t kToEnd = UINT64_MAX;

// Where each durable thing of a closed golden DB lives.
struct Golden {
  testutil::TempDir dir;
  WorkloadLog log;
  uint64_t now = 0;             // clock at close: every check reads at this time
  size_t threshold = 0;         // value_threshold
  size_t base = 0;              // writes before the WAL tail
  std::string wal_name;         // the one WAL segment; it holds the tail
  struct Span { uint64_t offset, end; };
  std::vector<Span> wal_records;  // one per tail write
  struct VlogRec { std::string segment; Span span; std::string value; };
  std::vector<VlogRec> vlog;

  // The vlog record holding the live copy of `value` (a GC rewrite lands in
  // a newer segment), or nullptr if the value is inline.
  const VlogRec* Location(const std::string& value) const {
    const VlogRec* best = nullptr;
    for (const auto& r : vlog) {
      if (r.value == value && (best == nullptr || r.segment > best->segment ||
                               (r.segment == best->segment && r.span.offset > best->span.offset))) {
        best = &r;
      }
    }
    return best;
  }
};

Options CorruptionOptions(size_t threshold, uint64_t now) {
  FaultFileSystem::Options fo;
  fo.forward_syncs = false;  // no rules: just no fsync cost
  TestClock clock;
  clock.Advance(now - TestClock::kStart);
  Options o = MakeOptions(std::make_shared<FaultFileSystem>(NewPosixFileSystem(), fo),
                          /*sync_writes=*/false, clock);
  o.block_cache_size = 0;  // every read hits the (damaged) file
  o.value_threshold = threshold;
  o.create_if_missing = false;  // a damaged workdir must not become a fresh DB
  return o;
}

std::vector<std::string> FilesOfKind(const std::string& dir, FileKind want) {
  std::vector<std::string> out;
  for (const auto& e : stdfs::directory_iterator(dir)) {
    FileKind kind;
    uint64_t number;
    const std::string name = e.path().filename().string();
    if (ParseFileName(name, &kind, &number) && kind == want && stdfs::file_size(e.path()) > 0) {
      out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Reads where the WAL tail and every value-log record sit.
void Survey(Golden* g) {
  auto fs = NewPosixFileSystem();
  const auto wals = FilesOfKind(g->dir.path(), FileKind::kWal);
  ASSERT_EQ(wals.size(), 1u) << "after Flush and the tail only the tail's segment is live";
  g->wal_name = wals[0];
  WalReplayResult result;
  ASSERT_TRUE(ReplayWalFile(
                  fs.get(), g->dir.File(g->wal_name), true,
                  [&](uint8_t, std::string_view payload, uint64_t offset) {
                    g->wal_records.push_back({offset, offset + kWalHeaderSize + payload.size()});
                    return Status::OK();
                  },
                  &result)
                  .ok());
  ASSERT_EQ(g->wal_records.size(), g->log.acked - g->base) << "one WAL record per tail write";
  ValueLog vlog(fs.get(), g->dir.File("vlog"), ValueLogOptions(), [] { return uint64_t{0}; });
  ASSERT_TRUE(vlog.Open().ok());
  for (const auto& seg : vlog.Segments()) {
    char name[32];
    std::snprintf(name, sizeof(name), "vlog/%06llu.vlog",
                  static_cast<unsigned long long>(seg.number));
    ASSERT_TRUE(vlog.ForEachRecord(seg.number, [&](std::string_view, std::string_view value,
                                                   const ValuePointer& p) {
                      g->vlog.push_back({name, {p.offset, p.offset + p.size}, std::string(value)});
                      return Status::OK();
                    }).ok());
  }
}

// Closes the golden: everything so far flushed into tables, then `tail`
// written one write per WAL record.
void FinishGolden(Golden* g, std::unique_ptr<DB> db, TestClock* clock,
                  const std::vector<WriteOp>& tail) {
  ASSERT_TRUE(DbCalls::Flush(db.get()).ok());
  g->base = g->log.acked;
  for (WriteOp op : tail) {
    ASSERT_TRUE(DbCalls::Write(db.get(), WriteOptions(), clock->Now(), &op).ok());
    op.acked = true;
    g->log.writes.push_back(op);
    ++g->log.acked;
  }
  ASSERT_TRUE(db->Close().ok());
  g->now = clock->Now();
  Survey(g);
}

WriteOp PutOp(const std::string& key, std::string value, uint64_t ttl = 0) {
  WriteOp op;
  op.updates.push_back(Update::Put(key, std::move(value), ttl));
  return op;
}

// A workload-built golden (every feature, many tables and segments) with a
// tail of small and value-log puts.
std::unique_ptr<Golden> BuildGolden(uint64_t seed) {
  auto g = std::make_unique<Golden>();
  g->threshold = 1024;
  TestClock clock;
  Options o = CorruptionOptions(g->threshold, TestClock::kStart);
  o.create_if_missing = true;
  clock.InstallIn(&o);
  auto open = [&](std::unique_ptr<DB>* d) { return DB::Open(o, g->dir.path(), d); };
  std::unique_ptr<DB> db;
  EXPECT_TRUE(open(&db).ok());
  RunWorkload(Config(seed, 300), &db, open, &clock, &g->log);
  EXPECT_TRUE(g->log.stopped_by.empty()) << g->log.stopped_by;
  std::vector<WriteOp> tail;
  for (int i = 0; i < 20; ++i) {
    const size_t len = i % 2 == 0 ? 10 + i * 10 : 1500 + i * 50;
    std::string v = "tail-" + std::to_string(i) + "-";
    v.resize(len, static_cast<char>('a' + i));
    tail.push_back(PutOp(KeyName(static_cast<uint64_t>(i) * 2), v, i % 5 == 0 ? 100000 : 0));
  }
  FinishGolden(g.get(), std::move(db), &clock, tail);
  return g;
}

// A tiny golden whose files are small enough to damage at every byte: one
// table, one value-log segment (threshold 64), a WAL tail of four writes.
std::unique_ptr<Golden> BuildTinyGolden() {
  auto g = std::make_unique<Golden>();
  g->threshold = 64;
  TestClock clock;
  Options o = CorruptionOptions(g->threshold, TestClock::kStart);
  o.create_if_missing = true;
  clock.InstallIn(&o);
  std::unique_ptr<DB> db;
  EXPECT_TRUE(DB::Open(o, g->dir.path(), &db).ok());
  auto v = [](int i, size_t len) {
    std::string s = "v" + std::to_string(i) + "-";
    s.resize(len, static_cast<char>('a' + i));
    return s;
  };
  std::vector<WriteOp> before = {PutOp(KeyName(0), v(0, 10)), PutOp(KeyName(1), v(1, 100)),
                                 PutOp(KeyName(2), v(2, 120), 500000), PutOp(KeyName(3), v(3, 8)),
                                 PutOp(KeyName(4), v(4, 90)), PutOp(KeyName(5), v(5, 12))};
  WriteOp range;
  range.updates.push_back(Update::DeleteRange(KeyName(3), KeyName(4)));
  before.push_back(range);
  for (WriteOp op : before) {
    EXPECT_TRUE(DbCalls::Write(db.get(), WriteOptions(), clock.Now(), &op).ok());
    op.acked = true;
    g->log.writes.push_back(op);
    ++g->log.acked;
  }
  WriteOp del;
  del.updates.push_back(Update::Delete(KeyName(2)));
  FinishGolden(g.get(), std::move(db), &clock,
               {PutOp(KeyName(6), v(6, 110)), PutOp(KeyName(1), v(7, 20)), del,
                PutOp(KeyName(7), v(8, 70), 400000)});
  return g;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Spit(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

enum class Damage { kBitFlip, kTruncate, kZeroRange };

// One damage to one file: which bytes changed, and where a truncation cut
// the file (kToEnd if it did not).
struct Injury {
  std::string file;  // relative to the workdir ("vlog/000012.vlog" for a segment)
  std::string what;
  std::vector<uint64_t> changed;  // offsets whose byte differs, ascending
  uint64_t cut = kToEnd;
  bool none() const { return changed.empty() && cut == kToEnd; }
  uint64_t first() const { return changed.empty() ? cut : std::min(changed.front(), cut); }
  // Whether any byte of [offset, end) is damaged.
  bool Hits(uint64_t offset, uint64_t end) const {
    if (end > cut) return true;
    auto it = std::lower_bound(changed.begin(), changed.end(), offset);
    return it != changed.end() && *it < end;
  }
};

// Writes `damaged` over the file and records what changed.
Injury Inflict(const std::string& dir, const std::string& file, const std::string& original,
               const std::string& damaged, std::string what) {
  Injury in;
  in.file = file;
  in.what = std::move(what);
  const size_t common = std::min(original.size(), damaged.size());
  for (size_t i = 0; i < common; ++i) {
    if (original[i] != damaged[i]) in.changed.push_back(i);
  }
  if (damaged.size() < original.size()) in.cut = damaged.size();
  Spit(JoinPath(dir, file), damaged);
  return in;
}

Injury RandomDamage(const std::string& dir, const std::string& file, Damage damage, Random* rng) {
  const std::string original = Slurp(JoinPath(dir, file));
  std::string data = original;
  std::string what;
  switch (damage) {
    case Damage::kBitFlip: {
      const int flips = 1 + static_cast<int>(rng->Uniform(3));
      for (int i = 0; i < flips; ++i) {
        const size_t at = rng->Uniform(data.size());
        const int bit = static_cast<int>(rng->Uniform(8));
        data[at] = static_cast<char>(data[at] ^ (1 << bit));
        what += " bit " + std::to_string(bit) + " at " + std::to_string(at);
      }
      break;
    }
    case Damage::kTruncate:
      data.resize(rng->Uniform(data.size()));
      what = " truncated to " + std::to_string(data.size());
      break;
    case Damage::kZeroRange: {
      const size_t at = rng->Uniform(data.size());
      const size_t len = std::min<size_t>(data.size() - at, 1 + rng->Uniform(64));
      std::fill(data.begin() + static_cast<long>(at), data.begin() + static_cast<long>(at + len),
                '\0');
      what = " zeroed " + std::to_string(len) + " bytes at " + std::to_string(at);
      break;
    }
  }
  return Inflict(dir, file, original, data, what);
}

bool Overlaps(const Golden::Span& s, const Injury& in) { return in.Hits(s.offset, s.end); }

// What the contract allows for one injury (see the file comment).
struct Expectation {
  bool must_refuse = false;
  bool may_refuse = false;
  size_t writes = 0;                 // the state: model after this many writes
  std::set<std::string> error_keys;  // their Get must fail with Corruption
  bool any_key_may_fail = false;     // SST damage
};

Expectation Expect(const Golden& g, FileKind kind, const Injury& in) {
  Expectation e;
  e.writes = g.log.acked;
  if (in.none()) return e;  // no byte changed
  switch (kind) {
    case FileKind::kWal: {
      for (size_t i = 0; i < g.wal_records.size(); ++i) {
        if (Overlaps(g.wal_records[i], in)) {
          e.writes = std::min(e.writes, g.base + i);
        } else if (g.wal_records[i].offset > in.first()) {
          e.must_refuse = true;  // an intact record after the damage
        }
      }
      break;
    }
    case FileKind::kUnknown: {  // a value-log segment
      std::set<const Golden::VlogRec*> hurt;
      for (const auto& r : g.vlog) {
        if (r.segment == in.file && Overlaps(r.span, in)) hurt.insert(&r);
      }
      for (size_t i = g.base; i < g.log.acked && e.writes == g.log.acked; ++i) {
        for (const auto& u : g.log.writes[i].updates) {
          if (u.kind == Update::Kind::kPut && hurt.count(g.Location(u.value))) e.writes = i;
        }
      }
      for (const auto& [k, v] : Visible(g.log.ModelAt(e.writes), g.now)) {
        if (hurt.count(g.Location(v.value))) e.error_keys.insert(k);
      }
      break;
    }
    case FileKind::kTable:
      e.may_refuse = true;
      e.any_key_may_fail = true;
      break;
    default:  // MANIFEST, CURRENT
      e.may_refuse = true;
      break;
  }
  return e;
}

struct Tally {
  int injected = 0, refused = 0, read_errors = 0, shorter = 0, exact = 0;
};

// Opens a copy of the golden damaged by `damage` and checks the contract.
template <typename DamageFn>
void RunTrial(const Golden& g, FileKind kind, const std::string& file, DamageFn damage,
              Tally* tally) {
  testutil::TempDir dir;
  stdfs::copy(g.dir.path(), dir.path(), stdfs::copy_options::recursive);
  stdfs::remove(dir.File("LOCK"));
  const Injury in = damage(dir.path(), file);
  SCOPED_TRACE(file + in.what);
  ++tally->injected;
  ++TheCounts().corruptions;
  const Expectation e = Expect(g, kind, in);

  std::unique_ptr<DB> db;
  Status s = DB::Open(CorruptionOptions(g.threshold, g.now), dir.path(), &db);
  const std::string base_name = file.substr(file.find_last_of('/') + 1);
  if (!s.ok()) {
    ++tally->refused;
    EXPECT_TRUE(e.must_refuse || e.may_refuse) << "Open refused: " << s.ToString();
    EXPECT_NE(s.message().find(base_name), std::string::npos)
        << "Open's error does not name the damaged file: " << s.ToString();
    return;
  }
  EXPECT_FALSE(e.must_refuse) << "Open accepted a WAL with intact records after the damage";
  const State want = Visible(g.log.ModelAt(e.writes), g.now);
  bool errors = false;
  for (int i = 0; i < kKeySpace; ++i) {
    const std::string key = KeyName(i);
    ModelValue got;
    Status r = DbCalls::Get(db.get(), key, &got);
    auto w = want.find(key);
    if (e.error_keys.count(key)) {
      EXPECT_TRUE(r.IsCorruption()) << key << "'s value is damaged, yet Get says " << r.ToString();
    } else if (r.ok()) {
      EXPECT_TRUE(w != want.end() && w->second == got)
          << "Get(" << key << ") returned wrong data: " << got.value.substr(0, 24) << "@"
          << got.expires_at_ms << ", want "
          << (w == want.end() ? "<absent>" : w->second.value.substr(0, 24));
    } else if (r.IsNotFound()) {
      EXPECT_TRUE(w == want.end()) << "Get(" << key << ") lost its value";
    } else {
      errors = true;
      EXPECT_TRUE(e.any_key_may_fail && (r.IsCorruption() || r.IsIOError()))
          << "Get(" << key << "): " << r.ToString();
    }
  }
  std::string scan_error;
  const State scanned = DbCalls::Scan(db.get(), &scan_error);
  // Exact entries, in order and without gaps, up to where the scan stopped.
  auto w = want.begin();
  for (const auto& [k, v] : scanned) {
    ASSERT_TRUE(w != want.end() && w->first == k && w->second == v)
        << "scan returned " << k << " = " << v.value.substr(0, 24) << ", want "
        << (w == want.end() ? "<end>" : w->first + " = " + w->second.value.substr(0, 24));
    ++w;
  }
  if (scan_error.empty()) {
    EXPECT_TRUE(w == want.end()) << "scan ended early without an error at " << w->first;
  } else {
    errors = true;
    EXPECT_TRUE(e.any_key_may_fail || !e.error_keys.empty()) << "scan: " << scan_error;
  }
  errors = errors || !e.error_keys.empty();
  ++(errors ? tally->read_errors : e.writes < g.log.acked ? tally->shorter : tally->exact);
  (void)db->Close();
}

struct KindCase {
  const char* name;
  FileKind kind;  // kUnknown: a value-log segment
};
const KindCase kKinds[] = {{"Wal", FileKind::kWal},           {"Sst", FileKind::kTable},
                           {"Manifest", FileKind::kManifest}, {"Current", FileKind::kCurrent},
                           {"ValueLog", FileKind::kUnknown}};

std::vector<std::string> DamageTargets(const Golden& g, FileKind kind) {
  if (kind == FileKind::kCurrent) return {"CURRENT"};
  if (kind != FileKind::kUnknown) return FilesOfKind(g.dir.path(), kind);
  std::set<std::string> segments;
  for (const auto& r : g.vlog) segments.insert(r.segment);
  return {segments.begin(), segments.end()};
}

void PrintTally(const char* what, const char* kind, const Tally& t) {
  std::printf("corruption %s %s: %d injected: %d refused at open, %d read errors, %d recovered "
              "the writes before a damaged tail, %d exact\n",
              what, kind, t.injected, t.refused, t.read_errors, t.shorter, t.exact);
}

void RunRandomSuite(const KindCase& kc, int trials_per_damage, uint64_t base_seed) {
  const uint64_t seed = testutil::TestSeed(base_seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  auto golden = BuildGolden(seed);
  ASSERT_FALSE(::testing::Test::HasFailure());
  const auto targets = DamageTargets(*golden, kc.kind);
  ASSERT_FALSE(targets.empty()) << "golden DB has no " << kc.name << " file";
  Tally tally;
  for (Damage d : {Damage::kBitFlip, Damage::kTruncate, Damage::kZeroRange}) {
    for (int i = 0; i < trials_per_damage; ++i) {
      Random rng(seed * 1000 + static_cast<uint64_t>(i) * 3 + static_cast<uint64_t>(d));
      const std::string file = targets[rng.Uniform(targets.size())];
      RunTrial(*golden, kc.kind, file,
               [&](const std::string& dir, const std::string& f) {
                 return RandomDamage(dir, f, d, &rng);
               },
               &tally);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  PrintTally("random", kc.name, tally);
}

class CorruptionTest : public ::testing::TestWithParam<KindCase> {
 protected:
  // (GetParam() refers to gtest's copy, not to kKinds: find it by name.)
  uint64_t KindIndex() const {
    for (size_t i = 0; i < std::size(kKinds); ++i) {
      if (std::string(kKinds[i].name) == GetParam().name) return i;
    }
    return 0;
  }
};

TEST_P(CorruptionTest, NeverWrongData) { RunRandomSuite(GetParam(), 12, 900 + KindIndex()); }

TEST_P(CorruptionTest, LongNeverWrongData) {
  if (!LongTests()) GTEST_SKIP() << "set NOKV_LONG_TESTS=1";
  for (uint64_t s = 0; s < 4; ++s) {
    RunRandomSuite(GetParam(), 40, 9000 + 10 * s + KindIndex());
    if (HasFatalFailure()) return;
  }
}

// The exhaustive form: every byte of every file of a tiny DB, flipped in
// turn (one bit, varying), and the file truncated at every 8th offset (every
// offset in the long run).
TEST_P(CorruptionTest, EveryByteOfATinyDb) {
  const size_t cut_stride = LongTests() ? 1 : 8;
  auto golden = BuildTinyGolden();
  ASSERT_FALSE(HasFailure());
  const auto targets = DamageTargets(*golden, GetParam().kind);
  ASSERT_FALSE(targets.empty());
  Tally flips, cuts;
  for (const auto& file : targets) {
    const std::string original = Slurp(golden->dir.File(file));
    for (size_t pos = 0; pos < original.size(); ++pos) {
      RunTrial(*golden, GetParam().kind, file,
               [&](const std::string& dir, const std::string& f) {
                 std::string d = original;
                 d[pos] = static_cast<char>(d[pos] ^ (1 << (pos % 8)));
                 return Inflict(dir, f, original, d, " bit " + std::to_string(pos % 8) + " at " +
                                                         std::to_string(pos));
               },
               &flips);
      if (HasFatalFailure()) return;
      if (pos % cut_stride != 0 && pos + 1 != original.size()) continue;
      RunTrial(*golden, GetParam().kind, file,
               [&](const std::string& dir, const std::string& f) {
                 return Inflict(dir, f, original, original.substr(0, pos),
                                " truncated to " + std::to_string(pos));
               },
               &cuts);
      if (HasFatalFailure()) return;
    }
  }
  PrintTally("every-byte flips", GetParam().name, flips);
  PrintTally("every-offset truncations", GetParam().name, cuts);
}

INSTANTIATE_TEST_SUITE_P(Files, CorruptionTest, ::testing::ValuesIn(kKinds),
                         [](const auto& info) { return std::string(info.param.name); });

// A missing CURRENT with data files present must be refused, not replaced by
// an empty database.
TEST(CorruptionTest, MissingCurrentIsRefused) {
  auto golden = BuildTinyGolden();
  testutil::TempDir dir;
  for (const auto& e : stdfs::directory_iterator(golden->dir.path())) {
    const std::string n = e.path().filename().string();
    if (n != "LOCK" && n != "CURRENT") {
      stdfs::copy(e.path(), dir.File(n), stdfs::copy_options::recursive);
    }
  }
  Options o = CorruptionOptions(golden->threshold, golden->now);
  o.create_if_missing = true;
  std::unique_ptr<DB> db;
  Status s = DB::Open(o, dir.path(), &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("CURRENT"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace nokv::crashtest
