// Medians, spreads and ratios over repeated runs.
#include "bench/summary.h"

#include <algorithm>

#include "bench/workload.h"

namespace nokv::bench {

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::vector<Cell> SummarizeCells(const std::vector<BenchResult>& results) {
  std::vector<Cell> cells;
  for (const BenchResult& r : results) {
    auto it = std::find_if(cells.begin(), cells.end(), [&](const Cell& c) {
      return c.engine == r.engine && c.workload == r.workload;
    });
    if (it == cells.end()) {
      Cell c;
      c.engine = r.engine;
      c.workload = r.workload;
      cells.push_back(std::move(c));
      it = cells.end() - 1;
    }
    it->runs.push_back(&r);
  }
  for (Cell& c : cells) {
    std::vector<const BenchResult*> done;
    for (const BenchResult* r : c.runs) {
      c.not_found += r->not_found;
      c.wrong += r->wrong;
      if (!r->error.empty()) {
        ++c.failed;
      } else {
        done.push_back(r);
      }
    }
    if (done.empty()) continue;
    std::vector<double> ops;
    for (const BenchResult* r : done) ops.push_back(r->ops_per_sec);
    c.median = Median(ops);
    c.min = *std::min_element(ops.begin(), ops.end());
    c.max = *std::max_element(ops.begin(), ops.end());
    std::stable_sort(done.begin(), done.end(), [](const BenchResult* a, const BenchResult* b) {
      return a->ops_per_sec < b->ops_per_sec;
    });
    c.median_run = done[(done.size() - 1) / 2];
  }
  return cells;
}

const Cell* FindCell(const std::vector<Cell>& cells, const std::string& engine,
                     const std::string& workload) {
  for (const Cell& c : cells) {
    if (c.engine == engine && c.workload == workload) return &c;
  }
  return nullptr;
}

bool IsNoKvEngine(const std::string& engine) { return engine.rfind("nokv", 0) == 0; }

bool IsPeerEngine(const std::string& engine) {
  return !IsNoKvEngine(engine) && engine != kRawSyncEngine;
}

double NoKvRatio(const std::vector<BenchResult>& results, const std::string& workload,
                 std::string* best_peer, const std::string& engine) {
  const std::vector<Cell> cells = SummarizeCells(results);
  const Cell* ours = FindCell(cells, engine, workload);
  if (ours == nullptr || ours->median_run == nullptr) return 0;
  double best = 0;
  for (const Cell& c : cells) {
    if (c.workload != workload || !IsPeerEngine(c.engine) || c.median_run == nullptr) continue;
    if (c.median > best) {
      best = c.median;
      if (best_peer != nullptr) *best_peer = c.engine;
    }
  }
  return best > 0 ? ours->median / best : 0;
}

std::vector<SyncFigures> SummarizeSync(const std::vector<BenchResult>& results) {
  const std::vector<Cell> cells = SummarizeCells(results);
  const Cell* raw = FindCell(cells, kRawSyncEngine, kRawSyncWorkload);
  std::vector<SyncFigures> out;
  for (const Cell& c : cells) {
    if (c.engine == kRawSyncEngine || (c.workload != "sync-1w" && c.workload != "sync-16w")) {
      continue;
    }
    if (std::any_of(out.begin(), out.end(), [&](const SyncFigures& f) { return f.engine == c.engine; })) {
      continue;
    }
    SyncFigures f;
    f.engine = c.engine;
    if (const Cell* one = FindCell(cells, c.engine, "sync-1w")) f.one_writer = one->median;
    if (const Cell* many = FindCell(cells, c.engine, "sync-16w")) f.sixteen_writers = many->median;
    if (raw != nullptr) f.raw = raw->median;
    if (f.one_writer > 0) f.ratio_16w_1w = f.sixteen_writers / f.one_writer;
    if (f.raw > 0) f.ratio_1w_raw = f.one_writer / f.raw;
    out.push_back(f);
  }
  return out;
}

}  // namespace nokv::bench
