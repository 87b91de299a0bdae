// The topology's bootstrap regions as wire metadata (metapb::Region), the
// form the store runtime's BootstrapStore and PD take. Used by `nokv-config
// bootstrap` and by `nokv serve --config` to bootstrap a new store workdir.
#pragma once

#include <vector>

#include "config/topology.h"
#include "proto/metapb.pb.h"

namespace nokv::config {

// Range, epoch (version, conf_ver) and peers (all voters) of `region`.
metapb::Region ToMetaRegion(const RegionConfig& region);

// Every bootstrap region of the file, in file order. BootstrapStore keeps
// the ones with a peer on its store.
std::vector<metapb::Region> BootstrapRegions(const Topology& topology);

}  // namespace nokv::config
