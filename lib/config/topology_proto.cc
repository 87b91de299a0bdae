// Topology regions -> metapb::Region (topology_proto.h).
#include "config/topology_proto.h"

namespace nokv::config {

metapb::Region ToMetaRegion(const RegionConfig& r) {
  metapb::Region m;
  m.set_id(r.id);
  m.set_start_key(r.start_key);
  m.set_end_key(r.end_key);
  m.mutable_region_epoch()->set_version(r.epoch.version);
  m.mutable_region_epoch()->set_conf_ver(r.epoch.conf_version);
  for (const PeerConfig& p : r.peers) {
    metapb::Peer* peer = m.add_peers();
    peer->set_id(p.peer_id);
    peer->set_store_id(p.store_id);
    peer->set_role(metapb::VOTER);
  }
  return m;
}

std::vector<metapb::Region> BootstrapRegions(const Topology& topology) {
  std::vector<metapb::Region> out;
  out.reserve(topology.regions.size());
  for (const RegionConfig& r : topology.regions) out.push_back(ToMetaRegion(r));
  return out;
}

}  // namespace nokv::config
