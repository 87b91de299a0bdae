// RaftLogEngine: the durable raft log of every region on one store.
//
// The raft log lives in a second NoKV engine instance of its own (the
// store's `raft/` directory), apart from the data engine and its WAL
// lifecycle: truncating one region's log can never delete entries another
// region still needs, and the data engine's flushes never touch the log.
// docs/raftstore.md explains the choice. Layout (default column family,
// big-endian integers so keys sort by region then index):
//
//   'E' | region_id u64 | index u64   -> raftpb::Entry
//   'H' | region_id u64               -> raftpb::HardState
//   'S' | region_id u64               -> raftpb::SnapshotMetadata of the
//                                        latest compaction point (index,
//                                        term, conf state)
//
// Every write goes through a RaftLogBatch committed with one synced write, so
// all regions' appends and hard states of one Ready round share one fsync,
// and a batch is either wholly durable or wholly absent after a crash.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "db/db_stats.h"
#include "nokv/db.h"
#include "raft/raftpb.pb.h"

namespace nokv {
class FileSystem;
}

namespace nokv::raftstore {

// What the engine holds for one region, as loaded at startup.
struct RegionRaftState {
  raftpb::HardState hard_state;
  // The compaction point: entries <= snapshot.index() are gone; its term is
  // kept so Term(first_index - 1) still answers. index 0 = nothing compacted.
  raftpb::SnapshotMetadata snapshot;
  uint64_t last_index = 0;  // == snapshot.index() when the log is empty
  uint64_t last_term = 0;
};

// Updates to several regions' logs, made durable together by
// RaftLogEngine::Write. Build one per Ready round.
class RaftLogBatch {
 public:
  // Appends `entries` (consecutive indexes) to the region's log. Entries at
  // or after entries[0].index() that the log already holds are replaced: any
  // old entry beyond the new last index, up to `old_last_index`, is deleted.
  void Append(uint64_t region_id, const std::vector<raftpb::Entry>& entries,
              uint64_t old_last_index);
  void SetHardState(uint64_t region_id, const raftpb::HardState& hard_state);
  // Records a new compaction point and deletes the entries in
  // [first_index, meta.index()] (first_index = the region's current first).
  void Compact(uint64_t region_id, uint64_t first_index, const raftpb::SnapshotMetadata& meta);
  // After installing a snapshot: the whole log is replaced by `meta`
  // (entries in [first_index, last_index] are deleted).
  void ResetToSnapshot(uint64_t region_id, uint64_t first_index, uint64_t last_index,
                       const raftpb::SnapshotMetadata& meta);
  // Removes everything the engine holds for the region.
  void DestroyRegion(uint64_t region_id);

  bool empty() const { return batch_.Count() == 0; }
  size_t ApproximateSize() const { return batch_.ApproximateSize(); }

 private:
  friend class RaftLogEngine;
  WriteBatch batch_;
};

class RaftLogEngine {
 public:
  struct Options {
    std::shared_ptr<FileSystem> fs;  // null = POSIX
    // Memtable size of the log engine; entries live there until applied and
    // compacted, so most never reach an SST.
    size_t memtable_size = 32ull << 20;
    // Opens an existing log engine without writing anything (offline
    // inspection; see nokv::Options::read_only).
    bool read_only = false;
  };

  // Opens (creating if missing, unless read_only) the log engine in `dir`.
  static Status Open(const Options& options, const std::string& dir,
                     std::unique_ptr<RaftLogEngine>* engine);
  ~RaftLogEngine();

  // The regions that have any raft state, with their state.
  Status LoadAll(std::map<uint64_t, RegionRaftState>* regions);
  // One region's state; a region never written has an all-zero state.
  Status Load(uint64_t region_id, RegionRaftState* state);

  // Entries of the region in [lo, hi) with the byte-size rule of
  // raft::Storage::Entries (at least one entry, then while the total stays
  // <= max_size). The caller checks lo/hi against first/last index;
  // a hole in the range is a Corruption naming the region and index.
  Status Entries(uint64_t region_id, uint64_t lo, uint64_t hi, uint64_t max_size,
                 std::vector<raftpb::Entry>* out);
  // The term of entry `index`; NotFound if the engine does not hold it.
  Status Term(uint64_t region_id, uint64_t index, uint64_t* term);

  // Makes the batch durable (one fsync) before returning OK.
  Status Write(RaftLogBatch* batch);

  // Write calls and fsyncs so far (observability; tests check sharing).
  uint64_t writes() const { return writes_; }
  DbStats Stats() { return CollectDbStats(*db_); }

  Status Close();

 private:
  explicit RaftLogEngine(std::unique_ptr<DB> db) : db_(std::move(db)) {}

  std::unique_ptr<DB> db_;
  uint64_t writes_ = 0;  // only the store's raft thread writes
};

// Key encoding, exposed for tests and tools.
std::string RaftEntryKey(uint64_t region_id, uint64_t index);
std::string RaftHardStateKey(uint64_t region_id);
std::string RaftSnapshotMetaKey(uint64_t region_id);

}  // namespace nokv::raftstore
