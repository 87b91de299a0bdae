// MemoryStorage: see memory_storage.h.
#include "raft/memory_storage.h"

#include <string>

#include "raft/log.h"

namespace nokv::raft {

MemoryStorage::MemoryStorage() { ents_.resize(1); }

nokv::Status MemoryStorage::InitialState(raftpb::HardState* hard_state,
                                         raftpb::ConfState* conf_state) const {
  std::lock_guard<std::mutex> l(mu_);
  *hard_state = hard_state_;
  *conf_state = snapshot_.metadata().conf_state();
  return nokv::Status::OK();
}

nokv::Status MemoryStorage::Entries(uint64_t lo, uint64_t hi, uint64_t max_size,
                                    std::vector<raftpb::Entry>* out) const {
  std::lock_guard<std::mutex> l(mu_);
  out->clear();
  const uint64_t offset = ents_[0].index();
  if (lo <= offset) return nokv::Status::Compacted();
  if (hi > LastIndexLocked() + 1) {
    return nokv::Status::Unavailable("raft: entries' hi(" + std::to_string(hi) +
                                     ") is out of bound lastindex(" +
                                     std::to_string(LastIndexLocked()) + ")");
  }
  if (ents_.size() == 1) return nokv::Status::Unavailable();  // only the dummy entry
  out->assign(ents_.begin() + static_cast<ptrdiff_t>(lo - offset),
              ents_.begin() + static_cast<ptrdiff_t>(hi - offset));
  LimitSize(out, max_size);
  return nokv::Status::OK();
}

nokv::Status MemoryStorage::Term(uint64_t i, uint64_t* term) const {
  std::lock_guard<std::mutex> l(mu_);
  *term = 0;
  const uint64_t offset = ents_[0].index();
  if (i < offset) return nokv::Status::Compacted();
  if (i - offset >= ents_.size()) return nokv::Status::Unavailable();
  *term = ents_[i - offset].term();
  return nokv::Status::OK();
}

nokv::Status MemoryStorage::FirstIndex(uint64_t* index) const {
  std::lock_guard<std::mutex> l(mu_);
  *index = FirstIndexLocked();
  return nokv::Status::OK();
}

nokv::Status MemoryStorage::LastIndex(uint64_t* index) const {
  std::lock_guard<std::mutex> l(mu_);
  *index = LastIndexLocked();
  return nokv::Status::OK();
}

nokv::Status MemoryStorage::Snapshot(raftpb::Snapshot* snapshot) const {
  std::lock_guard<std::mutex> l(mu_);
  *snapshot = snapshot_;
  return nokv::Status::OK();
}

nokv::Status MemoryStorage::Bootstrap(const raftpb::ConfState& conf_state) {
  std::lock_guard<std::mutex> l(mu_);
  if (ents_.size() != 1 || ents_[0].index() != 0) {
    return nokv::Status::InvalidArgument("raft: bootstrap of a non-empty storage");
  }
  *snapshot_.mutable_metadata()->mutable_conf_state() = conf_state;
  return nokv::Status::OK();
}

void MemoryStorage::SetHardState(const raftpb::HardState& hs) {
  std::lock_guard<std::mutex> l(mu_);
  hard_state_ = hs;
}

nokv::Status MemoryStorage::ApplySnapshot(const raftpb::Snapshot& snapshot) {
  std::lock_guard<std::mutex> l(mu_);
  if (snapshot_.metadata().index() >= snapshot.metadata().index()) {
    return nokv::Status::SnapOutOfDate();
  }
  snapshot_ = snapshot;
  ents_.assign(1, raftpb::Entry());
  ents_[0].set_index(snapshot.metadata().index());
  ents_[0].set_term(snapshot.metadata().term());
  return nokv::Status::OK();
}

nokv::Status MemoryStorage::CreateSnapshot(uint64_t i, const raftpb::ConfState* conf_state,
                                           std::string data, raftpb::Snapshot* out) {
  std::lock_guard<std::mutex> l(mu_);
  if (i <= snapshot_.metadata().index()) return nokv::Status::SnapOutOfDate();
  const uint64_t offset = ents_[0].index();
  if (i > LastIndexLocked()) {
    return nokv::Status::Unavailable("raft: snapshot " + std::to_string(i) +
                                     " is out of bound lastindex(" +
                                     std::to_string(LastIndexLocked()) + ")");
  }
  auto* md = snapshot_.mutable_metadata();
  md->set_index(i);
  md->set_term(ents_[i - offset].term());
  if (conf_state != nullptr) *md->mutable_conf_state() = *conf_state;
  snapshot_.set_data(std::move(data));
  if (out != nullptr) *out = snapshot_;
  return nokv::Status::OK();
}

nokv::Status MemoryStorage::Compact(uint64_t compact_index) {
  std::lock_guard<std::mutex> l(mu_);
  const uint64_t offset = ents_[0].index();
  if (compact_index <= offset) return nokv::Status::Compacted();
  if (compact_index > LastIndexLocked()) {
    return nokv::Status::Unavailable("raft: compact " + std::to_string(compact_index) +
                                     " is out of bound lastindex(" +
                                     std::to_string(LastIndexLocked()) + ")");
  }
  const uint64_t i = compact_index - offset;
  // The entry at compact_index becomes the dummy: keep its index and term.
  std::vector<raftpb::Entry> ents;
  ents.reserve(ents_.size() - i);
  ents.emplace_back();
  ents.back().set_index(ents_[i].index());
  ents.back().set_term(ents_[i].term());
  for (size_t k = i + 1; k < ents_.size(); k++) ents.push_back(std::move(ents_[k]));
  ents_ = std::move(ents);
  return nokv::Status::OK();
}

nokv::Status MemoryStorage::Append(const std::vector<raftpb::Entry>& entries) {
  if (entries.empty()) return nokv::Status::OK();
  std::lock_guard<std::mutex> l(mu_);
  const uint64_t first = FirstIndexLocked();
  const uint64_t last = entries.back().index();
  if (last < first) return nokv::Status::OK();  // entirely compacted away
  // Skip the part that is already compacted.
  size_t skip = first > entries[0].index() ? first - entries[0].index() : 0;
  const uint64_t start = entries[skip].index();
  const uint64_t offset = start - ents_[0].index();
  if (offset > ents_.size()) {
    return nokv::Status::InvalidArgument("raft: missing log entry [last: " +
                                         std::to_string(LastIndexLocked()) + ", append at: " +
                                         std::to_string(start) + "]");
  }
  ents_.resize(offset);  // truncate any conflicting tail
  ents_.insert(ents_.end(), entries.begin() + static_cast<ptrdiff_t>(skip), entries.end());
  return nokv::Status::OK();
}

}  // namespace nokv::raft
