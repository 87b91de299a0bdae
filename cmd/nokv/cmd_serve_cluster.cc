// nokv serve in cluster mode: one store node (lib/node's StoreNode) until
// SIGINT/SIGTERM. Flags, then the topology file (--config) for what they
// leave out; a new workdir is bootstrapped from the file. Startup and
// shutdown lines follow tools.md §2.6; scripts wait for "NoKV service
// listening on".
#include <fmt/core.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "commands.h"

#ifdef NOKV_WITH_NODE
#include "config/key_text.h"
#include "config/topology.h"
#include "config/topology_proto.h"
#include "node/store_node.h"
#include "server/host_port.h"
#endif

namespace nokv::cli {

#ifndef NOKV_WITH_NODE

int RunServeCluster(const ServeOptions&) {
  fmt::print(stderr, "nokv serve: this nokv was built without the store node (lib/node)\n");
  return kExitFailure;
}

#else

namespace {

int Usage(const std::string& message) {
  fmt::print(stderr, "nokv serve: {}\n", message);
  return kExitUsage;
}

int Fail(const std::string& message) {
  fmt::print(stderr, "nokv serve: {}\n", message);
  return kExitFailure;
}

// "2s", "500ms" -> milliseconds; -1 if malformed.
int64_t ParseDurationMs(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 9) return -1;
  const int64_t n = std::stoll(text.substr(0, digits));
  const std::string unit = text.substr(digits);
  if (unit == "ms") return n;
  if (unit == "s") return n * 1000;
  return -1;
}

std::string KeyOrInf(const std::string& key, const char* inf) {
  return key.empty() ? inf : config::EncodeKeyText(key);
}

// Flags first, then the topology file for what they leave out.
int ResolveConfig(ServeOptions* o, std::vector<metapb::Region>* bootstrap) {
  if (o->config.empty()) return kExitOk;
  Result<config::Topology> t = config::LoadTopologyFile(o->config);
  if (!t.ok()) return Fail("--config: " + t.status().message());
  if (o->store_id == 0) return Usage("--store-id is required");
  const config::StoreConfig* me = t->FindStore(o->store_id);
  if (me == nullptr) {
    return Fail(fmt::format("store {} is not in {}", o->store_id, o->config));
  }
  if (o->addr.empty()) o->addr = config::Topology::StoreListenAddr(*me, config::Scope::kHost);
  if (o->advertise_addr.empty()) {
    o->advertise_addr = config::Topology::StoreAdvertiseAddr(*me, config::Scope::kHost);
  }
  if (o->pd_addr.empty()) {
    Result<std::string> pd = t->ResolvePdAddr(config::Scope::kHost);
    if (pd.ok()) o->pd_addr = *pd;
  }
  if (o->workdir.empty()) {
    o->workdir = t->PathFromConfig(t->ResolveStoreWorkDir(o->store_id, config::Scope::kHost));
  }
  *bootstrap = config::BootstrapRegions(*t);
  return kExitOk;
}

void PrintRegions(const ServeOptions& o, const std::vector<raftstore::RegionStatus>& regions) {
  if (regions.empty()) {
    fmt::print("Store {} holds no regions yet; waiting for PD to place peers here\n", o.store_id);
    return;
  }
  fmt::print("Store regions: {}, local peers started: {}\n", regions.size(), regions.size());
  fmt::print("Sample regions:\n");
  const size_t shown = std::min<size_t>(regions.size(), 5);
  for (size_t i = 0; i < shown; ++i) {
    const metapb::Region& r = regions[i].region;
    std::string peers;
    for (const metapb::Peer& p : r.peers()) {
      peers += fmt::format("{}{{store:{} peer:{}}}", peers.empty() ? "" : " ", p.store_id(), p.id());
    }
    fmt::print("  - id={} range=[{},{}) peers=[{}]\n", r.id(), KeyOrInf(r.start_key(), "-inf"),
               KeyOrInf(r.end_key(), "+inf"), peers);
  }
  if (regions.size() > shown) fmt::print("  ... ({} more)\n", regions.size() - shown);
}

}  // namespace

