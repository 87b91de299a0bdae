// nokv regions: the regions of one store read offline from its workdir
// (--workdir), or the cluster's regions with their leaders as PD sees them
// (--pd-addr); text or JSON (field names in man/nokv.1; keys both in the
// key-text spelling and in plain hex).
#include <fmt/core.h>

#include <algorithm>

#include "commands.h"
#include "config/key_text.h"
#include "region_listing.h"
#include "report_json.h"
#include "text_output.h"

namespace nokv::cli {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string KeyCell(const std::string& key, const char* unbounded) {
  return key.empty() ? unbounded : config::EncodeKeyText(key);
}

std::string PeersCell(const RegionRow& r) {
  std::string out;
  for (const RegionPeerRow& p : r.peers) {
    out += fmt::format("{}{}:{}{}", out.empty() ? "" : ",", p.store_id, p.peer_id,
                       p.learner ? "(learner)" : "");
  }
  return out.empty() ? "-" : out;
}

void PrintText(const RegionListing& l) {
  if (l.offline) {
    fmt::print("Store {} at {} (offline): {} region(s)\n", l.store_id, l.workdir,
               l.regions.size());
  } else {
    if (!l.bootstrapped) {
      fmt::print("PD {}: the cluster is not bootstrapped yet (no store has started); no "
                 "regions\n",
                 l.pd_addr);
      return;
    }
    fmt::print("PD {}: {} store(s), {} region(s)\n", l.pd_addr, l.stores.size(),
               l.regions.size());
    fmt::print("\nStores:\n");
    TextTable stores({{"ID", true}, {"ADDRESS"}, {"STATE"}});
    for (const StoreRow& s : l.stores) {
      stores.AddRow({std::to_string(s.store_id), s.address.empty() ? "-" : s.address, s.state});
    }
    fmt::print("{}", l.stores.empty() ? "  (none)\n" : stores.Render());
    fmt::print("\nRegions:\n");
  }
  if (l.regions.empty()) {
    fmt::print("  (none)\n");
    return;
  }
  std::vector<TextTable::Column> columns = {{"ID", true},      {"START"}, {"END"},
                                            {"VERSION", true}, {"CONF_VER", true},
                                            {"PEERS (store:peer)"}};
  if (l.offline) {
    for (const char* c : {"STATE", "LOCAL_PEER", "TERM", "APPLIED", "COMMIT", "LOG"}) {
      columns.push_back({c, std::string(c) != "STATE" && std::string(c) != "LOG"});
    }
  } else {
    for (const char* c : {"LEADER", "SIZE", "KEYS"}) {
      columns.push_back({c, std::string(c) != "LEADER"});
    }
  }
  TextTable table(columns);
  for (const RegionRow& r : l.regions) {
    std::vector<std::string> cells = {std::to_string(r.id),
                                      KeyCell(r.start_key, "-inf"),
                                      KeyCell(r.end_key, "+inf"),
                                      std::to_string(r.epoch_version),
                                      std::to_string(r.epoch_conf_version),
                                      PeersCell(r)};
    if (l.offline) {
      cells.insert(cells.end(),
                   {r.state, std::to_string(r.local_peer_id), std::to_string(r.term),
                    std::to_string(r.applied_index), std::to_string(r.commit_index),
                    fmt::format("[{}, {}]", r.first_index, r.last_index)});
    } else {
      cells.insert(cells.end(),
                   {r.leader.peer_id == 0
                        ? std::string("-")
                        : fmt::format("{}:{}", r.leader.store_id, r.leader.peer_id),
                    HumanBytes(r.approximate_size), std::to_string(r.approximate_keys)});
    }
    table.AddRow(std::move(cells));
  }
  fmt::print("{}", table.Render());
}

Object::Ptr PeerJson(const RegionPeerRow& p) {
  Object::Ptr o = NewJsonObject();
  o->set("peer_id", p.peer_id);
  o->set("store_id", p.store_id);
  o->set("role", p.learner ? "learner" : "voter");
  return o;
}

void PrintJsonListing(const RegionListing& l) {
  Object::Ptr root = NewJsonObject();
  root->set("source", l.offline ? "workdir" : "pd");
  if (l.offline) {
    root->set("workdir", l.workdir);
    root->set("store_id", l.store_id);
  } else {
    root->set("pd_addr", l.pd_addr);
    root->set("bootstrapped", l.bootstrapped);
    Array::Ptr stores = new Array();
    for (const StoreRow& s : l.stores) {
      Object::Ptr o = NewJsonObject();
      o->set("store_id", s.store_id);
      o->set("address", s.address);
      o->set("state", s.state);
      stores->add(o);
    }
    root->set("stores", stores);
  }
  Array::Ptr regions = new Array();
  for (const RegionRow& r : l.regions) {
    Object::Ptr o = NewJsonObject();
    o->set("id", r.id);
    o->set("start_key", config::EncodeKeyText(r.start_key));
    o->set("end_key", config::EncodeKeyText(r.end_key));
    o->set("start_key_hex", config::HexEncode(r.start_key));
    o->set("end_key_hex", config::HexEncode(r.end_key));
    Object::Ptr epoch = NewJsonObject();
    epoch->set("version", r.epoch_version);
    epoch->set("conf_version", r.epoch_conf_version);
    o->set("epoch", epoch);
    Array::Ptr peers = new Array();
    for (const RegionPeerRow& p : r.peers) peers->add(PeerJson(p));
    o->set("peers", peers);
    if (l.offline) {
      o->set("state", r.state);
      o->set("local_peer_id", r.local_peer_id);
      o->set("term", r.term);
      o->set("applied_index", r.applied_index);
      o->set("commit_index", r.commit_index);
      o->set("first_index", r.first_index);
      o->set("last_index", r.last_index);
    } else {
      if (r.leader.peer_id == 0) {
        o->set("leader", Poco::Dynamic::Var());  // null: unknown
      } else {
        o->set("leader", PeerJson(r.leader));
      }
      o->set("approximate_size", r.approximate_size);
      o->set("approximate_keys", r.approximate_keys);
    }
    regions->add(o);
  }
  root->set("regions", regions);
  PrintJson(root);
}

}  // namespace

int RunRegions(const RegionsOptions& o) {
  if (o.workdir.empty() == o.pd_addr.empty()) {
    fmt::print(stderr,
               "nokv regions: give exactly one of --workdir DIR (one store, offline) or "
               "--pd-addr HOST:PORT (the cluster, live)\n");
    return kExitUsage;
  }
  RegionListing listing;
  Status s = o.workdir.empty() ? ReadLiveRegions(o.pd_addr, o.pd_timeout_ms, &listing)
                               : ReadOfflineRegions(o.workdir, &listing);
  if (!s.ok()) {
    fmt::print(stderr, "nokv regions: {}\n", s.ToString());
    return kExitFailure;
  }
  std::sort(listing.regions.begin(), listing.regions.end(),
            [](const RegionRow& a, const RegionRow& b) { return a.start_key < b.start_key; });
  if (o.json) {
    PrintJsonListing(listing);
  } else {
    PrintText(listing);
  }
  return kExitOk;
}

}  // namespace nokv::cli
