// Topology lookups and scope resolution (topology.h); loading is in
// topology_parse.cc, validation in topology_validate.cc.
#include "config/topology.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace nokv::config {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string FirstNonEmpty(std::initializer_list<const std::string*> candidates) {
  for (const std::string* c : candidates) {
    if (!c->empty()) return *c;
  }
  return std::string();
}

std::string ReplaceId(std::string text, uint64_t id) {
  const std::string decimal = std::to_string(id);
  for (size_t at = text.find("{id}"); at != std::string::npos;
       at = text.find("{id}", at + decimal.size())) {
    text.replace(at, 4, decimal);
  }
  return text;
}

}  // namespace

Result<Scope> ParseScope(std::string_view text) {
  const std::string scope = Lower(text);
  if (scope == "host" || scope == "local") return Scope::kHost;
  if (scope == "docker") return Scope::kDocker;
  return Status::InvalidArgument("invalid scope \"" + std::string(text) +
                                 "\" (expected host|docker)");
}

const char* ScopeName(Scope scope) { return scope == Scope::kDocker ? "docker" : "host"; }

bool RegionConfig::HasStore(uint64_t store_id) const { return PeerOnStore(store_id) != nullptr; }

const PeerConfig* RegionConfig::PeerOnStore(uint64_t store_id) const {
  for (const PeerConfig& p : peers) {
    if (p.store_id == store_id) return &p;
  }
  return nullptr;
}

const StoreConfig* Topology::FindStore(uint64_t store_id) const {
  for (const StoreConfig& s : stores) {
    if (s.store_id == store_id) return &s;
  }
  return nullptr;
}

uint64_t Topology::MaxId() const {
  uint64_t max = 0;
  for (const StoreConfig& s : stores) max = std::max(max, s.store_id);
  for (const RegionConfig& r : regions) {
    max = std::max(max, r.id);
    for (const PeerConfig& p : r.peers) max = std::max(max, p.peer_id);
  }
  return max;
}

std::vector<const RegionConfig*> Topology::RegionsOfStore(uint64_t store_id) const {
  std::vector<const RegionConfig*> out;
  for (const RegionConfig& r : regions) {
    if (r.HasStore(store_id)) out.push_back(&r);
  }
  return out;
}

Result<std::string> Topology::ResolvePdAddr(Scope scope) const {
  if (!pd) return Status::NotFound("pd block missing from configuration");
  const std::string addr = scope == Scope::kDocker ? FirstNonEmpty({&pd->docker_addr, &pd->addr})
                                                   : pd->addr;
  if (addr.empty()) {
    return Status::NotFound(std::string("pd address missing for scope \"") + ScopeName(scope) +
                            "\"");
  }
  return addr;
}

Result<std::string> Topology::ResolvePdWorkDir(Scope scope) const {
  if (!pd) return Status::NotFound("pd block missing from configuration");
  const std::string dir = scope == Scope::kDocker
                              ? FirstNonEmpty({&pd->docker_work_dir, &pd->work_dir})
                              : pd->work_dir;
  if (dir.empty()) {
    return Status::NotFound(std::string("pd workdir missing for scope \"") + ScopeName(scope) +
                            "\"");
  }
  return dir;
}

std::string Topology::ResolveStoreWorkDir(uint64_t store_id, Scope scope) const {
  const StoreConfig* s = FindStore(store_id);
  if (!s) return std::string();
  const std::string dir =
      scope == Scope::kDocker
          ? FirstNonEmpty({&s->docker_work_dir, &s->work_dir, &store_docker_work_dir_template,
                           &store_work_dir_template})
          : FirstNonEmpty({&s->work_dir, &store_work_dir_template});
  return ReplaceId(dir, store_id);
}

std::string Topology::StoreListenAddr(const StoreConfig& s, Scope scope) {
  if (scope == Scope::kDocker) {
    return FirstNonEmpty({&s.docker_listen_addr, &s.listen_addr, &s.addr});
  }
  return FirstNonEmpty({&s.listen_addr, &s.addr});
}

std::string Topology::StoreAdvertiseAddr(const StoreConfig& s, Scope scope) {
  if (scope == Scope::kDocker) return FirstNonEmpty({&s.docker_addr, &s.addr});
  return s.addr;
}

std::string Topology::PathFromConfig(const std::string& path) const {
  namespace fs = std::filesystem;
  if (path.empty() || fs::path(path).is_absolute()) return path;
  fs::path base = source.empty() ? fs::path() : fs::path(source).parent_path();
  if (base.empty() || base.is_relative()) {
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    base = ec ? base : cwd / base;
  }
  return (base / path).lexically_normal().string();
}

bool IsHostPort(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
  } else if (host.find(':') != std::string_view::npos) {
    return false;  // a bare IPv6 address needs brackets
  }
  if (host.find_first_of(" \t/") != std::string_view::npos) return false;
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos) {
    return false;
  }
  const int n = std::stoi(std::string(port));
  return n >= 1 && n <= 65535;
}

}  // namespace nokv::config
