// RaftLogEngine: the per-store durable raft log over a NoKV engine instance.
#include "raftstore/raft_log_engine.h"

#include <set>

#include "nokv/iterator.h"
#include "nokv/options.h"

namespace nokv::raftstore {
namespace {

constexpr char kEntryTag = 'E';
constexpr char kHardStateTag = 'H';
constexpr char kSnapshotMetaTag = 'S';

void PutBigEndian64(std::string* dst, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) dst->push_back(static_cast<char>(v >> shift));
}

uint64_t GetBigEndian64(std::string_view src) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | static_cast<uint8_t>(src[i]);
  return v;
}

std::string RegionKey(char tag, uint64_t region_id) {
  std::string key(1, tag);
  PutBigEndian64(&key, region_id);
  return key;
}

std::string Describe(uint64_t region_id, uint64_t index) {
  return "raft log of region " + std::to_string(region_id) + " at index " +
         std::to_string(index);
}

}  // namespace

std::string RaftEntryKey(uint64_t region_id, uint64_t index) {
  std::string key = RegionKey(kEntryTag, region_id);
  PutBigEndian64(&key, index);
  return key;
}
std::string RaftHardStateKey(uint64_t region_id) { return RegionKey(kHardStateTag, region_id); }
std::string RaftSnapshotMetaKey(uint64_t region_id) {
  return RegionKey(kSnapshotMetaTag, region_id);
}

// ---- RaftLogBatch ----

void RaftLogBatch::Append(uint64_t region_id, const std::vector<raftpb::Entry>& entries,
                          uint64_t old_last_index) {
  if (entries.empty()) return;
  std::string buf;
  for (const raftpb::Entry& e : entries) {
    buf.clear();
    e.SerializeToString(&buf);
    batch_.Put(RaftEntryKey(region_id, e.index()), buf);
  }
  const uint64_t new_last = entries.back().index();
  if (old_last_index > new_last) {
    // The new entries replaced a conflicting tail that was longer.
    batch_.DeleteRange(RaftEntryKey(region_id, new_last + 1),
                       RaftEntryKey(region_id, old_last_index + 1));
  }
}

void RaftLogBatch::SetHardState(uint64_t region_id, const raftpb::HardState& hard_state) {
  batch_.Put(RaftHardStateKey(region_id), hard_state.SerializeAsString());
}

void RaftLogBatch::Compact(uint64_t region_id, uint64_t first_index,
                           const raftpb::SnapshotMetadata& meta) {
  batch_.Put(RaftSnapshotMetaKey(region_id), meta.SerializeAsString());
  if (meta.index() >= first_index) {
    batch_.DeleteRange(RaftEntryKey(region_id, first_index),
                       RaftEntryKey(region_id, meta.index() + 1));
  }
}

void RaftLogBatch::ResetToSnapshot(uint64_t region_id, uint64_t first_index,
                                   uint64_t last_index, const raftpb::SnapshotMetadata& meta) {
  batch_.Put(RaftSnapshotMetaKey(region_id), meta.SerializeAsString());
  if (last_index >= first_index) {
    batch_.DeleteRange(RaftEntryKey(region_id, first_index),
                       RaftEntryKey(region_id, last_index + 1));
  }
}

void RaftLogBatch::DestroyRegion(uint64_t region_id) {
  batch_.Delete(RaftHardStateKey(region_id));
  batch_.Delete(RaftSnapshotMetaKey(region_id));
  batch_.DeleteRange(RaftEntryKey(region_id, 0), RaftEntryKey(region_id + 1, 0));
}

// ---- RaftLogEngine ----

Status RaftLogEngine::Open(const Options& options, const std::string& dir,
                           std::unique_ptr<RaftLogEngine>* engine) {
  nokv::Options db_options;
  db_options.fs = options.fs;
  db_options.create_if_missing = !options.read_only;
  db_options.read_only = options.read_only;
  // Every batch is a Ready round the raft library considers persisted once
  // Write returns: it must be on disk.
  db_options.sync_writes = true;
  // Entries are short-lived (deleted once applied and compacted): keep them
  // inline so they never leave garbage in a value log.
  db_options.value_threshold = 0;
  db_options.memtable_size = options.memtable_size;
  std::unique_ptr<DB> db;
  NOKV_RETURN_IF_ERROR(DB::Open(db_options, dir, &db).WithContext("raft log engine " + dir));
  engine->reset(new RaftLogEngine(std::move(db)));
  return Status::OK();
}

