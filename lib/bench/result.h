// BenchResult: what one (engine, workload) run produced, and the run-wide
// configuration printed with it. Plain data; report.h renders it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nokv::bench {

// Per-operation-type share and latency of one run.
struct OpResult {
  std::string op;  // read, update, insert, scan, rmw
  uint64_t count = 0;
  double avg_us = 0, p50_us = 0, p99_us = 0;
};

struct BenchResult {
  std::string engine;
  std::string workload;
  int repeat = 0;        // 0-based repetition of this (engine, workload) cell
  std::string error;     // non-empty: the run failed; numbers are partial
  std::string settings;  // the engine's configuration line
  uint64_t records = 0;  // loaded before the run
  uint64_t ops = 0;      // timed operations completed
  int threads = 0;
  double seconds = 0;
  double ops_per_sec = 0;
  double avg_us = 0, p50_us = 0, p95_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
  double load_seconds = 0, load_ops_per_sec = 0;
  // Correctness (warm-up and timed run; any non-zero fails the run). Every
  // key a read, read-modify-write or scan start names was loaded or its
  // insert acknowledged, and nothing is deleted, so a miss is an error.
  uint64_t not_found = 0;      // reads (or scan starts) whose key was not found
  uint64_t wrong = 0;          // values that are not MakeValue(key, version) (values.h)
  uint64_t checked = 0;        // values checked (reads, rmw reads, scan entries)
  uint64_t scanned = 0;        // records returned by scans
  uint64_t peak_rss_bytes = 0; // the child process's ru_maxrss
  uint64_t disk_bytes = 0;     // files in the workdir after close
  uint64_t user_bytes = 0;     // key + value bytes written by load and run
  uint64_t live_bytes = 0;     // key + value bytes of the final live records
  double bytes_written = -1;   // every byte the engine wrote (EngineStats); -1 = not reported
  std::string bytes_written_sources;  // its breakdown, e.g. "wal 1.0M + flush 2.0M"
  double write_amp = -1;       // bytes_written / user_bytes; -1 = not reported
  double space_amp = -1;       // disk bytes / live bytes
  std::vector<OpResult> op_mix;

  // "read 50.0% update 50.0%" from op_mix counts.
  std::string OpMixString() const;
  // The run completed and every value checked out.
  bool ok() const { return error.empty() && not_found == 0 && wrong == 0; }
};

// Serialization for the pipe between a benchmark child and the parent:
// "key=value" lines, one result per block, blocks separated by "--".
std::string SerializeResult(const BenchResult& r);
bool ParseResult(const std::string& text, BenchResult* r);

}  // namespace nokv::bench
