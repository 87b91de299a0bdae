// JSON, CSV and SVG renderings of benchmark results.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "bench/report.h"

namespace nokv::bench {
namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// JSON has no NaN/inf; "not reported" (negative) is null.
std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.3f}", v);
}
std::string JsonAmp(double v) { return v < 0 ? "null" : JsonNumber(v); }

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string JsonResult(const BenchResult& r) {
  std::string out = "{";
  out += fmt::format("\"engine\": {}, \"workload\": {}, \"repeat\": {}, ", JsonString(r.engine),
                     JsonString(r.workload), r.repeat);
  out += fmt::format("\"ok\": {}, \"error\": {}, ", r.ok() ? "true" : "false",
                     JsonString(r.error));
  out += fmt::format("\"records\": {}, \"ops\": {}, \"threads\": {}, \"seconds\": {}, ", r.records,
                     r.ops, r.threads, JsonNumber(r.seconds));
  out += fmt::format(
      "\"ops_per_sec\": {}, \"avg_us\": {}, \"p50_us\": {}, \"p95_us\": {}, \"p99_us\": {}, "
      "\"p999_us\": {}, \"max_us\": {}, ",
      JsonNumber(r.ops_per_sec), JsonNumber(r.avg_us), JsonNumber(r.p50_us), JsonNumber(r.p95_us),
      JsonNumber(r.p99_us), JsonNumber(r.p999_us), JsonNumber(r.max_us));
  out += fmt::format("\"load_seconds\": {}, \"load_ops_per_sec\": {}, ", JsonNumber(r.load_seconds),
                     JsonNumber(r.load_ops_per_sec));
  out += fmt::format(
      "\"not_found\": {}, \"wrong\": {}, \"checked\": {}, \"scanned\": {}, \"peak_rss_bytes\": {}, "
      "\"disk_bytes\": {}, \"user_bytes\": {}, \"live_bytes\": {}, \"bytes_written\": {}, "
      "\"bytes_written_sources\": {}, \"write_amp\": {}, \"space_amp\": {}, ",
      r.not_found, r.wrong, r.checked, r.scanned, r.peak_rss_bytes, r.disk_bytes, r.user_bytes,
      r.live_bytes, JsonAmp(r.bytes_written), JsonString(r.bytes_written_sources),
      JsonAmp(r.write_amp), JsonAmp(r.space_amp));
  out += "\"op_mix\": {";
  for (size_t j = 0; j < r.op_mix.size(); ++j) {
    const OpResult& o = r.op_mix[j];
    out += fmt::format("{}{}: {{\"count\": {}, \"avg_us\": {}, \"p50_us\": {}, \"p99_us\": {}}}",
                       j == 0 ? "" : ", ", JsonString(o.op), o.count, JsonNumber(o.avg_us),
                       JsonNumber(o.p50_us), JsonNumber(o.p99_us));
  }
  out += "}, ";
  out += fmt::format("\"settings\": {}}}", JsonString(r.settings));
  return out;
}

}  // namespace

