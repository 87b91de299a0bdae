// The nokv subcommands: one plain options struct and one run function each.
// main.cc binds command-line flags to the structs (the only file that sees
// CLI11); the run functions print results to stdout, errors to stderr, and
// return the process exit code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "bench/bench_config.h"

namespace nokv::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // the command ran and failed (bad workdir, I/O, ...)
constexpr int kExitUsage = 2;    // bad command line
constexpr int kExitCannotRun = 2; // fsck: the check could not run (no workdir, I/O, ...)

// nokv manifest: levels, files, WAL checkpoint and counters of a workdir.
struct ManifestOptions {
  std::string workdir;
  bool json = false;
  std::string sqlite;  // non-empty: also export to this SQLite file (schema in nokv(1))
};
int RunManifest(const ManifestOptions& options);

// nokv stats: entry counts, per-level sizes and the WAL backlog of a workdir.
struct StatsOptions {
  std::string workdir;
  bool json = false;
};
int RunStats(const StatsOptions& options);

// nokv vlog --workdir DIR [--json]
struct VlogOptions {
  std::string workdir;
  bool json = false;
};
int RunVlog(const VlogOptions& options);

// nokv demo: a write/read/delete/reopen/verify round trip on a real DB.
struct DemoOptions {
  std::string workdir;
  uint64_t keys = 10000;
  size_t value_size = 100;
  size_t memtable_size = 1 << 20;
};
int RunDemo(const DemoOptions& options);

// nokv fsck: verify every checksum and cross-reference of a workdir; exit 0
// clean, 1 problems found, 2 could not run. --repair salvages (cmd_fsck.cc).
struct FsckCommandOptions {
  std::string workdir;
  bool json = false;
  bool repair = false;
};
int RunFsckCommand(const FsckCommandOptions& options);

// nokv bench: YCSB workloads on NoKV and its peers (cmd_bench.cc); the same
// harness and flags as nokv-bench (cmd/nokv-bench/bench_flags.h).
struct BenchOptions {
  bench::BenchConfig config;
};
int RunBench(const BenchOptions& options);

// nokv serve: open a DB and serve HTTP metrics/admin endpoints (and the Redis
// gateway) until SIGINT/SIGTERM (cmd_serve.cc).
struct ServeOptions {
  std::string workdir;
  std::string metrics_addr = "127.0.0.1:8080";
  std::string redis_addr;  // empty: no Redis gateway
  bool sync_writes = false;
  std::string admin_token;  // empty: admin endpoints open (loopback only)
  std::string memtable_engine = "art";  // art | skiplist (see redis/serve.h)
};
int RunServe(const ServeOptions& options);

}  // namespace nokv::cli
