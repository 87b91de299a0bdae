// BenchResult helpers: the op-mix string and the child-to-parent encoding.
#include "bench/result.h"

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>

namespace nokv::bench {

std::string BenchResult::OpMixString() const {
  uint64_t total = 0;
  for (const OpResult& o : op_mix) total += o.count;
  std::string out;
  for (const OpResult& o : op_mix) {
    if (o.count == 0) continue;
    if (!out.empty()) out += ' ';
    out += fmt::format("{} {:.1f}%", o.op, 100.0 * static_cast<double>(o.count) /
                                               static_cast<double>(total));
  }
  return out;
}

namespace {

// Newlines would break the line format; they never occur in values we write
// except error text, which gets them flattened.
std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

std::string SerializeResult(const BenchResult& r) {
  std::string out;
  auto put = [&out](const char* key, const auto& value) {
    out += fmt::format("{}={}\n", key, value);
  };
  put("engine", r.engine);
  put("workload", r.workload);
  put("repeat", r.repeat);
  put("error", OneLine(r.error));
  put("settings", OneLine(r.settings));
  put("records", r.records);
  put("ops", r.ops);
  put("threads", r.threads);
  put("seconds", r.seconds);
  put("ops_per_sec", r.ops_per_sec);
  put("avg_us", r.avg_us);
  put("p50_us", r.p50_us);
  put("p95_us", r.p95_us);
  put("p99_us", r.p99_us);
  put("p999_us", r.p999_us);
  put("max_us", r.max_us);
  put("load_seconds", r.load_seconds);
  put("load_ops_per_sec", r.load_ops_per_sec);
  put("not_found", r.not_found);
  put("wrong", r.wrong);
  put("checked", r.checked);
  put("bytes_written", r.bytes_written);
  put("bytes_written_sources", OneLine(r.bytes_written_sources));
  put("scanned", r.scanned);
  put("peak_rss_bytes", r.peak_rss_bytes);
  put("disk_bytes", r.disk_bytes);
  put("user_bytes", r.user_bytes);
  put("live_bytes", r.live_bytes);
  put("write_amp", r.write_amp);
  put("space_amp", r.space_amp);
  for (const OpResult& o : r.op_mix) {
    out += fmt::format("op={} {} {} {} {}\n", o.op, o.count, o.avg_us, o.p50_us, o.p99_us);
  }
  return out;
}

bool ParseResult(const std::string& text, BenchResult* r) {
  std::istringstream in(text);
  std::string line;
  bool any = false;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string v = line.substr(eq + 1);
    const char* c = v.c_str();
    any = true;
    if (key == "engine") r->engine = v;
    else if (key == "workload") r->workload = v;
    else if (key == "repeat") r->repeat = std::atoi(c);
    else if (key == "error") r->error = v;
    else if (key == "settings") r->settings = v;
    else if (key == "records") r->records = std::strtoull(c, nullptr, 10);
    else if (key == "ops") r->ops = std::strtoull(c, nullptr, 10);
    else if (key == "threads") r->threads = std::atoi(c);
    else if (key == "seconds") r->seconds = std::strtod(c, nullptr);
    else if (key == "ops_per_sec") r->ops_per_sec = std::strtod(c, nullptr);
    else if (key == "avg_us") r->avg_us = std::strtod(c, nullptr);
    else if (key == "p50_us") r->p50_us = std::strtod(c, nullptr);
    else if (key == "p95_us") r->p95_us = std::strtod(c, nullptr);
    else if (key == "p99_us") r->p99_us = std::strtod(c, nullptr);
    else if (key == "p999_us") r->p999_us = std::strtod(c, nullptr);
    else if (key == "max_us") r->max_us = std::strtod(c, nullptr);
    else if (key == "load_seconds") r->load_seconds = std::strtod(c, nullptr);
    else if (key == "load_ops_per_sec") r->load_ops_per_sec = std::strtod(c, nullptr);
    else if (key == "not_found") r->not_found = std::strtoull(c, nullptr, 10);
    else if (key == "wrong") r->wrong = std::strtoull(c, nullptr, 10);
    else if (key == "checked") r->checked = std::strtoull(c, nullptr, 10);
    else if (key == "bytes_written") r->bytes_written = std::strtod(c, nullptr);
    else if (key == "bytes_written_sources") r->bytes_written_sources = v;
    else if (key == "scanned") r->scanned = std::strtoull(c, nullptr, 10);
    else if (key == "peak_rss_bytes") r->peak_rss_bytes = std::strtoull(c, nullptr, 10);
    else if (key == "disk_bytes") r->disk_bytes = std::strtoull(c, nullptr, 10);
    else if (key == "user_bytes") r->user_bytes = std::strtoull(c, nullptr, 10);
    else if (key == "live_bytes") r->live_bytes = std::strtoull(c, nullptr, 10);
    else if (key == "write_amp") r->write_amp = std::strtod(c, nullptr);
    else if (key == "space_amp") r->space_amp = std::strtod(c, nullptr);
    else if (key == "op") {
      OpResult o;
      std::istringstream fields(v);
      fields >> o.op >> o.count >> o.avg_us >> o.p50_us >> o.p99_us;
      r->op_mix.push_back(o);
    }
  }
  return any && !r->engine.empty();
}

}  // namespace nokv::bench
