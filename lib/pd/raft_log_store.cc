// RaftLogStore (see raft_log_store.h).
#include "pd/raft_log_store.h"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include "pd/raft_snapshot.h"

namespace nokv::pd {
namespace {

constexpr char kHardStateKey[] = "pd/raft/hardstate";
constexpr char kEntryPrefix[] = "pd/raft/entry/";

std::string EntryKey(uint64_t index) { return fmt::format("{}{:016x}", kEntryPrefix, index); }

}  // namespace

Result<std::unique_ptr<RaftLogStore>> RaftLogStore::Open(const std::string& dir,
                                                         raft::MemoryStorage* memory) {
  std::unique_ptr<RaftLogStore> store(new RaftLogStore());
  store->dir_ = dir;
  store->memory_ = memory;
  store->fs_ = NewPosixFileSystem();
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
  s = ReadSnapshotFile(store->fs_.get(), dir, &store->snapshot_);
  if (s.ok()) {
    NOKV_RETURN_IF_ERROR(memory->ApplySnapshot(store->snapshot_));
    store->last_index_ = store->snapshot_.metadata().index();
    store->first_index_ = store->last_index_ + 1;
  } else if (!s.IsNotFound()) {
    return s;
  }
  raftpb::HardState hs;
  s = store->db_->Get(ReadOptions(), kHardStateKey, &value);
  if (s.ok()) {
    if (!hs.ParseFromString(value)) {
      return Status::Corruption(fmt::format("pd raft log: {}/{} does not parse", dir,
                                            kHardStateKey));
    }
    store->has_hard_state_ = true;
  } else if (!s.IsNotFound()) {
    return s.WithContext("pd raft log: read " + dir);
  }
  NOKV_RETURN_IF_ERROR(store->LoadLog(dir));
  // A snapshot is committed state: the hard state saved after it may not
  // have reached the disk before a crash.
  const raftpb::SnapshotMetadata& md = store->snapshot_.metadata();
  if (md.index() > 0) {
    if (hs.commit() < md.index()) hs.set_commit(md.index());
    if (hs.term() < md.term()) {
      hs.set_term(md.term());
      hs.set_vote(0);
    }
  }
  if (!raft::IsEmptyHardState(hs)) memory->SetHardState(hs);
  store->PublishIndexes();
  return store;
}

Status RaftLogStore::LoadLog(const std::string& dir) {
  std::vector<raftpb::Entry> entries;
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
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
  if (entries.empty()) return Status::OK();
  const uint64_t snap_index = snapshot_.metadata().index();
  const uint64_t first = entries.front().index(), last = entries.back().index();
  if (snap_index == 0 && first != 1) {
    return Status::Corruption(fmt::format("pd raft log: {} starts at index {} but holds no "
                                          "snapshot ({} is missing)",
                                          dir, first, SnapshotFilePath(dir)));
  }
  if (first > snap_index + 1) {
    return Status::Corruption(fmt::format("pd raft log: {} starts at index {}, after its "
                                          "snapshot at {}: entries are missing",
                                          dir, first, snap_index));
  }
  if (snap_index > 0 && first <= snap_index &&
      (last < snap_index || entries[snap_index - first].term() != snapshot_.metadata().term())) {
    // Left by an install interrupted after the snapshot was saved: the
    // snapshot supersedes all of it.
    spdlog::warn("pd raft log: {}: dropping entries {}..{} superseded by the snapshot at {}", dir,
                 first, last, snap_index);
    first_index_ = first;
    last_index_ = last;
    NOKV_RETURN_IF_ERROR(DeleteEntries(first, last));
    first_index_ = snap_index + 1;
    last_index_ = snap_index;
    return Status::OK();
  }
  NOKV_RETURN_IF_ERROR(memory_->Append(entries));  // skips what the snapshot covers
  first_index_ = first;
  last_index_ = last;
  return Status::OK();
}

RaftLogStore::~RaftLogStore() {
  if (db_) (void)db_->Close();
}

void RaftLogStore::PublishIndexes() {
  first_disk_index_.store(first_index_);
  last_disk_index_.store(last_index_);
  snapshot_index_.store(snapshot_.metadata().index());
}

Status RaftLogStore::DeleteEntries(uint64_t first, uint64_t last) {
  if (first > last) return Status::OK();
  WriteBatch batch;
  for (uint64_t i = first; i <= last; ++i) batch.Delete(EntryKey(i));
  WriteOptions wo;
  wo.sync = true;
  return db_->Write(wo, batch);
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
    first_index_ = std::min(first_index_, entries.front().index());
    last_index_ = new_last;
  }
  if (has_hs) {
    memory_->SetHardState(hard_state);
    has_hard_state_ = true;
  }
  PublishIndexes();
  return Status::OK();
}

Status RaftLogStore::InstallSnapshot(const raftpb::Snapshot& snapshot) {
  NOKV_RETURN_IF_ERROR(WriteSnapshotFile(fs_.get(), dir_, snapshot));
  snapshot_ = snapshot;
  NOKV_RETURN_IF_ERROR(DeleteEntries(first_index_, last_index_));
  NOKV_RETURN_IF_ERROR(memory_->ApplySnapshot(snapshot));
  last_index_ = snapshot.metadata().index();
  first_index_ = last_index_ + 1;
  PublishIndexes();
  return Status::OK();
}

Status RaftLogStore::SaveSnapshotAndCompact(const raftpb::Snapshot& snapshot,
                                            uint64_t compact_index) {
  if (compact_index > snapshot.metadata().index()) {
    return Status::InvalidArgument("pd raft: compacting past the snapshot");
  }
  NOKV_RETURN_IF_ERROR(WriteSnapshotFile(fs_.get(), dir_, snapshot));
  snapshot_ = snapshot;
  PublishIndexes();
  if (compact_index < first_index_) return Status::OK();
  NOKV_RETURN_IF_ERROR(DeleteEntries(first_index_, compact_index));
  first_index_ = compact_index + 1;
  PublishIndexes();
  Status s = memory_->Compact(compact_index);
  return s.IsCompacted() ? Status::OK() : s;
}

}  // namespace nokv::pd
