// Text, JSON, CSV and SVG renderings of benchmark results.
#include "bench/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

namespace nokv::bench {
namespace {

std::string Bytes(uint64_t b) {
  if (b >= (1ull << 30)) return fmt::format("{:.2f}G", static_cast<double>(b) / (1ull << 30));
  if (b >= (1ull << 20)) return fmt::format("{:.1f}M", static_cast<double>(b) / (1ull << 20));
  if (b >= (1ull << 10)) return fmt::format("{:.1f}K", static_cast<double>(b) / (1ull << 10));
  return fmt::format("{}B", b);
}

std::string Amp(double a) { return a < 0 ? "-" : fmt::format("{:.2f}", a); }

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

// JSON has no NaN/inf; amplification "not reported" is null.
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

// Distinct values in first-seen order.
template <typename F>
std::vector<std::string> Distinct(const std::vector<BenchResult>& results, F field) {
  std::vector<std::string> out;
  for (const BenchResult& r : results) {
    if (std::find(out.begin(), out.end(), field(r)) == out.end()) out.push_back(field(r));
  }
  return out;
}

const BenchResult* Find(const std::vector<BenchResult>& results, const std::string& engine,
                        const std::string& workload) {
  for (const BenchResult& r : results) {
    if (r.engine == engine && r.workload == workload) return &r;
  }
  return nullptr;
}

}  // namespace

std::string FormatHeader(const BenchConfig& c, const std::vector<WorkloadSpec>& specs) {
  std::string out;
  out += fmt::format(
      "NoKV bench: records {}, ops {}, warm-up ops {}, value {} B (one field), keys \"user\" + "
      "FNV-64 hash (~23 B), threads {}, target {}\n",
      c.records, c.ops, c.warmup_ops, c.value_size, c.threads,
      c.target_ops_per_sec > 0 ? fmt::format("{:.0f} ops/s", c.target_ops_per_sec)
                               : std::string("unthrottled"));
  out += fmt::format(
      "Engines configured alike: memtable {} MiB, block cache {} MiB, compression {}, bloom {} "
      "bits/key, max open files {}, sync {}{}\n",
      c.engine.memtable_size >> 20, c.engine.block_cache_size >> 20, c.engine.compression,
      c.engine.bloom_bits_per_key, c.engine.max_open_files, c.engine.sync ? "on" : "off",
      c.engine.value_threshold >= 0
          ? fmt::format(", value threshold {} B (nokv only)", c.engine.value_threshold)
          : std::string());
  out += fmt::format("Each run: fresh directory under {}, {} process, load then {}timed run\n",
                     c.workdir, c.fork ? "own forked" : "shared",
                     c.warmup_ops > 0 ? "warm-up then " : "");
  for (const WorkloadSpec& s : specs) {
    const bool keyed = s.read + s.update + s.scan + s.read_modify_write > 0;
    out += fmt::format("  {:<10} {}{}\n", s.name, s.description,
                       keyed ? fmt::format(" [{}]", DistributionName(s.distribution)) : "");
  }
  out += "\n";
  return out;
}

std::string FormatTable(const std::vector<BenchResult>& results) {
  std::string out = fmt::format(
      "{:<8} {:<10} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>6} {:>6} {:>11}  {}\n",
      "engine", "workload", "ops/s", "avg_us", "p50_us", "p95_us", "p99_us", "p99.9_us", "disk",
      "rss", "w-amp", "s-amp", "load ops/s", "op mix");
  for (const BenchResult& r : results) {
    if (!r.error.empty()) {
      out += fmt::format("{:<8} {:<10} FAILED: {}\n", r.engine, r.workload, r.error);
      continue;
    }
    out += fmt::format(
        "{:<8} {:<10} {:>11.0f} {:>9.2f} {:>9.2f} {:>9.2f} {:>9.2f} {:>9.2f} {:>8} {:>8} {:>6} "
        "{:>6} {:>11.0f}  {}\n",
        r.engine, r.workload, r.ops_per_sec, r.avg_us, r.p50_us, r.p95_us, r.p99_us, r.p999_us,
        Bytes(r.disk_bytes), Bytes(r.peak_rss_bytes), Amp(r.write_amp), Amp(r.space_amp),
        r.load_ops_per_sec, r.OpMixString());
  }
  return out + "\n";
}

bool IsNoKvEngine(const std::string& engine) { return engine.rfind("nokv", 0) == 0; }

double NoKvRatio(const std::vector<BenchResult>& results, const std::string& workload,
                 std::string* best_peer, const std::string& engine) {
  const BenchResult* ours = Find(results, engine, workload);
  if (ours == nullptr || !ours->error.empty()) return 0;
  double best = 0;
  for (const BenchResult& r : results) {
    if (r.workload != workload || IsNoKvEngine(r.engine) || !r.error.empty()) continue;
    if (r.ops_per_sec > best) {
      best = r.ops_per_sec;
      if (best_peer != nullptr) *best_peer = r.engine;
    }
  }
  return best > 0 ? ours->ops_per_sec / best : 0;
}

std::string FormatRatios(const std::vector<BenchResult>& results) {
  const auto engines = Distinct(results, [](const BenchResult& r) { return r.engine; });
  const auto workloads = Distinct(results, [](const BenchResult& r) { return r.workload; });
  std::vector<std::string> ours;
  bool has_peer = false;
  for (const std::string& e : engines) {
    if (IsNoKvEngine(e)) {
      ours.push_back(e);
    } else {
      has_peer = true;
    }
  }
  if (ours.empty() || !has_peer) return "";
  std::string out = fmt::format("{:<10}", "ops/s");
  for (const std::string& e : engines) out += fmt::format(" {:>11}", e);
  for (const std::string& e : ours) out += fmt::format("   {:<22}", e + " / fastest peer");
  out += "\n";
  for (const std::string& w : workloads) {
    out += fmt::format("{:<10}", w);
    for (const std::string& e : engines) {
      const BenchResult* r = Find(results, e, w);
      out += (r == nullptr || !r->error.empty()) ? fmt::format(" {:>11}", "-")
                                                 : fmt::format(" {:>11.0f}", r->ops_per_sec);
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

std::string FormatSettings(const std::vector<BenchResult>& results) {
  std::string out;
  for (const std::string& e : Distinct(results, [](const BenchResult& r) { return r.engine; })) {
    for (const BenchResult& r : results) {
      if (r.engine == e && !r.settings.empty()) {
        out += fmt::format("{:<8} {}\n", e + ":", r.settings);
        break;
      }
    }
  }
  return out.empty() ? out : "Engine settings:\n" + out + "\n";
}

std::string FormatJson(const std::vector<BenchResult>& results) {
  std::string out = "[";
  for (size_t i = 0; i < results.size(); ++i) {
    const BenchResult& r = results[i];
    out += i == 0 ? "\n" : ",\n";
    out += "  {";
    out += fmt::format("\"engine\": {}, \"workload\": {}, ", JsonString(r.engine),
                       JsonString(r.workload));
    out += fmt::format("\"ok\": {}, \"error\": {}, ", r.error.empty() ? "true" : "false",
                       JsonString(r.error));
    out += fmt::format("\"records\": {}, \"ops\": {}, \"threads\": {}, \"seconds\": {}, ", r.records,
                       r.ops, r.threads, JsonNumber(r.seconds));
    out += fmt::format(
        "\"ops_per_sec\": {}, \"avg_us\": {}, \"p50_us\": {}, \"p95_us\": {}, \"p99_us\": {}, "
        "\"p999_us\": {}, \"max_us\": {}, ",
        JsonNumber(r.ops_per_sec), JsonNumber(r.avg_us), JsonNumber(r.p50_us),
        JsonNumber(r.p95_us), JsonNumber(r.p99_us), JsonNumber(r.p999_us), JsonNumber(r.max_us));
    out += fmt::format("\"load_seconds\": {}, \"load_ops_per_sec\": {}, ",
                       JsonNumber(r.load_seconds), JsonNumber(r.load_ops_per_sec));
    out += fmt::format(
        "\"not_found\": {}, \"scanned\": {}, \"peak_rss_bytes\": {}, \"disk_bytes\": {}, "
        "\"user_bytes\": {}, \"live_bytes\": {}, \"write_amp\": {}, \"space_amp\": {}, ",
        r.not_found, r.scanned, r.peak_rss_bytes, r.disk_bytes, r.user_bytes, r.live_bytes,
        JsonAmp(r.write_amp), JsonAmp(r.space_amp));
    if (IsNoKvEngine(r.engine)) {
      std::string peer;
      const double ratio = NoKvRatio(results, r.workload, &peer, r.engine);
      if (ratio > 0) {
        out += fmt::format("\"ratio_to_fastest_peer\": {}, \"fastest_peer\": {}, ",
                           JsonNumber(ratio), JsonString(peer));
      }
    }
    out += "\"op_mix\": {";
    for (size_t j = 0; j < r.op_mix.size(); ++j) {
      const OpResult& o = r.op_mix[j];
      out += fmt::format("{}{}: {{\"count\": {}, \"avg_us\": {}, \"p50_us\": {}, \"p99_us\": {}}}",
                         j == 0 ? "" : ", ", JsonString(o.op), o.count, JsonNumber(o.avg_us),
                         JsonNumber(o.p50_us), JsonNumber(o.p99_us));
    }
    out += "}, ";
    out += fmt::format("\"settings\": {}}}", JsonString(r.settings));
  }
  out += results.empty() ? "]\n" : "\n]\n";
  return out;
}

std::string FormatCsv(const std::vector<BenchResult>& results) {
  std::string out =
      "engine,workload,ok,records,ops,threads,seconds,ops_per_sec,avg_us,p50_us,p95_us,p99_us,"
      "p999_us,max_us,load_ops_per_sec,not_found,peak_rss_bytes,disk_bytes,write_amp,space_amp,"
      "op_mix,error\n";
  for (const BenchResult& r : results) {
    out += fmt::format(
        "{},{},{},{},{},{},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{},{},{},"
        "{},{},{},{}\n",
        CsvField(r.engine), CsvField(r.workload), r.error.empty() ? 1 : 0, r.records, r.ops,
        r.threads, r.seconds, r.ops_per_sec, r.avg_us, r.p50_us, r.p95_us, r.p99_us, r.p999_us,
        r.max_us, r.load_ops_per_sec, r.not_found, r.peak_rss_bytes, r.disk_bytes,
        r.write_amp < 0 ? "" : fmt::format("{:.3f}", r.write_amp),
        r.space_amp < 0 ? "" : fmt::format("{:.3f}", r.space_amp), CsvField(r.OpMixString()),
        CsvField(r.error));
  }
  return out;
}

std::string FormatSvg(const std::vector<BenchResult>& results) {
  const auto engines = Distinct(results, [](const BenchResult& r) { return r.engine; });
  const auto workloads = Distinct(results, [](const BenchResult& r) { return r.workload; });
  static const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"};
  double max_ops = 1;
  for (const BenchResult& r : results) max_ops = std::max(max_ops, r.ops_per_sec);
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
      "<text x=\"{:.0f}\" y=\"20\" font-size=\"14\">ops/s per workload (higher is better)</text>\n",
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
      const BenchResult* r = Find(results, engines[e], workloads[w]);
      if (r == nullptr || !r->error.empty()) continue;
      const double h = plot_h * r->ops_per_sec / axis;
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.0f}\" height=\"{:.1f}\" fill=\"{}\">"
          "<title>{} {}: {:.0f} ops/s</title></rect>\n",
          gx + bar_w * static_cast<double>(e), top + plot_h - h, bar_w - 2, h,
          kColors[e % std::size(kColors)], XmlEscape(engines[e]), XmlEscape(workloads[w]),
          r->ops_per_sec);
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
