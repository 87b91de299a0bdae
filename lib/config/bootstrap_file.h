// The store bootstrap file, `<store workdir>/BOOTSTRAP.json`: the regions a
// store starts with, written by `nokv-config bootstrap` / `nokv-config
// manifest` from the topology file before the store's first start, and read
// once by `nokv serve` when its engine holds no region state yet. After that
// the store's engine is the authority and the file is never read again (it is
// kept, as a record of how the store began). Format: docs/cluster.md
// "Bootstrap file".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/topology.h"

namespace nokv::config {

inline constexpr char kBootstrapFileName[] = "BOOTSTRAP.json";
inline constexpr char kBootstrapFormat[] = "nokv-store-bootstrap";
inline constexpr int kBootstrapVersion = 1;

enum class BootstrapRegionState { kRunning, kTombstone };

// "running" / "tombstone"; InvalidArgument naming the text otherwise.
Result<BootstrapRegionState> ParseBootstrapRegionState(std::string_view text);
const char* BootstrapRegionStateName(BootstrapRegionState state);

struct BootstrapRegion {
  uint64_t id = 0;
  std::string start_key;  // bytes; empty = -inf
  std::string end_key;    // bytes; empty = +inf
  RegionEpochConfig epoch;
  std::vector<PeerConfig> peers;
  uint64_t leader_store_id = 0;  // hint for the first election; 0 = none
  BootstrapRegionState state = BootstrapRegionState::kRunning;
};

struct BootstrapFile {
  uint64_t store_id = 0;  // 0 = not recorded; the store then trusts --store-id
  std::vector<BootstrapRegion> regions;  // sorted by id, ids unique
};

// The bootstrap file of `store_id`: every topology region with a peer on it.
BootstrapFile BootstrapFromTopology(const Topology& topology, uint64_t store_id);

// Adds `region`, replacing the region with the same id if present; keeps the
// list sorted by id.
void UpsertBootstrapRegion(BootstrapFile* file, BootstrapRegion region);

// The file's canonical JSON text (stable field order, keys in key_text.h
// spelling, a trailing newline): equal files have equal text.
std::string BootstrapFileJson(const BootstrapFile& file);

// Parses BootstrapFileJson's format. Corruption naming `source` and the field
// for a malformed file; NotSupported for a newer version.
Result<BootstrapFile> ParseBootstrapFile(std::string_view json, std::string_view source);

// `<workdir>/BOOTSTRAP.json`, or nullopt when the workdir has none.
// IOError when it exists but cannot be read; parse errors as above.
Result<std::optional<BootstrapFile>> ReadBootstrapFile(const std::string& workdir);

// Writes `<workdir>/BOOTSTRAP.json` atomically and durably (temporary file,
// fsync, rename, fsync of the directory), creating `workdir` if missing.
Status WriteBootstrapFile(const std::string& workdir, const BootstrapFile& file);

}  // namespace nokv::config
