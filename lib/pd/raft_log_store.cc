// RaftLogStore (see raft_log_store.h).
#include "pd/raft_log_store.h"

#include <fmt/core.h>

namespace nokv::pd {
namespace {

constexpr char kHardStateKey[] = "pd/raft/hardstate";
constexpr char kEntryPrefix[] = "pd/raft/entry/";

std::string EntryKey(uint64_t index) { return fmt::format("{}{:016x}", kEntryPrefix, index); }

}  // namespace

Result<std::unique_ptr<RaftLogStore>> RaftLogStore::Open(const std::string& dir,
                                                         raft::MemoryStorage* memory) {
  std::unique_ptr<RaftLogStore> store(new RaftLogStore());
  store->memory_ = memory;
  Options options;
  options.sync_writes = true;
  Status s = DB::Open(options, dir, &store->db_);
  if (!s.ok()) return s.WithContext("pd raft log: open " + dir);
  std::string value;
  if (store->db_->Get(ReadOptions(), "pd/v1/meta/format", &value).ok()) {
    return Status::InvalidArgument("pd raft log: " + dir +
                                   " holds the state of a single (unreplicated) PD; a replica "
                                   "needs a workdir of its own");
  }
  s = store->db_->Get(ReadOptions(), kHardStateKey, &value);
  if (s.ok()) {
    raftpb::HardState hs;
    if (!hs.ParseFromString(value)) {
      return Status::Corruption(fmt::format("pd raft log: {}/{} does not parse", dir,
                                            kHardStateKey));
    }
    memory->SetHardState(hs);
    store->has_hard_state_ = true;
  } else if (!s.IsNotFound()) {
    return s.WithContext("pd raft log: read " + dir);
  }
  std::vector<raftpb::Entry> entries;
  std::unique_ptr<Iterator> it = store->db_->NewIterator(ReadOptions());
  const std::string_view prefix = kEntryPrefix;
  for (it->Seek(prefix); it->Valid() && it->key().substr(0, prefix.size()) == prefix; it->Next()) {
    raftpb::Entry e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
        EntryKey(e.index()) != it->key() ||
        (!entries.empty() && e.index() != entries.back().index() + 1)) {
      return Status::Corruption(fmt::format("pd raft log: {}/{} is not the next entry", dir,
                                            it->key()));
    }
    entries.push_back(std::move(e));
  }
  NOKV_RETURN_IF_ERROR(it->status());
  if (!entries.empty()) {
    if (entries.front().index() != 1) {
      return Status::Corruption("pd raft log: " + dir + " does not start at index 1");
    }
    NOKV_RETURN_IF_ERROR(memory->Append(entries));
    store->last_index_ = entries.back().index();
  }
  return store;
}

RaftLogStore::~RaftLogStore() {
  if (db_) (void)db_->Close();
}

Status RaftLogStore::Save(const raftpb::HardState& hard_state,
                          const std::vector<raftpb::Entry>& entries) {
  WriteBatch batch;
  const bool has_hs = !raft::IsEmptyHardState(hard_state);
  if (has_hs) batch.Put(kHardStateKey, hard_state.SerializeAsString());
  uint64_t new_last = last_index_;
  for (const raftpb::Entry& e : entries) {
    batch.Put(EntryKey(e.index()), e.SerializeAsString());
    new_last = e.index();
  }
  if (!entries.empty()) {
    for (uint64_t i = new_last + 1; i <= last_index_; ++i) batch.Delete(EntryKey(i));
  }
  if (batch.Count() == 0) return Status::OK();
  WriteOptions wo;
  wo.sync = true;
  NOKV_RETURN_IF_ERROR(db_->Write(wo, batch));
  if (!entries.empty()) {
    NOKV_RETURN_IF_ERROR(memory_->Append(entries));
    last_index_ = new_last;
  }
  if (has_hs) {
    memory_->SetHardState(hard_state);
    has_hard_state_ = true;
  }
  return Status::OK();
}

}  // namespace nokv::pd
