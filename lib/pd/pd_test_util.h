// Helpers for the PD tests: regions, stores and fake clusters built in one
// line each.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "pd/scheduler.h"
#include "proto/metapb.pb.h"

namespace nokv::pd::testing {

// peers: (peer id, store id), default one peer id*10+1 on store 1; role
// voter unless listed in `learners`.
inline metapb::Region MakeRegion(uint64_t id, std::string start, std::string end,
                                 uint64_t version = 1, uint64_t conf_ver = 1,
                                 std::vector<std::pair<uint64_t, uint64_t>> peers = {},
                                 std::vector<uint64_t> learners = {}) {
  if (peers.empty()) peers.emplace_back(id * 10 + 1, 1);
  metapb::Region r;
  r.set_id(id);
  r.set_start_key(std::move(start));
  r.set_end_key(std::move(end));
  r.mutable_region_epoch()->set_version(version);
  r.mutable_region_epoch()->set_conf_ver(conf_ver);
  for (auto [peer_id, store_id] : peers) {
    metapb::Peer* p = r.add_peers();
    p->set_id(peer_id);
    p->set_store_id(store_id);
    for (uint64_t l : learners) {
      if (l == peer_id) p->set_role(metapb::LEARNER);
    }
  }
  return r;
}

inline metapb::Store MakeStore(uint64_t id) {
  metapb::Store s;
  s.set_id(id);
  s.set_address("127.0.0.1:" + std::to_string(20160 + id));
  return s;
}

inline metapb::Peer PeerOf(const metapb::Region& r, uint64_t store_id) {
  for (const metapb::Peer& p : r.peers()) {
    if (p.store_id() == store_id) return p;
  }
  return metapb::Peer();
}

inline RegionInfo Info(const metapb::Region& r, uint64_t leader_store) {
  RegionInfo info;
  info.meta = r;
  info.leader = PeerOf(r, leader_store);
  info.last_heartbeat_ms = 1;
  return info;
}

inline StoreView View(uint64_t id, uint64_t regions = 0, uint64_t leaders = 0) {
  StoreView v;
  v.id = id;
  v.schedulable = true;
  v.region_count = regions;
  v.leader_count = leaders;
  v.available = 100;
  return v;
}

}  // namespace nokv::pd::testing
