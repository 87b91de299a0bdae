// The store bootstrap file (bootstrap_file.h): build from a topology, encode
// canonically, parse back, and write atomically.
#include "config/bootstrap_file.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/json_fields.h"
#include "config/json_syntax.h"
#include "config/key_text.h"

namespace nokv::config {
namespace {

using json::Array;
using json::FieldReader;
using json::Object;
using json::Var;

// JSON string literal of `text` (the texts written here are ASCII: keys are
// in key_text.h spelling).
std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

Status WriteAllAndSync(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write " + path);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return Errno("fsync " + path);
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open directory " + dir);
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return rc == 0 ? Status::OK() : Errno("fsync directory " + dir);
}

}  // namespace

Result<BootstrapRegionState> ParseBootstrapRegionState(std::string_view text) {
  if (text == "running") return BootstrapRegionState::kRunning;
  if (text == "tombstone") return BootstrapRegionState::kTombstone;
  return Status::InvalidArgument("invalid region state \"" + std::string(text) +
                                 "\" (expected running|tombstone)");
}

const char* BootstrapRegionStateName(BootstrapRegionState state) {
  return state == BootstrapRegionState::kTombstone ? "tombstone" : "running";
}

BootstrapFile BootstrapFromTopology(const Topology& topology, uint64_t store_id) {
  BootstrapFile file;
  file.store_id = store_id;
  for (const RegionConfig* r : topology.RegionsOfStore(store_id)) {
    BootstrapRegion region;
    region.id = r->id;
    region.start_key = r->start_key;
    region.end_key = r->end_key;
    region.epoch = r->epoch;
    region.peers = r->peers;
    region.leader_store_id = r->leader_store_id;
    UpsertBootstrapRegion(&file, std::move(region));
  }
  return file;
}

void UpsertBootstrapRegion(BootstrapFile* file, BootstrapRegion region) {
  auto it = std::lower_bound(
      file->regions.begin(), file->regions.end(), region.id,
      [](const BootstrapRegion& r, uint64_t id) { return r.id < id; });
  if (it != file->regions.end() && it->id == region.id) {
    *it = std::move(region);
  } else {
    file->regions.insert(it, std::move(region));
  }
}

std::string BootstrapFileJson(const BootstrapFile& file) {
  std::string out = "{\n";
  out += "  \"format\": " + Quote(kBootstrapFormat) + ",\n";
  out += "  \"version\": " + std::to_string(kBootstrapVersion) + ",\n";
  out += "  \"store_id\": " + std::to_string(file.store_id) + ",\n";
  out += "  \"regions\": [";
  for (size_t i = 0; i < file.regions.size(); ++i) {
    const BootstrapRegion& r = file.regions[i];
    out += i == 0 ? "\n" : ",\n";
    out += "    {\"id\": " + std::to_string(r.id);
    out += ", \"start_key\": " + Quote(EncodeKeyText(r.start_key));
    out += ", \"end_key\": " + Quote(EncodeKeyText(r.end_key));
    out += ", \"epoch\": {\"version\": " + std::to_string(r.epoch.version) +
           ", \"conf_version\": " + std::to_string(r.epoch.conf_version) + "}";
    out += ",\n     \"peers\": [";
    for (size_t j = 0; j < r.peers.size(); ++j) {
      out += j == 0 ? "" : ", ";
      out += "{\"store_id\": " + std::to_string(r.peers[j].store_id) +
             ", \"peer_id\": " + std::to_string(r.peers[j].peer_id) + "}";
    }
    out += "],\n     \"leader_store_id\": " + std::to_string(r.leader_store_id);
    out += ", \"state\": " + Quote(BootstrapRegionStateName(r.state)) + "}";
  }
  out += file.regions.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

Result<BootstrapFile> ParseBootstrapFile(std::string_view text, std::string_view source) {
  const std::string prefix = std::string(source) + ": ";
  if (std::optional<JsonSyntaxError> e = FindJsonSyntaxError(text)) {
    return Status::Corruption(prefix + "line " + std::to_string(e->line) + ", column " +
                              std::to_string(e->column) + ": " + e->message);
  }
  Object::Ptr root;
  try {
    Poco::JSON::Parser parser;
    const Var v = parser.parse(std::string(text));
    if (!json::IsObject(v)) return Status::Corruption(prefix + "not a JSON object");
    root = v.extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return Status::Corruption(prefix + "not valid JSON: " + e.message());
  }
  std::vector<std::string> errors, warnings;
  FieldReader r(&errors, &warnings);
  std::string format;
  uint64_t version = 0;
  r.String(root, "format", "", true, &format);
  r.Uint(root, "version", "", true, &version);
  if (errors.empty() && format != kBootstrapFormat) {
    return Status::Corruption(prefix + "format: \"" + format + "\" is not \"" +
                              kBootstrapFormat + "\"");
  }
  if (errors.empty() && version > static_cast<uint64_t>(kBootstrapVersion)) {
    return Status::NotSupported(prefix + "version " + std::to_string(version) +
                                " was written by a newer NoKV (this one reads version " +
                                std::to_string(kBootstrapVersion) + ")");
  }
  BootstrapFile file;
  r.Uint(root, "store_id", "", true, &file.store_id);
  if (Array::Ptr regions = r.Arr(root, "regions", "", true)) {
    for (size_t i = 0; i < regions->size(); ++i) {
      const std::string path = FieldReader::Index("regions", i);
      Object::Ptr o = r.Element(regions, i, path);
      if (!o) continue;
      BootstrapRegion region;
      r.Uint(o, "id", path, true, &region.id);
      r.Key(o, "start_key", path, &region.start_key);
      r.Key(o, "end_key", path, &region.end_key);
      if (Object::Ptr epoch = r.Obj(o, "epoch", path, true)) {
        r.Uint(epoch, "version", path + ".epoch", true, &region.epoch.version);
        r.Uint(epoch, "conf_version", path + ".epoch", true, &region.epoch.conf_version);
      }
      if (Array::Ptr peers = r.Arr(o, "peers", path, true)) {
        for (size_t j = 0; j < peers->size(); ++j) {
          const std::string peer_path = FieldReader::Index(path + ".peers", j);
          if (Object::Ptr p = r.Element(peers, j, peer_path)) {
            PeerConfig peer;
            r.Uint(p, "store_id", peer_path, true, &peer.store_id);
            r.Uint(p, "peer_id", peer_path, true, &peer.peer_id);
            if (peer.store_id == 0 || peer.peer_id == 0) {
              r.Error(peer_path, "store_id and peer_id must be > 0");
            }
            region.peers.push_back(peer);
          }
        }
      }
      r.Uint(o, "leader_store_id", path, false, &region.leader_store_id);
      std::string state = "running";
      r.String(o, "state", path, false, &state);
      if (Result<BootstrapRegionState> s = ParseBootstrapRegionState(state); s.ok()) {
        region.state = s.value();
      } else {
        r.Error(path + ".state", s.status().message());
      }
      if (region.id == 0) r.Error(path + ".id", "must be > 0");
      if (region.peers.empty()) r.Error(path + ".peers", "empty");
      if (!region.end_key.empty() && region.start_key >= region.end_key) {
        r.Error(path, "start_key is not below end_key");
      }
      for (const BootstrapRegion& other : file.regions) {
        if (other.id == region.id && region.id != 0) {
          r.Error(path + ".id", "duplicate " + std::to_string(region.id));
        }
      }
      file.regions.push_back(std::move(region));
    }
  }
  if (!errors.empty()) return Status::Corruption(prefix + errors.front());
  std::sort(file.regions.begin(), file.regions.end(),
            [](const BootstrapRegion& a, const BootstrapRegion& b) { return a.id < b.id; });
  return file;
}

Result<std::optional<BootstrapFile>> ReadBootstrapFile(const std::string& workdir) {
  const std::string path = (std::filesystem::path(workdir) / kBootstrapFileName).string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return Status::IOError(path + ": " + ec.message());
    return std::optional<BootstrapFile>();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Errno("open " + path);
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError("read " + path);
  Result<BootstrapFile> file = ParseBootstrapFile(text.str(), path);
  if (!file.ok()) return file.status();
  return std::optional<BootstrapFile>(std::move(file).value());
}

Status WriteBootstrapFile(const std::string& workdir, const BootstrapFile& file) {
  std::error_code ec;
  std::filesystem::create_directories(workdir, ec);
  if (ec) return Status::IOError("create " + workdir + ": " + ec.message());
  const std::string path = (std::filesystem::path(workdir) / kBootstrapFileName).string();
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create " + tmp);
  Status s = WriteAllAndSync(fd, BootstrapFileJson(file), tmp);
  if (::close(fd) != 0 && s.ok()) s = Errno("close " + tmp);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = Errno("rename " + tmp);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return SyncDir(workdir);
}

}  // namespace nokv::config
