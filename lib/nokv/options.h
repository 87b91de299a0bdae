// Options for opening a NoKV database and for individual reads and writes.
// Every field has a default that works; the comments say what a field trades.
//
// Like every header in lib/nokv, this one includes only other lib/nokv
// headers, base/status.h and the standard library: the public API sits below
// the engine (as LevelDB's include/), so engine layers may use its types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace nokv {

class ColumnFamilyHandle;
class FileSystem;
class Snapshot;

// Memtable index: a skiplist, or an adaptive radix tree (ART: fewer cache
// misses per insert and lookup, about twice the memory).
enum class MemTableEngine : uint8_t { kSkipList, kArt };

// Stored in each SST block trailer, so the numeric values are part of the
// on-disk format and never change.
enum class CompressionType : uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };

// Options that shape an SST file.
struct TableOptions {
  // Target uncompressed size of a data block; a block is closed once it
  // reaches this size (a single large entry may make it bigger).
  size_t block_size = 4096;
  // Entries between restart points in data blocks (>= 1).
  int restart_interval = 16;
  // Bloom filter density; <= 0 writes no filter.
  int bloom_bits_per_key = 10;
  // Compression for data blocks. A block is stored compressed only when that
  // saves at least 1/8 of its size; index, filter and properties blocks are
  // always stored uncompressed.
  CompressionType compression = CompressionType::kLz4;
};

struct Options {
  // All file I/O goes through this (vfs/file_system.h); null means the
  // POSIX file system.
  std::shared_ptr<FileSystem> fs;
  // With the POSIX file system (fs null): read tables and value-log segments
  // through read-only memory mappings instead of pread (RocksDB's
  // allow_mmap_reads). Faster point reads and scans when the data is in the
  // page cache; off by default because a disk read error then kills the
  // process (SIGBUS) instead of failing the read.
  bool allow_mmap_reads = false;

  // Create the workdir if it does not hold a database yet.
  bool create_if_missing = true;
  // Fail Open if the workdir already holds a database.
  bool error_if_exists = false;
  // Open without writing anything to the workdir (an offline inspection):
  // the WALs are replayed into memory, not flushed; no new WAL segment,
  // manifest edit, compaction, value-log GC or file deletion happens, and no
  // background thread runs. Write, Flush, FlushWAL, CompactAll,
  // RunValueLogGC and column-family changes return NotSupported. The
  // workdir must hold a database (create_if_missing is ignored), and its
  // lock is taken as usual, so a running database is refused.
  bool read_only = false;

  // Every write is fsynced before it is acknowledged (group commit shares one
  // fsync among concurrent writers). Without it, acknowledged writes are
  // handed to the OS before the call returns: they survive a process crash,
  // not a machine crash.
  bool sync_writes = false;

  // Memory a memtable takes (entries, index, filter) before it is frozen and
  // flushed to L0.
  size_t memtable_size = 64ull << 20;
  // Each memtable keeps a hash index (key -> newest entry) beside its ordered
  // index, with memtable_hash_index_ratio * memtable_size bytes of buckets, so
  // point reads of the latest value skip the ordered search (like RocksDB's
  // hash memtable index plus whole-key filtering). 0 turns it off; at most 0.25.
  double memtable_hash_index_ratio = 1.0 / 64;
  // Memtables of 16 MiB and more take their memory in 2 MiB blocks marked
  // for transparent huge pages (MADV_HUGEPAGE; like RocksDB's
  // memtable_huge_page_size), so index searches and hash probes stop
  // missing the TLB. memtable_size counts the bytes used: the part-filled
  // last block of each of a memtable's two arenas, up to 4 MiB, comes on
  // top. false keeps 4 KiB blocks from the heap (for a kernel whose
  // huge-page compaction stalls matter more than the lookups).
  bool memtable_huge_pages = true;
  // Memtable index: kSkipList (default) or kArt (adaptive radix tree).
  MemTableEngine memtable_engine = MemTableEngine::kSkipList;
  // Frozen memtables waiting for flush; writers stall beyond this.
  int max_immutable_memtables = 4;

  // SST block size, bloom bits per key, compression.
  TableOptions table;
  // Shared LRU cache of uncompressed data blocks, in bytes (0 disables).
  size_t block_cache_size = 64ull << 20;
  // Open SST readers kept in the table cache.
  int max_open_files = 1000;

  // Leveled compaction shape.
  int l0_compaction_trigger = 4;   // L0 files that start an L0 compaction
  int l0_slowdown_trigger = 12;    // each write sleeps 1 ms beyond this
  int l0_stop_trigger = 20;        // writes wait for compaction beyond this
  uint64_t max_bytes_for_level_base = 256ull << 20;  // L1 target size
  int level_size_multiplier = 10;
  uint64_t target_file_size = 64ull << 20;           // compaction output file size

