// nokv-crashtest: the writer and verifier of the real-process kill -9 test
// (scripts/crash_kill9.sh).
//
// The workload is a pure function of (--seed, op index i): op i is a put
// (values on both sides of the 1 KiB value threshold, up to 20 KiB; one in
// five with a TTL), a delete, a DeleteRange, or an atomic batch of those,
// over 256 keys. The DB's clock is injected: op i runs at ClockAt(i), so
// which keys are expired is known exactly. Every op is idempotent when
// repeated right after itself, so a round may redo the last op of the
// previous one.
//
// Writer: opens the DB in --workdir and issues ops --start, --start+1, ...
// until killed (or --count ops), while a second thread runs value-log GC
// in a loop (64 KiB segments, so there is garbage to collect). After op i
// returns OK it appends "ack <i>\n" to <workdir>.acks with write(2) (and
// fdatasync with --sync), so the ack log never claims an op the DB had not
// acknowledged. Each GC rewrite prints "gc" on stdout.
//
// --verify: opens the DB at the clock of the op after the last ack and
// checks that its whole state (every key's value and expiry, by Get and by
// a full scan) is the model after every acknowledged op, or after one more
// (acknowledged, but killed before its ack line). A kill -9 is a process
// crash, which the engine promises to survive with or without sync_writes.
// Prints "verified <acked> acked, <applied> applied, ..." or the first
// problem, exit 1.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nokv/db.h"

namespace {

constexpr int kKeys = 256;
constexpr uint64_t kClockStart = 1'700'000'000'000;  // unix ms

uint64_t ClockAt(uint64_t i) { return kClockStart + i; }  // 1 ms per op

std::string Key(uint64_t k) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%03llu", static_cast<unsigned long long>(k));
  return buf;
}

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

struct Rng {
  uint64_t state;
  uint64_t Next() { return state = Mix(state); }
  uint64_t Uniform(uint64_t n) { return Next() % n; }
};

// Deterministic, self-describing value: op, slot in the op, then filler.
std::string Value(uint64_t seed, uint64_t op, uint32_t slot, uint32_t len) {
  std::string v = "v" + std::to_string(op) + "." + std::to_string(slot) + "-";
  uint64_t x = Mix(seed ^ Mix(op * 64 + slot));
  while (v.size() < len) {
    x = Mix(x);
    v.push_back(static_cast<char>('a' + x % 26));
  }
  return v;
}

struct Update {
  enum class Kind { kPut, kDelete, kDeleteRange } kind = Kind::kPut;
  uint32_t key = 0;
  uint32_t end = 0;          // kDeleteRange: exclusive end key index
  uint32_t len = 0;          // kPut: value length
  uint64_t expires_at = 0;   // kPut: 0 = never
};

std::vector<Update> OpAt(uint64_t seed, uint64_t i) {
  Rng rng{Mix(seed * 0x9e3779b97f4a7c15ull + i)};
  auto random_update = [&](int put_pct, int delete_pct) {
    Update u;
    const uint64_t dice = rng.Uniform(100);
    u.key = static_cast<uint32_t>(rng.Uniform(kKeys));
    if (dice < static_cast<uint64_t>(put_pct)) {
      const uint64_t size = rng.Uniform(100);
      u.len = static_cast<uint32_t>(size < 40   ? 16 + rng.Uniform(85)
                                    : size < 50 ? 1023 + rng.Uniform(3)
                                    : size < 90 ? 1100 + rng.Uniform(2900)
                                                : 8192 + rng.Uniform(12288));
      if (rng.Uniform(5) == 0) u.expires_at = ClockAt(i) + 1 + rng.Uniform(3000);
    } else if (dice < static_cast<uint64_t>(put_pct + delete_pct)) {
      u.kind = Update::Kind::kDelete;
    } else {
      u.kind = Update::Kind::kDeleteRange;
      u.end = u.key + 1 + static_cast<uint32_t>(rng.Uniform(16));
    }
    return u;
  };
  std::vector<Update> op;
  const uint64_t dice = rng.Uniform(100);
  if (dice < 65) {
    op.push_back(random_update(70, 23));
  } else {
    const int n = 2 + static_cast<int>(rng.Uniform(5));
    for (int k = 0; k < n; ++k) op.push_back(random_update(70, 20));
  }
  return op;
}

nokv::UpdateOptions WithTtl(uint64_t ttl_ms) {
  nokv::UpdateOptions o;
  o.ttl_ms = ttl_ms;
  return o;
}

nokv::UpdateOptions WithExpiry(uint64_t expires_at_ms) {
  nokv::UpdateOptions o;
  o.expires_at_ms = expires_at_ms;
  return o;
}

