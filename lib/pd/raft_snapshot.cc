// PD Raft snapshots (see raft_snapshot.h).
#include "pd/raft_snapshot.h"

#include <fmt/core.h>

#include "base/coding.h"
#include "base/crc32c.h"

namespace nokv::pd {
namespace {

constexpr char kMagic[] = "NOKVPDS1";
constexpr size_t kMagicSize = sizeof(kMagic) - 1;
constexpr size_t kHeaderSize = kMagicSize + 4 + 8;

}  // namespace

std::string SnapshotFilePath(const std::string& dir) { return JoinPath(dir, kSnapshotFileName); }

Status WriteSnapshotFile(FileSystem* fs, const std::string& dir, const raftpb::Snapshot& snapshot) {
  const std::string payload = snapshot.SerializeAsString();
  std::string file(kMagic, kMagicSize);
  PutFixed32(&file, crc32c::Mask(crc32c::Value(payload)));
  PutFixed64(&file, payload.size());
  file += payload;
  Status s = fs->WriteStringToFileAtomic(SnapshotFilePath(dir), file);
  return s.ok() ? s : s.WithContext("pd raft: write " + SnapshotFilePath(dir));
}

Status ReadSnapshotFile(FileSystem* fs, const std::string& dir, raftpb::Snapshot* snapshot) {
  const std::string path = SnapshotFilePath(dir);
  if (!fs->FileExists(path)) return Status::NotFound(path);
  std::string file;
  Status s = fs->ReadFileToString(path, &file);
  if (!s.ok()) return s.WithContext("pd raft: read " + path);
  auto corrupt = [&](const char* why) {
    return Status::Corruption(fmt::format("pd raft: snapshot file {} {}; refusing to start "
                                          "(replace it with a copy of a healthy member's {})",
                                          path, why, kSnapshotFileName));
  };
  if (file.size() < kHeaderSize || file.compare(0, kMagicSize, kMagic) != 0) {
    return corrupt("has no valid header");
  }
  std::string_view rest(file);
  rest.remove_prefix(kMagicSize);
  uint32_t masked = 0;
  uint64_t size = 0;
  GetFixed32(&rest, &masked);
  GetFixed64(&rest, &size);
  if (rest.size() != size) return corrupt("is truncated or has trailing bytes");
  if (crc32c::Unmask(masked) != crc32c::Value(rest)) return corrupt("fails its checksum");
  if (!snapshot->ParseFromArray(rest.data(), static_cast<int>(rest.size()))) {
    return corrupt("does not parse");
  }
  return Status::OK();
}

std::string EncodeSnapshotData(const pdstatepb::StateSnapshot& state) {
  pdstatepb::SnapshotData data;
  data.set_state(state.SerializeAsString());
  data.set_crc32c(crc32c::Mask(crc32c::Value(data.state())));
  return data.SerializeAsString();
}

Status DecodeSnapshotData(const std::string& data, pdstatepb::StateSnapshot* state) {
  pdstatepb::SnapshotData d;
  if (!d.ParseFromString(data)) return Status::Corruption("pd snapshot: data does not parse");
  if (crc32c::Unmask(d.crc32c()) != crc32c::Value(d.state())) {
    return Status::Corruption("pd snapshot: state fails its checksum");
  }
  if (!state->ParseFromString(d.state())) {
    return Status::Corruption("pd snapshot: state does not parse");
  }
  return Status::OK();
}

}  // namespace nokv::pd
