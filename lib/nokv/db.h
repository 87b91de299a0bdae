// The embedded NoKV database: the public contract.
//
// A DB is safe for concurrent use by many threads without external locking.
// No call throws; errors come back as Status values:
//   NotFound        - Get of a missing or deleted key
//   InvalidArgument - empty key, oversized key, bad options, unknown or
//                     dropped column family
//   Corruption      - a checksum or format check failed (names file + offset)
//   IOError         - the file system failed
//   Busy            - the workdir is locked by another DB instance
//   Closed          - the call came after Close()
//   BlockedWrites   - a background error put the DB into read-only mode
//
// The surface is small on purpose (as LevelDB's and RocksDB's): one write
// call (Write, with Put/Delete/DeleteRange as shorthands for one-update
// batches), one read call (Get, with the column family, MVCC version and
// snapshot in ReadOptions), one iterator, and properties for everything the
// engine can tell about itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "nokv/column_family.h"
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

// What DB::Get found for a key.
struct ReadResult {
  std::string value;                // empty for a tombstone or expired entry
  std::optional<uint64_t> version;  // the entry's MVCC version; unset if unversioned
  uint64_t sequence = 0;            // commit order
  uint64_t expires_at_ms = 0;       // 0 = never
  // Only with ReadOptions::include_tombstones (otherwise Get says NotFound):
  bool deleted = false;  // the entry is a tombstone
  bool expired = false;  // the entry's expiry has passed
};

class DB {
 public:
  // Opens (creating if allowed) the database in `path`, with every column
  // family recorded in its manifest.
  static Status Open(const Options& options, const std::string& path, std::unique_ptr<DB>* db);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Closes the DB if Close was not called.
  virtual ~DB() = default;

  // ---- Column families. Handles belong to the DB and stay valid until it
  // is destroyed (a dropped family's handle then refuses reads and writes).

  // The "default" family (id 0), which every DB has.
  virtual ColumnFamilyHandle* DefaultColumnFamily() = 0;
  // Creates a family and records it in the manifest before returning.
  // InvalidArgument if the name is empty or taken; TooBig once every id
  // (254 over the DB's lifetime) has been used.
  virtual Status CreateColumnFamily(std::string_view name, ColumnFamilyHandle** handle) = 0;
  // Drops a family: its keys disappear at once for readers and writers, and
  // compaction removes its data. Its id is never reused. The default family
  // cannot be dropped (InvalidArgument).
  virtual Status DropColumnFamily(ColumnFamilyHandle* handle) = 0;
  // The live family of that name; null if there is none.
  virtual ColumnFamilyHandle* GetColumnFamily(std::string_view name) = 0;
  // Names of the live families, in id order ("default" first).
  virtual std::vector<std::string> ListColumnFamilies() = 0;

  // ---- Writes.

  // Applies every update of the batch atomically.
  virtual Status Write(const WriteOptions& options, const WriteBatch& batch) = 0;
  // One-update batches.
  Status Put(const WriteOptions& options, std::string_view key, std::string_view value);
  Status Put(const WriteOptions& options, const UpdateOptions& update, std::string_view key,
             std::string_view value);
  // Deleting a missing key is not an error.
  Status Delete(const WriteOptions& options, std::string_view key);
  Status Delete(const WriteOptions& options, const UpdateOptions& update, std::string_view key);
  // Deletes every key in [begin, end); InvalidArgument unless begin < end.
  Status DeleteRange(const WriteOptions& options, std::string_view begin, std::string_view end);
  Status DeleteRange(const WriteOptions& options, ColumnFamilyHandle* column_family,
                     std::string_view begin, std::string_view end);

  // ---- Reads.

  // The newest entry of key visible to options (column family, version,
  // snapshot). NotFound if there is none, or if it is a tombstone or expired
  // (unless options.include_tombstones).
  virtual Status Get(const ReadOptions& options, std::string_view key, ReadResult* result) = 0;
  // The value only.
  Status Get(const ReadOptions& options, std::string_view key, std::string* value);
  // A hint that point reads or overwrites of `keys` in
  // options.column_family come next (a pipelined batch of commands, say):
  // the engine may load what those lookups touch in memory into the CPU
  // cache, for all keys at once, so their memory latencies overlap instead
  // of adding up. It reads and changes nothing visible and reports nothing;
  // with an unknown column family it does nothing, and a key no read could
  // find (empty, too long) only costs its hashing. The default does nothing.
  virtual void PrefetchForGets(const ReadOptions& options, std::span<const std::string_view> keys) {
    (void)options;
    (void)keys;
  }

  // An iterator over options.column_family at a consistent snapshot (see
  // nokv/iterator.h; TTL expiry is judged at the moment it is created).
  // Delete it before closing the DB.
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;

  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // The DB's clock (Options::clock_ms or the system clock), unix ms.
  virtual uint64_t NowMs() const = 0;

  // ---- Maintenance.

  // Value-log garbage collection: rewrites the live values of the sealed
  // segment with the most garbage, if at least `discard_ratio` (in (0,1)) of
  // it is garbage, then deletes it once no snapshot or iterator can read the
  // old copies. OK if a segment was rewritten; NotFound if none qualified;
  // Busy if another GC is running; InvalidArgument for a bad ratio.
  virtual Status RunValueLogGC(double discard_ratio) = 0;

