// nokv-crashtest: the writer and verifier of the real-process kill -9 test
// (scripts/crash_kill9.sh).
//
// Writer: opens the DB in --workdir and writes k<i> = Value(seed, i) for
// i = --start, --start+1, ... in order until killed (or --count writes).
// After each write returns OK it appends "ack <i>\n" to <workdir>.acks with
// write(2) (and fdatasync with --sync), so the ack log never claims a write
// the DB had not acknowledged.
//
// --verify: opens the DB and checks that every acknowledged key holds its
// value and that the keys present form a prefix k0..k<n> (a write the DB
// acknowledged may have been killed before its ack line; it may be present,
// later ones may not be without it). A kill -9 is a process crash, which the
// engine promises to survive with or without sync_writes. Prints
// "verified <acked> acked, <present> present" or the first problem, exit 1.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "nokv/db.h"

namespace {

std::string Key(uint64_t i) { return "k" + std::to_string(i); }

// Deterministic, 16..300 bytes, self-describing.
std::string Value(uint64_t seed, uint64_t i) {
  uint64_t x = seed * 0x9e3779b97f4a7c15ull + i * 0xbf58476d1ce4e5b9ull + 1;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::string v = "v" + std::to_string(i) + "-";
  const size_t len = 16 + next() % 285;
  while (v.size() < len) v.push_back(static_cast<char>('a' + next() % 26));
  return v;
}

// Highest acknowledged index in the ack log, or -1.
int64_t MaxAcked(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  int64_t i = -1, best = -1;
  while (in >> word >> i) {
    if (word == "ack" && i > best) best = i;
  }
  return best;
}

int Write(const nokv::Options& options, const std::string& workdir, uint64_t seed,
          uint64_t start, uint64_t count, bool sync) {
  std::unique_ptr<nokv::DB> db;
  nokv::Status s = nokv::DB::Open(options, workdir, &db);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.ToString().c_str());
    return 1;
  }
  const std::string acks = workdir + ".acks";
  const int fd = ::open(acks.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror("open ack log");
    return 1;
  }
  for (uint64_t i = start; count == 0 || i < start + count; ++i) {
    s = db->Put(nokv::WriteOptions(), Key(i), Value(seed, i));
    if (!s.ok()) {
      std::fprintf(stderr, "put %llu: %s\n", static_cast<unsigned long long>(i),
                   s.ToString().c_str());
      return 1;
    }
    const std::string line = "ack " + std::to_string(i) + "\n";
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
        (sync && ::fdatasync(fd) != 0)) {
      std::perror("ack log");
      return 1;
    }
  }
  ::close(fd);
  s = db->Close();
  return s.ok() ? 0 : 1;
}

int Verify(const nokv::Options& options, const std::string& workdir, uint64_t seed) {
  nokv::Options o = options;
  o.create_if_missing = false;
  std::unique_ptr<nokv::DB> db;
  nokv::Status s = nokv::DB::Open(o, workdir, &db);
  if (!s.ok()) {
    std::printf("FAIL open: %s\n", s.ToString().c_str());
    return 1;
  }
  const int64_t acked = MaxAcked(workdir + ".acks");
  int64_t present = 0;  // k0..k<present-1> are present
  for (;; ++present) {
    std::string v;
    s = db->Get(nokv::ReadOptions(), Key(static_cast<uint64_t>(present)), &v);
    if (s.IsNotFound()) break;
    if (!s.ok()) {
      std::printf("FAIL get %s: %s\n", Key(static_cast<uint64_t>(present)).c_str(),
                  s.ToString().c_str());
      return 1;
    }
    if (v != Value(seed, static_cast<uint64_t>(present))) {
      std::printf("FAIL %s holds a wrong value\n", Key(static_cast<uint64_t>(present)).c_str());
      return 1;
    }
  }
  if (present <= acked) {
    std::printf("FAIL first missing acked key: %s (acked up to k%lld)\n",
                Key(static_cast<uint64_t>(present)).c_str(), static_cast<long long>(acked));
    return 1;
  }
  // Nothing beyond the prefix: a gap means a later write survived an earlier one.
  for (int64_t i = present + 1; i < present + 64; ++i) {
    std::string v;
    if (db->Get(nokv::ReadOptions(), Key(static_cast<uint64_t>(i)), &v).ok()) {
      std::printf("FAIL %s present but %s missing: not a prefix\n",
                  Key(static_cast<uint64_t>(i)).c_str(),
                  Key(static_cast<uint64_t>(present)).c_str());
      return 1;
    }
  }
  s = db->Close();
  if (!s.ok()) {
    std::printf("FAIL close: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("verified %lld acked, %lld present\n", static_cast<long long>(acked + 1),
              static_cast<long long>(present));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nokv-crashtest: writer/verifier for the kill -9 crash test"};
  std::string workdir;
  bool sync = false, verify = false;
  uint64_t seed = 1, start = 0, count = 0;
  size_t memtable_kb = 256;
  app.add_option("--workdir", workdir, "database directory (acks go to <workdir>.acks)")
      ->required();
  app.add_flag("--sync", sync, "sync_writes on (and fdatasync the ack log)");
  app.add_option("--seed", seed, "value seed");
  app.add_option("--start", start, "first key index to write");
  app.add_option("--count", count, "stop after this many writes (0 = until killed)");
  app.add_option("--memtable-kb", memtable_kb, "memtable size (small: frequent flushes)");
  app.add_flag("--verify", verify, "check the acknowledged writes instead of writing");
  CLI11_PARSE(app, argc, argv);

  nokv::Options options;
  options.sync_writes = sync;
  options.memtable_size = std::max<size_t>(64, memtable_kb) << 10;
  options.target_file_size = 256 << 10;
  return verify ? Verify(options, workdir, seed) : Write(options, workdir, seed, start, count, sync);
}
