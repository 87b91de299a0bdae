// DbStats: a snapshot of a DB's figures, read through its properties
// (nokv/db.h) in one place, for consumers that show many of them at once
// (the HTTP server's renderers, Redis INFO, the CLI and bench reports).
// Not part of the DB interface: a new figure is a new property, and only
// the consumers that want it read it. Every field names its property.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nokv/db.h"

namespace nokv {

struct LevelStats {
  int level = 0;
  int files = 0;         // nokv.level<N>.files
  uint64_t bytes = 0;    // nokv.level<N>.bytes
  uint64_t entries = 0;  // nokv.level<N>.entries
  double score = 0;      // nokv.level<N>.score: >= 1 means the level is due
};

struct DbStats {
  uint64_t last_sequence = 0;       // nokv.last-sequence
  uint64_t memtable_bytes = 0;      // nokv.memtable.active-bytes
  uint64_t memtable_entries = 0;    // nokv.memtable.active-entries
  int immutable_memtables = 0;      // nokv.memtable.immutable-count
  uint64_t immutable_entries = 0;   // nokv.memtable.immutable-entries
  uint64_t wal_number = 0;          // nokv.wal.number
  uint64_t wal_bytes = 0;           // nokv.wal.bytes
  std::vector<LevelStats> levels;   // nokv.num-levels levels
  uint64_t sst_entries = 0;         // nokv.sst.entries
  uint64_t flushes = 0;             // nokv.flush.count
  uint64_t compactions = 0;         // nokv.compaction.count
  uint64_t compaction_bytes_read = 0;     // nokv.compaction.bytes-read
  uint64_t compaction_bytes_written = 0;  // nokv.compaction.bytes-written
  uint64_t flush_bytes_written = 0;       // nokv.flush.bytes-written
  uint64_t user_bytes_written = 0;  // nokv.write.user-bytes
  uint64_t writes = 0;              // nokv.write.calls
  uint64_t write_groups = 0;        // nokv.wal.records (one per group commit)
  uint64_t wal_syncs = 0;           // nokv.wal.syncs
  uint64_t stall_micros = 0;        // nokv.write.stall-micros
  uint64_t slowdown_writes = 0;     // nokv.write.slowdowns
  uint64_t block_cache_hits = 0;    // nokv.block-cache.hits
  uint64_t block_cache_misses = 0;  // nokv.block-cache.misses
  uint64_t block_cache_usage = 0;   // nokv.block-cache.usage
  int vlog_segments = 0;                   // nokv.vlog.segments
  uint64_t vlog_bytes = 0;                 // nokv.vlog.bytes
  uint64_t vlog_discard_bytes = 0;         // nokv.vlog.discard-bytes
  uint64_t vlog_values_written = 0;        // nokv.vlog.values-written
  uint64_t vlog_gc_runs = 0;               // nokv.vlog.gc.runs
  uint64_t vlog_gc_records_rewritten = 0;  // nokv.vlog.gc.records-rewritten
  uint64_t vlog_gc_bytes_rewritten = 0;    // nokv.vlog.gc.bytes-rewritten
  uint64_t vlog_gc_segments_deleted = 0;   // nokv.vlog.gc.segments-deleted
  uint64_t vlog_gc_bytes_reclaimed = 0;    // nokv.vlog.gc.bytes-reclaimed
  int vlog_pending_deletes = 0;            // nokv.vlog.pending-deletes
  std::vector<std::pair<std::string, uint64_t>> hot_read_keys;   // nokv.hot.read-keys
  std::vector<std::pair<std::string, uint64_t>> hot_write_keys;  // nokv.hot.write-keys
  uint64_t hot_key_limited_writes = 0;     // nokv.hot.write-limited
  std::string background_error;            // nokv.background-error; empty if healthy
};

// Reads every figure above from db's properties.
DbStats CollectDbStats(DB& db);

// Parses the nokv.hot.*-keys text ("<count> <length> <key>\n" per key).
std::vector<std::pair<std::string, uint64_t>> ParseHotKeys(std::string_view text);

}  // namespace nokv
