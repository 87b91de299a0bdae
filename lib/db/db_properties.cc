// DBImpl: properties (the names and meanings are listed in nokv/db.h). Each
// figure is read from the engine state that produces it: counters bumped
// where the work happens, sizes from the live memtables, Version, WAL, value
// log and block cache.
#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "db/db_impl.h"

namespace nokv {
namespace {

// "nokv.level<N>.<field>" -> (N, field).
bool ParseLevelProperty(std::string_view name, int* level, std::string_view* field) {
  constexpr std::string_view kPrefix = "nokv.level";
  if (name.substr(0, kPrefix.size()) != kPrefix) return false;
  name.remove_prefix(kPrefix.size());
  const size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot > 2) return false;
  int n = 0;
  for (char c : name.substr(0, dot)) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (n >= kNumLevels) return false;
  *level = n;
  *field = name.substr(dot + 1);
  return true;
}

struct LevelFigures {
  uint64_t files = 0, bytes = 0, entries = 0, deletions = 0;
};

LevelFigures FiguresOf(const Version& v, int level) {
  LevelFigures f;
  f.files = static_cast<uint64_t>(v.NumFiles(level));
  f.bytes = v.LevelBytes(level);
  for (const auto& meta : v.files(level)) {
    f.entries += meta->num_entries;
    f.deletions += meta->num_deletions;
  }
  return f;
}

}  // namespace

std::vector<std::string> DBImpl::IntPropertyNames() {
  std::vector<std::string> names = {
      "nokv.last-sequence",          "nokv.num-entries",
      "nokv.estimate-num-keys",      "nokv.memtable.active-bytes",
      "nokv.memtable.active-entries", "nokv.memtable.immutable-count",
      "nokv.memtable.immutable-entries", "nokv.wal.number",
      "nokv.wal.bytes",              "nokv.wal.records",
      "nokv.wal.syncs",              "nokv.wal.bytes-written",
      "nokv.num-levels"};
  for (int level = 0; level < kNumLevels; ++level) {
    for (const char* field : {"files", "bytes", "entries"}) {
      names.push_back("nokv.level" + std::to_string(level) + "." + field);
    }
  }
  for (const char* name :
       {"nokv.sst.files", "nokv.sst.bytes", "nokv.sst.entries", "nokv.flush.count",
        "nokv.flush.bytes-written", "nokv.compaction.count", "nokv.compaction.bytes-read",
        "nokv.compaction.bytes-written", "nokv.write.calls", "nokv.write.user-bytes",
        "nokv.write.stall-micros", "nokv.write.slowdowns", "nokv.block-cache.hits",
        "nokv.block-cache.misses", "nokv.block-cache.usage", "nokv.block-cache.capacity",
        "nokv.vlog.segments", "nokv.vlog.bytes", "nokv.vlog.discard-bytes",
        "nokv.vlog.values-written", "nokv.vlog.bytes-written", "nokv.vlog.pending-deletes", "nokv.vlog.gc.runs",
        "nokv.vlog.gc.records-rewritten", "nokv.vlog.gc.bytes-rewritten",
        "nokv.vlog.gc.segments-deleted", "nokv.vlog.gc.bytes-reclaimed",
        "nokv.hot.write-limited", "nokv.num-column-families"}) {
    names.emplace_back(name);
  }
  return names;
}

// The memtable and SST figures of one captured view (nokv.num-entries and
// co, nokv.entry-counts).
DBImpl::ViewCounts DBImpl::CountView(const ReadView& view) {
  ViewCounts c;
  uint64_t deletions = 0;
  if (view.mem) {
    c.mem_bytes = view.mem->ApproximateMemoryUsage();
    c.mem_entries = view.mem->num_entries();
    deletions += view.mem->num_deletions();
  }
  c.imm_count = view.imms.size();
  for (const auto& m : view.imms) {
    // A frozen memtable whose flush output is already in the version (the
    // flush installed it and has not yet dropped the memtable) is counted
    // there, not twice.
    const uint64_t output = m->flush_output();
    bool installed = false;
    for (int l = 0; output != 0 && view.version && !installed && l < kNumLevels; ++l) {
      const auto& files = view.version->files(l);  // L0 unless moved on since
      installed = std::any_of(files.begin(), files.end(),
                              [&](const auto& f) { return f->number == output; });
    }
    if (installed) continue;
    c.imm_entries += m->num_entries();
    deletions += m->num_deletions();
  }
  if (view.version) {
    for (int l = 0; l < kNumLevels; ++l) {
      const LevelFigures f = FiguresOf(*view.version, l);
      c.sst_files += f.files;
      c.sst_bytes += f.bytes;
      c.sst_entries += f.entries;
      deletions += f.deletions;
    }
  }
  const uint64_t entries = c.mem_entries + c.imm_entries + c.sst_entries;
  c.entries = entries;
  c.estimated_keys = entries > 2 * deletions ? entries - 2 * deletions : 0;
  return c;
}

