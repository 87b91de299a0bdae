// The replicated key-value state machine the Raft simulator runs: commands
// (put, get, compare-and-set) encoded into log entries, their deterministic
// application, and snapshots of the whole map.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"

namespace nokv::raft::sim {

enum class KvCommandKind : uint8_t { kPut = 1, kCas = 2, kNoop = 3 };

// One proposal. request_id is unique in a simulation run, so the same
// command showing up at two log indexes means a proposal was committed twice.
struct KvCommand {
  uint64_t request_id = 0;
  KvCommandKind kind = KvCommandKind::kNoop;
  std::string key;
  std::string value;     // put: the value; cas: the new value
  std::string expected;  // cas: swap only if the key holds this value
};

std::string EncodeKvCommand(const KvCommand& cmd);
nokv::Status DecodeKvCommand(std::string_view data, KvCommand* cmd);

struct KvApplyResult {
  bool ok = true;          // cas: swapped
  bool duplicate = false;  // the request was applied before; nothing changed
};

// A proposal may reach the log twice (a forwarded MsgProp duplicated by the
// network): the state machine remembers the request ids it applied and
// skips repeats, so every request takes effect at most once.
class KvStateMachine {
 public:
  KvApplyResult Apply(const KvCommand& cmd);
  // Returns whether the key exists, and its value.
  bool Get(const std::string& key, std::string* value) const;

  std::string Serialize() const;
  nokv::Status Restore(std::string_view data);
  void Clear() {
    data_.clear();
    applied_requests_.clear();
  }
  size_t size() const { return data_.size(); }

 private:
  std::map<std::string, std::string> data_;
  std::set<uint64_t> applied_requests_;
};

// The application data of a Raft snapshot in the simulator: the hash of the
// applied entries (for the invariant checker), then the key-value map. Empty
// data is the empty state of a fresh node.
std::string EncodeSnapshotData(uint64_t chain, const KvStateMachine& kv);
nokv::Status DecodeSnapshotData(std::string_view data, uint64_t* chain, KvStateMachine* kv);

}  // namespace nokv::raft::sim
