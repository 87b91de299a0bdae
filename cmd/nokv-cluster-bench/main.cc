// nokv-cluster-bench: drives a store cluster through lib/client.
//   load    writes unique keys from N threads until SIGTERM/SIGINT or
//           --duration; every acknowledged write is appended to --ack-file
//           ("key<TAB>value" lines), so a checker knows what must survive.
//   verify  reads every key of --ack-file back (and scans the whole
//           keyspace); exit 1 if any is missing or differs.
//   bench   put or get throughput and latency percentiles with N clients,
//           against the cluster or (--embedded DIR) the embedded engine.
//   probe   one write every --interval-ms to one key; prints the unix ms of
//           each success, for failover timing.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/raw_kv_client.h"
#include "nokv/db.h"

namespace {

using Clock = std::chrono::steady_clock;
std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<nokv::client::RawKvClient> Connect(const std::string& pd, int timeout_ms) {
  nokv::client::RawKvClientOptions o;
  o.pd_endpoints = {pd};
  o.request_timeout_ms = timeout_ms;
  o.rpc_timeout_ms = std::min(o.rpc_timeout_ms, timeout_ms);
  auto c = nokv::client::RawKvClient::Create(o);
  if (!c.ok()) {
    std::cerr << "nokv-cluster-bench: " << c.status().ToString() << "\n";
    std::exit(1);
  }
  return std::move(c.value());
}

// Keys spread over the keyspace: the first letter cycles a..z.
std::string KeyFor(int thread, uint64_t seq) {
  char buf[48];
  snprintf(buf, sizeof(buf), "%c-%02d-%08llu", 'a' + static_cast<int>(seq % 26), thread,
           static_cast<unsigned long long>(seq));
  return buf;
}

struct LoadFlags {
  std::string pd, ack_file;
  int threads = 4, duration_ms = 0, timeout_ms = 10000;
};

int Load(const LoadFlags& f) {
  auto client = Connect(f.pd, f.timeout_ms);
  std::FILE* ack = std::fopen(f.ack_file.c_str(), "a");
  if (ack == nullptr) {
    std::cerr << "nokv-cluster-bench: cannot open " << f.ack_file << "\n";
    return 1;
  }
  std::mutex ack_mu;
  std::atomic<uint64_t> acked{0}, failed{0};
  const auto end = Clock::now() + std::chrono::milliseconds(f.duration_ms);
  std::vector<std::thread> threads;
  for (int t = 0; t < f.threads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t seq = 0; !g_stop.load(); ++seq) {
        if (f.duration_ms > 0 && Clock::now() >= end) break;
        const std::string key = KeyFor(t, seq);
        const std::string value = "v" + std::to_string(UnixMs()) + "-" + key;
        nokv::Status s = client->Put(key, value);
        if (!s.ok()) {
          if (failed.fetch_add(1) % 50 == 0) std::cerr << "put " << key << ": " << s.ToString() << "\n";
          continue;
        }
        std::lock_guard<std::mutex> l(ack_mu);
        std::fprintf(ack, "%s\t%s\n", key.c_str(), value.c_str());
        std::fflush(ack);
        acked.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::fclose(ack);
  const nokv::client::ClientStats st = client->Stats();
  std::printf("acked %llu failed %llu (rpcs %llu, retries %llu, not_leader %llu, rpc failures %llu)\n",
              static_cast<unsigned long long>(acked.load()),
              static_cast<unsigned long long>(failed.load()),
              static_cast<unsigned long long>(st.rpcs), static_cast<unsigned long long>(st.retries),
              static_cast<unsigned long long>(st.not_leader),
              static_cast<unsigned long long>(st.rpc_failures));
  return 0;
}

int Verify(const std::string& pd, const std::string& ack_file, int timeout_ms) {
  std::ifstream in(ack_file);
  std::map<std::string, std::string> want;
  std::string line;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    want[line.substr(0, tab)] = line.substr(tab + 1);
  }
  auto client = Connect(pd, timeout_ms);
  uint64_t missing = 0, wrong = 0, errors = 0;
  for (const auto& [k, v] : want) {
    std::string got;
    nokv::Status s = client->Get(k, &got);
    if (s.IsNotFound()) {
      if (missing++ < 10) std::cerr << "MISSING " << k << "\n";
    } else if (!s.ok()) {
      if (errors++ < 10) std::cerr << "ERROR " << k << ": " << s.ToString() << "\n";
    } else if (got != v) {
      if (wrong++ < 10) std::cerr << "WRONG " << k << ": " << got << " != " << v << "\n";
    }
  }
  // The same keys through a scan across every region.
  nokv::client::KvPairs all;
  nokv::Status s = client->Scan("", "", want.size() * 2 + 1000, &all);
  uint64_t scanned_hits = 0;
  if (s.ok()) {
    for (const auto& [k, v] : all) {
      auto it = want.find(k);
      if (it != want.end() && it->second == v) ++scanned_hits;
    }
  }
  std::printf("verify: %zu acked, %llu missing, %llu wrong, %llu errors; scan %s, %zu keys, %llu acked found\n",
              want.size(), static_cast<unsigned long long>(missing),
              static_cast<unsigned long long>(wrong), static_cast<unsigned long long>(errors),
              s.ok() ? "ok" : s.ToString().c_str(), all.size(),
              static_cast<unsigned long long>(scanned_hits));
  const bool ok = missing == 0 && wrong == 0 && errors == 0 && s.ok() && scanned_hits == want.size();
  return ok ? 0 : 1;
}

struct BenchFlags {
  std::string pd, embedded, op = "put";
  int clients = 64, timeout_ms = 10000;
  uint64_t ops = 20000, keys = 10000;
  size_t value_size = 100;
  bool sync = false;
};

int Bench(const BenchFlags& f) {
  std::unique_ptr<nokv::client::RawKvClient> client;
  std::unique_ptr<nokv::DB> db;
  if (!f.embedded.empty()) {
    nokv::Options o;
    o.sync_writes = f.sync;
    nokv::Status s = nokv::DB::Open(o, f.embedded, &db);
    if (!s.ok()) {
      std::cerr << "open " << f.embedded << ": " << s.ToString() << "\n";
      return 1;
    }
  } else {
    client = Connect(f.pd, f.timeout_ms);
  }
  const std::string value(f.value_size, 'x');
  std::atomic<uint64_t> next{0}, errors{0};
  std::vector<std::vector<uint32_t>> lat(f.clients);
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < f.clients; ++c) {
    threads.emplace_back([&, c] {
      lat[c].reserve(f.ops / f.clients + 1);
      while (true) {
        const uint64_t i = next.fetch_add(1);
        if (i >= f.ops) break;
        char key[32];
        snprintf(key, sizeof(key), "%c-bench-%010llu", 'a' + static_cast<int>(i % 26),
                 static_cast<unsigned long long>(i % f.keys));
        const auto s0 = Clock::now();
        nokv::Status s;
        std::string got;
        if (f.op == "put") {
          s = db ? db->Put(nokv::WriteOptions(), key, value) : client->Put(key, value);
        } else {
          s = db ? db->Get(nokv::ReadOptions(), key, &got) : client->Get(key, &got);
          if (s.IsNotFound()) s = nokv::Status::OK();
        }
        if (!s.ok()) errors.fetch_add(1);
        lat[c].push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - s0).count()));
      }
    });
  }
  for (auto& th : threads) th.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<uint32_t> all;
  for (auto& l : lat) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))] / 1000.0;
  };
  std::printf("%s %s: %llu ops, %d clients, %.0f ops/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms, errors %llu\n",
              db ? "embedded" : "cluster", f.op.c_str(), static_cast<unsigned long long>(all.size()),
              f.clients, all.size() / secs, pct(0.50), pct(0.99), pct(1.0),
              static_cast<unsigned long long>(errors.load()));
  if (db) (void)db->Close();
  return errors.load() == 0 ? 0 : 1;
}

