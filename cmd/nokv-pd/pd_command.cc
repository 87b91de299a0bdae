// RunPd: resolves the flags (and --config), opens the PlacementDriver, serves
// gRPC and optionally HTTP until SIGINT/SIGTERM. Signals are taken with
// sigwait in the main thread, blocked everywhere else.
#include "pd_command.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fmt/core.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pd/pd_http.h"
#include "pd/pd_replicator.h"
#include "pd/pd_service.h"
#include "pd/placement_driver.h"
#include "server/host_port.h"
#include "server/http_server.h"

namespace nokv::pdcmd {
namespace {

constexpr int kExitOk = 0, kExitFailure = 1, kExitUsage = 2;

bool SplitNumberUnit(const std::string& text, uint64_t* number, std::string* unit) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || i > 18) return false;
  *number = std::stoull(text.substr(0, i));
  *unit = text.substr(i);
  return true;
}

bool ParseHostPort(const std::string& text, std::string* host, int* port, std::string* error) {
  Status s = server::ParseHostPort(text, host, port);
  if (!s.ok()) *error = s.message();
  return s.ok();
}

// Fills addr/workdir from the topology file's pd section where not given.
bool ResolveConfig(PdCommandOptions* o, std::string* error) {
  std::ifstream in(o->config);
  if (!in) {
    *error = "--config " + o->config + ": cannot read the file";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    Poco::JSON::Parser parser;
    auto root = parser.parse(text.str()).extract<Poco::JSON::Object::Ptr>();
    auto pd = root ? root->getObject("pd") : nullptr;
    if (!pd) {
      *error = "--config " + o->config + ": no \"pd\" section";
      return false;
    }
    const bool docker = o->scope == "docker";
    auto pick = [&](const char* docker_key, const char* host_key) {
      std::string v = docker ? pd->optValue<std::string>(docker_key, "") : "";
      return v.empty() ? pd->optValue<std::string>(host_key, "") : v;
    };
    if (o->addr.empty()) o->addr = pick("docker_addr", "addr");
    if (o->workdir.empty()) {
      std::string dir = pick("docker_work_dir", "work_dir");
      if (!dir.empty() && std::filesystem::path(dir).is_relative()) {
        dir = (std::filesystem::path(o->config).parent_path() / dir).lexically_normal().string();
      }
      o->workdir = dir;
    }
  } catch (const std::exception& e) {
    *error = "--config " + o->config + ": not valid JSON: " + e.what();
    return false;
  }
  return true;
}

// "pd1=127.0.0.1:2379,pd2=..." -> members with ids 1, 2, ... in order.
bool ParseInitialCluster(const std::string& text, std::vector<pdpb::Member>* members,
                         std::string* error) {
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t eq = item.find('=');
    std::string host;
    int port = 0;
    if (eq == std::string::npos || eq == 0 ||
        !ParseHostPort(item.substr(eq + 1), &host, &port, error) || port == 0) {
      *error = "--initial-cluster: \"" + item + "\" is not NAME=HOST:PORT (a fixed port)";
      return false;
    }
    pdpb::Member m;
    m.set_name(item.substr(0, eq));
    m.set_address(item.substr(eq + 1));
    m.set_member_id(members->size() + 1);
    for (const pdpb::Member& other : *members) {
      if (other.name() == m.name() || other.address() == m.address()) {
        *error = "--initial-cluster: member " + m.name() + " is listed twice";
        return false;
      }
    }
    members->push_back(m);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (members->size() != 3 && members->size() != 5) {
    *error = "--initial-cluster: list 3 or 5 members (got " + std::to_string(members->size()) + ")";
    return false;
  }
  return true;
}

}  // namespace

bool ParseDurationMs(const std::string& text, uint64_t* ms) {
  uint64_t n = 0;
  std::string unit;
  if (!SplitNumberUnit(text, &n, &unit)) return false;
  if (unit.empty() || unit == "s") *ms = n * 1000;
  else if (unit == "ms") *ms = n;
  else if (unit == "m") *ms = n * 60'000;
  else if (unit == "h") *ms = n * 3'600'000;
  else return false;
  return true;
}

