// The benchmark's command-line flags, bound to a BenchConfig. Shared by
// `nokv-bench` (cmd/nokv-bench/main.cc) and `nokv bench` (cmd/nokv/main.cc)
// so the two take exactly the same flags. Include only where CLI11 is
// already included (it costs seconds per translation unit).
#pragma once

#include <CLI/CLI.hpp>

#include "bench/bench_config.h"

namespace nokv::bench {

inline void AddBenchFlags(CLI::App* app, BenchConfig* c) {
  app->add_option("--engines", c->engines, "Comma list of engines: nokv, nokv-art (ART memtable), rocksdb, leveldb")
      ->capture_default_str();
  app->add_option("--workloads", c->workloads,
                  "Comma list: YCSB a,b,c,d,e,f,g; db_bench fillseq,fillrandom,readrandom; "
                  "sync (synced puts with 1 and 16 writers plus the disk's raw fdatasync rate; "
                  "or sync-1w, sync-16w alone)")
      ->capture_default_str();
  app->add_option("--records", c->records,
                  "Records loaded before each run. The default, 500000 x 256 B values (~133 MiB "
                  "with keys), is ~8x one 16 MiB memtable: every engine flushes and compacts")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40))
      ->capture_default_str();
  app->add_option("--repeat", c->repeat,
                  "Runs of each (engine, workload); the report gives the median ops/s and the "
                  "min..max spread (order: per workload, per repeat, engines in turn)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app->add_option("--sync-ops", c->sync_ops,
                  "Synced puts per sync-1w/sync-16w run, and fdatasyncs of the raw probe")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32))
      ->capture_default_str();
  app->add_option("--sync-seconds", c->sync_seconds,
                  "Longest a synced-put run or the raw probe may take (it stops early)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_option("--ops", c->ops, "Timed operations per run (all threads together)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40))
      ->capture_default_str();
  app->add_option("--warmup-ops", c->warmup_ops, "Untimed operations before the timed run")
      ->capture_default_str();
  app->add_option("--value-size", c->value_size,
                  "Bytes per value (one field; >= 8: the value carries its version and is "
                  "derived from key and version, and checked on every read)")
      ->check(CLI::Range(size_t{8}, size_t{64} << 20))
      ->capture_default_str();
  app->add_option("--threads", c->threads, "Client threads")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app->add_option("--target", c->target_ops_per_sec, "Target total ops/s (0 = unthrottled)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app->add_option("--distribution", c->distribution,
                  "Override the request distribution: zipfian, uniform, latest, sequential")
      ->check(CLI::IsMember({"zipfian", "uniform", "latest", "sequential"}));
  app->add_option("--scan-length", c->max_scan_length, "Longest scan (lengths uniform 1..N)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20))
      ->capture_default_str();
  app->add_option("--seed", c->seed, "Random seed")->capture_default_str();
  app->add_option("--value-threshold", c->engine.value_threshold,
                  "NoKV only: values of at least this many bytes go to the value log; 0 "
                  "disables separation (default: NoKV's own)")
      ->type_name("BYTES");
  app->add_option("--memtable-engine", c->engine.memtable_engine,
                  "NoKV only: memtable index, skiplist or art")
      ->check(CLI::IsMember({"skiplist", "art"}))
      ->capture_default_str();
  app->add_flag("--sync", c->engine.sync, "fsync every write (all engines)");
  app->add_option("--memtable-size", c->engine.memtable_size,
                  "Bytes of one write buffer (all engines: NoKV memtable_size, RocksDB and "
                  "LevelDB write_buffer_size)")
      ->check(CLI::Range(size_t{1} << 16, size_t{1} << 34))
      ->capture_default_str();
  app->add_option("--memtables", c->engine.memtables,
                  "Write buffers in memory at most, active one included (NoKV "
                  "max_immutable_memtables = N-1, RocksDB max_write_buffer_number = N; LevelDB "
                  "always has 2)")
      ->check(CLI::Range(2, 64))
      ->capture_default_str();
  app->add_option("--cache-size", c->engine.block_cache_size, "Block cache bytes (all engines)")
      ->capture_default_str();
  app->add_option("--compression", c->engine.compression,
                  "Table compression for all engines: none, lz4, zstd (LevelDB: snappy)")
      ->check(CLI::IsMember({"none", "lz4", "zstd", "snappy"}))
      ->capture_default_str();
  app->add_option("--bloom-bits", c->engine.bloom_bits_per_key, "Bloom filter bits per key")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  app->add_flag("--mmap-reads", c->engine.mmap_reads,
                "Read tables (and NoKV's value log) through memory mappings (NoKV and RocksDB "
                "allow_mmap_reads; LevelDB always maps up to 1000 tables)");
  app->add_option("--workdir", c->workdir, "Parent of the per-run database directories")
      ->type_name("DIR")
      ->capture_default_str();
  app->add_flag("--keep", c->keep, "Keep each run's database directory");
  app->add_flag("!--no-fork", c->fork,
                "Run everything in this process (for debuggers and profilers; RSS then "
                "covers all runs so far)");
  app->add_flag("!--no-progress", c->progress, "No live ops/s line on stderr");
  app->add_option("--json", c->json_path, "Write results as a JSON array to FILE")
      ->type_name("FILE");
  app->add_option("--csv", c->csv_path, "Write results as CSV to FILE")->type_name("FILE");
  app->add_option("--svg", c->svg_path,
                  "Write the ops/s bar chart to FILE (default: beside --json/--csv, else "
                  "DIR/bench.svg)")
      ->type_name("FILE");
}

}  // namespace nokv::bench
