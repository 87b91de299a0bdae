// ValidateTopology: the rules that relate fields of a parsed topology to each
// other (docs/cluster.md "Validation"). Each problem names the field it is
// about and, for a conflict, the other field involved.
#include <algorithm>
#include <map>
#include <string>

#include "config/key_text.h"
#include "config/topology.h"

namespace nokv::config {
namespace {

std::string StorePath(size_t i) { return "stores[" + std::to_string(i) + "]"; }
std::string RegionPath(size_t i) { return "regions[" + std::to_string(i) + "]"; }

// A key for messages: "" for -inf/+inf is shown by the caller's brackets.
std::string Quoted(const std::string& key) { return "\"" + EncodeKeyText(key) + "\""; }

std::string RangeText(const RegionConfig& r) {
  return "[" + (r.start_key.empty() ? std::string("-inf") : Quoted(r.start_key)) + ", " +
         (r.end_key.empty() ? std::string("+inf") : Quoted(r.end_key)) + ")";
}

void CheckTemplate(const std::string& name, const std::string& value,
                   std::vector<std::string>* errors) {
  if (!value.empty() && value.find("{id}") == std::string::npos) {
    errors->push_back(name + ": \"" + value +
                      "\" must contain {id} (replaced by each store's id)");
  }
}

void CheckAddr(const std::string& path, const std::string& value, bool required,
               std::vector<std::string>* errors) {
  if (value.empty()) {
    if (required) errors->push_back(path + ": empty (want HOST:PORT)");
    return;
  }
  if (!IsHostPort(value)) {
    errors->push_back(path + ": \"" + value + "\" is not HOST:PORT (port 1-65535)");
  }
}

void CheckPd(const Topology& t, std::vector<std::string>* errors) {
  if (!t.pd) return;
  CheckAddr("pd.addr", t.pd->addr, false, errors);
  CheckAddr("pd.docker_addr", t.pd->docker_addr, false, errors);
}

void CheckStores(const Topology& t, std::vector<std::string>* errors) {
  if (t.stores.empty()) errors->push_back("stores: empty (at least one store is required)");
  std::map<uint64_t, size_t> ids;
  // Advertised addresses must differ (clients could not tell the stores
  // apart), and so must specific listen addresses (one IP:port is one
  // socket); wildcard listen addresses may repeat across machines.
  std::map<std::string, std::string> host_addrs;
  if (t.pd && !t.pd->addr.empty()) host_addrs[t.pd->addr] = "pd.addr";
  for (size_t i = 0; i < t.stores.size(); ++i) {
    const StoreConfig& s = t.stores[i];
    const std::string path = StorePath(i);
    if (s.store_id == 0) {
      errors->push_back(path + ".store_id: must be > 0");
    } else if (auto [it, fresh] = ids.emplace(s.store_id, i); !fresh) {
      errors->push_back(path + ".store_id: duplicate " + std::to_string(s.store_id) + " (also " +
                        StorePath(it->second) + ")");
    }
    CheckAddr(path + ".addr", s.addr, true, errors);
    CheckAddr(path + ".listen_addr", s.listen_addr, false, errors);
    CheckAddr(path + ".docker_addr", s.docker_addr, false, errors);
    CheckAddr(path + ".docker_listen_addr", s.docker_listen_addr, false, errors);
    std::vector<std::pair<std::string, std::string>> host_fields = {{s.addr, path + ".addr"}};
    const bool wildcard = s.listen_addr.rfind("0.0.0.0:", 0) == 0 ||
                          s.listen_addr.rfind("[::]:", 0) == 0;
    if (!s.listen_addr.empty() && s.listen_addr != s.addr && !wildcard) {
      host_fields.emplace_back(s.listen_addr, path + ".listen_addr");
    }
    for (const auto& [addr, field] : host_fields) {
      if (addr.empty()) continue;
      auto [it, fresh] = host_addrs.emplace(addr, field);
      if (!fresh) errors->push_back(field + ": " + addr + " is already used by " + it->second);
    }
  }
}

void CheckRegionPeers(const Topology& t, size_t i, std::map<uint64_t, std::string>* peer_ids,
                      std::vector<std::string>* errors) {
  const RegionConfig& r = t.regions[i];
  const std::string path = RegionPath(i);
  if (r.peers.empty()) errors->push_back(path + ".peers: empty (at least one peer is required)");
  std::map<uint64_t, size_t> stores_seen;
  for (size_t j = 0; j < r.peers.size(); ++j) {
    const PeerConfig& p = r.peers[j];
    const std::string peer_path = path + ".peers[" + std::to_string(j) + "]";
    if (p.store_id == 0) {
      errors->push_back(peer_path + ".store_id: must be > 0");
    } else if (!t.FindStore(p.store_id)) {
      errors->push_back(peer_path + ".store_id: unknown store " + std::to_string(p.store_id) +
                        " (not in stores[])");
    } else if (auto [it, fresh] = stores_seen.emplace(p.store_id, j); !fresh) {
      errors->push_back(peer_path + ".store_id: store " + std::to_string(p.store_id) +
                        " already holds a peer of this region (" + path + ".peers[" +
                        std::to_string(it->second) + "])");
    }
    if (p.peer_id == 0) {
      errors->push_back(peer_path + ".peer_id: must be > 0");
    } else if (auto [it, fresh] = peer_ids->emplace(p.peer_id, peer_path); !fresh) {
      errors->push_back(peer_path + ".peer_id: duplicate " + std::to_string(p.peer_id) +
                        " (also " + it->second + "); peer ids are unique in the cluster");
    }
  }
  if (r.leader_store_id != 0) {
    if (!t.FindStore(r.leader_store_id)) {
      errors->push_back(path + ".leader_store_id: unknown store " +
                        std::to_string(r.leader_store_id));
    } else if (!r.HasStore(r.leader_store_id)) {
      errors->push_back(path + ".leader_store_id: store " + std::to_string(r.leader_store_id) +
                        " holds no peer of this region");
    }
  }
}

// Regions sorted by start key must not overlap: each one ends at or before
// the next one starts. Gaps are allowed but reported as warnings.
void CheckRanges(Topology* t, std::vector<std::string>* errors) {
  std::vector<size_t> order;
  for (size_t i = 0; i < t->regions.size(); ++i) {
    const RegionConfig& r = t->regions[i];
    if (!r.end_key.empty() && r.start_key >= r.end_key) {
      errors->push_back(RegionPath(i) + ": start_key " + Quoted(r.start_key) +
                        " is not below end_key " + Quoted(r.end_key) + " (empty range)");
      continue;
    }
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return t->regions[a].start_key < t->regions[b].start_key;
  });
  if (!order.empty() && !t->regions[order.front()].start_key.empty()) {
    t->warnings.push_back("regions: no bootstrap region covers keys below " +
                          Quoted(t->regions[order.front()].start_key));
  }
  for (size_t k = 0; k + 1 < order.size(); ++k) {
    const RegionConfig& a = t->regions[order[k]];
    const RegionConfig& b = t->regions[order[k + 1]];
    if (a.end_key.empty() || a.end_key > b.start_key) {
      errors->push_back(RegionPath(order[k + 1]) + " (id " + std::to_string(b.id) + ", " +
                        RangeText(b) + ") overlaps " + RegionPath(order[k]) + " (id " +
                        std::to_string(a.id) + ", " + RangeText(a) + ")");
    } else if (a.end_key < b.start_key) {
      t->warnings.push_back("regions: no bootstrap region covers [" + Quoted(a.end_key) + ", " +
                            Quoted(b.start_key) + ")");
    }
  }
  if (!order.empty() && !t->regions[order.back()].end_key.empty()) {
    t->warnings.push_back("regions: no bootstrap region covers keys from " +
                          Quoted(t->regions[order.back()].end_key) + " on");
  }
}

void CheckRegions(Topology* t, std::vector<std::string>* errors) {
  if (t->regions.empty()) {
    errors->push_back("regions: empty (at least one bootstrap region is required)");
  }
  std::map<uint64_t, size_t> ids;
  std::map<uint64_t, std::string> peer_ids;
  for (size_t i = 0; i < t->regions.size(); ++i) {
    const RegionConfig& r = t->regions[i];
    const std::string path = RegionPath(i);
    if (r.id == 0) {
      errors->push_back(path + ".id: must be > 0");
    } else if (auto [it, fresh] = ids.emplace(r.id, i); !fresh) {
      errors->push_back(path + ".id: duplicate " + std::to_string(r.id) + " (also " +
                        RegionPath(it->second) + ")");
    }
    if (r.epoch.version == 0) errors->push_back(path + ".epoch.version: must be > 0");
    if (r.epoch.conf_version == 0) errors->push_back(path + ".epoch.conf_version: must be > 0");
    CheckRegionPeers(*t, i, &peer_ids, errors);
  }
  CheckRanges(t, errors);
}

}  // namespace

std::vector<std::string> ValidateTopology(Topology* topology) {
  std::vector<std::string> errors;
  CheckTemplate("store_work_dir_template", topology->store_work_dir_template, &errors);
  CheckTemplate("store_docker_work_dir_template", topology->store_docker_work_dir_template,
                &errors);
  CheckPd(*topology, &errors);
  CheckStores(*topology, &errors);
  CheckRegions(topology, &errors);
  return errors;
}

}  // namespace nokv::config
