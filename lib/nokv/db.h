// The embedded NoKV database: the public contract.
//
// A DB is safe for concurrent use by many threads without external locking.
// No call throws; errors come back as Status values:
//   NotFound        - Get of a missing or deleted key
//   InvalidArgument - empty key, oversized key, bad options
//   Corruption      - a checksum or format check failed (names file + offset)
//   IOError         - the file system failed
//   Busy            - the workdir is locked by another DB instance
//   Closed          - the call came after Close()
//   BlockedWrites   - a background error put the DB into read-only mode
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/iterator.h"
#include "base/status.h"
#include "nokv/iterator.h"
#include "nokv/options.h"
#include "nokv/write_batch.h"

namespace nokv {

// A point-in-time view for reads; obtain with GetSnapshot, give back with
// ReleaseSnapshot.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
  virtual uint64_t sequence() const = 0;
};

// One stored record, as returned by DB::GetEntry.
struct Entry {
  std::string key;           // user key
  std::string value;         // empty for tombstones
  ColumnFamily cf = ColumnFamily::kDefault;
  uint64_t version = 0;      // kMaxVersion for plain (non-versioned) writes
  uint64_t sequence = 0;     // commit order
  uint64_t expires_at_ms = 0;
  bool deleted = false;      // a tombstone
  bool expired = false;      // expires_at_ms has passed
};

// Counters describing the state of a DB (see DB::GetStats).
struct LevelStats {
  int level = 0;
  int files = 0;
  uint64_t bytes = 0;
  uint64_t entries = 0;
  double score = 0;  // compaction score: >= 1 means the level is due
};

struct DbStats {
  uint64_t last_sequence = 0;
  uint64_t memtable_bytes = 0;
  uint64_t memtable_entries = 0;
  int immutable_memtables = 0;
  uint64_t immutable_entries = 0;
  uint64_t wal_number = 0;
  uint64_t wal_bytes = 0;
  std::vector<LevelStats> levels;
  uint64_t sst_entries = 0;
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  uint64_t compaction_bytes_read = 0;
  uint64_t compaction_bytes_written = 0;
  uint64_t flush_bytes_written = 0;
  uint64_t user_bytes_written = 0;  // keys + values accepted from callers
  uint64_t writes = 0;              // write calls
  uint64_t write_groups = 0;        // WAL records (group commits)
  uint64_t wal_syncs = 0;
  uint64_t stall_micros = 0;
  uint64_t slowdown_writes = 0;
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  uint64_t block_cache_usage = 0;
  // Value log.
  int vlog_segments = 0;
  uint64_t vlog_bytes = 0;
  uint64_t vlog_discard_bytes = 0;    // garbage known from compaction
  uint64_t vlog_values_written = 0;
  uint64_t vlog_gc_runs = 0;
  uint64_t vlog_gc_records_rewritten = 0;
  uint64_t vlog_gc_bytes_rewritten = 0;
  uint64_t vlog_gc_segments_deleted = 0;
  uint64_t vlog_gc_bytes_reclaimed = 0;
  int vlog_pending_deletes = 0;       // rewritten segments waiting for old readers
  // Hot keys (top 16 by windowed count) and throttled writes.
  std::vector<std::pair<std::string, uint64_t>> hot_read_keys;
  std::vector<std::pair<std::string, uint64_t>> hot_write_keys;
  uint64_t hot_key_limited_writes = 0;
  std::string background_error;  // empty if healthy
};

class DB {
 public:
  // Opens (creating if allowed) the database in `path`.
  static Status Open(const Options& options, const std::string& path, std::unique_ptr<DB>* db);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Closes the DB if Close was not called.
  virtual ~DB() = default;

  virtual Status Put(const WriteOptions& options, std::string_view key, std::string_view value) = 0;
  // Deleting a missing key is not an error.
  virtual Status Delete(const WriteOptions& options, std::string_view key) = 0;
  // Deletes every key in [begin, end); InvalidArgument unless begin < end.
  virtual Status DeleteRange(const WriteOptions& options, std::string_view begin,
                             std::string_view end) = 0;
  // Applies every update of the batch atomically.
  virtual Status Write(const WriteOptions& options, const WriteBatch& batch) = 0;

  // Returns NotFound if the key is missing or deleted.
  virtual Status Get(const ReadOptions& options, std::string_view key, std::string* value) = 0;
  virtual Status GetCF(const ReadOptions& options, ColumnFamily cf, std::string_view key,
                       std::string* value) = 0;
  // Like Get, also returning the expiry (0 = never) of the value.
  virtual Status GetWithExpiry(const ReadOptions& options, std::string_view key,
                               std::string* value, uint64_t* expires_at_ms) = 0;
  // The newest record of (cf, key) with version <= `version`, tombstones and
  // expired records included (flagged in the Entry). NotFound if none.
  virtual Status GetEntry(const ReadOptions& options, ColumnFamily cf, std::string_view key,
                          uint64_t version, Entry* entry) = 0;
  // Writes `key` with `value` that expires `ttl_ms` milliseconds from now.
  virtual Status PutWithTTL(const WriteOptions& options, std::string_view key,
                            std::string_view value, uint64_t ttl_ms) = 0;
  // The DB's clock (Options::clock_ms or the system clock), unix ms.
  virtual uint64_t NowMs() const = 0;

  // An iterator over the default column family at a consistent snapshot
  // (TTL expiry is judged at the moment the iterator is created).
  // Delete it before closing the DB.
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;
  virtual std::unique_ptr<Iterator> NewIteratorCF(const ReadOptions& options,
                                                  ColumnFamily cf) = 0;

  // For the transaction layer: a cursor over raw internal keys (all column
  // families, all versions, tombstones included; see base/internal_key.h for
  // the key format) at a consistent snapshot. Values are ValueRecords whose
  // value-log pointers are already resolved (kMetaValuePointer cleared).
  virtual std::unique_ptr<InternalIterator> NewInternalIterator(const ReadOptions& options) = 0;

  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // Value-log garbage collection: rewrites the live values of the sealed
  // segment with the most garbage, if at least `discard_ratio` (in (0,1)) of
  // it is garbage, then deletes it once no snapshot or iterator can read the
  // old copies. OK if a segment was rewritten; NotFound if none qualified;
  // Busy if another GC is running; InvalidArgument for a bad ratio.
  virtual Status RunValueLogGC(double discard_ratio) = 0;

  // Hands every deferred WAL record (WriteOptions::defer_wal_flush) to the
  // OS; with sync, also fsyncs the WAL. Cheap when nothing is deferred.
  virtual Status FlushWAL(bool sync) = 0;

  // Freezes the memtable and waits until it (and all older ones) are in L0.
  virtual Status Flush() = 0;
  // Compacts every level until no level is over its target and L0 is empty.
  virtual Status CompactAll() = 0;

  virtual DbStats GetStats() = 0;
  // The reference's name for the stats snapshot.
  DbStats Info() { return GetStats(); }

  // Waits for background work, syncs the WAL, releases the workdir lock.
  // Idempotent: later calls return the first call's result. Every other call
  // returns Closed afterwards.
  virtual Status Close() = 0;
};

}  // namespace nokv
