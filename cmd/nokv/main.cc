// nokv: the operator CLI. Subcommands are declared in kSubcommands (name,
// description, flag setup, run); each one's logic lives in cmd_<name>.cc
// behind a plain function. This is the only file that includes CLI11.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <vector>

#include "bench_flags.h"
#include "subcommand_app.h"
#include "commands.h"
#include "pd_flags.h"

#ifndef NOKV_VERSION
#define NOKV_VERSION "0.0.0"
#endif

namespace nokv::cli {
namespace {

// The parsed flags of every subcommand; setup functions bind into these.
struct ParsedOptions {
  ManifestOptions manifest;
  StatsOptions stats;
  VlogOptions vlog;
  DemoOptions demo;
  ServeOptions serve;
  FsckCommandOptions fsck;
  BenchOptions bench;
  pdcmd::PdCommandOptions pd;
  RegionsOptions regions;
  KvOptions kv;
};

using Subcommand = cmdline::Subcommand<ParsedOptions>;

void AddWorkdir(CLI::App* app, std::string* workdir) {
  app->add_option("-w,--workdir", *workdir, "NoKV workdir (database directory)")
      ->required()
      ->type_name("DIR");
}

void AddRegionsFlags(CLI::App* app, RegionsOptions* o) {
  app->add_option("-w,--workdir", o->workdir,
                  "A store's workdir, read offline and read-only (the store may be stopped)")
      ->type_name("DIR");
  app->add_option("--pd-addr", o->pd_addr, "Ask PD for every region and its leader (live)")
      ->type_name("HOST:PORT");
  app->add_option("--pd-timeout", o->pd_timeout_ms, "Milliseconds per PD request attempt")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  app->add_flag("--json", o->json, "Print one JSON object (see nokv(1))");
}

void AddKvFlags(CLI::App* app, KvOptions* o) {
  app->add_option("--pd-addr", o->pd_addr, "PD endpoint")
      ->type_name("HOST:PORT")
      ->envname("NOKV_PD_ADDR");
  app->add_option("--timeout", o->timeout_ms, "Milliseconds per operation, retries included")
      ->capture_default_str();
  app->add_flag("--hex", o->hex, "KEY, VALUE and START are hex; keys and values print as hex");
  app->require_subcommand(1);
  app->fallthrough();  // --pd-addr etc. may follow the operation
  CLI::App* get = app->add_subcommand("get", "Print KEY's value; exit 1 when it has none");
  get->add_option("KEY", o->key, "The key")->required();
  get->callback([o] { o->op = "get"; });
  CLI::App* put = app->add_subcommand("put", "Set KEY to VALUE");
  put->add_option("KEY", o->key, "The key")->required();
  put->add_option("VALUE", o->value, "The value")->required();
  put->callback([o] { o->op = "put"; });
  CLI::App* del = app->add_subcommand("delete", "Delete KEY (no error when it has no value)");
  del->add_option("KEY", o->key, "The key")->required();
  del->callback([o] { o->op = "delete"; });
  CLI::App* scan =
      app->add_subcommand("scan", "Print up to --limit KEY<TAB>VALUE lines from START on");
  scan->add_option("START", o->key, "First key (\"\" = from the beginning)")->required();
  scan->add_option("--limit", o->limit, "Most pairs to print")->capture_default_str();
  scan->callback([o] { o->op = "scan"; });
}

const std::vector<Subcommand>& Subcommands() {
  static const std::vector<Subcommand> kSubcommands = {
      {"manifest", "Show levels, SST files, key ranges and the WAL checkpoint (offline, no lock)",
       [](CLI::App* app, ParsedOptions* o) {
         AddWorkdir(app, &o->manifest.workdir);
         app->add_flag("--json", o->manifest.json, "Print one JSON object (see nokv(1))");
         app->add_option("--sqlite", o->manifest.sqlite,
                         "Export to an SQLite database (replaced if it exists; see nokv(1))")
             ->type_name("OUT.db");
       },
       [](const ParsedOptions& o) { return RunManifest(o.manifest); }},
      {"stats",
       "Show entry counts, level sizes, the WAL backlog and the value log (offline, no lock)",
       [](CLI::App* app, ParsedOptions* o) {
         AddWorkdir(app, &o->stats.workdir);
         app->add_flag("--json", o->stats.json, "Print one JSON object (see nokv(1))");
       },
       [](const ParsedOptions& o) { return RunStats(o.stats); }},
      {"vlog", "Show value-log segments: sizes, records, value bytes (offline, no lock)",
       [](CLI::App* app, ParsedOptions* o) {
         AddWorkdir(app, &o->vlog.workdir);
         app->add_flag("--json", o->vlog.json, "Print one JSON object (see nokv(1))");
       },
       [](const ParsedOptions& o) { return RunVlog(o.vlog); }},
      {"demo", "Write, read, delete, reopen and verify N keys, then print stats",
       [](CLI::App* app, ParsedOptions* o) {
         AddWorkdir(app, &o->demo.workdir);
         app->add_option("-n,--keys", o->demo.keys, "Number of keys to write")
             ->check(CLI::Range(uint64_t{1}, uint64_t{100000000}))
             ->capture_default_str();
         app->add_option("--value-size", o->demo.value_size, "Bytes per value")
             ->check(CLI::Range(size_t{1}, size_t{1} << 20))
             ->capture_default_str();
         app->add_option("--memtable-size", o->demo.memtable_size,
                         "Memtable bytes before a flush to L0")
             ->check(CLI::Range(size_t{4} << 10, size_t{1} << 30))
             ->capture_default_str();
       },
       [](const ParsedOptions& o) { return RunDemo(o.demo); }},
      {"fsck",
       "Verify every checksum, table, manifest entry and live value pointer of a workdir "
       "(offline); --repair",
       [](CLI::App* app, ParsedOptions* o) {
         AddWorkdir(app, &o->fsck.workdir);
         app->add_flag("--json", o->fsck.json, "Print one JSON object (see nokv(1))");
         app->add_flag("--repair", o->fsck.repair,
                       "Back up the originals into DIR/backup-<time>/, then salvage tables, "
                       "WAL and value log and rebuild a consistent workdir");
       },
       [](const ParsedOptions& o) { return RunFsckCommand(o.fsck); }},
      {"bench", "Run YCSB workloads (A-G) on nokv, rocksdb and leveldb; see nokv-bench(1)",
       [](CLI::App* app, ParsedOptions* o) { bench::AddBenchFlags(app, &o->bench.config); },
       [](const ParsedOptions& o) { return RunBench(o.bench); }},
      {"serve",
       "Serve a workdir: embedded (HTTP metrics/admin, Redis), or a cluster store node "
       "(--store-id, --pd-addr)",
       [](CLI::App* app, ParsedOptions* o) {
         app->add_option("-w,--workdir", o->serve.workdir,
                         "Workdir (a store's in cluster mode; --config may supply it)")
             ->type_name("DIR");
         app->add_option("--metrics-addr", o->serve.metrics_addr,
                         "HTTP listen address for /metrics, /debug/vars, /healthz (and /admin/* "
                         "embedded); port 0 = any free port. Default 127.0.0.1:8080 embedded, "
                         "none in cluster mode")
             ->type_name("HOST:PORT");
         app->add_option("--redis-addr", o->serve.redis_addr,
                         "Also start the Redis gateway on this address (embedded mode)")
             ->type_name("HOST:PORT");
         app->add_flag("--sync-writes", o->serve.sync_writes,
                       "fsync every write before acking (the gateway's appendfsync always)");
         app->add_option("--memtable-engine", o->serve.memtable_engine,
                         "Memtable index: art (default: served keys share prefixes) or skiplist")
             ->capture_default_str()
             ->check(CLI::IsMember({"art", "skiplist"}));
         app->add_option("--admin-token", o->serve.admin_token,
                         "Bearer token required by /admin/*; needed for a non-loopback "
                         "--metrics-addr")
             ->type_name("TOKEN")
             ->envname("NOKV_ADMIN_TOKEN");
         // Cluster mode.
         app->add_option("--store-id", o->serve.store_id, "Cluster mode: this store's id (> 0)")
             ->type_name("N");
         app->add_option("--addr", o->serve.addr,
                         "Cluster mode: gRPC listen address (raft + NoKV RPC); default "
                         "127.0.0.1:20160")
             ->type_name("HOST:PORT");
         app->add_option("--advertise-addr", o->serve.advertise_addr,
                         "Cluster mode: the address other stores and clients dial (default: "
                         "--addr with the bound port)")
             ->type_name("HOST:PORT");
         app->add_option("--pd-addr", o->serve.pd_addr, "Cluster mode: PD endpoint")
             ->type_name("HOST:PORT");
         app->add_option("--config", o->serve.config,
                         "Cluster mode: topology file; supplies --addr, --pd-addr and --workdir "
                         "when not given and bootstraps a new workdir")
             ->type_name("FILE");
         app->add_option("--pd-timeout", o->serve.pd_timeout, "PD RPC timeout (e.g. 2s, 500ms)")
             ->capture_default_str();
         app->add_option("--election-tick", o->serve.election_tick, "Raft election ticks (> 0)")
             ->capture_default_str();
         app->add_option("--heartbeat-tick", o->serve.heartbeat_tick,
                         "Raft heartbeat ticks (> 0, < election ticks)")
             ->capture_default_str();
         app->add_option("--raft-max-msg-bytes", o->serve.raft_max_msg_bytes,
                         "Raft max append message size")
             ->capture_default_str();
         app->add_option("--raft-max-inflight", o->serve.raft_max_inflight,
                         "Raft max in-flight append messages")
             ->capture_default_str();
         app->add_option("--raft-tick-interval", o->serve.raft_tick_interval,
                         "Raft tick period (e.g. 100ms)")
             ->capture_default_str();
         app->add_option("--read-mode", o->serve.read_mode,
                         "Reads: read-index (a heartbeat round per read batch) or lease")
             ->capture_default_str()
             ->check(CLI::IsMember({"read-index", "lease"}));
         app->add_flag("--raft-debug-log", o->serve.raft_debug_log, "Verbose store logging");
       },
       [](const ParsedOptions& o) {
         return o.serve.cluster_mode() ? RunServeCluster(o.serve) : RunServe(o.serve);
       }},
      {"pd", "Run the placement driver (timestamps, ids, routing, scheduling); see nokv-pd(1)",
       [](CLI::App* app, ParsedOptions* o) { pdcmd::AddPdFlags(app, &o->pd); },
       [](const ParsedOptions& o) { return pdcmd::RunPd(o.pd, "nokv pd"); }},
      {"regions",
       "List one store's regions offline (--workdir) or the cluster's, with leaders, from PD "
       "(--pd-addr)",
       [](CLI::App* app, ParsedOptions* o) { AddRegionsFlags(app, &o->regions); },
       [](const ParsedOptions& o) { return RunRegions(o.regions); }},
      {"kv", "Get, put, delete or scan keys of a cluster (routed through PD)",
       [](CLI::App* app, ParsedOptions* o) { AddKvFlags(app, &o->kv); },
       [](const ParsedOptions& o) { return RunKv(o.kv); }},
  };
  return kSubcommands;
}

int Main(int argc, char** argv) {
  // Results go to stdout; logs (the engine's included) to stderr.
  auto logger = spdlog::stderr_color_mt("nokv");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);

  CLI::App app("nokv: inspect and exercise NoKV workdirs", "nokv");
  app.set_version_flag("--version", "nokv " NOKV_VERSION);
  app.fallthrough();  // global flags (-v) may follow the subcommand
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log engine activity (info level) to stderr");

  ParsedOptions options;
  return cmdline::RunSubcommandApp(app, Subcommands(), &options, argc, argv, [&] {
    if (verbose) spdlog::set_level(spdlog::level::info);
  });
}

}  // namespace
}  // namespace nokv::cli

int main(int argc, char** argv) { return nokv::cli::Main(argc, argv); }