  // Hands every deferred WAL record (WriteOptions::defer_wal_flush) to the
  // OS; with sync, also fsyncs the value log and then the WAL, so every write
  // acknowledged before the call is durable when it returns OK. Cheap when
  // nothing is deferred. After a background error that is not the WAL's (a
  // failed flush or compaction) it still flushes and syncs what the WAL
  // holds; after a WAL failure it returns that error.
  virtual Status FlushWAL(bool sync) = 0;

  // Freezes the memtable and waits until it (and all older ones) are in L0.
  virtual Status Flush() = 0;
  // Compacts every level until no level is over its target and L0 is empty.
  virtual Status CompactAll() = 0;

  // ---- Properties: what the engine can tell about itself, by name. The set
  // grows without changing this interface. Returns false for an unknown name.
  //
  // Integer properties (GetIntProperty; GetProperty gives them as decimal):
  //   nokv.last-sequence                 sequence number of the newest write
  //   nokv.num-entries                   records in memtables and SSTs
  //                                      (overwrites and tombstones count
  //                                      until compaction drops them)
  //   nokv.estimate-num-keys             num-entries minus twice the point
  //                                      tombstones (each assumed to cancel
  //                                      one record); an estimate, O(levels)
  //   nokv.memtable.active-bytes         memory of the active memtable
  //   nokv.memtable.active-entries       records in the active memtable
  //   nokv.memtable.immutable-count      frozen memtables waiting for flush
  //   nokv.memtable.immutable-entries    records in them (a frozen memtable
  //                                      whose flushed table is already in
  //                                      the tree is counted there instead)
  //   nokv.wal.number                    number of the active WAL segment
  //   nokv.wal.bytes                     bytes written to it so far
  //   nokv.wal.bytes-written             bytes appended to all WAL segments
  //                                      since Open (all rotations)
  //   nokv.wal.records                   WAL records written since Open
  //   nokv.wal.syncs                     WAL fsyncs since Open (synced
  //                                      writes, FlushWAL(true), rotations)
  //   nokv.num-levels                    levels of the tree (L0..L<n-1>)
  //   nokv.level<N>.files                SST files in level N
  //   nokv.level<N>.bytes                SST bytes in level N
  //   nokv.level<N>.entries              records in level N's SSTs
  //   nokv.sst.files / .bytes / .entries the same over all levels
  //   nokv.flush.count                   memtables written to L0 since Open
  //                                      (WAL replay at Open included)
  //   nokv.flush.bytes-written           SST bytes written by them
  //   nokv.compaction.count              compactions since Open (trivial
  //                                      moves included)
  //   nokv.compaction.bytes-read         SST bytes they read
  //   nokv.compaction.bytes-written      SST bytes they wrote
  //   nokv.write.calls                   Write calls that carried updates
  //   nokv.write.user-bytes              key + value bytes accepted from callers
  //   nokv.write.stall-micros            time writers waited for flush/compaction
  //   nokv.write.slowdowns               writes delayed at the L0 slowdown trigger
  //   nokv.block-cache.hits / .misses    block cache lookups since Open
  //   nokv.block-cache.usage             bytes held by the block cache
  //   nokv.block-cache.capacity          its configured size
  //   nokv.vlog.segments / .bytes        value-log segments and their bytes
  //   nokv.vlog.discard-bytes            garbage known from compaction (a lower bound)
  //   nokv.vlog.values-written           values appended to the value log
  //                                      (GC rewrites included)
  //   nokv.vlog.bytes-written            bytes of those appends (framed records)
  //   nokv.vlog.pending-deletes          rewritten segments waiting for old readers
  //   nokv.vlog.gc.runs                  value-log GC passes
  //   nokv.vlog.gc.records-rewritten     live values GC rewrote
  //   nokv.vlog.gc.bytes-rewritten       their bytes
  //   nokv.vlog.gc.segments-deleted      segments GC deleted
  //   nokv.vlog.gc.bytes-reclaimed       their bytes
  //   nokv.hot.write-limited             writes refused by the hot-key throttle
  //   nokv.num-column-families           live column families
  // Text properties (GetProperty only):
  //   nokv.level<N>.score                compaction score of level N (>= 1: due)
  //   nokv.background-error              the error that made the DB read-only;
  //                                      empty if healthy
  //   nokv.hot.read-keys                 the 16 hottest keys, hottest first,
  //   nokv.hot.write-keys                one "<count> <key length> <key>\n"
  //                                      each (with Options::hot_key_tracking;
  //                                      keys of other families than default
  //                                      start with the family's id byte)
  //   nokv.column-families               "id name" lines
  //   nokv.stats                         every integer property, "name value"
  //                                      per line
  //   nokv.entry-counts                  "<active-bytes> <active-entries>
  //                                      <immutable-count> <immutable-entries>
  //                                      <sst-entries>" of the memtable
  //                                      properties above, all read at one
  //                                      moment (a flush between separate
  //                                      reads would count entries twice)
  virtual bool GetProperty(std::string_view property, std::string* value) = 0;
  virtual bool GetIntProperty(std::string_view property, uint64_t* value) = 0;

  // Waits for background work, syncs the WAL, releases the workdir lock.
  // Idempotent: later calls return the first call's result. Every other call
  // returns Closed afterwards.
  virtual Status Close() = 0;
};

}  // namespace nokv
