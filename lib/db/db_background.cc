// DBImpl: background work — flushing frozen memtables to L0, leveled
// compaction, and deleting files nothing references any more.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "db/db_impl.h"
#include "lsm/level_iterator.h"
#include "lsm/merging_iterator.h"
#include "lsm/table_outputs.h"
#include "manifest/filenames.h"

namespace nokv {

void DBImpl::SetBackgroundError(const Status& s) {
  if (bg_error_.ok()) {
    spdlog::error("nokv: {}: entering read-only mode: {}", dir_, s.ToString());
    bg_error_ = s;
  }
  done_cv_.notify_all();
}

void DBImpl::FlushThread() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    work_cv_.wait(l, [this] { return shutting_down_ || (!imms_.empty() && bg_error_.ok()); });
    if (imms_.empty() || !bg_error_.ok()) {
      if (shutting_down_) break;  // queued flushes are drained before exit
      continue;
    }
    l.unlock();
    Status s = FlushOldestImmutable();
    if (s.ok()) {
      DeleteObsoleteFiles();
      MaybeDeleteVlogSegments();  // the WAL checkpoint moved
    }
    l.lock();
    if (!s.ok()) SetBackgroundError(s);
    work_cv_.notify_all();  // the compaction thread may have work now
    done_cv_.notify_all();  // stalled writers, Flush() callers
  }
}

Status DBImpl::FlushOldestImmutable() {
  std::shared_ptr<MemTable> mem;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (imms_.empty()) return Status::OK();
    mem = imms_.front().mem;
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<FileMeta> files;
  Status s = WriteLevel0(mem.get(), &files);
  if (!s.ok()) return s;
  VersionEdit edit;
  for (const auto& f : files) edit.new_files.emplace_back(0, f);
  {
    std::lock_guard<std::mutex> l(mu_);
    // Every WAL before the next memtable's segment is now redundant.
    edit.log_number = imms_.size() > 1 ? imms_[1].log_number : wal_number_;
  }
  versions_->SetLastSequence(last_sequence_.load());
  // Readers may see the tables before the memtable leaves imms_: counts
  // (CountView) skip it then.
  if (!files.empty()) mem->set_flush_output(files[0].number);
  s = versions_->LogAndApply(&edit);
  std::lock_guard<std::mutex> l(mu_);
  if (!s.ok()) {
    // The edit may have reached the manifest even though the call failed
    // (e.g. its fsync failed): keep the tables, and keep them pending so
    // nothing deletes them in this session. The next Open decides.
    return s.WithContext("flush");
  }
  for (const auto& f : files) pending_outputs_.erase(f.number);
  imms_.pop_front();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  spdlog::debug("nokv: flushed {} entries into {} table(s) (first {}) in {} ms",
                mem->num_entries(), files.size(), files.empty() ? 0 : files[0].number, ms);
  return Status::OK();
}

Status DBImpl::Flush() {
  NOKV_RETURN_IF_ERROR(CheckWritable());
  NOKV_RETURN_IF_ERROR(WriteImpl(WriteOptions(), nullptr));
  std::unique_lock<std::mutex> l(mu_);
  done_cv_.wait(l, [this] { return imms_.empty() || !bg_error_.ok() || shutting_down_; });
  if (!bg_error_.ok()) return bg_error_;
  if (!imms_.empty()) return Status::Closed("database closed during flush");
  return Status::OK();
}

Status DBImpl::CompactAll() {
  NOKV_RETURN_IF_ERROR(Flush());
  std::unique_lock<std::mutex> l(mu_);
  const uint64_t generation = manual_generation_;
  ++manual_compactions_;
  work_cv_.notify_all();
  done_cv_.wait(l, [&] {
    return manual_generation_ != generation || !bg_error_.ok() || shutting_down_;
  });
  --manual_compactions_;
  if (!bg_error_.ok()) return bg_error_;
  if (manual_generation_ == generation) return Status::Closed("database closed during compaction");
  return Status::OK();
}

void DBImpl::MaintenanceThread() {
  using Clock = std::chrono::steady_clock;
  auto next_gc = Clock::now() + std::chrono::milliseconds(options_.value_log_gc_interval_ms);
  std::unique_lock<std::mutex> l(mu_);
  while (!shutting_down_) {
    work_cv_.wait_for(l, std::chrono::seconds(1));
    if (shutting_down_) break;
    l.unlock();
    if (read_ring_) read_ring_->Maintain();
    if (write_ring_) write_ring_->Maintain();
    MaybeDeleteVlogSegments();
    if (vlog_ && options_.value_log_gc_interval_ms > 0 && Clock::now() >= next_gc) {
      // Rewrite as many qualifying segments as there are.
      auto closing = [this] {
        std::lock_guard<std::mutex> g(mu_);
        return shutting_down_;
      };
      Status s;
      do {
        s = RunValueLogGC(options_.value_log_gc_discard_ratio);
      } while (s.ok() && !closing());
      if (!s.ok() && !s.IsNotFound() && !s.IsBusy() && !s.IsClosed()) {
        spdlog::warn("nokv: periodic value log GC: {}", s.ToString());
      }
      next_gc = Clock::now() + std::chrono::milliseconds(options_.value_log_gc_interval_ms);
    }
    l.lock();
  }
}

