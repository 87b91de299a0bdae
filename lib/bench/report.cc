// Text renderings of benchmark results (the files are report_files.cc).
#include "bench/report.h"

#include <fmt/format.h>

#include <algorithm>

namespace nokv::bench {
namespace {

std::string Bytes(uint64_t b) {
  if (b >= (1ull << 30)) return fmt::format("{:.2f}G", static_cast<double>(b) / (1ull << 30));
  if (b >= (1ull << 20)) return fmt::format("{:.1f}M", static_cast<double>(b) / (1ull << 20));
  if (b >= (1ull << 10)) return fmt::format("{:.1f}K", static_cast<double>(b) / (1ull << 10));
  return fmt::format("{}B", b);
}

std::string Amp(double a) { return a < 0 ? "-" : fmt::format("{:.2f}", a); }

// "98.1k", "1.23M", "512": ops/s compact enough for the spread column.
std::string Rate(double v) {
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

// Distinct values in first-seen order.
template <typename F>
std::vector<std::string> Distinct(const std::vector<Cell>& cells, F field) {
  std::vector<std::string> out;
  for (const Cell& c : cells) {
    if (std::find(out.begin(), out.end(), field(c)) == out.end()) out.push_back(field(c));
  }
  return out;
}

}  // namespace

std::string FormatHeader(const BenchConfig& c, const std::vector<WorkloadSpec>& specs) {
  std::string out;
  const double user_mib = static_cast<double>(c.records) *
                          static_cast<double>(c.value_size + 23) / (1 << 20);
  const size_t write_buffers = c.engine.memtable_size * static_cast<size_t>(c.engine.memtables);
  out += fmt::format(
      "NoKV bench: records {} (~{:.0f} MiB of user data, {:.1f}x one memtable), ops {}, warm-up "
      "ops {}, value {} B (one field, derived from key+version and checked on every read), keys "
      "\"user\" + FNV-64 hash (~23 B), threads {}, target {}, repeat {}\n",
      c.records, user_mib, user_mib * (1 << 20) / static_cast<double>(c.engine.memtable_size),
      c.ops, c.warmup_ops, c.value_size, c.threads,
      c.target_ops_per_sec > 0 ? fmt::format("{:.0f} ops/s", c.target_ops_per_sec)
                               : std::string("unthrottled"),
      c.repeat);
  out += fmt::format(
      "Equal memory for every engine: {} memtables x {} = {} of write buffers, block cache {}; "
      "compression {}, bloom {} bits/key, max open files {}, sync {}{}\n",
      c.engine.memtables, Bytes(c.engine.memtable_size), Bytes(write_buffers),
      Bytes(c.engine.block_cache_size), c.engine.compression, c.engine.bloom_bits_per_key,
      c.engine.max_open_files, c.engine.sync ? "on" : "off",
      c.engine.value_threshold >= 0
          ? fmt::format(", value threshold {} B (nokv only)", c.engine.value_threshold)
          : std::string());
  out += fmt::format(
      "Each run: fresh directory under {}, {} process, load then {}timed run; order: for each "
      "workload, for each repeat, every engine in turn\n",
      c.workdir, c.fork ? "own forked" : "shared", c.warmup_ops > 0 ? "warm-up then " : "");
  for (const WorkloadSpec& s : specs) {
    const bool keyed = s.read + s.update + s.scan + s.read_modify_write > 0;
    out += fmt::format("  {:<10} {}{}\n", s.name, s.description,
                       keyed ? fmt::format(" [{}]", DistributionName(s.distribution)) : "");
    if (s.sync) {
      out += fmt::format("  {:<10} {} synced puts per run (at most {:.0f} s)\n", "", c.sync_ops,
                         c.sync_seconds);
    }
  }
  out += "\n";
  return out;
}

std::string FormatTable(const std::vector<BenchResult>& results) {
  const std::vector<Cell> cells = SummarizeCells(results);
  int repeats = 0;
  for (const Cell& c : cells) repeats = std::max(repeats, static_cast<int>(c.runs.size()));
  std::string out = fmt::format(
      "ops/s: median of {} repeat{}; min..max: their spread; latencies, disk, rss, amp: the "
      "median run; not_found, wrong: all repeats (must be 0)\n",
      repeats, repeats == 1 ? "" : "s");
  out += fmt::format(
      "{:<9} {:<10} {:>10} {:>15} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>5} {:>5} {:>8} {:>8} "
      "{:>6} {:>6} {:>10}  {}\n",
      "engine", "workload", "ops/s", "min..max", "spread", "avg_us", "p50_us", "p95_us", "p99_us",
      "p99.9_us", "nf", "wrong", "disk", "rss", "w-amp", "s-amp", "load ops/s", "op mix");
  for (const Cell& c : cells) {
    const BenchResult* r = c.median_run;
    if (r == nullptr) {
      out += fmt::format("{:<9} {:<10} FAILED: {}\n", c.engine, c.workload,
                         c.runs.empty() ? std::string() : c.runs.front()->error);
      continue;
    }
    out += fmt::format(
        "{:<9} {:<10} {:>10.0f} {:>15} {:>5.1f}% {:>9.2f} {:>9.2f} {:>9.2f} {:>9.2f} {:>9.2f} "
        "{:>5} {:>5} {:>8} {:>8} {:>6} {:>6} {:>10.0f}  {}{}\n",
        c.engine, c.workload, c.median, Rate(c.min) + ".." + Rate(c.max), c.SpreadPercent(),
        r->avg_us, r->p50_us, r->p95_us, r->p99_us, r->p999_us, c.not_found, c.wrong,
        Bytes(r->disk_bytes), Bytes(r->peak_rss_bytes), Amp(r->write_amp), Amp(r->space_amp),
        r->load_ops_per_sec, r->OpMixString(),
        c.failed > 0 ? fmt::format("  ({} of {} runs FAILED)", c.failed, c.runs.size()) : "");
  }
  return out + "\n";
}

std::string FormatRatios(const std::vector<BenchResult>& results) {
  const std::vector<Cell> cells = SummarizeCells(results);
  const auto engines = Distinct(cells, [](const Cell& c) { return c.engine; });
  std::vector<std::string> ours, shown;
  bool has_peer = false;
  for (const std::string& e : engines) {
    if (e == kRawSyncEngine) continue;
    shown.push_back(e);
    if (IsNoKvEngine(e)) {
      ours.push_back(e);
    } else {
      has_peer = true;
    }
  }
  if (ours.empty() || !has_peer) return "";
  std::string out = fmt::format("{:<10}", "median");
  for (const std::string& e : shown) out += fmt::format(" {:>11}", e);
  for (const std::string& e : ours) out += fmt::format("   {:<22}", e + " / fastest peer");
  out += "\n";
  for (const std::string& w : Distinct(cells, [](const Cell& c) { return c.workload; })) {
    if (w == kRawSyncWorkload) continue;
    out += fmt::format("{:<10}", w);
    for (const std::string& e : shown) {
      const Cell* c = FindCell(cells, e, w);
      out += (c == nullptr || c->median_run == nullptr) ? fmt::format(" {:>11}", "-")
                                                       : fmt::format(" {:>11.0f}", c->median);
    }
    for (const std::string& e : ours) {
      std::string peer;
      const double ratio = NoKvRatio(results, w, &peer, e);
      out += ratio > 0 ? fmt::format("   {:<22}", fmt::format("{:.2f}x ({})", ratio, peer))
                       : fmt::format("   {:<22}", "-");
    }
    out += "\n";
  }
  return out + "\n";
}

std::string FormatSyncRatios(const std::vector<BenchResult>& results) {
  const std::vector<SyncFigures> sync = SummarizeSync(results);
  if (sync.empty()) return "";
  auto rate = [](double v) { return v > 0 ? fmt::format("{:.0f}", v) : std::string("-"); };
  auto ratio = [](double v) { return v > 0 ? fmt::format("{:.2f}x", v) : std::string("-"); };
  std::string out = fmt::format(
      "Synced puts (medians; raw = append 4 KiB + fdatasync on the same disk, same run)\n"
      "{:<9} {:>12} {:>12} {:>12} {:>8} {:>8}\n",
      "engine", "1w ops/s", "16w ops/s", "raw fsync/s", "16w/1w", "1w/raw");
  for (const SyncFigures& f : sync) {
    out += fmt::format("{:<9} {:>12} {:>12} {:>12} {:>8} {:>8}\n", f.engine,
                       rate(f.one_writer), rate(f.sixteen_writers), rate(f.raw),
                       ratio(f.ratio_16w_1w), ratio(f.ratio_1w_raw));
  }
  return out + "\n";
}

std::string FormatSettings(const std::vector<BenchResult>& results) {
  std::string out;
  const std::vector<Cell> cells = SummarizeCells(results);
  for (const std::string& e : Distinct(cells, [](const Cell& c) { return c.engine; })) {
    for (const BenchResult& r : results) {
      if (r.engine == e && !r.settings.empty()) {
        out += fmt::format("{:<9} {}\n", e + ":", r.settings);
        break;
      }
    }
  }
  return out.empty() ? out : "Engine settings:\n" + out + "\n";
}

std::string FormatBytesWritten(const std::vector<BenchResult>& results) {
  std::string out;
  for (const Cell& c : SummarizeCells(results)) {
    const BenchResult* r = c.median_run;
    if (r == nullptr || r->bytes_written < 0) continue;
    out += fmt::format("{:<9} {:<10} {} = {} for {} of user writes (w-amp {})\n", c.engine,
                       c.workload, r->bytes_written_sources,
                       Bytes(static_cast<uint64_t>(r->bytes_written)), Bytes(r->user_bytes),
                       Amp(r->write_amp));
  }
  return out.empty() ? out
                     : "Bytes written (median run; w-amp = all bytes written / user key+value "
                       "bytes, s-amp = disk bytes after close / live key+value bytes):\n" +
                           out + "\n";
}

}  // namespace nokv::bench
