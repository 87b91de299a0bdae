// nokv-config bootstrap | manifest: write a store's initial regions into its
// workdir through the store runtime's own BootstrapStore
// (lib/raftstore/store.h), so the on-disk format has one writer. A workdir
// that already holds the same store is skipped (bootstrapping is idempotent;
// after the first start the store's engine, not the file, is the truth); one
// that holds another store is an error.
#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "config/key_text.h"
#include "config/topology.h"
#include "config/topology_proto.h"
#include "config_commands.h"
#include "raftstore/store.h"

namespace nokv::configcmd {
namespace {

using config::RegionConfig;
using config::Topology;

int Fail(const char* sub, const std::string& message) {
  fmt::print(stderr, "nokv-config {}: {}\n", sub, message);
  return kExitFailure;
}

std::string RegionIds(const std::vector<metapb::Region>& regions, uint64_t store_id) {
  std::string ids;
  for (const metapb::Region& r : regions) {
    const bool here = std::any_of(r.peers().begin(), r.peers().end(),
                                  [&](const metapb::Peer& p) { return p.store_id() == store_id; });
    if (here) ids += (ids.empty() ? "" : ",") + std::to_string(r.id());
  }
  return ids;
}

// Bootstraps one store; prints what happened. Returns an exit code. A
// workdir that already holds this store is skipped when `skip_existing`
// (bootstrap from the topology is idempotent), else an error.
int BootstrapOne(const char* sub, uint64_t store_id, const std::string& workdir,
                 const std::vector<metapb::Region>& regions, bool skip_existing) {
  raftstore::StoreOptions options;
  options.store_id = store_id;
  options.workdir = workdir;
  const std::string ids = RegionIds(regions, store_id);
  const size_t count = ids.empty() ? 0 : std::count(ids.begin(), ids.end(), ',') + 1;
  std::error_code ec;
  std::filesystem::create_directories(workdir, ec);  // the store creates only the last level
  if (ec) return Fail(sub, fmt::format("create {}: {}", workdir, ec.message()));
  Status s = raftstore::BootstrapStore(options, regions);
  if (s.ok()) {
    fmt::print("bootstrapped store {} at {} ({} region(s){}{})\n", store_id, workdir, count,
               ids.empty() ? "" : ": ", ids);
    return kExitOk;
  }
  if (!s.IsBusy()) {
    return Fail(sub, fmt::format("store {} at {}: {}", store_id, workdir, s.ToString()));
  }
  // The workdir already holds a store: fine if it is this one.
  uint64_t existing = 0;
  std::vector<raftstore::RegionStatus> held;
  Status read = raftstore::ReadStoreRegions(workdir, nullptr, &existing, &held);
  if (!read.ok()) {
    return Fail(sub, fmt::format("store {} at {}: {} (and cannot read it: {})", store_id, workdir,
                                 s.ToString(), read.ToString()));
  }
  if (existing != store_id) {
    return Fail(sub, fmt::format("{} holds store {}, not store {}; pick another directory",
                                 workdir, existing, store_id));
  }
  if (!skip_existing) {
    return Fail(sub, fmt::format("{} already holds store {} ({} region(s)); a store workdir is "
                                 "bootstrapped once, nothing was added",
                                 workdir, store_id, held.size()));
  }
  fmt::print("store {} at {}: already bootstrapped ({} region(s) in its engine); skipped\n",
             store_id, workdir, held.size());
  return kExitOk;
}

std::string ReplaceId(std::string text, uint64_t id) {
  for (size_t at = text.find("{id}"); at != std::string::npos; at = text.find("{id}", at)) {
    text.replace(at, 4, std::to_string(id));
  }
  return text;
}

}  // namespace

int RunBootstrap(const BootstrapOptions& o) {
  const char* sub = "bootstrap";
  Result<config::Scope> scope = config::ParseScope(o.scope);
  if (!scope.ok()) {
    fmt::print(stderr, "nokv-config {}: {}\n", sub, scope.status().message());
    return kExitUsage;
  }
  if (!o.workdir.empty() && o.store_id == 0) {
    fmt::print(stderr, "nokv-config {}: --workdir needs --store-id (use --path-template for "
                       "every store)\n", sub);
    return kExitUsage;
  }
  if (!o.path_template.empty() && o.path_template.find("{id}") == std::string::npos) {
    fmt::print(stderr, "nokv-config {}: --path-template \"{}\" must contain {{id}}\n", sub,
               o.path_template);
    return kExitUsage;
  }
  Result<Topology> t = config::LoadTopologyFile(o.common.config);
  if (!t.ok()) return Fail(sub, t.status().message());
  if (!o.common.quiet) {
    for (const std::string& w : t->warnings) {
      fmt::print(stderr, "nokv-config: warning: {}: {}\n", o.common.config, w);
    }
  }
  if (o.store_id != 0 && !t->FindStore(o.store_id)) {
    return Fail(sub, fmt::format("unknown store {} (not in {})", o.store_id, o.common.config));
  }
  const std::vector<metapb::Region> regions = config::BootstrapRegions(t.value());

  int code = kExitOk;
  for (const config::StoreConfig& s : t->stores) {
    if (o.store_id != 0 && s.store_id != o.store_id) continue;
    std::string dir = !o.workdir.empty()         ? o.workdir
                      : !o.path_template.empty() ? ReplaceId(o.path_template, s.store_id)
                                                 : t->PathFromConfig(t->ResolveStoreWorkDir(
                                                       s.store_id, *scope));
    if (dir.empty()) {
      code = Fail(sub, fmt::format("no workdir for store {} in scope \"{}\" (pass --workdir or "
                                   "--path-template, or set store_work_dir_template)",
                                   s.store_id, config::ScopeName(*scope)));
      continue;
    }
    if (BootstrapOne(sub, s.store_id, dir, regions, true) != kExitOk) code = kExitFailure;
  }
  return code;
}

int RunManifest(const ManifestOptions& o) {
  const char* sub = "manifest";
  auto usage = [&](const std::string& m) {
    fmt::print(stderr, "nokv-config {}: {}\n", sub, m);
    return kExitUsage;
  };
  if (o.store_id == 0) return usage("--store-id must be > 0");
  if (o.region_id == 0) return usage("--region-id must be > 0");
  if (o.epoch_version == 0) return usage("--epoch-version must be > 0");
  RegionConfig r;
  r.id = o.region_id;
  Result<std::string> start = config::DecodeKeyText(o.start_key);
  if (!start.ok()) return usage("--start-key: " + start.status().message());
  Result<std::string> end = config::DecodeKeyText(o.end_key);
  if (!end.ok()) return usage("--end-key: " + end.status().message());
  r.start_key = start.value();
  r.end_key = end.value();
  if (!r.end_key.empty() && r.start_key >= r.end_key) {
    return usage("--start-key must be below --end-key");
  }
  std::set<uint64_t> stores, peer_ids;
  for (const std::string& text : o.peers) {
    const size_t colon = text.find(':');
    config::PeerConfig p;
    try {
      size_t used = 0;
      if (colon == std::string::npos) throw std::invalid_argument("no colon");
      p.store_id = std::stoull(text.substr(0, colon), &used);
      if (used != colon) throw std::invalid_argument("trailing text");
      p.peer_id = std::stoull(text.substr(colon + 1), &used);
      if (used != text.size() - colon - 1) throw std::invalid_argument("trailing text");
    } catch (const std::exception&) {
      return usage("invalid --peer \"" + text + "\" (want STORE:PEER, both > 0)");
    }
    if (p.store_id == 0 || p.peer_id == 0) {
      return usage("invalid --peer \"" + text + "\" (want STORE:PEER, both > 0)");
    }
    if (!stores.insert(p.store_id).second) {
      return usage("--peer " + text + ": store " + std::to_string(p.store_id) +
                   " already holds a peer of the region");
    }
    if (!peer_ids.insert(p.peer_id).second) {
      return usage("--peer " + text + ": duplicate peer id " + std::to_string(p.peer_id));
    }
    r.peers.push_back(p);
  }
  if (!stores.count(o.store_id)) {
    return usage("no --peer on store " + std::to_string(o.store_id) +
                 ": the store would hold nothing of region " + std::to_string(o.region_id));
  }
  r.epoch.version = o.epoch_version;
  r.epoch.conf_version = o.epoch_conf_version != 0 ? o.epoch_conf_version : r.peers.size();
  return BootstrapOne(sub, o.store_id, o.workdir, {config::ToMetaRegion(r)}, false);
}

}  // namespace nokv::configcmd