  // Group commit limits (the reference's WriteBatchMaxSize/MaxCount): the
  // leader stops adding followers' batches to its WAL record once the record
  // would pass max_write_group_bytes or hold more than max_write_group_count
  // updates. A single batch larger than either still commits, alone.
  size_t max_write_group_bytes = 1ull << 20;
  size_t max_write_group_count = 4096;
  // Optional coalescing wait: a leader whose group is not yet full waits up to
  // this long for more writers to queue behind it before committing. Trades
  // a little latency for fewer fsyncs under SyncWrites with many writers;
  // 0 (the default) commits at once.
  uint64_t write_coalesce_wait_us = 0;

  // Key/value separation: values of at least this many bytes are stored in
  // the value log and the LSM keeps a small pointer (0 disables).
  size_t value_threshold = 1024;
  // A value-log segment is sealed and a new one started beyond this size.
  uint64_t value_log_segment_size = 256ull << 20;

  // Run value-log GC in the background at this interval (0 = only on demand
  // through DB::RunValueLogGC), rewriting segments with at least
  // value_log_gc_discard_ratio garbage.
  uint64_t value_log_gc_interval_ms = 0;
  double value_log_gc_discard_ratio = 0.5;

  // Hot-key tracking (HotRing): reads and writes are counted per key over a
  // sliding window (8 x 250 ms); the top keys show up in the nokv.hot.*
  // properties. Off by default: with millions of distinct keys it costs up
  // to half of point read/write throughput (measured); turn it on to find
  // hot keys.
  bool hot_key_tracking = false;
  // Reject writes to a key that was written this many times within the
  // window with Busy ("hot key write throttle"); 0 = off. Setting it turns
  // write tracking on. Internal writes (value-log GC) are never throttled.
  uint64_t write_hot_key_limit = 0;

  // The manifest is rewritten as a fresh snapshot beyond this size.
  uint64_t manifest_rewrite_threshold = 64ull << 20;

  // Wall clock in unix milliseconds for TTL checks; null = the system clock.
  // Tests inject a fake clock here.
  std::function<uint64_t()> clock_ms;
};

struct ReadOptions {
  // The column family to read (DB::CreateColumnFamily); null = the default
  // family.
  ColumnFamilyHandle* column_family = nullptr;
  // MVCC: read the newest entry whose version is <= this, the maximum over
  // every layer of the tree. Unset = the newest entry of any version.
  std::optional<uint64_t> version;
  // Read as of this snapshot (from DB::GetSnapshot); null = latest.
  const Snapshot* snapshot = nullptr;
  // DB::Get(..., ReadResult*) only: return the entry even if it is a
  // tombstone or has expired (flagged in the result) instead of NotFound —
  // for the transaction layer, which must tell "deleted at version v" from
  // "never written".
  bool include_tombstones = false;
  // Verify block checksums on every read (cheap with crc32c hardware).
  bool verify_checksums = true;
  // Cache blocks read by this operation (turn off for big scans).
  bool fill_cache = true;
  // Iterator bounds on user keys: [lower_bound, upper_bound); empty = none.
  std::string lower_bound;
  std::string upper_bound;
};

struct WriteOptions {
  // fsync before acknowledging this write, even if Options::sync_writes is off.
  bool sync = false;
  // Without sync: leave this write's WAL record in the WAL's user-space
  // buffer instead of handing it to the OS before returning; a later
  // DB::FlushWAL (or any non-deferred write, rotation or Close) hands it
  // over. Until then a process crash may lose it. For servers that
  // acknowledge a whole pipeline of writes at once: one write(2) per
  // pipeline instead of one per write (RocksDB's manual_wal_flush). Ignored
  // when the write is synced.
  bool defer_wal_flush = false;
};

// Where one update goes and how it is stamped (DB::Put/Delete,
// WriteBatch::Put/Delete). The default is the default family, unversioned,
// never expiring.
struct UpdateOptions {
  // The column family; null = the default family.
  ColumnFamilyHandle* column_family = nullptr;
  // MVCC: the update's version (the transaction layer's timestamp, below
  // UINT64_MAX, which stands for "unversioned"; readers at version v see the
  // newest entry with version <= v). Unset = an unversioned update. Do not
  // mix versioned and unversioned updates of one key.
  std::optional<uint64_t> version;
  // Put only: the value disappears at this unix time in milliseconds (reads
  // stop returning it then, compaction drops it); 0 = never.
  uint64_t expires_at_ms = 0;
  // Put only: the value disappears ttl_ms after the write is applied (by the
  // DB's clock); overrides expires_at_ms. 0 = already expired (as a Redis
  // SET with a past expiry).
  std::optional<uint64_t> ttl_ms;
};

}  // namespace nokv