bool ParseSize(const std::string& text, uint64_t* bytes) {
  uint64_t n = 0;
  std::string unit;
  if (!SplitNumberUnit(text, &n, &unit)) return false;
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"", 1},          {"B", 1},           {"KB", 1000},        {"KiB", 1024},
      {"MB", 1000000},  {"MiB", 1 << 20},   {"GB", 1000000000},  {"GiB", 1ull << 30}};
  for (const auto& [name, mult] : kUnits) {
    if (unit == name) {
      *bytes = n * mult;
      return true;
    }
  }
  return false;
}

int RunPd(const PdCommandOptions& flags, const std::string& program) {
  auto usage = [&](const std::string& m) {
    fmt::print(stderr, "{}: {}\n", program, m);
    return kExitUsage;
  };
  auto fail = [&](const std::string& m) {
    fmt::print(stderr, "{}: {}\n", program, m);
    return kExitFailure;
  };
  PdCommandOptions o = flags;
  std::string error;
  if (!o.config.empty() && !ResolveConfig(&o, &error)) return usage(error);
  std::vector<pdpb::Member> members;
  pdpb::Member self;
  if (!o.initial_cluster.empty()) {
    if (!ParseInitialCluster(o.initial_cluster, &members, &error)) return usage(error);
    for (const pdpb::Member& m : members) {
      if (m.name() == o.name) self = m;
    }
    if (self.member_id() == 0) {
      return usage("--name " + o.name + " is not a member of --initial-cluster");
    }
    if (o.workdir.empty()) {
      return usage("--initial-cluster needs --workdir (a replica that forgets its Raft log "
                   "could vote twice)");
    }
    if (o.addr.empty()) o.addr = self.address();
  }
  if (o.addr.empty()) o.addr = "127.0.0.1:2379";
  if (o.id_start == 0) return usage("--id-start must be > 0 (id 0 means \"no id\")");
  std::string grpc_host, http_host;
  int grpc_port = 0, http_port = 0;
  if (!ParseHostPort(o.addr, &grpc_host, &grpc_port, &error)) return usage("--addr " + error);
  if (!o.metrics_addr.empty() && !ParseHostPort(o.metrics_addr, &http_host, &http_port, &error)) {
    return usage("--metrics-addr " + error);
  }
  pd::PdOptions options;
  options.name = o.name;
  options.advertise_address = members.empty() ? o.addr : self.address();
  options.members = members;
  options.member_id = members.empty() ? 1 : self.member_id();
  // Replicated, the state is rebuilt from the Raft log kept in the workdir.
  options.workdir = members.empty() ? o.workdir : "";
  options.id_start = o.id_start;
  options.ts_start = o.ts_start;
  uint64_t max_size = 0, down_ms = 0, op_timeout_ms = 0;
  if (!ParseDurationMs(o.max_store_down_time, &down_ms) || down_ms == 0) {
    return usage("--max-store-down-time \"" + o.max_store_down_time +
                 "\" is not a positive duration like 30s, 500ms, 5m");
  }
  if (!ParseDurationMs(o.operator_timeout, &op_timeout_ms) || op_timeout_ms == 0) {
    return usage("--operator-timeout \"" + o.operator_timeout + "\" is not a positive duration");
  }
  if (!ParseSize(o.region_max_size, &max_size)) {
    return usage("--region-max-size \"" + o.region_max_size + "\" is not a size like 144MiB");
  }
  options.schedule.max_store_down_ms = down_ms;
  options.schedule.operator_timeout_ms = op_timeout_ms;
  options.schedule.region_max_size = max_size;
  options.schedule.region_max_keys = o.region_max_keys;
  options.schedule.enable_merge = o.enable_merge;

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto opened = pd::PlacementDriver::Open(options);
  if (!opened.ok()) {
    return fail("cannot open PD state in " + o.workdir + ": " + opened.status().ToString());
  }
  std::unique_ptr<pd::PlacementDriver> driver = std::move(opened).value();
  // Replicated: the proposer is in place before any RPC can arrive; Raft
  // starts once the server (which receives the peers' messages) listens.
  std::unique_ptr<pd::PdReplicator> replicator;
  if (!members.empty()) {
    pd::PdReplicaOptions ro;
    ro.id = self.member_id();
    for (const pdpb::Member& m : members) ro.peers[m.member_id()] = m.address();
    ro.workdir = o.workdir;
    pd::PlacementDriver* d = driver.get();
    ro.compact_entries = o.raft_log_compact_entries;
    ro.keep_entries = std::min<uint64_t>(ro.keep_entries, o.raft_log_compact_entries / 2);
    pd::PdStateMachine sm;
    sm.apply = [d](const pdstatepb::Command& c) { return d->ApplyReplicated(c); };
    sm.snapshot = [d] { return d->SnapshotReplicated(); };
    sm.restore = [d](const std::string& data) { return d->RestoreReplicated(data); };
    auto opened_raft = pd::PdReplicator::Open(
        ro, std::move(sm), [d](uint64_t leader, bool ready) { d->OnLeaderChange(leader, ready); });
    if (!opened_raft.ok()) {
      return fail("cannot open the Raft log in " + o.workdir + ": " +
                  opened_raft.status().ToString());
    }
    replicator = std::move(opened_raft).value();
    pd::PdReplicator* r = replicator.get();
    driver->SetProposer([r](const pdstatepb::Command& c) { return r->Propose(c); });
  }
  pd::PdServerOptions server_options;
  server_options.listen_address = o.addr;
  pd::PdServer server(driver.get(), server_options);
  Status s = server.Start();
  if (!s.ok()) return fail(s.ToString() + " (address in use?)");
  if (replicator) {
    server.SetReplicator(replicator.get());
    replicator->Start();
  }
  std::unique_ptr<HttpServer> http;
  if (!o.metrics_addr.empty()) {
    HttpServerOptions http_options;
    http_options.host = http_host;
    http_options.port = http_port;
    http_options.bearer_token = o.admin_token;
    pd::PlacementDriver* d = driver.get();
    const std::string token = o.admin_token;
    http = std::make_unique<HttpServer>(
        [d, token](const server::HttpRequest& r) { return pd::HandlePdHttp(*d, token, r); },
        http_options);
    s = http->Start();
    if (!s.ok()) return fail(s.ToString());
  }

  if (replicator) {
    fmt::print("PD replica {} of {} (raft id {}); state replicated through Raft, log in {}\n",
               o.name, members.size(), self.member_id(), o.workdir);
  } else if (driver->persistent()) {
    fmt::print("PD restored {} region(s) and {} store(s) from {}\n", driver->Regions().size(),
               driver->Stores().size(), o.workdir);
  } else {
    fmt::print("PD state: in-memory only (no --workdir); nothing survives a restart\n");
  }
  if (!replicator) {
    fmt::print("PD allocator bounds: id>={} ts>={} (physical ms {})\n",
               std::max<uint64_t>(o.id_start, driver->loaded_id_bound()),
               std::max<uint64_t>(o.ts_start, driver->loaded_tso_bound_ms() << pd::kLogicalBits),
               driver->loaded_tso_bound_ms());
  }
  fmt::print("PD service listening on {} (name={})\n", server.address(), o.name);
  if (http) {
    fmt::print("PD HTTP listening on http://{} (admin token {})\n", http->address(),
               o.admin_token.empty() ? "not required" : "required");
  }
  fmt::print("Press Ctrl+C to stop\n");
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  fmt::print("\nShutting down ({})...\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  if (http) http->Stop();
  if (replicator) replicator->Stop();  // fails proposals RPC handlers wait on
  server.Stop();
  replicator.reset();
  driver.reset();
  fmt::print("bye\n");
  return kExitOk;
}

}  // namespace nokv::pdcmd
