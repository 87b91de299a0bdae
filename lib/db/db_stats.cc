// CollectDbStats: DbStats from the DB's properties.
#include "db/db_stats.h"

#include <charconv>
#include <cstdlib>

namespace nokv {
namespace {

uint64_t Int(DB& db, const std::string& name) {
  uint64_t v = 0;
  return db.GetIntProperty(name, &v) ? v : 0;
}

bool ParseUint(std::string_view* in, uint64_t* out) {
  const char* end = in->data() + in->size();
  auto [p, ec] = std::from_chars(in->data(), end, *out);
  if (ec != std::errc() || p == end || *p != ' ') return false;
  in->remove_prefix(static_cast<size_t>(p - in->data()) + 1);
  return true;
}

}  // namespace

std::vector<std::pair<std::string, uint64_t>> ParseHotKeys(std::string_view text) {
  std::vector<std::pair<std::string, uint64_t>> out;
  while (!text.empty()) {
    uint64_t count = 0, length = 0;
    if (!ParseUint(&text, &count) || !ParseUint(&text, &length) || text.size() < length + 1 ||
        text[length] != '\n') {
      break;  // malformed: keep what was read
    }
    out.emplace_back(std::string(text.substr(0, length)), count);
    text.remove_prefix(length + 1);
  }
  return out;
}

DbStats CollectDbStats(DB& db) {
  DbStats s;
  s.last_sequence = Int(db, "nokv.last-sequence");
  // The memtable and SST entry counts from one moment (a flush between
  // separate reads would count a memtable twice); one by one only from a DB
  // without that property.
  std::string counts;
  uint64_t imm_count = 0;
  std::string_view rest;
  if (db.GetProperty("nokv.entry-counts", &counts)) rest = counts += ' ';
  if (!(ParseUint(&rest, &s.memtable_bytes) && ParseUint(&rest, &s.memtable_entries) &&
        ParseUint(&rest, &imm_count) && ParseUint(&rest, &s.immutable_entries) &&
        ParseUint(&rest, &s.sst_entries))) {
    s.memtable_bytes = Int(db, "nokv.memtable.active-bytes");
    s.memtable_entries = Int(db, "nokv.memtable.active-entries");
    imm_count = Int(db, "nokv.memtable.immutable-count");
    s.immutable_entries = Int(db, "nokv.memtable.immutable-entries");
    s.sst_entries = Int(db, "nokv.sst.entries");
  }
  s.immutable_memtables = static_cast<int>(imm_count);
  s.wal_number = Int(db, "nokv.wal.number");
  s.wal_bytes = Int(db, "nokv.wal.bytes");
  const int levels = static_cast<int>(Int(db, "nokv.num-levels"));
  for (int level = 0; level < levels; ++level) {
    const std::string prefix = "nokv.level" + std::to_string(level) + ".";
    LevelStats l;
    l.level = level;
    l.files = static_cast<int>(Int(db, prefix + "files"));
    l.bytes = Int(db, prefix + "bytes");
    l.entries = Int(db, prefix + "entries");
    std::string score;
    if (db.GetProperty(prefix + "score", &score)) l.score = std::strtod(score.c_str(), nullptr);
    s.levels.push_back(l);
  }
  s.flushes = Int(db, "nokv.flush.count");
  s.flush_bytes_written = Int(db, "nokv.flush.bytes-written");
  s.compactions = Int(db, "nokv.compaction.count");
  s.compaction_bytes_read = Int(db, "nokv.compaction.bytes-read");
  s.compaction_bytes_written = Int(db, "nokv.compaction.bytes-written");
  s.user_bytes_written = Int(db, "nokv.write.user-bytes");
  s.writes = Int(db, "nokv.write.calls");
  s.write_groups = Int(db, "nokv.wal.records");
  s.wal_syncs = Int(db, "nokv.wal.syncs");
  s.stall_micros = Int(db, "nokv.write.stall-micros");
  s.slowdown_writes = Int(db, "nokv.write.slowdowns");
  s.block_cache_hits = Int(db, "nokv.block-cache.hits");
  s.block_cache_misses = Int(db, "nokv.block-cache.misses");
  s.block_cache_usage = Int(db, "nokv.block-cache.usage");
  s.vlog_segments = static_cast<int>(Int(db, "nokv.vlog.segments"));
  s.vlog_bytes = Int(db, "nokv.vlog.bytes");
  s.vlog_discard_bytes = Int(db, "nokv.vlog.discard-bytes");
  s.vlog_values_written = Int(db, "nokv.vlog.values-written");
  s.vlog_gc_runs = Int(db, "nokv.vlog.gc.runs");
  s.vlog_gc_records_rewritten = Int(db, "nokv.vlog.gc.records-rewritten");
  s.vlog_gc_bytes_rewritten = Int(db, "nokv.vlog.gc.bytes-rewritten");
  s.vlog_gc_segments_deleted = Int(db, "nokv.vlog.gc.segments-deleted");
  s.vlog_gc_bytes_reclaimed = Int(db, "nokv.vlog.gc.bytes-reclaimed");
  s.vlog_pending_deletes = static_cast<int>(Int(db, "nokv.vlog.pending-deletes"));
  std::string text;
  if (db.GetProperty("nokv.hot.read-keys", &text)) s.hot_read_keys = ParseHotKeys(text);
  if (db.GetProperty("nokv.hot.write-keys", &text)) s.hot_write_keys = ParseHotKeys(text);
  s.hot_key_limited_writes = Int(db, "nokv.hot.write-limited");
  if (!db.GetProperty("nokv.background-error", &s.background_error)) s.background_error.clear();
  return s;
}

}  // namespace nokv