RaftLogEngine::~RaftLogEngine() {
  if (db_) db_->Close().ok();
}

Status RaftLogEngine::Close() { return db_->Close(); }

Status RaftLogEngine::Write(RaftLogBatch* batch) {
  if (batch->empty()) return Status::OK();
  WriteOptions wo;
  wo.sync = true;
  NOKV_RETURN_IF_ERROR(db_->Write(wo, batch->batch_));
  writes_++;
  batch->batch_.Clear();
  return Status::OK();
}

Status RaftLogEngine::Load(uint64_t region_id, RegionRaftState* state) {
  *state = RegionRaftState{};
  ReadOptions ro;
  std::string value;
  Status s = db_->Get(ro, RaftHardStateKey(region_id), &value);
  if (s.ok()) {
    if (!state->hard_state.ParseFromString(value)) {
      return Status::Corruption("unparsable hard state of region " + std::to_string(region_id));
    }
  } else if (!s.IsNotFound()) {
    return s;
  }
  s = db_->Get(ro, RaftSnapshotMetaKey(region_id), &value);
  if (s.ok()) {
    if (!state->snapshot.ParseFromString(value)) {
      return Status::Corruption("unparsable snapshot metadata of region " +
                                std::to_string(region_id));
    }
  } else if (!s.IsNotFound()) {
    return s;
  }
  state->last_index = state->snapshot.index();
  state->last_term = state->snapshot.term();

  ro.lower_bound = RaftEntryKey(region_id, 0);
  ro.upper_bound = RaftEntryKey(region_id + 1, 0);
  std::unique_ptr<Iterator> it = db_->NewIterator(ro);
  it->SeekToLast();
  if (it->Valid()) {
    raftpb::Entry last;
    const uint64_t index = GetBigEndian64(it->key().substr(9));
    if (!last.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
        last.index() != index) {
      return Status::Corruption("unparsable entry in " + Describe(region_id, index));
    }
    if (index > state->last_index) {
      state->last_index = index;
      state->last_term = last.term();
    }
  }
  return it->status();
}

Status RaftLogEngine::LoadAll(std::map<uint64_t, RegionRaftState>* regions) {
  regions->clear();
  std::set<uint64_t> ids;
  for (char tag : {kHardStateTag, kSnapshotMetaTag}) {
    ReadOptions ro;
    ro.lower_bound = std::string(1, tag);
    ro.upper_bound = std::string(1, static_cast<char>(tag + 1));
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != 9) return Status::Corruption("bad raft log engine key");
      ids.insert(GetBigEndian64(it->key().substr(1)));
    }
    NOKV_RETURN_IF_ERROR(it->status());
  }
  for (uint64_t id : ids) NOKV_RETURN_IF_ERROR(Load(id, &(*regions)[id]));
  return Status::OK();
}

Status RaftLogEngine::Entries(uint64_t region_id, uint64_t lo, uint64_t hi, uint64_t max_size,
                              std::vector<raftpb::Entry>* out) {
  out->clear();
  if (lo >= hi) return Status::OK();
  ReadOptions ro;
  ro.lower_bound = RaftEntryKey(region_id, lo);
  ro.upper_bound = RaftEntryKey(region_id, hi);
  std::unique_ptr<Iterator> it = db_->NewIterator(ro);
  uint64_t expected = lo;
  uint64_t size = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), expected++) {
    const uint64_t index = GetBigEndian64(it->key().substr(9));
    if (index != expected) {
      return Status::Corruption("missing entry in " + Describe(region_id, expected));
    }
    raftpb::Entry e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) ||
        e.index() != index) {
      return Status::Corruption("unparsable entry in " + Describe(region_id, index));
    }
    size += e.ByteSizeLong();
    if (!out->empty() && size > max_size) break;
    out->push_back(std::move(e));
  }
  NOKV_RETURN_IF_ERROR(it->status());
  if (out->empty() || (expected < hi && size <= max_size)) {
    return Status::Corruption("missing entry in " + Describe(region_id, expected));
  }
  return Status::OK();
}

Status RaftLogEngine::Term(uint64_t region_id, uint64_t index, uint64_t* term) {
  std::string value;
  Status s = db_->Get(ReadOptions(), RaftEntryKey(region_id, index), &value);
  if (!s.ok()) return s;
  raftpb::Entry e;
  if (!e.ParseFromString(value) || e.index() != index) {
    return Status::Corruption("unparsable entry in " + Describe(region_id, index));
  }
  *term = e.term();
  return Status::OK();
}

}  // namespace nokv::raftstore
