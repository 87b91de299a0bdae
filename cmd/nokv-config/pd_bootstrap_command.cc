// nokv-config bootstrap-pd: tells a fresh PD what the topology file's
// cluster looks like before any store runs: PD is bootstrapped with the
// first region and its leader's store, learns every other store's address
// (PutStore) and every other bootstrap region (a first heartbeat naming its
// hinted leader). Stores then find each other through PD from their first
// message, and `nokv regions --pd-addr` shows the cluster at once. A PD that
// is already bootstrapped is left alone (it, not the file, is the authority
// now). A PD whose id allocator is not above the file's ids is refused: its
// new region and peer ids would collide with the file's.
#include <fmt/core.h>

#include "config/topology.h"
#include "config/topology_proto.h"
#include "config_commands.h"
#include "pd/pd_client.h"

namespace nokv::configcmd {
namespace {

int Fail(const std::string& message) {
  fmt::print(stderr, "nokv-config bootstrap-pd: {}\n", message);
  return kExitFailure;
}

// The region's hinted leader peer: the peer on leader_store_id, else the first.
metapb::Peer LeaderOf(const config::RegionConfig& r, const metapb::Region& meta) {
  for (const metapb::Peer& p : meta.peers()) {
    if (p.store_id() == r.leader_store_id) return p;
  }
  return meta.peers(0);
}

metapb::Store StoreMeta(const config::StoreConfig& s, config::Scope scope) {
  metapb::Store m;
  m.set_id(s.store_id);
  m.set_address(config::Topology::StoreAdvertiseAddr(s, scope));
  return m;
}

}  // namespace

int RunBootstrapPd(const BootstrapPdOptions& o) {
  Result<config::Scope> scope = config::ParseScope(o.scope);
  if (!scope.ok()) {
    fmt::print(stderr, "nokv-config bootstrap-pd: {}\n", scope.status().message());
    return kExitUsage;
  }
  Result<config::Topology> loaded = config::LoadTopologyFile(o.common.config);
  if (!loaded.ok()) return Fail(loaded.status().message());
  const config::Topology& t = loaded.value();
  std::string pd_addr = o.pd_addr;
  if (pd_addr.empty()) {
    Result<std::string> addr = t.ResolvePdAddr(*scope);
    if (!addr.ok()) return Fail(addr.status().message() + " (pass --pd-addr)");
    pd_addr = addr.value();
  }
  pd::PdClientOptions options;
  options.endpoints = {pd_addr};
  options.rpc_timeout_ms = o.timeout_ms;
  options.max_attempts = 3;
  options.cache_regions = false;
  Result<std::unique_ptr<pd::PdClient>> created = pd::PdClient::Create(options);
  if (!created.ok()) return Fail(created.status().ToString());
  pd::PdClient& client = *created.value();

  Result<bool> bootstrapped = client.IsBootstrapped();
  if (!bootstrapped.ok()) return Fail("PD " + pd_addr + ": " + bootstrapped.status().ToString());
  if (bootstrapped.value()) {
    fmt::print("PD at {} is already bootstrapped; skipped (PD, not the file, is the authority "
               "now)\n",
               pd_addr);
    return kExitOk;
  }
  Result<uint64_t> id = client.AllocID();
  if (!id.ok()) return Fail("PD " + pd_addr + ": AllocID: " + id.status().ToString());
  if (id.value() <= t.MaxId()) {
    return Fail(fmt::format("PD at {} allocates id {}, but {} uses ids up to {}: new regions "
                            "and peers would collide; restart PD with --id-start {} (see "
                            "nokv-config pd --field id-start)",
                            pd_addr, id.value(), o.common.config, t.MaxId(), t.MaxId() + 1));
  }

  const std::vector<metapb::Region> regions = config::BootstrapRegions(t);
  const metapb::Peer first_leader = LeaderOf(t.regions[0], regions[0]);
  const config::StoreConfig* first_store = t.FindStore(first_leader.store_id());
  Status s = client.Bootstrap(StoreMeta(*first_store, *scope), regions[0]);
  if (s.IsBusy()) {  // ALREADY_BOOTSTRAPPED: another store's script was first
    fmt::print("PD at {} is already bootstrapped; skipped (PD, not the file, is the authority "
               "now)\n",
               pd_addr);
    return kExitOk;
  }
  if (!s.ok()) return Fail("PD " + pd_addr + ": Bootstrap: " + s.ToString());
  for (const config::StoreConfig& store : t.stores) {
    if (store.store_id == first_store->store_id) continue;
    s = client.PutStore(StoreMeta(store, *scope));
    if (!s.ok()) return Fail(fmt::format("PD {}: PutStore {}: {}", pd_addr, store.store_id,
                                         s.ToString()));
  }
  for (size_t i = 1; i < regions.size(); ++i) {
    pdpb::RegionHeartbeatRequest hb;
    *hb.mutable_region() = regions[i];
    *hb.mutable_leader() = LeaderOf(t.regions[i], regions[i]);
    Result<pdpb::RegionHeartbeatResponse> r = client.RegionHeartbeat(hb);
    if (!r.ok()) {
      return Fail(fmt::format("PD {}: region {}: {}", pd_addr, regions[i].id(),
                              r.status().ToString()));
    }
  }
  fmt::print("bootstrapped PD at {}: {} store(s), {} region(s)\n", pd_addr, t.stores.size(),
             regions.size());
  return kExitOk;
}

}  // namespace nokv::configcmd