std::string FormatJson(const BenchConfig& config, const std::vector<BenchResult>& results) {
  std::string out = fmt::format(
      "{{\"repeat\": {}, \"records\": {}, \"ops\": {}, \"value_size\": {}, \"threads\": {}, "
      "\"memtables\": {}, \"memtable_size\": {}, \"block_cache_size\": {},\n\"results\": [",
      config.repeat, config.records, config.ops, config.value_size, config.threads,
      config.engine.memtables, config.engine.memtable_size, config.engine.block_cache_size);
  for (size_t i = 0; i < results.size(); ++i) {
    out += i == 0 ? "\n  " : ",\n  ";
    out += JsonResult(results[i]);
  }
  out += results.empty() ? "],\n\"cells\": [" : "\n],\n\"cells\": [";
  const std::vector<Cell> cells = SummarizeCells(results);
  for (size_t i = 0; i < cells.size(); ++i) {
    const Cell& c = cells[i];
    out += i == 0 ? "\n  " : ",\n  ";
    out += fmt::format(
        "{{\"engine\": {}, \"workload\": {}, \"ok\": {}, \"repeats\": {}, \"failed\": {}, "
        "\"not_found\": {}, \"wrong\": {}, \"median_ops_per_sec\": {}, \"min_ops_per_sec\": {}, "
        "\"max_ops_per_sec\": {}, \"spread_percent\": {}",
        JsonString(c.engine), JsonString(c.workload), c.ok() ? "true" : "false", c.runs.size(),
        c.failed, c.not_found, c.wrong, JsonNumber(c.median), JsonNumber(c.min),
        JsonNumber(c.max), JsonNumber(c.SpreadPercent()));
    if (c.median_run != nullptr) {
      out += fmt::format(", \"median_repeat\": {}", c.median_run->repeat);
    }
    if (IsNoKvEngine(c.engine)) {
      std::string peer;
      const double ratio = NoKvRatio(results, c.workload, &peer, c.engine);
      if (ratio > 0) {
        out += fmt::format(", \"ratio_to_fastest_peer\": {}, \"fastest_peer\": {}",
                           JsonNumber(ratio), JsonString(peer));
      }
    }
    out += "}";
  }
  out += cells.empty() ? "],\n\"sync\": [" : "\n],\n\"sync\": [";
  const std::vector<SyncFigures> sync = SummarizeSync(results);
  for (size_t i = 0; i < sync.size(); ++i) {
    const SyncFigures& f = sync[i];
    out += i == 0 ? "\n  " : ",\n  ";
    out += fmt::format(
        "{{\"engine\": {}, \"sync_1w_ops_per_sec\": {}, \"sync_16w_ops_per_sec\": {}, "
        "\"raw_fdatasync_per_sec\": {}, \"ratio_16w_1w\": {}, \"ratio_1w_raw\": {}}}",
        JsonString(f.engine), JsonNumber(f.one_writer), JsonNumber(f.sixteen_writers),
        JsonNumber(f.raw), JsonNumber(f.ratio_16w_1w), JsonNumber(f.ratio_1w_raw));
  }
  out += sync.empty() ? "]}\n" : "\n]}\n";
  return out;
}

std::string FormatCsv(const std::vector<BenchResult>& results) {
  const std::vector<Cell> cells = SummarizeCells(results);
  std::string out =
      "engine,workload,repeat,ok,records,ops,threads,seconds,ops_per_sec,median_ops_per_sec,"
      "min_ops_per_sec,max_ops_per_sec,avg_us,p50_us,p95_us,p99_us,p999_us,max_us,"
      "load_ops_per_sec,not_found,wrong,peak_rss_bytes,disk_bytes,bytes_written,write_amp,"
      "space_amp,op_mix,error\n";
  for (const BenchResult& r : results) {
    const Cell* c = FindCell(cells, r.engine, r.workload);
    out += fmt::format(
        "{},{},{},{},{},{},{},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},"
        "{:.3f},{:.3f},{:.3f},{},{},{},{},{},{},{},{},{}\n",
        CsvField(r.engine), CsvField(r.workload), r.repeat, r.ok() ? 1 : 0, r.records, r.ops,
        r.threads, r.seconds, r.ops_per_sec, c->median, c->min, c->max, r.avg_us, r.p50_us,
        r.p95_us, r.p99_us, r.p999_us, r.max_us, r.load_ops_per_sec, r.not_found, r.wrong,
        r.peak_rss_bytes, r.disk_bytes,
        r.bytes_written < 0 ? "" : fmt::format("{:.0f}", r.bytes_written),
        r.write_amp < 0 ? "" : fmt::format("{:.3f}", r.write_amp),
        r.space_amp < 0 ? "" : fmt::format("{:.3f}", r.space_amp), CsvField(r.OpMixString()),
        CsvField(r.error));
  }
  return out;
}

