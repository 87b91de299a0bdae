// `nokv pd` / `nokv-pd`: the PD server command, shared by both programs
// (flags in pd_flags.h, the run function in pd_command.cc), and the
// `nokv-pd-tool` client commands used by tests and the benchmark.
#pragma once

#include <cstdint>
#include <string>

namespace nokv::pdcmd {

struct PdCommandOptions {
  std::string addr;          // empty: from --config, else 127.0.0.1:2379
  std::string workdir;       // empty: from --config, else in-memory
  std::string config;        // topology file (pd.addr, pd.work_dir, ...)
  std::string scope = "host";
  std::string name = "pd";
  uint64_t id_start = 1;
  uint64_t ts_start = 1;
  std::string metrics_addr;  // empty: no HTTP listener
  std::string admin_token;
  std::string max_store_down_time = "30s";
  std::string region_max_size = "144MiB";
  uint64_t region_max_keys = 1'440'000;
  bool enable_merge = false;
  std::string operator_timeout = "60s";
  // "name=host:port,..." of 3 (or 5) members; --name picks this one. Empty:
  // a single PD.
  std::string initial_cluster;
  // Replicated: snapshot the state and compact the Raft log every this many
  // applied entries (0 = never).
  uint64_t raft_log_compact_entries = 10000;
};

// Runs PD until SIGINT/SIGTERM. Exit codes: 0 clean stop, 1 failure (state
// could not be opened, address in use), 2 bad flags. `program` prefixes
// error messages ("nokv pd", "nokv-pd").
int RunPd(const PdCommandOptions& options, const std::string& program);

// "30s", "500ms", "2m", "1h"; a bare number is seconds.
bool ParseDurationMs(const std::string& text, uint64_t* ms);
// "144MiB", "96MB", "1GiB", "512KiB"; a bare number is bytes.
bool ParseSize(const std::string& text, uint64_t* bytes);

}  // namespace nokv::pdcmd
