// nokv-config validate | stores | regions | pd: read the topology file and
// print what scripts need, in a whitespace-safe simple format (one record a
// line, "-" for every empty value, keys in the key-text spelling, which has
// no spaces) or in JSON. Formats: man/nokv-config.1.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <fmt/core.h>

#include <sstream>

#include "config/key_text.h"
#include "config/topology.h"
#include "config_commands.h"

namespace nokv::configcmd {
namespace {

using config::RegionConfig;
using config::Scope;
using config::StoreConfig;
using config::Topology;
using Poco::JSON::Array;
using Poco::JSON::Object;

int Fail(const char* sub, const std::string& message) {
  fmt::print(stderr, "nokv-config {}: {}\n", sub, message);
  return kExitFailure;
}

int Usage(const char* sub, const std::string& message) {
  fmt::print(stderr, "nokv-config {}: {}\n", sub, message);
  return kExitUsage;
}

// Loads and validates the file; prints its warnings unless quiet.
Result<Topology> Load(const CommonOptions& common) {
  Result<Topology> t = config::LoadTopologyFile(common.config);
  if (!t.ok() && t.status().IsIOError()) {
    return Status::IOError(t.status().message() + " (pass --config FILE or set NOKV_CONFIG)");
  }
  if (t.ok() && !common.quiet) {
    for (const std::string& w : t->warnings) {
      fmt::print(stderr, "nokv-config: warning: {}: {}\n", common.config, w);
    }
  }
  return t;
}

std::string Dash(const std::string& value) { return value.empty() ? "-" : value; }

std::string KeyColumn(const std::string& key) { return Dash(config::EncodeKeyText(key)); }

Object::Ptr NewObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

void PrintJson(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  if (value.type() == typeid(Array::Ptr)) {
    value.extract<Array::Ptr>()->stringify(out);
  } else {
    value.extract<Object::Ptr>()->stringify(out);
  }
  fmt::print("{}\n", out.str());
}

bool CheckFormat(const char* sub, const std::string& format, int* code) {
  if (format == "simple" || format == "json") return true;
  *code = Usage(sub, "unknown format \"" + format + "\" (expected simple|json)");
  return false;
}

Object::Ptr StoreJson(const Topology& t, const StoreConfig& s) {
  Object::Ptr o = NewObject();
  o->set("store_id", s.store_id);
  o->set("addr", s.addr);
  o->set("listen_addr", Topology::StoreListenAddr(s, Scope::kHost));
  o->set("docker_addr", Topology::StoreAdvertiseAddr(s, Scope::kDocker));
  o->set("docker_listen_addr", Topology::StoreListenAddr(s, Scope::kDocker));
  o->set("work_dir", t.PathFromConfig(t.ResolveStoreWorkDir(s.store_id, Scope::kHost)));
  o->set("docker_work_dir", t.PathFromConfig(t.ResolveStoreWorkDir(s.store_id, Scope::kDocker)));
  return o;
}

Object::Ptr RegionJson(const RegionConfig& r) {
  Object::Ptr o = NewObject();
  o->set("id", r.id);
  o->set("start_key", config::EncodeKeyText(r.start_key));
  o->set("end_key", config::EncodeKeyText(r.end_key));
  Object::Ptr epoch = NewObject();
  epoch->set("version", r.epoch.version);
  epoch->set("conf_version", r.epoch.conf_version);
  o->set("epoch", epoch);
  Array::Ptr peers = new Array();
  for (const config::PeerConfig& p : r.peers) {
    Object::Ptr peer = NewObject();
    peer->set("store_id", p.store_id);
    peer->set("peer_id", p.peer_id);
    peers->add(peer);
  }
  o->set("peers", peers);
  o->set("leader_store_id", r.leader_store_id);
  return o;
}

}  // namespace

int RunValidate(const ValidateOptions& o) {
  Result<Topology> t = Load(o.common);
  if (!t.ok()) return Fail("validate", t.status().message());
  size_t peers = 0;
  for (const RegionConfig& r : t->regions) peers += r.peers.size();
  fmt::print("{}: ok ({} store(s), {} region(s), {} peer(s){})\n", o.common.config,
             t->stores.size(), t->regions.size(), peers,
             t->warnings.empty() ? "" : fmt::format(", {} warning(s)", t->warnings.size()));
  return kExitOk;
}

int RunStores(const StoresOptions& o) {
  int code = kExitOk;
  if (!CheckFormat("stores", o.format, &code)) return code;
  Result<Scope> scope = config::ParseScope(o.scope);
  if (!scope.ok()) return Usage("stores", scope.status().message());
  if (!o.field.empty() && o.store_id == 0) return Usage("stores", "--field needs --store-id");
  Result<Topology> t = Load(o.common);
  if (!t.ok()) return Fail("stores", t.status().message());
  std::vector<const StoreConfig*> stores;
  for (const StoreConfig& s : t->stores) {
    if (o.store_id == 0 || s.store_id == o.store_id) stores.push_back(&s);
  }
  if (stores.empty()) {
    return Fail("stores", "unknown store " + std::to_string(o.store_id) + " (not in " +
                              o.common.config + ")");
  }

  if (!o.field.empty()) {
    const StoreConfig& s = *stores.front();
    std::string value;
    if (o.field == "listen_addr") {
      value = Topology::StoreListenAddr(s, *scope);
    } else if (o.field == "addr") {
      value = Topology::StoreAdvertiseAddr(s, *scope);
    } else if (o.field == "work_dir") {
      value = t->PathFromConfig(t->ResolveStoreWorkDir(s.store_id, *scope));
      if (value.empty()) {
        return Fail("stores", "no work_dir for store " + std::to_string(s.store_id) +
                                  " in scope \"" + config::ScopeName(*scope) +
                                  "\" (set stores[].work_dir or store_work_dir_template)");
      }
    } else {
      return Usage("stores",
                   "unknown field \"" + o.field + "\" (expected listen_addr|addr|work_dir)");
    }
    fmt::print("{}\n", value);
    return kExitOk;
  }

  if (o.format == "json") {
    Array::Ptr out = new Array();
    for (const StoreConfig* s : stores) out->add(StoreJson(*t, *s));
    PrintJson(out);
    return kExitOk;
  }
  for (const StoreConfig* s : stores) {
    fmt::print("{} {} {} {} {} {} {}\n", s->store_id,
               Dash(Topology::StoreListenAddr(*s, Scope::kHost)), Dash(s->addr),
               Dash(Topology::StoreListenAddr(*s, Scope::kDocker)),
               Dash(Topology::StoreAdvertiseAddr(*s, Scope::kDocker)),
               Dash(t->PathFromConfig(t->ResolveStoreWorkDir(s->store_id, Scope::kHost))),
               Dash(t->PathFromConfig(t->ResolveStoreWorkDir(s->store_id, Scope::kDocker))));
  }
  return kExitOk;
}

int RunRegions(const RegionsOptions& o) {
  int code = kExitOk;
  if (!CheckFormat("regions", o.format, &code)) return code;
  Result<Topology> t = Load(o.common);
  if (!t.ok()) return Fail("regions", t.status().message());
  if (o.store_id != 0 && !t->FindStore(o.store_id)) {
    return Fail("regions", "unknown store " + std::to_string(o.store_id) + " (not in " +
                               o.common.config + ")");
  }
  std::vector<const RegionConfig*> regions;
  for (const RegionConfig& r : t->regions) {
    if (o.store_id == 0 || r.HasStore(o.store_id)) regions.push_back(&r);
  }
  if (o.format == "json") {
    Array::Ptr out = new Array();
    for (const RegionConfig* r : regions) out->add(RegionJson(*r));
    PrintJson(out);
    return kExitOk;
  }
  for (const RegionConfig* r : regions) {
    std::string peers;
    for (const config::PeerConfig& p : r->peers) {
      peers += fmt::format("{}{}:{}", peers.empty() ? "" : ",", p.store_id, p.peer_id);
    }
    fmt::print("{} {} {} {} {} {} {}\n", r->id, KeyColumn(r->start_key), KeyColumn(r->end_key),
               r->epoch.version, r->epoch.conf_version, peers, r->leader_store_id);
  }
  return kExitOk;
}

int RunPd(const PdOptions& o) {
  int code = kExitOk;
  if (!CheckFormat("pd", o.format, &code)) return code;
  Result<Scope> scope = config::ParseScope(o.scope);
  if (!scope.ok()) return Usage("pd", scope.status().message());
  if (o.field != "addr" && o.field != "workdir" && o.field != "id-start") {
    return Usage("pd", "unknown field \"" + o.field + "\" (expected addr|workdir|id-start)");
  }
  Result<Topology> t = Load(o.common);
  if (!t.ok()) return Fail("pd", t.status().message());
  if (o.field == "id-start" && o.format == "simple") {
    fmt::print("{}\n", t->MaxId() + 1);  // needs no pd block
    return kExitOk;
  }
  if (!t->pd) return Fail("pd", "pd block missing from configuration");
  if (o.format == "json") {
    Object::Ptr pd = NewObject();
    pd->set("addr", t->pd->addr);
    pd->set("docker_addr", t->pd->docker_addr);
    pd->set("work_dir", t->PathFromConfig(t->pd->work_dir));
    pd->set("docker_work_dir", t->PathFromConfig(t->pd->docker_work_dir));
    PrintJson(pd);
    return kExitOk;
  }
  Result<std::string> value =
      o.field == "addr" ? t->ResolvePdAddr(*scope) : t->ResolvePdWorkDir(*scope);
  if (!value.ok()) return Fail("pd", value.status().message());
  fmt::print("{}\n", o.field == "addr" ? value.value() : t->PathFromConfig(value.value()));
  return kExitOk;
}

}  // namespace nokv::configcmd