int Probe(const std::string& pd, const std::string& key, int interval_ms, int duration_ms) {
  auto client = Connect(pd, 2000);
  const auto end = Clock::now() + std::chrono::milliseconds(duration_ms);
  while (!g_stop.load() && (duration_ms <= 0 || Clock::now() < end)) {
    nokv::Status s = client->Put(key, std::to_string(UnixMs()));
    if (s.ok()) {
      std::printf("OK %lld\n", static_cast<long long>(UnixMs()));
      std::fflush(stdout);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  CLI::App app{"Load, verify and measure a NoKV store cluster through lib/client"};
  app.require_subcommand(1);
  std::string pd;
  app.add_option("--pd-addr", pd, "PD endpoint (HOST:PORT)");

  LoadFlags lf;
  CLI::App* load = app.add_subcommand("load", "Write unique keys, logging acknowledged ones");
  load->add_option("--ack-file", lf.ack_file, "Append acknowledged key<TAB>value here")->required();
  load->add_option("--threads", lf.threads)->capture_default_str();
  load->add_option("--duration-ms", lf.duration_ms, "0 = until SIGTERM")->capture_default_str();
  load->add_option("--timeout-ms", lf.timeout_ms, "Per write, retries included")->capture_default_str();

  std::string verify_file;
  int verify_timeout = 20000;
  CLI::App* verify = app.add_subcommand("verify", "Read back every acknowledged key");
  verify->add_option("--ack-file", verify_file)->required();
  verify->add_option("--timeout-ms", verify_timeout)->capture_default_str();

  BenchFlags bf;
  CLI::App* bench = app.add_subcommand("bench", "Throughput and latency with N clients");
  bench->add_option("--op", bf.op)->check(CLI::IsMember({"put", "get"}))->capture_default_str();
  bench->add_option("--clients", bf.clients)->capture_default_str();
  bench->add_option("--ops", bf.ops)->capture_default_str();
  bench->add_option("--keys", bf.keys, "Distinct keys")->capture_default_str();
  bench->add_option("--value-size", bf.value_size)->capture_default_str();
  bench->add_option("--embedded", bf.embedded, "Run against an embedded DB in DIR instead");
  bench->add_flag("--sync", bf.sync, "Embedded: fsync every write");

  std::string probe_key = "a-probe";
  int probe_interval = 10, probe_duration = 0;
  CLI::App* probe = app.add_subcommand("probe", "One write per interval; print each success");
  probe->add_option("--key", probe_key)->capture_default_str();
  probe->add_option("--interval-ms", probe_interval)->capture_default_str();
  probe->add_option("--duration-ms", probe_duration, "0 = until SIGTERM")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  lf.pd = bf.pd = pd;
  if (pd.empty() && !(bench->parsed() && !bf.embedded.empty())) {
    std::cerr << "nokv-cluster-bench: --pd-addr is required\n";
    return 2;
  }
  if (load->parsed()) return Load(lf);
  if (verify->parsed()) return Verify(pd, verify_file, verify_timeout);
  if (bench->parsed()) return Bench(bf);
  return Probe(pd, probe_key, probe_interval, probe_duration);
}
