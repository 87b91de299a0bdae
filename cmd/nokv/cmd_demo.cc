// nokv demo: opens a DB, writes keys, reads them back, deletes a few, closes,
// reopens and verifies everything, then prints the engine's stats. A smoke
// test an operator can run in a second (README.md lists it among the
// inspection commands).
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>

#include "commands.h"
#include "db/db_stats.h"
#include "nokv/db.h"
#include "text_output.h"

namespace nokv::cli {
namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string DemoKey(uint64_t i) { return fmt::format("demo:{:08}", i); }

std::string DemoValue(uint64_t i, size_t size) {
  std::string v = fmt::format("value-{}-", i);
  if (v.size() < size) v.append(size - v.size(), static_cast<char>('a' + i % 26));
  return v;
}

// Prints "nokv demo: <what>: <status>" and returns kExitFailure.
int Fail(const std::string& what, const Status& s) {
  fmt::print(stderr, "nokv demo: {}: {}\n", what, s.ToString());
  return kExitFailure;
}

// Checks every key: deleted ones must be NotFound, the rest must hold their
// value. Returns the first problem, or OK.
Status VerifyAll(DB* db, const DemoOptions& o, const std::set<uint64_t>& deleted) {
  std::string value;
  for (uint64_t i = 0; i < o.keys; ++i) {
    Status s = db->Get(ReadOptions(), DemoKey(i), &value);
    if (deleted.count(i)) {
      if (!s.IsNotFound()) {
        return Status::Corruption(DemoKey(i) + " was deleted but Get returned " +
                                  (s.ok() ? "a value" : s.ToString()));
      }
      continue;
    }
    if (!s.ok()) return s.WithContext("Get " + DemoKey(i));
    if (value != DemoValue(i, o.value_size)) {
      return Status::Corruption(DemoKey(i) + " has the wrong value");
    }
  }
  return Status::OK();
}

void PrintDbStats(const DbStats& st) {
  fmt::print("\nStats after reopen:\n");
  fmt::print("  last_sequence        : {}\n", st.last_sequence);
  fmt::print("  memtable             : {} entries, {}\n", st.memtable_entries,
             HumanBytes(st.memtable_bytes));
  fmt::print("  immutable memtables  : {} ({} entries)\n", st.immutable_memtables,
             st.immutable_entries);
  fmt::print("  wal                  : segment {} ({})\n", st.wal_number, HumanBytes(st.wal_bytes));
  fmt::print("  sst entries          : {}\n", st.sst_entries);
  fmt::print("  flushes / compactions: {} / {}\n", st.flushes, st.compactions);
  TextTable levels(
      {{"LEVEL"}, {"FILES", true}, {"SIZE", true}, {"ENTRIES", true}, {"SCORE", true}});
  for (const auto& l : st.levels) {
    if (l.files == 0) continue;
    levels.AddRow({fmt::format("L{}", l.level), std::to_string(l.files), HumanBytes(l.bytes),
                   std::to_string(l.entries), fmt::format("{:.2f}", l.score)});
  }
  fmt::print("{}", levels.Render());
  if (!st.background_error.empty()) {
    fmt::print("  background error     : {}\n", st.background_error);
  }
}

}  // namespace

int RunDemo(const DemoOptions& o) {
  Options options;
  options.memtable_size = o.memtable_size;
  std::unique_ptr<DB> db;

  fmt::print("nokv demo in {} ({} keys, {}-byte values, {} memtable)\n", o.workdir, o.keys,
             o.value_size, HumanBytes(o.memtable_size));
  auto start = Clock::now();
  Status s = DB::Open(options, o.workdir, &db);
  if (!s.ok()) return Fail("open " + o.workdir, s);
  fmt::print("  open           : {:.1f} ms\n", MillisSince(start));

  start = Clock::now();
  for (uint64_t i = 0; i < o.keys; ++i) {
    s = db->Put(WriteOptions(), DemoKey(i), DemoValue(i, o.value_size));
    if (!s.ok()) return Fail("put " + DemoKey(i), s);
  }
  double ms = MillisSince(start);
  fmt::print("  write          : {} keys in {:.1f} ms ({:.0f} ops/s)\n", o.keys, ms,
             ms > 0 ? static_cast<double>(o.keys) * 1000 / ms : 0.0);

  start = Clock::now();
  s = VerifyAll(db.get(), o, {});
  if (!s.ok()) return Fail("read back", s);
  ms = MillisSince(start);
  fmt::print("  read back      : {} keys verified in {:.1f} ms ({:.0f} ops/s)\n", o.keys, ms,
             ms > 0 ? static_cast<double>(o.keys) * 1000 / ms : 0.0);

  // Delete up to 10 keys spread over the range.
  std::set<uint64_t> deleted;
  const uint64_t to_delete = std::min<uint64_t>(10, o.keys);
  for (uint64_t j = 0; j < to_delete; ++j) deleted.insert(j * o.keys / to_delete);
  for (uint64_t i : deleted) {
    s = db->Delete(WriteOptions(), DemoKey(i));
    if (!s.ok()) return Fail("delete " + DemoKey(i), s);
  }
  fmt::print("  delete         : {} keys ({}{})\n", deleted.size(),
             deleted.empty() ? "none" : DemoKey(*deleted.begin()),
             deleted.size() > 1 ? ", ..." : "");

  start = Clock::now();
  s = db->Close();
  if (!s.ok()) return Fail("close", s);
  db.reset();
  s = DB::Open(options, o.workdir, &db);
  if (!s.ok()) return Fail("reopen " + o.workdir, s);
  fmt::print("  close + reopen : {:.1f} ms\n", MillisSince(start));

  start = Clock::now();
  s = VerifyAll(db.get(), o, deleted);
  if (!s.ok()) return Fail("verify after reopen", s);
  ReadOptions scan;
  scan.lower_bound = "demo:";
  scan.upper_bound = DemoKey(o.keys);
  uint64_t scanned = 0;
  {
    std::unique_ptr<Iterator> it = db->NewIterator(scan);
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++scanned;
    if (!it->status().ok()) return Fail("scan after reopen", it->status());
  }
  if (scanned != o.keys - deleted.size()) {
    return Fail("scan after reopen",
                Status::Corruption(
                    fmt::format("saw {} keys, expected {}", scanned, o.keys - deleted.size())));
  }
  fmt::print("  verify         : {} present, {} deleted, scan saw {} keys ({:.1f} ms)\n",
             o.keys - deleted.size(), deleted.size(), scanned, MillisSince(start));

  PrintDbStats(CollectDbStats(*db));
  s = db->Close();
  if (!s.ok()) return Fail("close", s);
  fmt::print(
      "\nOK: every key survived the reopen. Inspect the workdir with\n"
      "  nokv stats --workdir {0}\n  nokv manifest --workdir {0}\n",
      o.workdir);
  return kExitOk;
}

}  // namespace nokv::cli