bool DBImpl::IntProperty(std::string_view name, uint64_t* value) {
  auto counter = [value](const std::atomic<uint64_t>& c) {
    *value = c.load(std::memory_order_relaxed);
    return true;
  };
  int level = 0;
  std::string_view field;
  if (ParseLevelProperty(name, &level, &field)) {
    std::shared_ptr<const Version> v = versions_ ? versions_->current() : nullptr;
    if (!v) return false;
    const LevelFigures f = FiguresOf(*v, level);
    if (field == "files") *value = f.files;
    else if (field == "bytes") *value = f.bytes;
    else if (field == "entries") *value = f.entries;
    else return false;
    return true;
  }
  if (name == "nokv.last-sequence") return counter(last_sequence_);
  if (name == "nokv.num-levels") {
    *value = kNumLevels;
    return true;
  }
  if (name == "nokv.memtable.active-bytes" || name == "nokv.memtable.active-entries" ||
      name == "nokv.memtable.immutable-count" || name == "nokv.memtable.immutable-entries" ||
      name == "nokv.num-entries" || name == "nokv.estimate-num-keys" ||
      name.substr(0, 9) == "nokv.sst.") {
    const ViewCounts c = CountView(CaptureReadView());
    if (name == "nokv.memtable.active-bytes") {
      *value = c.mem_bytes;
    } else if (name == "nokv.memtable.active-entries") {
      *value = c.mem_entries;
    } else if (name == "nokv.memtable.immutable-count") {
      *value = c.imm_count;
    } else if (name == "nokv.memtable.immutable-entries") {
      *value = c.imm_entries;
    } else if (name == "nokv.num-entries") {
      *value = c.entries;
    } else if (name == "nokv.estimate-num-keys") {
      *value = c.estimated_keys;
    } else if (name == "nokv.sst.files") {
      *value = c.sst_files;
    } else if (name == "nokv.sst.bytes") {
      *value = c.sst_bytes;
    } else if (name == "nokv.sst.entries") {
      *value = c.sst_entries;
    } else {
      return false;
    }
    return true;
  }
  if (name == "nokv.wal.number") {
    std::lock_guard<std::mutex> l(mu_);
    *value = wal_number_;
    return true;
  }
  if (name == "nokv.wal.bytes") return counter(stat_wal_bytes_);
  if (name == "nokv.wal.records") return counter(stat_wal_records_);
  if (name == "nokv.wal.syncs") return counter(stat_syncs_);
  if (name == "nokv.wal.bytes-written") return counter(stat_wal_written_);
  if (name == "nokv.vlog.bytes-written") return counter(stat_vlog_written_);
  if (name == "nokv.flush.count") return counter(stat_flushes_);
  if (name == "nokv.flush.bytes-written") return counter(stat_flush_written_);
  if (name == "nokv.compaction.count") return counter(stat_compactions_);
  if (name == "nokv.compaction.bytes-read") return counter(stat_comp_read_);
  if (name == "nokv.compaction.bytes-written") return counter(stat_comp_written_);
  if (name == "nokv.write.calls") return counter(stat_writes_);
  if (name == "nokv.write.user-bytes") return counter(stat_user_bytes_);
  if (name == "nokv.write.stall-micros") return counter(stat_stall_us_);
  if (name == "nokv.write.slowdowns") return counter(stat_slowdowns_);
  if (name == "nokv.hot.write-limited") return counter(stat_hot_limited_);
  if (name == "nokv.vlog.values-written") return counter(stat_vlog_values_);
  if (name.substr(0, 16) == "nokv.block-cache") {
    if (!block_cache_) return false;
    if (name == "nokv.block-cache.hits") *value = block_cache_->hits();
    else if (name == "nokv.block-cache.misses") *value = block_cache_->misses();
    else if (name == "nokv.block-cache.usage") *value = block_cache_->usage();
    else if (name == "nokv.block-cache.capacity") *value = block_cache_->capacity();
    else return false;
    return true;
  }
  if (name == "nokv.vlog.segments" || name == "nokv.vlog.bytes" ||
      name == "nokv.vlog.discard-bytes") {
    uint64_t segments = 0, bytes = 0, discard = 0;
    if (vlog_) {
      for (const auto& seg : vlog_->Segments()) {
        ++segments;
        bytes += seg.bytes;
        discard += seg.discard_bytes;
      }
    }
    *value = name == "nokv.vlog.segments" ? segments
             : name == "nokv.vlog.bytes"  ? bytes
                                          : discard;
    return true;
  }
  if (name == "nokv.vlog.pending-deletes") {
    *value = gc_ ? static_cast<uint64_t>(gc_->pending_deletes()) : 0;
    return true;
  }
  if (name.substr(0, 13) == "nokv.vlog.gc.") {
    const ValueLogGc::Stats g = gc_ ? gc_->stats() : ValueLogGc::Stats();
    if (name == "nokv.vlog.gc.runs") *value = g.runs;
    else if (name == "nokv.vlog.gc.records-rewritten") *value = g.records_rewritten;
    else if (name == "nokv.vlog.gc.bytes-rewritten") *value = g.bytes_rewritten;
    else if (name == "nokv.vlog.gc.segments-deleted") *value = g.segments_deleted;
    else if (name == "nokv.vlog.gc.bytes-reclaimed") *value = g.bytes_reclaimed;
    else return false;
    return true;
  }
  if (name == "nokv.num-column-families") {
    *value = families_->List().size();
    return true;
  }
  return false;
}

