// The flags of the PD server command, bound to a PdCommandOptions. Shared by
// `nokv-pd` (main.cc) and `nokv pd` (cmd/nokv/main.cc) so both take exactly
// the same flags. Include only where CLI11 is already included.
#pragma once

#include <CLI/CLI.hpp>

#include "pd_command.h"

namespace nokv::pdcmd {

inline void AddPdFlags(CLI::App* app, PdCommandOptions* o) {
  app->add_option("--addr", o->addr,
                  "gRPC listen address, also what clients are told to dial "
                  "[default: pd.addr of --config, else 127.0.0.1:2379]")
      ->type_name("HOST:PORT");
  app->add_option("--workdir", o->workdir,
                  "Directory of PD's durable state (catalog, allocator bounds); empty = "
                  "in-memory only [default: pd.work_dir of --config]")
      ->type_name("DIR");
  app->add_option("--config", o->config,
                  "Topology file (raft_config.json); fills --addr and --workdir from pd.* "
                  "when those flags are not given")
      ->type_name("FILE");
  app->add_option("--scope", o->scope, "Which --config fields to use: host or docker")
      ->check(CLI::IsMember({"host", "docker"}))
      ->capture_default_str();
  app->add_option("--name", o->name, "This member's name (members API)")->capture_default_str();
  app->add_option("--id-start", o->id_start,
                  "First id to allocate when above the persisted bound (> 0)")
      ->capture_default_str();
  app->add_option("--ts-start", o->ts_start,
                  "No timestamp below this is handed out (hybrid: physical_ms << 18 | logical)")
      ->capture_default_str();
  app->add_option("--metrics-addr", o->metrics_addr,
                  "HTTP listen address for /metrics, /debug/vars, /healthz, /pd/api/v1/* "
                  "(empty = no HTTP; port 0 = any free port)")
      ->type_name("HOST:PORT");
  app->add_option("--admin-token", o->admin_token,
                  "Bearer token for POST /pd/api/v1/operators; needed for a non-loopback "
                  "--metrics-addr")
      ->type_name("TOKEN")
      ->envname("NOKV_ADMIN_TOKEN");
  app->add_option("--max-store-down-time", o->max_store_down_time,
                  "A store silent this long is down and its replicas are replaced "
                  "(e.g. 30s, 5m)")
      ->type_name("DURATION")
      ->capture_default_str();
  app->add_option("--region-max-size", o->region_max_size,
                  "Split regions larger than this (e.g. 144MiB; 0 = never)")
      ->type_name("SIZE")
      ->capture_default_str();
  app->add_option("--region-max-keys", o->region_max_keys,
                  "Split regions with more keys than this (0 = never)")
      ->capture_default_str();
  app->add_flag("--enable-merge", o->enable_merge,
                "Merge small adjacent regions whose replicas share stores");
  app->add_option("--initial-cluster", o->initial_cluster,
                  "Run as one of 3 (or 5) replicas: name=host:port,... of every member; "
                  "--name picks this one (needs --workdir)")
      ->type_name("NAME=ADDR,...");
  app->add_option("--raft-log-compact-entries", o->raft_log_compact_entries,
                  "Replicated: snapshot the state and compact the Raft log every this many "
                  "applied entries, keeping min(1000, N/2) before the snapshot (0 = never)")
      ->capture_default_str();
  app->add_option("--operator-timeout", o->operator_timeout,
                  "Drop an operator not finished within this time")
      ->type_name("DURATION")
      ->capture_default_str();
}

}  // namespace nokv::pdcmd
