// DBImpl: the embedded engine behind nokv::DB.
//
// Threads: callers (reads and writes), one flush thread, one compaction
// thread, one maintenance thread. Writes use group commit (write_thread.h):
// the group's leader appends one WAL record for the whole group, syncs or
// flushes it to the OS, inserts into the memtable and wakes the group. Only
// the leader touches wal_ and inserts into mem_, so the memtable has exactly
// one writer at a time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "db/column_family_set.h"
#include "db/value_log_gc.h"
#include "db/write_thread.h"
#include "hotring/hot_ring.h"
#include "lsm/compaction_picker.h"
#include "lsm/level_iterator.h"
#include "lsm/range_tombstones.h"
#include "lsm/table_cache.h"
#include "lsm/visibility.h"
#include "manifest/version_set.h"
#include "memtable/memtable.h"
#include "nokv/db.h"
#include "sst/block_cache.h"
#include "vfs/file_system.h"
#include "vlog/value_log.h"
#include "wal/wal_writer.h"

namespace nokv {

class DBImpl final : public DB {
 public:
  DBImpl(const Options& options, std::string dir);
  ~DBImpl() override;

  // Takes the lock, recovers the manifest and WAL, starts background threads.
  Status Open();

  ColumnFamilyHandle* DefaultColumnFamily() override;
  Status CreateColumnFamily(std::string_view name, ColumnFamilyHandle** handle) override;
  Status DropColumnFamily(ColumnFamilyHandle* handle) override;
  ColumnFamilyHandle* GetColumnFamily(std::string_view name) override;
  std::vector<std::string> ListColumnFamilies() override;

  using DB::Get;
  Status Write(const WriteOptions& options, const WriteBatch& batch) override;
  Status Get(const ReadOptions& options, std::string_view key, ReadResult* result) override;
  void PrefetchForGets(const ReadOptions& options,
                       std::span<const std::string_view> keys) override;
  uint64_t NowMs() const override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  Status Flush() override;
  Status FlushWAL(bool sync) override;
  Status CompactAll() override;
  Status RunValueLogGC(double discard_ratio) override;
  bool GetProperty(std::string_view property, std::string* value) override;
  bool GetIntProperty(std::string_view property, uint64_t* value) override;
  Status Close() override;

  // Engine-internal (tests, tools): a cursor over raw internal keys (all
  // column families, all versions, tombstones included; base/internal_key.h)
  // at a consistent snapshot. Values are ValueRecords whose value-log
  // pointers are already resolved (kMetaValuePointer cleared).
  std::unique_ptr<InternalIterator> NewInternalIterator(const ReadOptions& options);

 private:
  struct Immutable {
    std::shared_ptr<MemTable> mem;
    uint64_t log_number;  // the WAL segment that holds its writes
  };
  // What a read needs, captured under mu_: the sources (memtables, version)
  // and, read together with them, the sequence and the range tombstones.
  // Any compaction output in `version` chose what to drop at a smaller
  // sequence than `sequence`.
  struct ReadView : LsmView {
    uint64_t sequence = 0;
    std::shared_ptr<const RangeTombstoneSet> range_dels;
  };

  // --- open / recovery (db_impl.cc)
  Status Recover();
  // Replays the WALs into memtables; full ones become L0 tables in `edit`,
  // the last one is returned in `*rest` (read-only opens flush nothing: all
  // of it is returned).
  Status ReplayWals(std::vector<uint64_t> wal_numbers, VersionEdit* edit,
                    std::shared_ptr<MemTable>* rest);
  Status WriteLevel0(MemTable* mem, std::vector<FileMeta>* out);
  Result<std::unique_ptr<WalWriter>> CreateWal(uint64_t number);

  // --- writes (db_write.cc)
  // batch == nullptr forces a memtable rotation (used by Flush). An
  // exclusive batch (value-log GC rewrites) forms a group of its own.
  Status WriteImpl(const WriteOptions& options, const WriteBatch* batch, bool exclusive = false);
  // Leader only: moves large values into the value log and drops GC
  // rewrites whose key changed since GC read it. Rewrites *payload.
  Status PrepareGroup(std::string* payload, uint64_t first_sequence, bool sync);
  Status MakeRoomForWrite(std::unique_lock<std::mutex>& lock, bool force);
  // Range tombstones of the batch are appended to *range_dels (if given).
  static Status InsertIntoMemTable(MemTable* mem, std::string_view rep, uint64_t first_sequence,
                                   std::vector<RangeTombstone>* range_dels = nullptr);
  // Rebuilds range_dels_ from the kRangeDeleteSpace keyspace (at open).
  Status LoadRangeTombstones();

  // --- background (db_background.cc)
  void FlushThread();
  void MaintenanceThread();
  // Hot-key accounting for a user batch; Busy if a key hit the write limit.
  Status TrackWrites(const WriteBatch& batch);
  void CompactionThread();
  Status FlushOldestImmutable();
  Status RunCompaction(const CompactionPlan& plan);
  bool CanDropRangeTombstone(const CompactionPlan& plan, const RangeTombstone& t,
                             uint64_t smallest_snapshot) const;
  void DeleteObsoleteFiles(bool at_open = false);
  uint64_t AllocateTableNumber();
  uint64_t SmallestSnapshot();
  void SetBackgroundError(const Status& s);  // mu_ held

  // --- properties (db_properties.cc)
  // An integer property (the names are listed in nokv/db.h).
  bool IntProperty(std::string_view name, uint64_t* value);
  struct ViewCounts {
    uint64_t mem_bytes = 0, mem_entries = 0, imm_count = 0, imm_entries = 0;
    uint64_t sst_files = 0, sst_bytes = 0, sst_entries = 0;
    uint64_t entries = 0, estimated_keys = 0;
  };
  static ViewCounts CountView(const ReadView& view);
  // Every integer property's name, in a stable order (nokv.stats).
  std::vector<std::string> IntPropertyNames();

