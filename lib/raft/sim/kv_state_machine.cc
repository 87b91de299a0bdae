// KvStateMachine and the command encoding: see kv_state_machine.h.
#include "raft/sim/kv_state_machine.h"

#include "base/coding.h"

namespace nokv::raft::sim {

std::string EncodeKvCommand(const KvCommand& cmd) {
  std::string out;
  out.push_back(static_cast<char>(cmd.kind));
  PutVarint64(&out, cmd.request_id);
  PutLengthPrefixed(&out, cmd.key);
  PutLengthPrefixed(&out, cmd.value);
  PutLengthPrefixed(&out, cmd.expected);
  return out;
}

nokv::Status DecodeKvCommand(std::string_view data, KvCommand* cmd) {
  if (data.empty()) return nokv::Status::Corruption("empty kv command");
  const auto kind = static_cast<KvCommandKind>(data[0]);
  if (kind != KvCommandKind::kPut && kind != KvCommandKind::kCas && kind != KvCommandKind::kNoop) {
    return nokv::Status::Corruption("bad kv command kind");
  }
  data.remove_prefix(1);
  cmd->kind = kind;
  std::string_view key, value, expected;
  if (!GetVarint64(&data, &cmd->request_id) || !GetLengthPrefixed(&data, &key) ||
      !GetLengthPrefixed(&data, &value) || !GetLengthPrefixed(&data, &expected) || !data.empty()) {
    return nokv::Status::Corruption("truncated kv command");
  }
  cmd->key.assign(key);
  cmd->value.assign(value);
  cmd->expected.assign(expected);
  return nokv::Status::OK();
}

KvApplyResult KvStateMachine::Apply(const KvCommand& cmd) {
  KvApplyResult r;
  if (cmd.request_id != 0 && !applied_requests_.insert(cmd.request_id).second) {
    r.duplicate = true;
    return r;
  }
  switch (cmd.kind) {
    case KvCommandKind::kPut:
      data_[cmd.key] = cmd.value;
      break;
    case KvCommandKind::kCas: {
      auto it = data_.find(cmd.key);
      r.ok = it != data_.end() && it->second == cmd.expected;
      if (r.ok) it->second = cmd.value;
      break;
    }
    case KvCommandKind::kNoop:
      break;
  }
  return r;
}

bool KvStateMachine::Get(const std::string& key, std::string* value) const {
  auto it = data_.find(key);
  if (it == data_.end()) return false;
  *value = it->second;
  return true;
}

std::string KvStateMachine::Serialize() const {
  std::string out;
  PutVarint64(&out, applied_requests_.size());
  for (uint64_t id : applied_requests_) PutVarint64(&out, id);
  PutVarint64(&out, data_.size());
  for (const auto& [k, v] : data_) {
    PutLengthPrefixed(&out, k);
    PutLengthPrefixed(&out, v);
  }
  return out;
}

nokv::Status KvStateMachine::Restore(std::string_view data) {
  Clear();
  if (data.empty()) return nokv::Status::OK();  // the empty (bootstrap) snapshot
  uint64_t n = 0;
  if (!GetVarint64(&data, &n)) return nokv::Status::Corruption("bad kv snapshot header");
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t id = 0;
    if (!GetVarint64(&data, &id)) return nokv::Status::Corruption("truncated kv snapshot ids");
    applied_requests_.insert(id);
  }
  if (!GetVarint64(&data, &n)) return nokv::Status::Corruption("bad kv snapshot header");
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view k, v;
    if (!GetLengthPrefixed(&data, &k) || !GetLengthPrefixed(&data, &v)) {
      return nokv::Status::Corruption("truncated kv snapshot");
    }
    data_.emplace(std::string(k), std::string(v));
  }
  if (!data.empty()) return nokv::Status::Corruption("trailing bytes in kv snapshot");
  return nokv::Status::OK();
}

std::string EncodeSnapshotData(uint64_t chain, const KvStateMachine& kv) {
  std::string data;
  PutFixed64(&data, chain);
  data += kv.Serialize();
  return data;
}

nokv::Status DecodeSnapshotData(std::string_view data, uint64_t* chain, KvStateMachine* kv) {
  *chain = 0;
  if (data.empty()) {  // the bootstrap snapshot
    kv->Clear();
    return nokv::Status::OK();
  }
  if (!GetFixed64(&data, chain)) return nokv::Status::Corruption("short snapshot data");
  return kv->Restore(data);
}

}  // namespace nokv::raft::sim
