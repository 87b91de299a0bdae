// ParseTopology / LoadTopologyFile: JSON text -> Topology. Syntax errors are
// located by json_syntax.h, values are read with Poco::JSON, and every field
// is type-checked here, each problem naming its JSON path. Validation rules
// that relate fields to each other live in topology_validate.cc.
#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/json_fields.h"
#include "config/json_syntax.h"
#include "config/key_text.h"
#include "config/topology.h"

namespace nokv::config {
namespace {

using json::Array;
using json::Describe;
using json::FieldReader;
using json::IsObject;
using json::Object;
using json::Var;

void ReadPd(FieldReader& r, const Object::Ptr& root, Topology* t) {
  Object::Ptr pd = r.Obj(root, "pd", "", false);
  if (!pd) return;
  r.WarnUnknown(pd, "pd", {"addr", "docker_addr", "work_dir", "docker_work_dir"});
  PdConfig c;
  r.String(pd, "addr", "pd", false, &c.addr);
  r.String(pd, "docker_addr", "pd", false, &c.docker_addr);
  r.String(pd, "work_dir", "pd", false, &c.work_dir);
  r.String(pd, "docker_work_dir", "pd", false, &c.docker_work_dir);
  t->pd = c;
}

void ReadStores(FieldReader& r, const Object::Ptr& root, Topology* t) {
  Array::Ptr stores = r.Arr(root, "stores", "", true);
  if (!stores) return;
  for (size_t i = 0; i < stores->size(); ++i) {
    const std::string path = FieldReader::Index("stores", i);
    Object::Ptr s = r.Element(stores, i, path);
    if (!s) continue;
    r.WarnUnknown(s, path,
                  {"store_id", "addr", "listen_addr", "docker_addr", "docker_listen_addr",
                   "work_dir", "docker_work_dir"});
    StoreConfig c;
    r.Uint(s, "store_id", path, true, &c.store_id);
    r.String(s, "addr", path, true, &c.addr);
    r.String(s, "listen_addr", path, false, &c.listen_addr);
    r.String(s, "docker_addr", path, false, &c.docker_addr);
    r.String(s, "docker_listen_addr", path, false, &c.docker_listen_addr);
    r.String(s, "work_dir", path, false, &c.work_dir);
    r.String(s, "docker_work_dir", path, false, &c.docker_work_dir);
    t->stores.push_back(std::move(c));
  }
}

void ReadRegions(FieldReader& r, const Object::Ptr& root, Topology* t) {
  Array::Ptr regions = r.Arr(root, "regions", "", true);
  if (!regions) return;
  for (size_t i = 0; i < regions->size(); ++i) {
    const std::string path = FieldReader::Index("regions", i);
    Object::Ptr o = r.Element(regions, i, path);
    if (!o) continue;
    r.WarnUnknown(o, path, {"id", "start_key", "end_key", "epoch", "peers", "leader_store_id"});
    RegionConfig c;
    r.Uint(o, "id", path, true, &c.id);
    r.Key(o, "start_key", path, &c.start_key);
    r.Key(o, "end_key", path, &c.end_key);
    if (Object::Ptr epoch = r.Obj(o, "epoch", path, true)) {
      const std::string epoch_path = path + ".epoch";
      r.WarnUnknown(epoch, epoch_path, {"version", "conf_version"});
      r.Uint(epoch, "version", epoch_path, true, &c.epoch.version);
      r.Uint(epoch, "conf_version", epoch_path, true, &c.epoch.conf_version);
    }
    if (Array::Ptr peers = r.Arr(o, "peers", path, true)) {
      for (size_t j = 0; j < peers->size(); ++j) {
        const std::string peer_path = FieldReader::Index(path + ".peers", j);
        Object::Ptr p = r.Element(peers, j, peer_path);
        if (!p) continue;
        r.WarnUnknown(p, peer_path, {"store_id", "peer_id"});
        PeerConfig peer;
        r.Uint(p, "store_id", peer_path, true, &peer.store_id);
        r.Uint(p, "peer_id", peer_path, true, &peer.peer_id);
        c.peers.push_back(peer);
      }
    }
    r.Uint(o, "leader_store_id", path, false, &c.leader_store_id);
    t->regions.push_back(std::move(c));
  }
}

Status Problems(std::string_view source, const std::vector<std::string>& problems) {
  std::string prefix = source.empty() ? "" : std::string(source) + ": ";
  if (problems.size() == 1) return Status::InvalidArgument(prefix + problems[0]);
  std::string message = prefix + std::to_string(problems.size()) + " problems:";
  for (const std::string& p : problems) message += "\n  " + p;
  return Status::InvalidArgument(message);
}

}  // namespace

Result<Topology> ParseTopology(std::string_view json, std::string_view source) {
  if (std::optional<JsonSyntaxError> e = FindJsonSyntaxError(json)) {
    return Problems(source, {"line " + std::to_string(e->line) + ", column " +
                             std::to_string(e->column) + ": " + e->message});
  }
  Var parsed;
  try {
    Poco::JSON::Parser parser;
    parsed = parser.parse(std::string(json));
  } catch (const Poco::Exception& e) {
    return Problems(source, {"not valid JSON: " + e.message()});
  }
  if (!IsObject(parsed)) {
    return Problems(source, {"expected a JSON object at the top level, got " + Describe(parsed)});
  }
  const Object::Ptr root = parsed.extract<Object::Ptr>();

  Topology t;
  t.source = std::string(source);
  std::vector<std::string> errors;
  FieldReader r(&errors, &t.warnings);
  r.WarnUnknown(root, "",
                {"max_retries", "pd", "store_work_dir_template", "store_docker_work_dir_template",
                 "stores", "regions"});
  r.Int(root, "max_retries", "", &t.max_retries);
  ReadPd(r, root, &t);
  r.String(root, "store_work_dir_template", "", false, &t.store_work_dir_template);
  r.String(root, "store_docker_work_dir_template", "", false, &t.store_docker_work_dir_template);
  ReadStores(r, root, &t);
  ReadRegions(r, root, &t);
  if (!errors.empty()) return Problems(source, errors);

  std::vector<std::string> invalid = ValidateTopology(&t);
  if (!invalid.empty()) return Problems(source, invalid);
  return t;
}

Result<Topology> LoadTopologyFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::IOError(path + ": is a directory, not a topology file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IOError(path + ": cannot open the topology file: " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError(path + ": read error");
  return ParseTopology(text.str(), path);
}

}  // namespace nokv::config
