// nokv-pd-tool: a small PD client for scripts, tests and measurement.
//   nokv-pd-tool tso   --pd ADDR [-n N] [--after TS]   print N timestamps' first and last;
//                                                      exit 1 unless all are > TS
//   nokv-pd-tool id    --pd ADDR [-n N]                print N fresh ids
//   nokv-pd-tool bench --pd ADDR [--threads 64] [--seconds 5] [--no-batch]
//                                                      TSO requests/s from concurrent callers
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "pd/pd_client.h"

namespace {

std::unique_ptr<nokv::pd::PdClient> Connect(const std::string& endpoints, bool batch) {
  nokv::pd::PdClientOptions o;
  size_t start = 0;
  while (start <= endpoints.size()) {
    const size_t comma = endpoints.find(',', start);
    const std::string e =
        endpoints.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!e.empty()) o.endpoints.push_back(e);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  o.batch_tso = batch;
  auto client = nokv::pd::PdClient::Create(o);
  if (!client.ok()) {
    fmt::print(stderr, "nokv-pd-tool: {}\n", client.status().ToString());
    return nullptr;
  }
  return std::move(client).value();
}

int RunTso(const std::string& pd, int n, uint64_t after) {
  auto client = Connect(pd, true);
  if (!client) return 2;
  uint64_t first = 0, last = 0;
  for (int i = 0; i < n; ++i) {
    nokv::Result<uint64_t> ts = client->GetTimestamp();
    if (!ts.ok()) {
      fmt::print(stderr, "nokv-pd-tool: tso: {}\n", ts.status().ToString());
      return 1;
    }
    if (*ts <= last || *ts <= after) {
      fmt::print(stderr, "nokv-pd-tool: tso went backwards: {} after {} (floor {})\n", *ts, last,
                 after);
      return 1;
    }
    if (i == 0) first = *ts;
    last = *ts;
  }
  fmt::print("first {}\nlast {}\n", first, last);
  return 0;
}

int RunId(const std::string& pd, int n) {
  auto client = Connect(pd, true);
  if (!client) return 2;
  for (int i = 0; i < n; ++i) {
    nokv::Result<uint64_t> id = client->AllocID();
    if (!id.ok()) {
      fmt::print(stderr, "nokv-pd-tool: id: {}\n", id.status().ToString());
      return 1;
    }
    fmt::print("{}\n", *id);
  }
  return 0;
}

int RunBench(const std::string& pd, int threads, double seconds, bool batch) {
  auto client = Connect(pd, batch);
  if (!client) return 2;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0}, errors{0};
  std::vector<std::thread> workers;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      uint64_t last = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        nokv::Result<uint64_t> ts = client->GetTimestamp();
        if (!ts.ok() || *ts <= last) {
          errors.fetch_add(1);
          continue;
        }
        last = *ts;
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("tso bench: threads={} batching={} seconds={:.1f} requests={} errors={} "
             "requests/s={:.0f}\n",
             threads, batch ? "on" : "off", elapsed, done.load(), errors.load(),
             done.load() / elapsed);
  return errors.load() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("nokv-pd-tool: a small PD client (timestamps, ids, TSO benchmark)",
               "nokv-pd-tool");
  app.require_subcommand(1);
  std::string pd = "127.0.0.1:2379";
  int n = 1, threads = 64;
  uint64_t after = 0;
  double seconds = 5;
  bool no_batch = false;
  CLI::App* tso = app.add_subcommand("tso", "Fetch timestamps; fail unless increasing and > --after");
  CLI::App* id = app.add_subcommand("id", "Allocate ids");
  CLI::App* bench = app.add_subcommand("bench", "TSO requests/s from concurrent callers");
  for (CLI::App* sub : {tso, id, bench}) {
    sub->add_option("--pd", pd, "PD endpoints, comma separated")->capture_default_str();
  }
  tso->add_option("-n", n, "How many")->check(CLI::Range(1, 100000000));
  tso->add_option("--after", after, "Every timestamp must be greater than this");
  id->add_option("-n", n, "How many")->check(CLI::Range(1, 100000000));
  bench->add_option("--threads", threads, "Concurrent callers")->check(CLI::Range(1, 4096))
      ->capture_default_str();
  bench->add_option("--seconds", seconds, "Measurement time")->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  bench->add_flag("--no-batch", no_batch, "One stream message per request (no batching)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (tso->parsed()) return RunTso(pd, n, after);
  if (id->parsed()) return RunId(pd, n);
  return RunBench(pd, threads, seconds, !no_batch);
}
