// PeerStorage: one region's raft::Storage over the store's RaftLogEngine.
#include "raftstore/peer_storage.h"

namespace nokv::raftstore {

PeerStorage::PeerStorage(uint64_t region_id, RaftLogEngine* engine,
                         const RegionRaftState& state, const raftpb::ConfState& conf_state,
                         SnapshotBuilder snapshot_builder, Options options)
    : region_id_(region_id),
      engine_(engine),
      snapshot_builder_(std::move(snapshot_builder)),
      options_(options),
      hard_state_(state.hard_state),
      snapshot_meta_(state.snapshot),
      last_index_(state.last_index),
      last_term_(state.last_term) {
  // A compaction point carries the membership as of its index; a newer
  // membership (from the region meta) wins when the caller has one.
  conf_state_ = state.snapshot.has_conf_state() && conf_state.voters_size() == 0
                    ? state.snapshot.conf_state()
                    : conf_state;
}

Status PeerStorage::InitialState(raftpb::HardState* hard_state,
                                 raftpb::ConfState* conf_state) const {
  *hard_state = hard_state_;
  *conf_state = conf_state_;
  return Status::OK();
}

Status PeerStorage::FirstIndex(uint64_t* index) const {
  *index = first_index();
  return Status::OK();
}

Status PeerStorage::LastIndex(uint64_t* index) const {
  *index = last_index_;
  return Status::OK();
}

Status PeerStorage::Term(uint64_t i, uint64_t* term) const {
  if (i == snapshot_meta_.index()) {
    *term = snapshot_meta_.term();
    return Status::OK();
  }
  if (i < snapshot_meta_.index()) return Status::Compacted();
  if (i > last_index_) return Status::Unavailable();
  if (i == last_index_) {
    *term = last_term_;
    return Status::OK();
  }
  if (!cache_.empty() && i >= cache_.front().index()) {
    *term = cache_[i - cache_.front().index()].term();
    return Status::OK();
  }
  Status s = engine_->Term(region_id_, i, term);
  if (s.IsNotFound()) {
    return Status::Corruption("raft log of region " + std::to_string(region_id_) +
                              " lacks entry " + std::to_string(i) + " below its last index " +
                              std::to_string(last_index_));
  }
  return s;
}

Status PeerStorage::Entries(uint64_t lo, uint64_t hi, uint64_t max_size,
                            std::vector<raftpb::Entry>* out) const {
  out->clear();
  if (lo <= snapshot_meta_.index()) return Status::Compacted();
  if (hi > last_index_ + 1) {
    return Status::Unavailable("entries up to " + std::to_string(hi - 1) + " requested, last is " +
                               std::to_string(last_index_));
  }
  if (lo >= hi) return Status::OK();
  const uint64_t cache_first = cache_.empty() ? last_index_ + 1 : cache_.front().index();
  if (lo < cache_first) {
    // The part older than the cache comes from the engine.
    NOKV_RETURN_IF_ERROR(engine_->Entries(region_id_, lo, std::min(hi, cache_first), max_size, out));
    if (out->back().index() + 1 < std::min(hi, cache_first)) return Status::OK();  // size cap
  }
  uint64_t size = 0;
  for (const raftpb::Entry& e : *out) size += e.ByteSizeLong();
  for (uint64_t i = std::max(lo, cache_first); i < hi; i++) {
    const raftpb::Entry& e = cache_[i - cache_first];
    size += e.ByteSizeLong();
    if (!out->empty() && size > max_size) break;
    out->push_back(e);
  }
  return Status::OK();
}

Status PeerStorage::Snapshot(raftpb::Snapshot* snapshot) const {
  if (!snapshot_builder_) {
    return Status::SnapshotTemporarilyUnavailable("region " + std::to_string(region_id_) +
                                                  " has no snapshot builder");
  }
  return snapshot_builder_(snapshot);
}

Status PeerStorage::Append(const std::vector<raftpb::Entry>& entries, RaftLogBatch* batch) {
  if (entries.empty()) return Status::OK();
  const uint64_t first = entries.front().index();
  if (first <= snapshot_meta_.index()) {
    return Status::Compacted("append at " + std::to_string(first) + " below compaction point " +
                             std::to_string(snapshot_meta_.index()) + " of region " +
                             std::to_string(region_id_));
  }
  if (first > last_index_ + 1) {
    return Status::InvalidArgument("append at " + std::to_string(first) + " leaves a gap after " +
                                   std::to_string(last_index_) + " in region " +
                                   std::to_string(region_id_));
  }
  for (size_t i = 1; i < entries.size(); i++) {
    if (entries[i].index() != first + i) {
      return Status::InvalidArgument("non-consecutive entries appended to region " +
                                     std::to_string(region_id_));
    }
  }
  batch->Append(region_id_, entries, last_index_);
  // The conflicting tail (if any) leaves the cache before the new entries join.
  while (!cache_.empty() && cache_.back().index() >= first) {
    cache_bytes_ -= cache_.back().ByteSizeLong();
    cache_.pop_back();
  }
  last_index_ = entries.back().index();
  last_term_ = entries.back().term();
  CacheAppend(entries);
  return Status::OK();
}

void PeerStorage::SetHardState(const raftpb::HardState& hard_state, RaftLogBatch* batch) {
  hard_state_ = hard_state;
  batch->SetHardState(region_id_, hard_state);
}

Status PeerStorage::ApplySnapshot(const raftpb::SnapshotMetadata& meta, RaftLogBatch* batch) {
  if (meta.index() <= snapshot_meta_.index()) {
    return Status::SnapOutOfDate("snapshot at " + std::to_string(meta.index()) +
                                 " is not newer than " + std::to_string(snapshot_meta_.index()) +
                                 " in region " + std::to_string(region_id_));
  }
  batch->ResetToSnapshot(region_id_, first_index(), last_index_, meta);
  snapshot_meta_ = meta;
  if (meta.has_conf_state()) conf_state_ = meta.conf_state();
  last_index_ = meta.index();
  last_term_ = meta.term();
  cache_.clear();
  cache_bytes_ = 0;
  return Status::OK();
}

Status PeerStorage::Compact(uint64_t index, RaftLogBatch* batch) {
  if (index <= snapshot_meta_.index()) return Status::Compacted();
  if (index > last_index_) {
    return Status::InvalidArgument("compact to " + std::to_string(index) + " beyond last index " +
                                   std::to_string(last_index_) + " of region " +
                                   std::to_string(region_id_));
  }
  uint64_t term = 0;
  NOKV_RETURN_IF_ERROR(Term(index, &term));
  raftpb::SnapshotMetadata meta;
  meta.set_index(index);
  meta.set_term(term);
  *meta.mutable_conf_state() = conf_state_;
  batch->Compact(region_id_, first_index(), meta);
  snapshot_meta_ = meta;
  CacheTrimTo(index + 1);
  return Status::OK();
}

void PeerStorage::CacheAppend(const std::vector<raftpb::Entry>& entries) {
  for (const raftpb::Entry& e : entries) {
    cache_bytes_ += e.ByteSizeLong();
    cache_.push_back(e);
  }
  // Keep the newest entries within the budget (the engine has them all).
  while (cache_.size() > 1 && cache_bytes_ > options_.entry_cache_bytes) {
    cache_bytes_ -= cache_.front().ByteSizeLong();
    cache_.pop_front();
  }
}

void PeerStorage::CacheTrimTo(uint64_t first_kept_index) {
  while (!cache_.empty() && cache_.front().index() < first_kept_index) {
    cache_bytes_ -= cache_.front().ByteSizeLong();
    cache_.pop_front();
  }
}

}  // namespace nokv::raftstore
