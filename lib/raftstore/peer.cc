// Small helpers on peers and region ranges (see peer.h).
#include "raftstore/peer.h"

namespace nokv::raftstore {

std::string PeerName(const Peer& p) {
  return "region " + std::to_string(p.region_id) + " peer " + std::to_string(p.peer_id);
}

bool KeyInRegion(std::string_view key, const metapb::Region& region) {
  return key >= region.start_key() && (region.end_key().empty() || key < region.end_key());
}

bool RangesOverlap(std::string_view start_a, std::string_view end_a, std::string_view start_b,
                   std::string_view end_b) {
  // [sa, ea) and [sb, eb) overlap iff sa < eb and sb < ea (empty end = +inf).
  const bool a_before_b_end = end_b.empty() || start_a < end_b;
  const bool b_before_a_end = end_a.empty() || start_b < end_a;
  return a_before_b_end && b_before_a_end;
}

bool EpochEqual(const metapb::RegionEpoch& a, const metapb::RegionEpoch& b) {
  return a.conf_ver() == b.conf_ver() && a.version() == b.version();
}

bool EpochStale(const metapb::RegionEpoch& a, const metapb::RegionEpoch& b) {
  return a.conf_ver() < b.conf_ver() || a.version() < b.version();
}

raftpb::ConfState ConfStateOf(const metapb::Region& region) {
  raftpb::ConfState cs;
  for (const metapb::Peer& p : region.peers()) {
    if (p.role() == metapb::LEARNER) {
      cs.add_learners(p.id());
    } else {
      cs.add_voters(p.id());
    }
  }
  return cs;
}

}  // namespace nokv::raftstore