int RunServeCluster(const ServeOptions& flags) {
  ServeOptions o = flags;
  std::vector<metapb::Region> bootstrap;
  if (int rc = ResolveConfig(&o, &bootstrap); rc != kExitOk) return rc;
  if (o.workdir.empty()) return Usage("--workdir is required");
  if (o.store_id == 0) return Usage("--store-id is required");
  if (o.pd_addr.empty()) {
    return Usage("--pd-addr is required (PD is the only scheduler/control-plane source)");
  }
  if (o.election_tick <= 0 || o.heartbeat_tick <= 0) {
    return Usage("heartbeat and election ticks must be > 0");
  }
  if (o.heartbeat_tick >= o.election_tick) {
    return Usage("--heartbeat-tick must be smaller than --election-tick");
  }
  if (o.raft_max_inflight <= 0) return Usage("--raft-max-inflight must be > 0");
  if (!o.redis_addr.empty()) {
    return Usage("--redis-addr is for the embedded mode; in a cluster run nokv-redis");
  }
  const int64_t pd_timeout_ms = ParseDurationMs(o.pd_timeout);
  if (pd_timeout_ms <= 0) return Usage("--pd-timeout \"" + o.pd_timeout + "\": want e.g. 2s or 500ms");
  const int64_t tick_ms = ParseDurationMs(o.raft_tick_interval);
  if (tick_ms < 0) {
    return Usage("--raft-tick-interval \"" + o.raft_tick_interval + "\": want e.g. 100ms");
  }
  if (o.addr.empty()) o.addr = "127.0.0.1:20160";
  for (const auto& [flag, value] : {std::pair<const char*, const std::string*>{"--addr", &o.addr},
                                    {"--pd-addr", &o.pd_addr},
                                    {"--advertise-addr", &o.advertise_addr},
                                    {"--metrics-addr", &o.metrics_addr}}) {
    std::string host;
    int port = 0;
    if (value->empty()) continue;
    Status s = server::ParseHostPort(*value, &host, &port);
    if (!s.ok()) return Usage(std::string(flag) + " " + s.message());
  }
  if (o.raft_debug_log) spdlog::set_level(spdlog::level::debug);

  node::StoreNodeOptions no;
  no.store.store_id = o.store_id;
  no.store.workdir = o.workdir;
  no.store.election_ticks = o.election_tick;
  no.store.heartbeat_ticks = o.heartbeat_tick;
  no.store.max_size_per_msg = o.raft_max_msg_bytes;
  no.store.max_inflight_msgs = static_cast<size_t>(o.raft_max_inflight);
  no.store.tick_interval_ms = tick_ms == 0 ? 100 : static_cast<int>(tick_ms);
  no.store.read_mode =
      o.read_mode == "lease" ? raftstore::ReadMode::kLease : raftstore::ReadMode::kReadIndex;
  no.store.data_engine.sync_writes = o.sync_writes;
  no.listen_address = o.addr;
  no.advertise_address = o.advertise_addr;
  no.pd_endpoints = {o.pd_addr};
  no.pd_timeout_ms = static_cast<int>(pd_timeout_ms);
  no.metrics_address = o.metrics_addr;
  no.metrics_token = o.admin_token;

  // A new workdir named by the topology file gets its bootstrap regions.
  if (!bootstrap.empty()) {
    Status s = raftstore::BootstrapStore(no.store, bootstrap);
    if (s.ok()) {
      fmt::print("Bootstrapped store {} in {} from {}\n", o.store_id, o.workdir, o.config);
    } else if (!s.IsBusy()) {  // Busy: the workdir already holds this store
      return Fail("bootstrap " + o.workdir + ": " + s.ToString());
    }
  }

  // Block the stop signals before any thread exists, so every thread
  // inherits the mask and only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Result<std::unique_ptr<node::StoreNode>> started = node::StoreNode::Start(no);
  if (!started.ok()) return Fail(started.status().ToString());
  std::unique_ptr<node::StoreNode> store = std::move(started.value());

  PrintRegions(o, store->store()->Regions());
  fmt::print("NoKV service listening on {} (store={})\n", store->address(), o.store_id);
  fmt::print("Serve mode: cluster (PD enabled, addr={})\n", o.pd_addr);
  if (store->bootstrapped_pd()) fmt::print("Bootstrapped PD with this store\n");
  if (!store->metrics_address().empty()) {
    fmt::print("HTTP metrics listening on http://{} (/metrics, /debug/vars, /healthz)\n",
               store->metrics_address());
  }
  fmt::print("PD heartbeat sink enabled: {}\n", o.pd_addr);
  fmt::print("Press Ctrl+C to stop\n");
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  fmt::print("\nShutting down ({})...\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  store->Stop();
  fmt::print("bye\n");
  return kExitOk;
}

#endif  // NOKV_WITH_NODE

}  // namespace nokv::cli