bool DBImpl::GetIntProperty(std::string_view property, uint64_t* value) {
  return IntProperty(property, value);
}

bool DBImpl::GetProperty(std::string_view property, std::string* value) {
  uint64_t n = 0;
  if (IntProperty(property, &n)) {
    *value = std::to_string(n);
    return true;
  }
  int level = 0;
  std::string_view field;
  if (ParseLevelProperty(property, &level, &field) && field == "score") {
    std::shared_ptr<const Version> v = versions_ ? versions_->current() : nullptr;
    if (!v) return false;
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3f", LevelScore(policy_, *v, level));
    *value = buf;
    return true;
  }
  if (property == "nokv.entry-counts") {
    // One view for all five, so a flush between them cannot count a
    // memtable's entries both as immutable and in L0.
    const ViewCounts c = CountView(CaptureReadView());
    *value = std::to_string(c.mem_bytes) + " " + std::to_string(c.mem_entries) + " " +
             std::to_string(c.imm_count) + " " + std::to_string(c.imm_entries) + " " +
             std::to_string(c.sst_entries);
    return true;
  }
  if (property == "nokv.background-error") {
    std::lock_guard<std::mutex> l(mu_);
    *value = bg_error_.ok() ? "" : bg_error_.ToString();
    return true;
  }
  if (property == "nokv.hot.read-keys" || property == "nokv.hot.write-keys") {
    HotRing* ring = property == "nokv.hot.read-keys" ? read_ring_.get() : write_ring_.get();
    value->clear();
    if (ring != nullptr) {
      for (const auto& [key, count] : ring->TopN(16)) {
        // Keys are bytes: the length frames them.
        *value += std::to_string(count) + " " + std::to_string(key.size()) + " " + key + "\n";
      }
    }
    return true;
  }
  if (property == "nokv.column-families") {
    value->clear();
    for (const auto& [id, name] : families_->List()) {
      *value += std::to_string(id) + " " + name + "\n";
    }
    return true;
  }
  if (property == "nokv.stats") {
    value->clear();
    for (const auto& name : IntPropertyNames()) {
      if (IntProperty(name, &n)) *value += name + " " + std::to_string(n) + "\n";
    }
    std::string text;
    for (int l = 0; l < kNumLevels; ++l) {
      const std::string name = "nokv.level" + std::to_string(l) + ".score";
      if (GetProperty(name, &text)) *value += name + " " + text + "\n";
    }
    return true;
  }
  return false;
}

}  // namespace nokv