nokv::Status Issue(nokv::DB* db, const nokv::WriteOptions& wo, uint64_t seed, uint64_t i,
                   const std::vector<Update>& op) {
  if (op.size() == 1) {
    const Update& u = op[0];
    switch (u.kind) {
      case Update::Kind::kPut:
        return u.expires_at == 0
                   ? db->Put(wo, Key(u.key), Value(seed, i, 0, u.len))
                   : db->Put(wo, WithTtl(u.expires_at - ClockAt(i)), Key(u.key),
                             Value(seed, i, 0, u.len));
      case Update::Kind::kDelete:
        return db->Delete(wo, Key(u.key));
      case Update::Kind::kDeleteRange:
        return db->DeleteRange(wo, Key(u.key), Key(u.end));
    }
  }
  nokv::WriteBatch batch;
  for (uint32_t slot = 0; slot < op.size(); ++slot) {
    const Update& u = op[slot];
    switch (u.kind) {
      case Update::Kind::kPut:
        batch.Put(WithExpiry(u.expires_at), Key(u.key), Value(seed, i, slot, u.len));
        break;
      case Update::Kind::kDelete:
        batch.Delete(Key(u.key));
        break;
      case Update::Kind::kDeleteRange:
        batch.DeleteRange(Key(u.key), Key(u.end));
        break;
    }
  }
  return db->Write(wo, batch);
}

// The model: key -> the put that wrote it (op, slot, length, expiry).
struct Written {
  uint64_t op;
  uint32_t slot, len;
  uint64_t expires_at;
};
using Model = std::map<uint32_t, Written>;

void Apply(uint64_t i, const std::vector<Update>& op, Model* m) {
  for (uint32_t slot = 0; slot < op.size(); ++slot) {
    const Update& u = op[slot];
    if (u.kind == Update::Kind::kPut) {
      (*m)[u.key] = Written{i, slot, u.len, u.expires_at};
    } else if (u.kind == Update::Kind::kDelete) {
      m->erase(u.key);
    } else {
      m->erase(m->lower_bound(u.key), m->lower_bound(u.end));
    }
  }
}

// Highest acknowledged op in the ack log, or -1.
int64_t MaxAcked(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  int64_t i = -1, best = -1;
  while (in >> word >> i) {
    if (word == "ack" && i > best) best = i;
  }
  return best;
}

nokv::Options BaseOptions(bool sync, size_t memtable_kb, std::atomic<uint64_t>* clock) {
  nokv::Options o;
  o.sync_writes = sync;
  o.memtable_size = std::max<size_t>(64, memtable_kb) << 10;
  o.target_file_size = 256 << 10;
  o.value_threshold = 1024;
  o.value_log_segment_size = 64 << 10;
  o.clock_ms = [clock] { return clock->load(std::memory_order_acquire); };
  return o;
}

