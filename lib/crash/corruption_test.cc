// Corruption tests: damage one file of a closed DB (WAL segment, SST,
// MANIFEST, CURRENT) by flipping random bits, truncating it at a random
// offset or zeroing a random range, then Open. Open must either recover —
// and then every Get / scan returns a value that was really written for that
// key, NotFound, or an error; never wrong data — or fail with an error that
// names the damaged file. Never a crash (the ASan build runs these too).
// Reproduce a failure with NOKV_TEST_SEED=<seed printed on failure>.
#include <gtest/gtest.h>

#include <filesystem>
#include <algorithm>
#include <fstream>

#include "crash/crash_workload.h"
#include "manifest/filenames.h"
#include "manifest/version_edit.h"

namespace nokv::crashtest {
namespace {

namespace stdfs = std::filesystem;

enum class Damage { kBitFlip, kTruncate, kZeroRange };
const char* DamageName(Damage d) {
  switch (d) {
    case Damage::kBitFlip: return "bit-flip";
    case Damage::kTruncate: return "truncate";
    case Damage::kZeroRange: return "zero-range";
  }
  return "?";
}

struct Tally {
  int injected = 0;
  int open_refused = 0;     // Open returned an error naming the file
  int read_errors = 0;      // Open succeeded, some read reported an error
  int lost_or_stale = 0;    // Open succeeded, some key lost or older value
  int intact = 0;           // no visible effect
};

Options MakeOptions() {
  Options o;
  o.memtable_size = 64 << 10;
  o.block_cache_size = 0;  // every read hits the (damaged) file
  o.target_file_size = 64 << 10;
  o.table.block_size = 1024;
  o.create_if_missing = false;  // a damaged workdir must not become a fresh DB
  return o;
}

// A closed DB holding WAL segments, SSTs, a manifest and CURRENT.
struct Golden {
  testutil::TempDir dir;
  WorkloadLog log;
  State final_state;
};

std::unique_ptr<Golden> BuildGolden(uint64_t seed) {
  auto g = std::make_unique<Golden>();
  Options o = MakeOptions();
  o.create_if_missing = true;
  auto open = [&](std::unique_ptr<DB>* d) { return DB::Open(o, g->dir.path(), d); };
  std::unique_ptr<DB> db;
  EXPECT_TRUE(open(&db).ok());
  WorkloadConfig cfg;
  cfg.seed = seed;
  cfg.steps = 300;
  RunWorkload(cfg, &db, open, &g->log);
  EXPECT_TRUE(g->log.stopped_by.empty()) << g->log.stopped_by;
  // Make sure every kind of file exists: SSTs from a flush, then a WAL tail.
  EXPECT_TRUE(db->Flush().ok());
  for (int i = 0; i < 20; ++i) {
    WriteOp op;
    const std::string key = KeyName(static_cast<uint64_t>(i) * 2);
    op.updates.push_back({key, "tail-" + std::to_string(i) + std::string(i * 10, 't')});
    EXPECT_TRUE(db->Put(WriteOptions(), key, *op.updates[0].value).ok());
    g->log.written[key].insert(*op.updates[0].value);
    op.acked = true;
    g->log.writes.push_back(op);
    ++g->log.acked;
  }
  EXPECT_TRUE(db->Close().ok());
  g->final_state = g->log.ModelAt(g->log.acked);
  return g;
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

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Spit(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Damages `path`; returns a description.
std::string Corrupt(const std::string& path, Damage damage, Random* rng) {
  std::string data = Slurp(path);
  if (data.empty()) return "empty";
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
    case Damage::kTruncate: {
      const size_t at = rng->Uniform(data.size());
      data.resize(at);
      what = " to " + std::to_string(at) + " bytes";
      break;
    }
    case Damage::kZeroRange: {
      const size_t at = rng->Uniform(data.size());
      const size_t len = std::min<size_t>(data.size() - at, 1 + rng->Uniform(64));
      std::fill(data.begin() + static_cast<long>(at), data.begin() + static_cast<long>(at + len),
                '\0');
      what = " " + std::to_string(len) + " bytes at " + std::to_string(at);
      break;
    }
  }
  Spit(path, data);
  return std::string(DamageName(damage)) + what;
}

void RunCorruptionTrial(const Golden& golden, FileKind kind, Damage damage, uint64_t seed,
                        Tally* tally) {
  Random rng(seed);
  testutil::TempDir dir;
  stdfs::copy(golden.dir.path(), dir.path(), stdfs::copy_options::recursive);
  stdfs::remove(dir.File("LOCK"));
  std::string name = "CURRENT";
  if (kind != FileKind::kCurrent) {
    const auto files = FilesOfKind(dir.path(), kind);
    ASSERT_FALSE(files.empty()) << "golden DB has no file of the wanted kind";
    name = files[rng.Uniform(files.size())];
  }
  const std::string what = Corrupt(dir.File(name), damage, &rng);
  SCOPED_TRACE("seed " + std::to_string(seed) + ": " + name + " " + what);
  ++tally->injected;

  std::unique_ptr<DB> db;
  Status s = DB::Open(MakeOptions(), dir.path(), &db);
  if (!s.ok()) {
    ++tally->open_refused;
    EXPECT_NE(s.message().find(name), std::string::npos)
        << "Open's error does not name the damaged file: " << s.ToString();
    return;
  }
  bool read_error = false, lost = false;
  for (int i = 0; i < kKeySpace; ++i) {
    const std::string key = KeyName(i);
    std::string v;
    Status g = db->Get(ReadOptions(), key, &v);
    auto want = golden.final_state.find(key);
    if (g.ok()) {
      auto w = golden.log.written.find(key);
      EXPECT_TRUE(w != golden.log.written.end() && w->second.count(v) > 0)
          << "Get(" << key << ") returned a value never written: " << PrintableKey(v.substr(0, 40));
      if (want == golden.final_state.end() || want->second != v) lost = true;
    } else if (g.IsNotFound()) {
      if (want != golden.final_state.end()) lost = true;
    } else {
      read_error = true;
      EXPECT_TRUE(g.IsCorruption() || g.IsIOError()) << g.ToString();
    }
  }
  auto it = db->NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto w = golden.log.written.find(std::string(it->key()));
    EXPECT_TRUE(w != golden.log.written.end() && w->second.count(std::string(it->value())) > 0)
        << "scan returned " << PrintableKey(it->key()) << " with a value never written";
  }
  if (!it->status().ok()) read_error = true;
  it.reset();
  if (read_error) {
    ++tally->read_errors;
  } else if (lost) {
    ++tally->lost_or_stale;
  } else {
    ++tally->intact;
  }
  (void)db->Close();
}

void RunCorruptionSuite(FileKind kind, const char* kind_name, int trials_per_damage,
                        uint64_t base_seed) {
  const uint64_t seed = testutil::TestSeed(base_seed);
  auto golden = BuildGolden(seed);
  ASSERT_FALSE(::testing::Test::HasFailure());
  Tally tally;
  for (Damage d : {Damage::kBitFlip, Damage::kTruncate, Damage::kZeroRange}) {
    for (int i = 0; i < trials_per_damage; ++i) {
      RunCorruptionTrial(*golden, kind, d, seed * 1000 + static_cast<uint64_t>(i) * 3 +
                                               static_cast<uint64_t>(d), &tally);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  std::printf("corruption %s: %d injected, %d refused at open, %d read errors, %d lost/stale, "
              "%d no visible effect\n",
              kind_name, tally.injected, tally.open_refused, tally.read_errors,
              tally.lost_or_stale, tally.intact);
}

struct KindCase {
  const char* name;
  FileKind kind;
};
const KindCase kKinds[] = {{"Wal", FileKind::kWal},
                           {"Sst", FileKind::kTable},
                           {"Manifest", FileKind::kManifest},
                           {"Current", FileKind::kCurrent}};

class CorruptionTest : public ::testing::TestWithParam<KindCase> {};

TEST_P(CorruptionTest, NeverWrongData) {
  RunCorruptionSuite(GetParam().kind, GetParam().name, 12,
                     900 + static_cast<uint64_t>(&GetParam() - kKinds));
}

TEST_P(CorruptionTest, LongNeverWrongData) {
  if (!LongTests()) GTEST_SKIP() << "set NOKV_LONG_TESTS=1";
  for (uint64_t s = 0; s < 4; ++s) {
    RunCorruptionSuite(GetParam().kind, GetParam().name, 40,
                       9000 + 10 * s + static_cast<uint64_t>(&GetParam() - kKinds));
    if (HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Files, CorruptionTest, ::testing::ValuesIn(kKinds),
                         [](const auto& info) { return std::string(info.param.name); });

// A missing CURRENT with data files present must be refused, not replaced by
// an empty database.
TEST(CorruptionTest, MissingCurrentIsRefused) {
  auto golden = BuildGolden(testutil::TestSeed(31));
  testutil::TempDir dir;
  for (const auto& e : stdfs::directory_iterator(golden->dir.path())) {
    const std::string n = e.path().filename().string();
    if (n != "LOCK" && n != "CURRENT") {
      stdfs::copy(e.path(), dir.File(n), stdfs::copy_options::recursive);
    }
  }
  Options o = MakeOptions();
  o.create_if_missing = true;
  std::unique_ptr<DB> db;
  Status s = DB::Open(o, dir.path(), &db);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("CURRENT"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace nokv::crashtest