void DBImpl::CompactionThread() {
  std::unique_lock<std::mutex> l(mu_);
  while (!shutting_down_) {
    if (!bg_error_.ok()) {
      work_cv_.wait(l);
      continue;
    }
    const bool force = manual_compactions_ > 0;
    auto plan = PickCompaction(policy_, versions_->current(), &compact_pointers_, force);
    if (!plan) {
      if (force) {
        ++manual_generation_;
        done_cv_.notify_all();
      }
      work_cv_.wait(l);
      continue;
    }
    compaction_running_ = true;
    l.unlock();
    Status s = RunCompaction(*plan);
    plan.reset();  // drop the Version reference before collecting garbage
    if (s.ok()) DeleteObsoleteFiles();
    l.lock();
    compaction_running_ = false;
    if (!s.ok() && !s.IsAborted()) SetBackgroundError(s);
    done_cv_.notify_all();
  }
}

// A range tombstone may go when nothing can need it any more:
//  * every reader sees it (its sequence is at or below the oldest snapshot),
//    so this compaction drops every entry it covers from the inputs (the
//    CoversInternalKey check in RunCompaction), and
//  * no file outside the inputs may hold data in its range, so no covered
//    entry survives anywhere else. Newer memtables and L0 files cannot hold
//    covered entries: those are older than the tombstone, which already sits
//    in an SST, and flushes go oldest first.
// (A reader that still holds an older view keeps its own copy of the set.)
bool DBImpl::CanDropRangeTombstone(const CompactionPlan& plan, const RangeTombstone& t,
                                   uint64_t smallest_snapshot) const {
  if (t.sequence > smallest_snapshot) return false;
  const std::string cf(1, static_cast<char>(t.cf));
  return IsRangeConfinedToInputs(plan, cf + t.begin, cf + t.end);
}

