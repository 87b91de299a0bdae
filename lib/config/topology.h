// The cluster topology file (raft_config.json): which stores exist, where
// they listen and keep their data, where PD is, and the regions a new
// cluster starts with. Read by nokv-config, the cluster scripts, `nokv pd
// --config` and `nokv serve --config`; at runtime PD, not this file, is the
// routing authority. Field reference: docs/cluster.md.
//
// LoadTopologyFile parses and validates in one step, so no caller can forget
// to validate. Every error names the field it is about, JSON-path style
// ("stores[1].store_id: duplicate 2 (also stores[0])"), and all problems of a
// file are reported together.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace nokv::config {

// Which set of addresses and directories to use: `host` for processes on
// this machine, `docker` for processes inside the compose network.
enum class Scope { kHost, kDocker };

// "host" (also "local") or "docker", case-insensitive; InvalidArgument
// ("invalid scope \"x\" (expected host|docker)") otherwise.
Result<Scope> ParseScope(std::string_view text);
const char* ScopeName(Scope scope);

struct PdConfig {
  std::string addr;             // host scope gRPC endpoint
  std::string docker_addr;      // docker scope; falls back to addr
  std::string work_dir;         // host scope persistence dir
  std::string docker_work_dir;  // docker scope; falls back to work_dir
};

struct StoreConfig {
  uint64_t store_id = 0;
  std::string addr;                // advertised (what others dial), host scope
  std::string listen_addr;         // bind address, host scope; falls back to addr
  std::string docker_addr;         // advertised in docker scope; falls back to addr
  std::string docker_listen_addr;  // bind address in docker scope
  std::string work_dir;            // per-store override, host scope
  std::string docker_work_dir;     // per-store override, docker scope
};

struct PeerConfig {
  uint64_t store_id = 0;
  uint64_t peer_id = 0;
};

struct RegionEpochConfig {
  uint64_t version = 0;       // range version (splits, merges)
  uint64_t conf_version = 0;  // membership version
};

struct RegionConfig {
  uint64_t id = 0;
  // Decoded bytes (key_text.h): the file's "hex:" and "-" spellings are gone.
  // An empty start_key is -inf, an empty end_key +inf.
  std::string start_key;
  std::string end_key;
  RegionEpochConfig epoch;
  std::vector<PeerConfig> peers;
  uint64_t leader_store_id = 0;  // bootstrap hint; 0 = none

  // True when `store_id` holds a peer of this region.
  bool HasStore(uint64_t store_id) const;
  // The peer on `store_id`, or nullptr.
  const PeerConfig* PeerOnStore(uint64_t store_id) const;
};

struct Topology {
  std::string source;  // the file it was loaded from ("" when parsed from text)
  int64_t max_retries = 0;  // <= 0: the client's default
  std::optional<PdConfig> pd;
  std::string store_work_dir_template;         // contains {id}
  std::string store_docker_work_dir_template;  // contains {id}
  std::vector<StoreConfig> stores;
  std::vector<RegionConfig> regions;
  // Not errors, but worth telling the operator: unknown fields (ignored),
  // key ranges no bootstrap region covers.
  std::vector<std::string> warnings;

  const StoreConfig* FindStore(uint64_t store_id) const;
  // The largest store, region or peer id in the file. PD's id allocator
  // hands out ids from one space for all three, so it must start above
  // this (nokv pd --id-start) or new regions and peers would collide.
  uint64_t MaxId() const;
  // The bootstrap regions with a peer on `store_id`, in file order.
  std::vector<const RegionConfig*> RegionsOfStore(uint64_t store_id) const;

  // Resolution (docs/cluster.md "Scopes"): docker scope prefers the docker_*
  // field and falls back to the host one. The ResolvePd* calls fail with
  // "pd block missing from configuration" or "pd address missing for scope
  // \"docker\"" (resp. workdir) when there is nothing to return.
  Result<std::string> ResolvePdAddr(Scope scope) const;
  Result<std::string> ResolvePdWorkDir(Scope scope) const;
  // docker: stores[].docker_work_dir, stores[].work_dir, docker template,
  // host template; host: stores[].work_dir, host template. {id} replaced by
  // the decimal id. "" when nothing applies or the store is unknown.
  std::string ResolveStoreWorkDir(uint64_t store_id, Scope scope) const;
  // Bind address: docker: docker_listen_addr, listen_addr, addr;
  // host: listen_addr, addr.
  static std::string StoreListenAddr(const StoreConfig& store, Scope scope);
  // Advertised address: docker: docker_addr, addr; host: addr.
  static std::string StoreAdvertiseAddr(const StoreConfig& store, Scope scope);

  // `path` made absolute against the directory of `source` when it is
  // relative (so the file means the same from any working directory); ""
  // stays "". Paths of a topology parsed from text are resolved against the
  // current directory.
  std::string PathFromConfig(const std::string& path) const;
};

// Reads, parses and validates `path`. InvalidArgument whose message starts
// with the path and lists every problem (one per line when several):
//   "raft_config.json: line 7, column 3: trailing comma before '}'"
//   "raft_config.json: stores[1].store_id: duplicate 2 (also stores[0])"
// IOError when the file cannot be read.
Result<Topology> LoadTopologyFile(const std::string& path);

// Parses and validates `json`; errors are prefixed with `source` (if any).
Result<Topology> ParseTopology(std::string_view json, std::string_view source = {});

// The validation rules alone (docs/cluster.md "Validation"), for a topology
// built in code: returns every problem found ("" prefix-free, field-named);
// may append to topology->warnings. Empty = valid.
std::vector<std::string> ValidateTopology(Topology* topology);

// "HOST:PORT" with a non-empty host and a port in 1-65535 ("[::1]:20160"
// accepted). Used by validation; exposed for the commands.
bool IsHostPort(std::string_view text);

}  // namespace nokv::config
