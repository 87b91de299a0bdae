// The nokv-config subcommands: one plain options struct and one run function
// each. main.cc binds flags to the structs (the only file that sees CLI11);
// the run functions print results to stdout, errors to stderr prefixed
// "nokv-config <sub>: ", and return the exit code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nokv::configcmd {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // invalid topology, unknown store, I/O, ...
constexpr int kExitUsage = 2;    // bad command line

// Flags every subcommand that reads the topology file takes.
struct CommonOptions {
  std::string config;  // the topology file
  bool quiet = false;  // do not print the file's warnings
};

// nokv-config validate
struct ValidateOptions {
  CommonOptions common;
};
int RunValidate(const ValidateOptions& options);

// nokv-config stores [--store-id N [--field F --scope S]]
struct StoresOptions {
  CommonOptions common;
  std::string format = "simple";  // simple | json
  uint64_t store_id = 0;          // 0 = every store
  std::string field;              // listen_addr | addr | work_dir (needs store_id)
  std::string scope = "host";
};
int RunStores(const StoresOptions& options);

// nokv-config regions [--store-id N]
struct RegionsOptions {
  CommonOptions common;
  std::string format = "simple";
  uint64_t store_id = 0;  // 0 = every region; else those with a peer on it
};
int RunRegions(const RegionsOptions& options);

// nokv-config pd [--field addr|workdir] [--scope host|docker]
struct PdOptions {
  CommonOptions common;
  std::string format = "simple";
  std::string field = "addr";
  std::string scope = "host";
};
int RunPd(const PdOptions& options);

// nokv-config bootstrap: write every store's (or one store's) bootstrap
// regions from the topology into its workdir (bootstrap_commands.cc).
struct BootstrapOptions {
  CommonOptions common;
  uint64_t store_id = 0;       // 0 = every store in the file
  std::string workdir;         // one store: its workdir (default: from the file)
  std::string path_template;   // every store: dir with {id} (default: from the file)
  std::string scope = "host";  // which workdir fields of the file
};
int RunBootstrap(const BootstrapOptions& options);

// nokv-config manifest: bootstrap one store workdir with one region given on
// the command line, no topology file (bootstrap_commands.cc).
struct ManifestOptions {
  std::string workdir;
  uint64_t store_id = 0;
  uint64_t region_id = 0;
  std::string start_key;  // key text: "", "-", "hex:..", or raw
  std::string end_key;
  uint64_t epoch_version = 1;
  uint64_t epoch_conf_version = 0;  // 0: the number of peers
  std::vector<std::string> peers;   // "STORE:PEER"
};
int RunManifest(const ManifestOptions& options);

// nokv-config bootstrap-pd: a fresh PD learns the file's stores and
// bootstrap regions (pd_bootstrap_command.cc).
struct BootstrapPdOptions {
  CommonOptions common;
  std::string pd_addr;  // empty: the file's, for scope
  std::string scope = "host";
  int timeout_ms = 3000;
};
int RunBootstrapPd(const BootstrapPdOptions& options);

}  // namespace nokv::configcmd