Status DBImpl::RunCompaction(const CompactionPlan& plan) {
  const auto start = std::chrono::steady_clock::now();
  VersionEdit edit;
  for (const auto& f : plan.inputs) edit.deleted_files.emplace_back(plan.level, f->number);
  if (plan.trivial_move) {
    edit.new_files.emplace_back(plan.output_level, *plan.inputs[0]);
    NOKV_RETURN_IF_ERROR(versions_->LogAndApply(&edit).WithContext("trivial move"));
    stat_compactions_.fetch_add(1, std::memory_order_relaxed);
    return Status::OK();
  }
  for (const auto& f : plan.next_inputs) edit.deleted_files.emplace_back(plan.output_level, f->number);

  TableIterOptions iter_options;
  iter_options.fill_cache = false;
  std::vector<std::unique_ptr<InternalIterator>> children;
  if (plan.level == 0) {
    for (const auto& f : plan.inputs) {
      children.push_back(NewLevelIterator(plan.version, {f}, table_cache_.get(), iter_options));
    }
  } else {
    children.push_back(
        NewLevelIterator(plan.version, plan.inputs, table_cache_.get(), iter_options));
  }
  if (!plan.next_inputs.empty()) {
    children.push_back(
        NewLevelIterator(plan.version, plan.next_inputs, table_cache_.get(), iter_options));
  }
  auto input = NewMergingIterator(std::move(children));

  TableOutputs outputs(fs_.get(), dir_, options_.table, policy_.target_file_size,
                       [this] { return AllocateTableNumber(); });
  const Version& version = *plan.version;
  const int output_level = plan.output_level;
  // Entries hidden from every reader (by a newer entry, a range tombstone,
  // or a tombstone/expiry at the bottom) can go: lsm/visibility.h.
  const uint64_t smallest_snapshot = SmallestSnapshot();
  // Only tombstones already in tables may drop data: one still in a
  // memtable is durable only once its WAL record is, and a machine crash
  // without sync_writes can lose it while this compaction's output stays.
  // Flushes run in memtable order, so a tombstone with a sequence at or
  // below the newest one in this version's tables is in a table.
  uint64_t table_sequence = 0;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : version.files(level)) {
      table_sequence = std::max(table_sequence, f->largest_seq);
    }
  }
  std::shared_ptr<const RangeTombstoneSet> range_dels;
  {
    std::lock_guard<std::mutex> l(mu_);
    range_dels = range_dels_;
  }
  range_dels = range_dels->UpToSequence(table_sequence);
  ObsoleteEntryFilter filter(
      smallest_snapshot,
      [&version, output_level](std::string_view up) {
        return IsBottommostForKey(version, output_level, up);
      },
      NowMs(), range_dels);
  const std::bitset<256> dropped_families = families_->Dropped();
  filter.set_dropped_column_families(dropped_families);
  if (vlog_) filter.set_on_drop([this](std::string_view, std::string_view value) {
    CountVlogGarbage(value);
  });
  std::vector<ObsoleteEntryFilter::Emit> emits;
  // Range tombstones this compaction drops (removed from range_dels_ once
  // the new version is installed).
  std::vector<RangeTombstone> dropped_range_dels;
  Status s;
  uint64_t n = 0;
  for (input->SeekToFirst(); input->Valid() && s.ok(); input->Next()) {
    if ((++n & 1023) == 0) {
      std::lock_guard<std::mutex> l(mu_);
      if (shutting_down_) s = Status::Aborted("shutting down");
    }
    if (RangeTombstoneSet::IsTombstoneKey(input->key())) {
      RangeTombstone t;
      if (RangeTombstoneSet::Decode(input->key(), input->value(), &t) &&
          (dropped_families.test(static_cast<uint8_t>(t.cf)) ||
           CanDropRangeTombstone(plan, t, smallest_snapshot))) {
        dropped_range_dels.push_back(std::move(t));
        continue;
      }
    }
    filter.Process(input->key(), input->value(), &emits);
    for (const auto& e : emits) {
      if (s.ok()) s = outputs.Add(e.key, e.value);
    }
  }
  if (s.ok()) s = input->status();
  if (s.ok()) s = outputs.Finish();
  if (!s.ok()) {
    outputs.Abandon();  // nothing names these tables yet
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& f : outputs.files()) pending_outputs_.erase(f.number);
    return s.IsAborted() ? s : s.WithContext("compaction L" + std::to_string(plan.level));
  }
  for (const auto& f : outputs.files()) edit.new_files.emplace_back(output_level, f);
  versions_->SetLastSequence(last_sequence_.load());
  s = versions_->LogAndApply(&edit);
  if (!s.ok()) {
    // The edit may be in the manifest despite the error: keep the outputs
    // (and pending, so this session never deletes them).
    return s.WithContext("compaction L" + std::to_string(plan.level));
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& f : outputs.files()) pending_outputs_.erase(f.number);
    // After LogAndApply: a reader that captures the smaller set also
    // captures the version without the data those tombstones covered.
    if (!dropped_range_dels.empty()) range_dels_ = range_dels_->Without(dropped_range_dels);
  }
  stat_compactions_.fetch_add(1, std::memory_order_relaxed);
  stat_comp_read_.fetch_add(plan.InputBytes(), std::memory_order_relaxed);
  stat_comp_written_.fetch_add(outputs.bytes_written(), std::memory_order_relaxed);
  spdlog::debug("nokv: compacted L{} ({} + {} files, {} bytes) into {} L{} files, dropped {} "
                "entries and {} range tombstones, {} ms",
                plan.level, plan.inputs.size(), plan.next_inputs.size(), plan.InputBytes(),
                outputs.files().size(), output_level, filter.dropped(), dropped_range_dels.size(),
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count());
  return Status::OK();
}

void DBImpl::DeleteObsoleteFiles(bool at_open) {
  // Table numbers are allocated under mu_ (AllocateTableNumber). Taking the
  // pending set and the next number under mu_, and reading the live versions
  // afterwards, classifies every table: numbers >= first_unjudged were
  // allocated after this point and are left alone; any older table either is
  // still pending, or was installed in a Version before we look at them.
  std::set<uint64_t> live;
  uint64_t first_unjudged = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    live = pending_outputs_;
    first_unjudged = versions_->next_file_number();
  }
  for (uint64_t n : versions_->LiveFiles()) live.insert(n);
  // Only WAL segments before the durable checkpoint may go.
  const uint64_t min_wal = versions_->log_number();
  const uint64_t manifest = versions_->manifest_file_number();
  std::vector<std::string> names;
  if (!fs_->GetChildren(dir_, &names).ok()) return;
  for (const auto& name : names) {
    FileKind kind;
    uint64_t number = 0;
    if (!ParseFileName(name, &kind, &number)) continue;
    bool remove = false;
    switch (kind) {
      case FileKind::kTable: remove = number < first_unjudged && live.count(number) == 0; break;
      case FileKind::kWal: remove = number < min_wal; break;
      case FileKind::kManifest: remove = number < manifest; break;
      // A temp file may be a CURRENT switch in progress; only stale at open.
      case FileKind::kTemp: remove = at_open; break;
      default: break;
    }
    if (!remove) continue;
    if (kind == FileKind::kTable && table_cache_) table_cache_->Evict(number);
    spdlog::debug("nokv: deleting obsolete file {}", name);
    Status s = fs_->RemoveFile(JoinPath(dir_, name));
    if (!s.ok() && !s.IsNotFound()) spdlog::warn("nokv: cannot delete {}: {}", name, s.ToString());
  }
}

}  // namespace nokv