int Write(nokv::Options options, std::atomic<uint64_t>* clock, const std::string& workdir,
          uint64_t seed, uint64_t start, uint64_t count, bool sync) {
  clock->store(ClockAt(start));
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
  std::atomic<bool> stop{false};
  std::thread gc([&] {
    while (!stop.load()) {
      nokv::Status g = db->RunValueLogGC(0.3);
      if (g.ok()) {
        (void)!::write(STDOUT_FILENO, "gc\n", 3);
      } else if (!g.IsNotFound() && !g.IsBusy()) {
        std::fprintf(stderr, "value log GC: %s\n", g.ToString().c_str());
        std::_Exit(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  int rc = 0;
  for (uint64_t i = start; count == 0 || i < start + count; ++i) {
    clock->store(ClockAt(i), std::memory_order_release);
    s = Issue(db.get(), nokv::WriteOptions(), seed, i, OpAt(seed, i));
    if (!s.ok()) {
      std::fprintf(stderr, "op %llu: %s\n", static_cast<unsigned long long>(i),
                   s.ToString().c_str());
      rc = 1;
      break;
    }
    const std::string line = "ack " + std::to_string(i) + "\n";
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
        (sync && ::fdatasync(fd) != 0)) {
      std::perror("ack log");
      rc = 1;
      break;
    }
  }
  stop = true;
  gc.join();
  ::close(fd);
  s = db->Close();
  return s.ok() ? rc : 1;
}

// The DB's state over the key space: value and expiry per live key, by Get,
// cross-checked with a scan. Returns "" or what went wrong.
std::string ReadState(nokv::DB* db, std::map<std::string, std::pair<std::string, uint64_t>>* out) {
  for (uint32_t k = 0; k < kKeys; ++k) {
    nokv::ReadResult r;
    nokv::Status s = db->Get(nokv::ReadOptions(), Key(k), &r);
    if (s.ok()) {
      (*out)[Key(k)] = {r.value, r.expires_at_ms};
    } else if (!s.IsNotFound()) {
      return "get " + Key(k) + ": " + s.ToString();
    }
  }
  std::map<std::string, std::pair<std::string, uint64_t>> scanned;
  auto it = db->NewIterator(nokv::ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    scanned[std::string(it->key())] = {std::string(it->value()), it->expires_at_ms()};
  }
  if (!it->status().ok()) return "scan: " + it->status().ToString();
  if (scanned != *out) return "a full scan disagrees with Get";
  return "";
}

// "" if the DB state is the model's at clock `now`, else the first difference.
std::string Compare(const std::map<std::string, std::pair<std::string, uint64_t>>& got,
                    const Model& model, uint64_t seed, uint64_t now) {
  std::map<std::string, std::pair<std::string, uint64_t>> want;
  for (const auto& [k, w] : model) {
    if (w.expires_at != 0 && w.expires_at <= now) continue;
    want[Key(k)] = {Value(seed, w.op, w.slot, w.len), w.expires_at};
  }
  for (const auto& [k, v] : want) {
    auto g = got.find(k);
    if (g == got.end()) return k + " is missing (want " + v.first.substr(0, 16) + ")";
    if (g->second != v) {
      return k + " holds " + g->second.first.substr(0, 16) + " expiring " +
             std::to_string(g->second.second) + ", want " + v.first.substr(0, 16) +
             " expiring " + std::to_string(v.second);
    }
  }
  for (const auto& [k, v] : got) {
    if (want.count(k) == 0) return k + " is present (" + v.first.substr(0, 16) + "), want absent";
  }
  return "";
}

int Verify(nokv::Options options, std::atomic<uint64_t>* clock, const std::string& workdir,
           uint64_t seed) {
  const int64_t acked = MaxAcked(workdir + ".acks");
  const uint64_t n = static_cast<uint64_t>(acked + 1);  // ops 0..acked
  // No op ran at a later clock than the one after the last ack.
  const uint64_t now = ClockAt(n);
  clock->store(now);
  options.create_if_missing = false;
  std::unique_ptr<nokv::DB> db;
  nokv::Status s = nokv::DB::Open(options, workdir, &db);
  if (!s.ok()) {
    std::printf("FAIL open: %s\n", s.ToString().c_str());
    return 1;
  }
  std::map<std::string, std::pair<std::string, uint64_t>> got;
  std::string err = ReadState(db.get(), &got);
  if (!err.empty()) {
    std::printf("FAIL %s\n", err.c_str());
    return 1;
  }
  Model model;
  uint64_t puts = 0, ttl = 0, ranges = 0, big = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const auto op = OpAt(seed, i);
    for (const auto& u : op) {
      puts += u.kind == Update::Kind::kPut;
      ttl += u.expires_at != 0;
      big += u.kind == Update::Kind::kPut && u.len >= 1024;
      ranges += u.kind == Update::Kind::kDeleteRange;
    }
    Apply(i, op, &model);
  }
  uint64_t applied = n;
  std::string diff = Compare(got, model, seed, now);
  if (!diff.empty()) {
    // The op after the last ack may have been acknowledged before the kill.
    Apply(n, OpAt(seed, n), &model);
    applied = n + 1;
    const std::string with_next = Compare(got, model, seed, now);
    if (!with_next.empty()) {
      std::printf("FAIL after %lld acked ops: %s\n", static_cast<long long>(n), diff.c_str());
      return 1;
    }
  }
  s = db->Close();
  if (!s.ok()) {
    std::printf("FAIL close: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("verified %llu acked, %llu applied (%llu puts, %llu value-log values, %llu TTL, "
              "%llu range deletes; %zu live keys)\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(applied),
              static_cast<unsigned long long>(puts), static_cast<unsigned long long>(big),
              static_cast<unsigned long long>(ttl), static_cast<unsigned long long>(ranges),
              got.size());
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
  app.add_option("--seed", seed, "workload seed");
  app.add_option("--start", start, "first op index to issue");
  app.add_option("--count", count, "stop after this many ops (0 = until killed)");
  app.add_option("--memtable-kb", memtable_kb, "memtable size (small: frequent flushes)");
  app.add_flag("--verify", verify, "check the acknowledged ops instead of writing");
  CLI11_PARSE(app, argc, argv);

  auto clock = std::make_shared<std::atomic<uint64_t>>(kClockStart);
  const nokv::Options options = BaseOptions(sync, memtable_kb, clock.get());
  return verify ? Verify(options, clock.get(), workdir, seed)
                : Write(options, clock.get(), workdir, seed, start, count, sync);
}
