// Summaries of repeated runs: each (engine, workload) cell's median and
// spread of ops/s over its repeats, NoKV's ratio to the fastest peer by
// medians, and the synced-write ratios. report.cc renders them.
#pragma once

#include <string>
#include <vector>

#include "bench/result.h"

namespace nokv::bench {

struct Cell {
  std::string engine;
  std::string workload;
  std::vector<const BenchResult*> runs;  // every repeat, in run order
  int failed = 0;                        // runs that ended with an error
  uint64_t not_found = 0, wrong = 0;     // summed over the runs
  // ops/s over the runs that completed: median (mean of the middle two for
  // an even count), lowest, highest; all 0 if none completed.
  double median = 0, min = 0, max = 0;
  // The completed run whose ops/s is the median (the lower middle one for
  // an even count): its latencies, amplification etc. stand for the cell.
  const BenchResult* median_run = nullptr;

  bool ok() const { return failed == 0 && not_found == 0 && wrong == 0; }
  // (max - min) / median in percent; 0 without runs.
  double SpreadPercent() const { return median > 0 ? 100.0 * (max - min) / median : 0; }
};

// One cell per (engine, workload), in first-seen order. The pointers point
// into `results`, which must outlive the cells.
std::vector<Cell> SummarizeCells(const std::vector<BenchResult>& results);
const Cell* FindCell(const std::vector<Cell>& cells, const std::string& engine,
                     const std::string& workload);

// The median of `values` (mean of the middle two for an even count; 0 if empty).
double Median(std::vector<double> values);

// Engines named nokv* ("nokv", "nokv-art") are ours; the raw fdatasync
// probe is neither; the rest are peers.
bool IsNoKvEngine(const std::string& engine);
bool IsPeerEngine(const std::string& engine);

// `engine`'s median ops/s divided by the best peer's median for the
// workload; 0 if there is no such cell or no peer cell with a median.
double NoKvRatio(const std::vector<BenchResult>& results, const std::string& workload,
                 std::string* best_peer, const std::string& engine = "nokv");

// The synced-write figures of one engine, from medians: sync-1w and
// sync-16w ops/s, the raw fdatasync rate of the same run, and the ratios
// 16w/1w (how well concurrent synced writes share an fsync) and 1w/raw (the
// engine's cost over a bare append+fdatasync). 0 where not measured.
struct SyncFigures {
  std::string engine;
  double one_writer = 0, sixteen_writers = 0, raw = 0;
  double ratio_16w_1w = 0, ratio_1w_raw = 0;
};
std::vector<SyncFigures> SummarizeSync(const std::vector<BenchResult>& results);

}  // namespace nokv::bench