std::string FormatSvg(const std::vector<BenchResult>& results) {
  // Bars are cell medians; the raw fdatasync probe has no place among engines.
  std::vector<Cell> cells = SummarizeCells(results);
  cells.erase(std::remove_if(cells.begin(), cells.end(),
                             [](const Cell& c) { return c.engine == kRawSyncEngine; }),
              cells.end());
  std::vector<std::string> engines, workloads;
  for (const Cell& c : cells) {
    if (std::find(engines.begin(), engines.end(), c.engine) == engines.end()) {
      engines.push_back(c.engine);
    }
    if (std::find(workloads.begin(), workloads.end(), c.workload) == workloads.end()) {
      workloads.push_back(c.workload);
    }
  }
  static const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"};
  double max_ops = 1;
  for (const Cell& c : cells) max_ops = std::max(max_ops, c.median);
  // Round the axis up to 1, 2 or 5 times a power of ten.
  const double mag = std::pow(10.0, std::floor(std::log10(max_ops)));
  double axis = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= max_ops) {
      axis = m * mag;
      break;
    }
  }
  const double bar_w = 18, gap = 24, left = 80, top = 40, plot_h = 300;
  const double group_w = bar_w * static_cast<double>(engines.size()) + gap;
  const double width = left + group_w * static_cast<double>(workloads.size()) + 20;
  const double height = top + plot_h + 70;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n",
      width, height);
  out += fmt::format("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
  out += fmt::format(
      "<text x=\"{:.0f}\" y=\"20\" font-size=\"14\">median ops/s per workload (higher is better)</text>\n",
      left);
  for (int i = 0; i <= 5; ++i) {
    const double v = axis * i / 5;
    const double y = top + plot_h - plot_h * i / 5;
    out += fmt::format(
        "<line x1=\"{:.0f}\" y1=\"{:.1f}\" x2=\"{:.0f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n"
        "<text x=\"{:.0f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.0f}</text>\n",
        left, y, width - 20, y, left - 6, y + 4, v);
  }
  for (size_t w = 0; w < workloads.size(); ++w) {
    const double gx = left + gap / 2 + group_w * static_cast<double>(w);
    for (size_t e = 0; e < engines.size(); ++e) {
      const Cell* c = FindCell(cells, engines[e], workloads[w]);
      if (c == nullptr || c->median_run == nullptr) continue;
      const double h = plot_h * c->median / axis;
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.0f}\" height=\"{:.1f}\" fill=\"{}\">"
          "<title>{} {}: {:.0f} ops/s (median; {:.0f}..{:.0f})</title></rect>\n",
          gx + bar_w * static_cast<double>(e), top + plot_h - h, bar_w - 2, h,
          kColors[e % std::size(kColors)], XmlEscape(engines[e]), XmlEscape(workloads[w]),
          c->median, c->min, c->max);
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.0f}\" text-anchor=\"middle\">{}</text>\n",
                       gx + bar_w * static_cast<double>(engines.size()) / 2, top + plot_h + 16,
                       XmlEscape(workloads[w]));
  }
  for (size_t e = 0; e < engines.size(); ++e) {
    const double x = left + 90 * static_cast<double>(e);
    const double y = top + plot_h + 40;
    out += fmt::format(
        "<rect x=\"{:.0f}\" y=\"{:.0f}\" width=\"12\" height=\"12\" fill=\"{}\"/>"
        "<text x=\"{:.0f}\" y=\"{:.0f}\">{}</text>\n",
        x, y, kColors[e % std::size(kColors)], x + 16, y + 10, XmlEscape(engines[e]));
  }
  out += "</svg>\n";
  return out;
}

std::string SvgPathFor(const BenchConfig& config) {
  const std::string& base = !config.json_path.empty() ? config.json_path : config.csv_path;
  if (base.empty()) return config.workdir + "/bench.svg";
  return std::filesystem::path(base).replace_extension(".svg").string();
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) return Status::IOError("cannot write " + path);
  return Status::OK();
}

}  // namespace nokv::bench
