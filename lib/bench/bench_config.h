// BenchConfig: everything `nokv bench` / `nokv-bench` take on the command
// line. Both front ends bind their flags to this one struct
// (cmd/nokv-bench/bench_flags.h) and hand it to RunBench.
#pragma once

#include <cstdint>
#include <string>

#include "bench/engine.h"

namespace nokv::bench {

struct BenchConfig {
  std::string engines = "nokv,rocksdb,leveldb";  // comma list; unknown/absent ones fail
  std::string workloads = "a,b,c,d,e,f,g";       // YCSB letters, db_bench names, "sync"
  // The default shape goes well past the write buffers: 500k records x
  // (256 B value + ~23 B key) ~ 133 MiB of user data against 2 x 16 MiB
  // memtables, so every engine flushes ~8 times and compacts L0.
  uint64_t records = 500000;      // loaded before each run
  uint64_t ops = 100000;          // timed operations per run (all threads)
  int repeat = 3;                 // runs of each (engine, workload) cell; medians reported
  // The synced-write measurement (workload "sync"): synced puts per run,
  // each run stopped after sync_seconds if not done by then.
  uint64_t sync_ops = 2000;
  double sync_seconds = 10;
  uint64_t warmup_ops = 0;        // untimed operations before the timed run
  size_t value_size = 256;        // one field of this many bytes per record
  int threads = 1;                // client threads (load and run)
  double target_ops_per_sec = 0;  // 0 = as fast as possible
  std::string distribution;       // override the workloads' request distribution
  uint64_t max_scan_length = 100;
  uint64_t seed = 42;
  std::string workdir = "/tmp/nokv-bench";
  bool keep = false;              // keep each run's database directory
  bool fork = true;               // one child process per (engine, workload)
  bool progress = true;           // live ops/s line on stderr (TTY only)
  std::string json_path;          // --json FILE
  std::string csv_path;           // --csv FILE
  std::string svg_path;           // --svg FILE; default beside --json/--csv or in workdir
  EngineConfig engine;            // applied alike to every engine
};

}  // namespace nokv::bench
