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
  // Empty: 127.0.0.1:8080 embedded, no HTTP endpoint in cluster mode.
  std::string metrics_addr;
  std::string redis_addr;  // empty: no Redis gateway
  bool sync_writes = false;
  std::string admin_token;  // empty: admin endpoints open (loopback only)
  std::string memtable_engine = "art";  // art | skiplist (see redis/serve.h)

  // Cluster mode (cmd_serve_cluster.cc): a store node, chosen by --store-id,
  // --pd-addr or --config.
  uint64_t store_id = 0;
  std::string addr;            // gRPC listen address; default 127.0.0.1:20160
  std::string advertise_addr;  // what PD tells others; default: addr
  std::string pd_addr;
  std::string config;          // topology file: defaults and a new workdir's bootstrap
  std::string pd_timeout = "2s";
  int election_tick = 10;
  int heartbeat_tick = 2;
  uint64_t raft_max_msg_bytes = 1 << 20;
  int raft_max_inflight = 256;
  std::string raft_tick_interval = "100ms";
  std::string read_mode = "read-index";  // read-index | lease
  bool raft_debug_log = false;

  bool cluster_mode() const { return store_id != 0 || !pd_addr.empty() || !config.empty(); }
};
int RunServe(const ServeOptions& options);
int RunServeCluster(const ServeOptions& options);

// nokv regions: one store's regions read offline from its workdir, or the
// cluster's regions and leaders from PD (cmd_regions.cc). Exactly one of
// workdir / pd_addr.
struct RegionsOptions {
  std::string workdir;
  std::string pd_addr;
  int pd_timeout_ms = 3000;
  bool json = false;
};
int RunRegions(const RegionsOptions& options);

// nokv kv: get/put/delete/scan through the cluster client (cmd_kv.cc,
// kv_client.h). Exit codes: 0 ok, 1 get: key not found, 2 usage, 3 the
// operation failed (cluster unreachable, timeout, ...).
struct KvOptions {
  std::string pd_addr;
  int timeout_ms = 5000;
  bool hex = false;       // KEY/VALUE/START arguments and printed keys/values are hex
  std::string op;         // get | put | delete | scan
  std::string key;        // get, put, delete; scan: the start key
  std::string value;      // put
  uint64_t limit = 100;   // scan
};
int RunKv(const KvOptions& options);

}  // namespace nokv::cli
