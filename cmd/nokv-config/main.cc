// nokv-config: reads the cluster topology file (raft_config.json) for
// operators and scripts, and bootstraps store workdirs from it.
// Subcommands are declared in kSubcommands (name, description, flag setup,
// run); their logic lives in topology_commands.cc and bootstrap_commands.cc.
// This is the only file that includes CLI11.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <vector>

#include "config_commands.h"
#include "subcommand_app.h"

#ifndef NOKV_VERSION
#define NOKV_VERSION "0.0.0"
#endif

namespace nokv::configcmd {
namespace {

struct ParsedOptions {
  ValidateOptions validate;
  StoresOptions stores;
  RegionsOptions regions;
  PdOptions pd;
  BootstrapPdOptions bootstrap_pd;
#ifdef NOKV_CONFIG_WITH_BOOTSTRAP
  BootstrapOptions bootstrap;
  ManifestOptions manifest;
#endif
};

using Subcommand = cmdline::Subcommand<ParsedOptions>;

void AddCommon(CLI::App* app, CommonOptions* o) {
  o->config = "raft_config.json";
  app->add_option("-c,--config", o->config, "Topology file")
      ->type_name("FILE")
      ->envname("NOKV_CONFIG")
      ->capture_default_str();
  app->add_flag("-q,--quiet", o->quiet, "Do not print the file's warnings");
}

void AddFormat(CLI::App* app, std::string* format) {
  app->add_option("--format", *format, "Output format: simple or json")->capture_default_str();
  app->add_flag_callback("--json", [format] { *format = "json"; }, "Same as --format json");
}

void AddScope(CLI::App* app, std::string* scope) {
  app->add_option("--scope", *scope,
                  "Which addresses and directories of the file: host or docker")
      ->capture_default_str();
}

const std::vector<Subcommand>& Subcommands() {
  static const std::vector<Subcommand> kSubcommands = {
      {"validate", "Check the topology file; print a summary and its warnings",
       [](CLI::App* app, ParsedOptions* o) { AddCommon(app, &o->validate.common); },
       [](const ParsedOptions& o) { return RunValidate(o.validate); }},
      {"stores",
       "One line per store: id listen addr docker_listen docker_addr workdir docker_workdir",
       [](CLI::App* app, ParsedOptions* o) {
         AddCommon(app, &o->stores.common);
         AddFormat(app, &o->stores.format);
         app->add_option("--store-id", o->stores.store_id, "Only this store")->type_name("N");
         app->add_option("--field", o->stores.field,
                         "Print one value of --store-id: listen_addr, addr or work_dir")
             ->type_name("F");
         AddScope(app, &o->stores.scope);
       },
       [](const ParsedOptions& o) { return RunStores(o.stores); }},
      {"regions",
       "One line per bootstrap region: id start end epoch_version epoch_conf_version "
       "store:peer,... leader_store_id",
       [](CLI::App* app, ParsedOptions* o) {
         AddCommon(app, &o->regions.common);
         AddFormat(app, &o->regions.format);
         app->add_option("--store-id", o->regions.store_id,
                         "Only the regions with a peer on this store")
             ->type_name("N");
       },
       [](const ParsedOptions& o) { return RunRegions(o.regions); }},
      {"pd", "PD's address or workdir for a scope",
       [](CLI::App* app, ParsedOptions* o) {
         AddCommon(app, &o->pd.common);
         AddFormat(app, &o->pd.format);
         app->add_option("--field", o->pd.field,
                         "addr, workdir, or id-start (the first id PD may allocate: above "
                         "every id of the file)")
             ->capture_default_str();
         AddScope(app, &o->pd.scope);
       },
       [](const ParsedOptions& o) { return RunPd(o.pd); }},
      {"bootstrap-pd",
       "Tell a fresh PD the file's stores and bootstrap regions (skips a bootstrapped PD)",
       [](CLI::App* app, ParsedOptions* o) {
         AddCommon(app, &o->bootstrap_pd.common);
         app->add_option("--pd-addr", o->bootstrap_pd.pd_addr,
                         "PD to bootstrap (default: the file's, for --scope)")
             ->type_name("HOST:PORT");
         AddScope(app, &o->bootstrap_pd.scope);
         app->add_option("--timeout", o->bootstrap_pd.timeout_ms,
                         "Milliseconds per PD request attempt")
             ->check(CLI::Range(1, 600000))
             ->capture_default_str();
       },
       [](const ParsedOptions& o) { return RunBootstrapPd(o.bootstrap_pd); }},
#ifdef NOKV_CONFIG_WITH_BOOTSTRAP
      {"bootstrap",
       "Write the bootstrap regions of the file into store workdirs (skips stores already "
       "bootstrapped)",
       [](CLI::App* app, ParsedOptions* o) {
         AddCommon(app, &o->bootstrap.common);
         app->add_option("--store-id", o->bootstrap.store_id,
                         "Only this store (default: every store of the file)")
             ->type_name("N");
         app->add_option("--workdir", o->bootstrap.workdir,
                         "The store's workdir (with --store-id; default: from the file)")
             ->type_name("DIR");
         app->add_option("--path-template", o->bootstrap.path_template,
                         "Workdir of every store, {id} replaced by its id (default: from "
                         "the file)")
             ->type_name("TEMPLATE");
         AddScope(app, &o->bootstrap.scope);
       },
       [](const ParsedOptions& o) { return RunBootstrap(o.bootstrap); }},
      {"manifest",
       "Bootstrap one store workdir with one region given by flags (no topology file)",
       [](CLI::App* app, ParsedOptions* o) {
         ManifestOptions* m = &o->manifest;
         app->add_option("--workdir", m->workdir, "Store workdir (created if missing)")
             ->required()
             ->type_name("DIR");
         app->add_option("--store-id", m->store_id, "The store this workdir belongs to")
             ->required()
             ->type_name("N");
         app->add_option("--region-id", m->region_id, "Region id (> 0)")
             ->required()
             ->type_name("N");
         app->add_option("--start-key", m->start_key,
                         "Inclusive start: raw bytes, hex:<hex>, or \"\"/- for -inf")
             ->type_name("KEY");
         app->add_option("--end-key", m->end_key,
                         "Exclusive end: raw bytes, hex:<hex>, or \"\"/- for +inf")
             ->type_name("KEY");
         app->add_option("--epoch-version", m->epoch_version, "Range version (> 0)")
             ->capture_default_str();
         app->add_option("--epoch-conf-version", m->epoch_conf_version,
                         "Membership version (default: the number of peers)")
             ->type_name("N");
         app->add_option("--peer", m->peers, "STORE:PEER, repeatable, at least one")
             ->required()
             ->type_name("STORE:PEER");
       },
       [](const ParsedOptions& o) { return RunManifest(o.manifest); }},
#endif
  };
  return kSubcommands;
}

int Main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("nokv-config");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);

  CLI::App app("nokv-config: read the cluster topology file (raft_config.json) and bootstrap "
               "store workdirs from it",
               "nokv-config");
  app.set_version_flag("--version", "nokv-config " NOKV_VERSION);
  ParsedOptions options;
  return cmdline::RunSubcommandApp(app, Subcommands(), &options, argc, argv, {},
                                   /*help_without_arguments=*/true);
}

}  // namespace
}  // namespace nokv::configcmd

int main(int argc, char** argv) { return nokv::configcmd::Main(argc, argv); }