  // --- value log (db_vlog.cc)
  Status ResolveValue(const ValueRecord& record, std::string* out) const;
  void CountVlogGarbage(std::string_view value_record);
  // OK if every value pointer in a WAL batch resolves to an intact record.
  Status VerifyValuePointers(std::string_view rep);
  // Is the vlog record (ikey, ptr) still the current value of its key?
  bool IsLiveValue(std::string_view ikey, const ValuePointer& ptr, uint64_t* expires_at);
  void MaybeDeleteVlogSegments();
  // How value-log GC reaches the engine.
  ValueLogGc::Hooks GcHooks();

  // A fresh memtable configured from options_ (engine, hash index).
  std::shared_ptr<MemTable> NewMemTable() const;

  // --- reads (db_read.cc)
  ReadView CaptureReadView();
  // A merged cursor over every source of the view (memtables, L0, levels).
  std::unique_ptr<InternalIterator> NewViewIterator(const ReadView& view, TableIterOptions options);
  // Captures a view for an iterator: registers the iterator with value-log
  // GC first (so the registered sequence is never newer than the view), and
  // returns the view and a pin that keeps it alive and unregisters on release.
  std::shared_ptr<ReadView> CaptureIteratorView(std::shared_ptr<void>* pin);
  // The entry of (cf, key) a reader at options.snapshot and `version` sees
  // (lsm/visibility.h: FindVisibleEntry); NotFound if there is none.
  Status FindEntry(const ReadOptions& options, ColumnFamily cf, std::string_view key,
                   uint64_t version, std::string* ikey, std::string* value, Visibility* vis);
  Status CheckOpen() const;
  // CheckOpen, and NotSupported for a read-only open.
  Status CheckWritable() const;

  // Who owns what. Set during Open and read-only afterwards: options_ ..
  // policy_, vlog_, gc_, the hot rings. mu_ guards the fields marked so.
  // The group-commit queue lives in write_thread_ and the value-log GC
  // state (reader pins, deferred deletes) in gc_, each behind its own
  // mutex; mu_ is never held while calling into them (gc_'s hooks take it).
  // The write group's leader owns wal_ and is the only inserter into mem_.
  const Options options_;
  const std::string dir_;
  std::shared_ptr<FileSystem> fs_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<BlockCache> block_cache_;
  std::unique_ptr<TableCache> table_cache_;
  std::unique_ptr<VersionSet> versions_;
  std::unique_ptr<ColumnFamilySet> families_;  // needs versions_; own mutexes
  const CompactionPolicy policy_;

  std::mutex mu_;
  std::condition_variable work_cv_;  // wakes the background threads: there is work
  std::condition_variable done_cv_;  // wakes waiters: background progress, errors, drain
  std::shared_ptr<MemTable> mem_;              // guarded by mu_ (pointer); leader inserts
  std::deque<Immutable> imms_;                 // guarded by mu_; oldest first
  WriteThread write_thread_;                   // group commit; see write_thread.h
  std::unique_ptr<WalWriter> wal_;             // owned by the write leader
  uint64_t wal_number_ = 0;                    // guarded by mu_
  std::atomic<uint64_t> last_sequence_{0};     // last sequence visible to readers
  std::multiset<uint64_t> snapshots_;          // guarded by mu_
  std::set<uint64_t> pending_outputs_;         // guarded by mu_: tables being written
  CompactPointers compact_pointers_;           // compaction thread only
  bool shutting_down_ = false;                 // guarded by mu_
  bool compaction_running_ = false;            // guarded by mu_
  int manual_compactions_ = 0;                 // guarded by mu_: CompactAll callers waiting
  uint64_t manual_generation_ = 0;             // guarded by mu_: bumped when forced work runs out
  Status bg_error_;                            // guarded by mu_
  // The WAL itself failed (a write, sync or rotation): nothing may be
  // flushed or synced through it any more. Guarded by mu_.
  bool wal_failed_ = false;
  std::atomic<bool> closed_{false};
  bool close_started_ = false;                 // guarded by mu_
  Status close_status_;                        // guarded by mu_
  std::shared_ptr<const RangeTombstoneSet> range_dels_ =
      std::make_shared<const RangeTombstoneSet>();  // guarded by mu_ (the pointer)
  std::unique_ptr<ValueLog> vlog_;             // null when value_threshold == 0
  std::unique_ptr<ValueLogGc> gc_;             // null when vlog_ is; owns pins and deferred deletes
  std::unique_ptr<HotRing> read_ring_;   // null when hot_key_tracking is off
  std::unique_ptr<HotRing> write_ring_;  // null when hot_key_tracking is off
  std::thread flush_thread_;
  std::thread compaction_thread_;
  std::thread maintenance_thread_;  // hot-ring upkeep, periodic value-log GC

  // Counters (relaxed atomics; read by the properties).
  std::atomic<uint64_t> stat_flushes_{0}, stat_compactions_{0}, stat_comp_read_{0},
      stat_comp_written_{0}, stat_flush_written_{0}, stat_user_bytes_{0}, stat_writes_{0},
      stat_wal_records_{0}, stat_syncs_{0}, stat_stall_us_{0}, stat_slowdowns_{0},
      stat_vlog_values_{0}, stat_hot_limited_{0};
  std::atomic<uint64_t> stat_wal_bytes_{0};  // size of the active WAL segment
  // Bytes appended to every WAL segment / to the value log since Open (GC
  // rewrites included): the write-amplification inputs beside the tables'.
  std::atomic<uint64_t> stat_wal_written_{0}, stat_vlog_written_{0};
};

}  // namespace nokv
