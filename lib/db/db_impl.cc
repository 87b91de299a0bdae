// DBImpl: open, recovery, close and stats.
#include "db/db_impl.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "base/coding.h"
#include "db/write_batch_internal.h"
#include "lsm/level_iterator.h"
#include "lsm/merging_iterator.h"
#include "lsm/table_outputs.h"
#include "manifest/filenames.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"

namespace nokv {

namespace {
// The smallest memtable_size whose memtables use huge arena blocks. A
// memtable counts the bytes it used; the part-filled last block of each of
// its two arenas (up to 2 x 2 MiB) is memory on top, at most a quarter of
// this size and a sixteenth of the default 64 MiB.
constexpr size_t kHugeArenaMinMemtable = size_t{16} << 20;

class SnapshotImpl final : public Snapshot {
 public:
  explicit SnapshotImpl(uint64_t seq) : seq_(seq) {}
  uint64_t sequence() const override { return seq_; }

 private:
  uint64_t seq_;
};

CompactionPolicy PolicyFrom(const Options& o) {
  CompactionPolicy p;
  p.l0_compaction_trigger = std::max(1, o.l0_compaction_trigger);
  p.max_bytes_for_level_base = std::max<uint64_t>(1 << 20, o.max_bytes_for_level_base);
  p.level_size_multiplier = std::max(2, o.level_size_multiplier);
  p.target_file_size = std::max<uint64_t>(64 << 10, o.target_file_size);
  return p;
}

WriteThread::Options WriteThreadOptionsFrom(const Options& o) {
  WriteThread::Options w;
  w.max_group_bytes = o.max_write_group_bytes;
  w.max_group_count = o.max_write_group_count;
  w.coalesce_wait_us = o.write_coalesce_wait_us;
  return w;
}

Status ValidateOptions(const Options& o) {
  if (o.memtable_size < (64 << 10)) return Status::InvalidArgument("memtable_size below 64 KiB");
  if (o.max_write_group_count == 0) return Status::InvalidArgument("max_write_group_count is 0");
  if (o.write_coalesce_wait_us > 1000000) {
    return Status::InvalidArgument("write_coalesce_wait_us above 1 s");
  }
  if (!(o.memtable_hash_index_ratio >= 0 && o.memtable_hash_index_ratio <= 0.25)) {
    return Status::InvalidArgument("memtable_hash_index_ratio must be in [0, 0.25]");
  }
  if (o.max_immutable_memtables < 1) {
    return Status::InvalidArgument("max_immutable_memtables must be at least 1");
  }
  if (o.l0_stop_trigger < o.l0_slowdown_trigger || o.l0_slowdown_trigger < o.l0_compaction_trigger) {
    return Status::InvalidArgument(
        "L0 triggers must satisfy compaction <= slowdown <= stop");
  }
  if (o.table.block_size < 256) return Status::InvalidArgument("table block_size below 256 bytes");
  return Status::OK();
}

// A manifest edit is synced before anything it makes obsolete is deleted:
// the WAL segments below its log_number, the input tables of a compaction.
// So in every state a crash can leave, the manifest names only tables that
// exist, and the WAL segment at its log_number exists unless no newer
// segment holds anything (a fresh or repaired workdir). A manifest that
// lost its last edits (damage at its tail, which replay drops like a torn
// write) breaks one of the two; opening it would silently lose or roll back
// acknowledged data, so refuse instead.
Status CheckManifestMatchesFiles(FileSystem* fs, const std::string& dir,
                                 const std::vector<std::string>& names, const VersionSet& versions) {
  std::set<uint64_t> tables, wals;
  for (const auto& name : names) {
    FileKind kind;
    uint64_t number = 0;
    if (!ParseFileName(name, &kind, &number)) continue;
    if (kind == FileKind::kTable) tables.insert(number);
    if (kind == FileKind::kWal) wals.insert(number);
  }
  const std::string manifest =
      ManifestFileName(dir, versions.manifest_file_number()).substr(dir.size() + 1);
  for (uint64_t n : versions.LiveFiles()) {
    if (tables.count(n) == 0) {
      return Status::Corruption(dir + ": " + manifest + " lists table " +
                                TableFileName(dir, n).substr(dir.size() + 1) +
                                ", which is missing: the manifest lost edits or the table was "
                                "deleted (run `nokv fsck`)");
    }
  }
  const uint64_t log_number = versions.log_number();
  if (wals.count(log_number) == 0) {
    for (auto it = wals.upper_bound(log_number); it != wals.end(); ++it) {
      uint64_t size = 0;
      const std::string wal = WalFileName(dir, *it);
      if (fs->GetFileSize(wal, &size).ok() && size > 0) {
        return Status::Corruption(dir + ": " + manifest + " resumes at WAL segment " +
                                  std::to_string(log_number) + ", which is gone, while " +
                                  wal.substr(dir.size() + 1) +
                                  " holds writes: the manifest lost edits (run `nokv fsck`)");
      }
    }
  }
  return Status::OK();
}
}  // namespace

Status DB::Open(const Options& options, const std::string& path, std::unique_ptr<DB>* db) {
  db->reset();
  NOKV_RETURN_IF_ERROR(ValidateOptions(options));
  auto impl = std::make_unique<DBImpl>(options, path);
  Status s = impl->Open();
  if (!s.ok()) return s;
  *db = std::move(impl);
  return Status::OK();
}

DBImpl::DBImpl(const Options& options, std::string dir)
    : options_(options),
      dir_(std::move(dir)),
      fs_(options.fs ? options.fs
                     : NewPosixFileSystem(PosixFileSystemOptions{options.allow_mmap_reads})),
      policy_(PolicyFrom(options)),
      write_thread_(WriteThreadOptionsFrom(options)) {}

DBImpl::~DBImpl() { (void)Close(); }

std::shared_ptr<MemTable> DBImpl::NewMemTable() const {
  const auto hash_index_bytes = static_cast<size_t>(static_cast<double>(options_.memtable_size) *
                                                    options_.memtable_hash_index_ratio);
  // Huge-page blocks (arena.h) once a memtable spans many MiB.
  const size_t block_size =
      options_.memtable_huge_pages && options_.memtable_size >= kHugeArenaMinMemtable
          ? Arena::kHugeBlockSize
          : Arena::kBlockSize;
  return std::make_shared<MemTable>(options_.memtable_engine, hash_index_bytes, block_size);
}

Status DBImpl::Open() {
  // The workdir's own entry must survive a crash before anything in it
  // counts. A read-only open creates nothing.
  Status s = options_.read_only
                 ? (fs_->FileExists(dir_) ? Status::OK()
                                          : Status::InvalidArgument(
                                                dir_ + ": no database here (read-only open)"))
                 : fs_->CreateDirDurable(dir_);
  if (s.ok()) {
    auto lock = fs_->LockFile(LockFileName(dir_));
    if (lock.ok()) {
      lock_ = std::move(lock.value());
    } else {
      s = lock.status();
    }
  }
  if (!s.ok()) {
    closed_ = true;
    close_started_ = true;
    return s;
  }

  block_cache_ = std::make_unique<BlockCache>(options_.block_cache_size);
  table_cache_ = std::make_unique<TableCache>(fs_.get(), dir_, options_.table, block_cache_.get(),
                                              static_cast<size_t>(options_.max_open_files));
  VersionSetOptions vopts;
  vopts.sync = true;
  vopts.rewrite_threshold = options_.manifest_rewrite_threshold;
  versions_ = std::make_unique<VersionSet>(fs_.get(), dir_, vopts);
  families_ = std::make_unique<ColumnFamilySet>(versions_.get());

  s = Recover();
  if (!s.ok()) {
    table_cache_.reset();
    lock_.reset();
    closed_ = true;
    close_started_ = true;
    return s;
  }
  HotRingOptions hopts;  // 8 x 250 ms window, as the reference
  if (options_.read_only) return Status::OK();  // no background work
  if (options_.hot_key_tracking) read_ring_ = std::make_unique<HotRing>(hopts);
  if (options_.hot_key_tracking || options_.write_hot_key_limit > 0) {
    write_ring_ = std::make_unique<HotRing>(hopts);
  }
  flush_thread_ = std::thread([this] { FlushThread(); });
  compaction_thread_ = std::thread([this] { CompactionThread(); });
  maintenance_thread_ = std::thread([this] { MaintenanceThread(); });
  return Status::OK();
}

Result<std::unique_ptr<WalWriter>> DBImpl::CreateWal(uint64_t number) {
  auto file = fs_->NewWritableFile(WalFileName(dir_, number));
  if (!file.ok()) return file.status();
  // The new segment's directory entry must survive a crash before any
  // acknowledged write lands in it.
  NOKV_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  auto wal = std::make_unique<WalWriter>(std::move(file.value()));
  wal->set_preallocate_chunk(kWalPreallocateChunk);
  return wal;
}

Status DBImpl::Recover() {
  std::vector<std::string> names;
  NOKV_RETURN_IF_ERROR(fs_->GetChildren(dir_, &names));
  std::vector<uint64_t> wal_numbers;
  std::vector<std::string> manifests;
  int data_files = 0;
  uint64_t max_number = 0;
  for (const auto& name : names) {
    FileKind kind;
    uint64_t number = 0;
    if (!ParseFileName(name, &kind, &number)) continue;
    if (kind == FileKind::kWal) wal_numbers.push_back(number);
    if (kind == FileKind::kManifest) manifests.push_back(name);
    if (kind == FileKind::kWal || kind == FileKind::kTable) ++data_files;
    if (kind == FileKind::kWal || kind == FileKind::kTable || kind == FileKind::kManifest) {
      max_number = std::max(max_number, number);
    }
  }

  Status s = versions_->Recover();
  if (s.IsNotFound() && options_.read_only) {
    return Status::InvalidArgument(dir_ + ": no database here (read-only open): " + s.ToString());
  }
  if (s.IsNotFound() && data_files == 0 && !manifests.empty()) {
    // A creation that crashed before CURRENT was written: no WAL or table
    // exists, so nothing was ever acknowledged. Start over.
    for (const auto& m : manifests) {
      spdlog::warn("nokv: {}: removing {} left by an interrupted creation", dir_, m);
      NOKV_RETURN_IF_ERROR(fs_->RemoveFile(JoinPath(dir_, m)));
    }
  }
  if (s.IsNotFound()) {
    if (data_files > 0) {
      return Status::Corruption(dir_ + ": CURRENT is missing but the workdir holds " +
                                std::to_string(data_files) +
                                " WAL/SST/MANIFEST files; refusing to start an empty database over "
                                "them (run `nokv fsck --repair`)");
    }
    if (!options_.create_if_missing) {
      return Status::InvalidArgument(dir_ + ": no database here and create_if_missing is off");
    }
    spdlog::info("nokv: creating a new database in {}", dir_);
    NOKV_RETURN_IF_ERROR(versions_->CreateNew());
  } else if (!s.ok()) {
    return s;
  } else if (options_.error_if_exists) {
    return Status::InvalidArgument(dir_ + ": database exists and error_if_exists is set");
  } else {
    NOKV_RETURN_IF_ERROR(CheckManifestMatchesFiles(fs_.get(), dir_, names, *versions_));
  }
  versions_->MarkFileNumberUsed(max_number);
  last_sequence_ = versions_->last_sequence();
  families_->Load();
  if (versions_->recovered_format1()) {
    spdlog::info("nokv: {}: format-1 manifest: column families default/lock/write are implicit; "
                 "the next manifest snapshot records them (format {})",
                 dir_, kManifestFormatVersion);
  }

  if (options_.value_threshold > 0) {
    ValueLogOptions vopts;
    // 64 KiB floor (like memtable_size's): small segments let tests seal
    // segments and run GC with little data.
    vopts.segment_size = std::max<uint64_t>(64 << 10, options_.value_log_segment_size);
    vopts.read_only = options_.read_only;
    vlog_ = std::make_unique<ValueLog>(fs_.get(), JoinPath(dir_, "vlog"), vopts,
                                       [this] { return versions_->NewFileNumber(); });
    NOKV_RETURN_IF_ERROR(vlog_->Open());
    versions_->MarkFileNumberUsed(vlog_->MaxSegmentNumber());
    gc_ = std::make_unique<ValueLogGc>(vlog_.get(), GcHooks());
  }

  // Every WAL at or after the checkpoint holds writes not yet in an SST.
  const uint64_t log_number = versions_->log_number();
  wal_numbers.erase(std::remove_if(wal_numbers.begin(), wal_numbers.end(),
                                   [&](uint64_t n) { return n < log_number; }),
                    wal_numbers.end());
  std::sort(wal_numbers.begin(), wal_numbers.end());

  VersionEdit edit;
  std::shared_ptr<MemTable> replayed;
  NOKV_RETURN_IF_ERROR(ReplayWals(wal_numbers, &edit, &replayed));
  if (options_.read_only) {
    // The replayed writes stay in memory; the workdir is left as found.
    {
      std::lock_guard<std::mutex> l(mu_);
      mem_ = std::move(replayed);
    }
    NOKV_RETURN_IF_ERROR(LoadRangeTombstones());
    spdlog::info("nokv: opened {} read-only (last sequence {}, {} WAL segment(s) replayed)",
                 dir_, last_sequence_.load(), wal_numbers.size());
    return Status::OK();
  }
  if (!replayed->empty()) {
    std::vector<FileMeta> files;
    NOKV_RETURN_IF_ERROR(WriteLevel0(replayed.get(), &files));
    for (auto& f : files) edit.new_files.emplace_back(0, std::move(f));
  }

  // Start a fresh WAL; the replayed segments are now in L0 tables.
  const uint64_t wal_number = versions_->NewFileNumber();
  auto wal = CreateWal(wal_number);
  if (!wal.ok()) return wal.status();
  {
    std::lock_guard<std::mutex> l(mu_);
    wal_ = std::move(wal.value());
    wal_number_ = wal_number;
    stat_wal_bytes_.store(wal_->size(), std::memory_order_relaxed);
    mem_ = NewMemTable();
  }
  edit.log_number = wal_number_;
  versions_->SetLastSequence(last_sequence_);
  NOKV_RETURN_IF_ERROR(versions_->LogAndApply(&edit));
  {
    std::lock_guard<std::mutex> l(mu_);
    pending_outputs_.clear();
  }
  DeleteObsoleteFiles(/*at_open=*/true);
  NOKV_RETURN_IF_ERROR(LoadRangeTombstones());
  spdlog::info("nokv: opened {} (last sequence {}, {} WAL segment(s) replayed)", dir_,
               last_sequence_.load(), wal_numbers.size());
  return Status::OK();
}

Status DBImpl::LoadRangeTombstones() {
  ReadView view = CaptureReadView();
  auto it = NewViewIterator(view, TableIterOptions());
  std::string start(1, static_cast<char>(kRangeDeleteSpace));
  AppendInternalKey(&start, ColumnFamily::kDefault, "", kMaxVersion, kMaxSequence);
  start.erase(1, 1);  // [space byte] + trailer: the smallest key of the keyspace
  std::vector<RangeTombstone> all;
  for (it->Seek(start); it->Valid(); it->Next()) {
    if (static_cast<uint8_t>(it->key()[0]) != kRangeDeleteSpace) break;
    RangeTombstone t;
    if (!RangeTombstoneSet::Decode(it->key(), it->value(), &t)) {
      return Status::Corruption(dir_ + ": malformed range tombstone entry");
    }
    all.push_back(std::move(t));
  }
  NOKV_RETURN_IF_ERROR(it->status());
  std::lock_guard<std::mutex> l(mu_);
  range_dels_ = std::make_shared<const RangeTombstoneSet>(std::move(all));
  return Status::OK();
}

Status DBImpl::ReplayWals(std::vector<uint64_t> wal_numbers, VersionEdit* edit,
                          std::shared_ptr<MemTable>* rest) {
  auto mem = NewMemTable();
  uint64_t max_seq = last_sequence_;
  // The newest segment that holds anything: a crash during an earlier
  // recovery can leave empty segments after a torn one, which must not turn
  // its torn tail into "corruption in the middle".
  size_t last_nonempty = 0;
  for (size_t i = 0; i < wal_numbers.size(); ++i) {
    uint64_t size = 0;
    if (fs_->GetFileSize(WalFileName(dir_, wal_numbers[i]), &size).ok() && size > 0) {
      last_nonempty = i;
    }
  }
  bool stopped = false;
  for (size_t i = 0; i < wal_numbers.size(); ++i) {
    const std::string path = WalFileName(dir_, wal_numbers[i]);
    WalReplayResult result;
    Status s = ReplayWalFile(
        fs_.get(), path, i >= last_nonempty,
        [&](uint8_t type, std::string_view payload, uint64_t offset) -> Status {
          if (type != kWalWriteBatch) {
            return Status::Corruption("unknown WAL record type " + std::to_string(type) +
                                      " at offset " + std::to_string(offset));
          }
          uint64_t first = 0;
          std::string_view rep;
          WriteBatch check;
          NOKV_RETURN_IF_ERROR(WriteBatchInternal::DecodeWalRecord(payload, &first, &rep, &check));
          if (stopped) return Status::OK();
          // A record whose values did not reach the value log (a machine crash
          // without sync_writes) ends the consistent prefix.
          Status lost = VerifyValuePointers(rep);
          if (!lost.ok()) {
            if (i < last_nonempty) {
              return Status::Corruption("record at offset " + std::to_string(offset) +
                                        " points at lost value-log data: " + lost.ToString());
            }
            spdlog::warn("nokv: {}: record at offset {} points at value-log data lost in a "
                         "crash ({}); recovery keeps the writes before it",
                         path, offset, lost.ToString());
            stopped = true;
            return Status::OK();
          }
          NOKV_RETURN_IF_ERROR(InsertIntoMemTable(mem.get(), rep, first));
          if (check.Count() > 0) max_seq = std::max(max_seq, first + check.Count() - 1);
          if (!options_.read_only && mem->ApproximateMemoryUsage() >= options_.memtable_size) {
            std::vector<FileMeta> files;
            NOKV_RETURN_IF_ERROR(WriteLevel0(mem.get(), &files));
            for (auto& f : files) edit->new_files.emplace_back(0, std::move(f));
            mem = NewMemTable();
          }
          return Status::OK();
        },
        &result);
    if (!s.ok()) return s.WithContext("WAL replay");
    if (result.tail_dropped) {
      spdlog::warn("nokv: {}: dropped a torn tail of {} bytes at offset {} ({}); these writes "
                   "were never acknowledged as durable",
                   path, result.dropped_bytes, result.valid_bytes, result.tail_reason);
    }
  }
  *rest = std::move(mem);
  last_sequence_ = max_seq;
  return Status::OK();
}

Status DBImpl::WriteLevel0(MemTable* mem, std::vector<FileMeta>* out) {
  TableOutputs outputs(fs_.get(), dir_, options_.table, 0, [this] { return AllocateTableNumber(); });
  // Flushes keep tombstones (older data may sit below) but drop entries
  // shadowed within the memtable itself.
  ObsoleteEntryFilter filter(SmallestSnapshot(), nullptr);
  filter.set_dropped_column_families(families_->Dropped());
  if (vlog_) filter.set_on_drop([this](std::string_view, std::string_view value) {
    CountVlogGarbage(value);
  });
  std::vector<ObsoleteEntryFilter::Emit> emits;
  auto it = mem->NewIterator();
  Status s;
  for (it->SeekToFirst(); it->Valid() && s.ok(); it->Next()) {
    filter.Process(it->key(), it->value(), &emits);
    for (const auto& e : emits) {
      s = outputs.Add(e.key, e.value);
      if (!s.ok()) break;
    }
  }
  if (s.ok()) s = it->status();
  if (s.ok()) s = outputs.Finish();
  if (!s.ok()) {
    outputs.Abandon();
    return s.WithContext("flush to L0");
  }
  stat_flushes_.fetch_add(1, std::memory_order_relaxed);
  stat_flush_written_.fetch_add(outputs.bytes_written(), std::memory_order_relaxed);
  *out = outputs.files();
  return Status::OK();
}

uint64_t DBImpl::AllocateTableNumber() {
  // Allocation and registration are one step under mu_; DeleteObsoleteFiles
  // relies on it.
  std::lock_guard<std::mutex> l(mu_);
  uint64_t n = versions_->NewFileNumber();
  pending_outputs_.insert(n);
  return n;
}

uint64_t DBImpl::SmallestSnapshot() {
  std::lock_guard<std::mutex> l(mu_);
  return snapshots_.empty() ? last_sequence_.load() : *snapshots_.begin();
}

const Snapshot* DBImpl::GetSnapshot() {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t seq = last_sequence_.load();
  snapshots_.insert(seq);
  return new SnapshotImpl(seq);
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = snapshots_.find(snapshot->sequence());
    if (it != snapshots_.end()) snapshots_.erase(it);
  }
  delete snapshot;
  MaybeDeleteVlogSegments();
}

Status DBImpl::CheckOpen() const {
  if (closed_.load(std::memory_order_acquire)) return Status::Closed();
  return Status::OK();
}

Status DBImpl::CheckWritable() const {
  NOKV_RETURN_IF_ERROR(CheckOpen());
  if (options_.read_only) return Status::NotSupported(dir_ + " is open read-only");
  return Status::OK();
}

Status DBImpl::Close() {
  std::unique_lock<std::mutex> l(mu_);
  if (close_started_) {
    done_cv_.wait(l, [this] { return closed_.load(); });
    return close_status_;
  }
  close_started_ = true;
  shutting_down_ = true;
  // Let in-flight write groups finish (a leader waiting for room sees
  // shutting_down_); new writers are refused.
  work_cv_.notify_all();
  done_cv_.notify_all();
  l.unlock();
  write_thread_.Close();
  if (flush_thread_.joinable()) flush_thread_.join();
  if (compaction_thread_.joinable()) compaction_thread_.join();
  if (maintenance_thread_.joinable()) maintenance_thread_.join();
  spdlog::info(
      "nokv: closing {}: {} writes in {} WAL records, {} flushes, {} compactions "
      "({} MiB read, {} MiB written), stalled {} ms, {} slowed writes",
      dir_, stat_writes_.load(), stat_wal_records_.load(), stat_flushes_.load(),
      stat_compactions_.load(), stat_comp_read_.load() >> 20,
      stat_comp_written_.load() >> 20, stat_stall_us_.load() / 1000,
      stat_slowdowns_.load());

  Status s;
  if (vlog_) s = vlog_->Close();  // values before the WAL that points at them
  if (wal_) {
    if (s.ok()) s = wal_->Sync();
    Status c = wal_->Close();
    if (s.ok()) s = c;
  }
  l.lock();
  const bool healthy = bg_error_.ok();
  if (s.ok() && !healthy) s = bg_error_;
  close_status_ = s;
  l.unlock();
  // After a background error the in-memory state may lag the manifest:
  // leave garbage collection to the next Open.
  if (healthy && !options_.read_only) DeleteObsoleteFiles();
  l.lock();
  table_cache_.reset();
  lock_.reset();
  closed_ = true;
  done_cv_.notify_all();
  return s;
}

ColumnFamilyHandle* DBImpl::DefaultColumnFamily() { return families_->Default(); }

Status DBImpl::CreateColumnFamily(std::string_view name, ColumnFamilyHandle** handle) {
  *handle = nullptr;
  NOKV_RETURN_IF_ERROR(CheckWritable());
  return families_->Create(name, handle);
}

Status DBImpl::DropColumnFamily(ColumnFamilyHandle* handle) {
  NOKV_RETURN_IF_ERROR(CheckWritable());
  return families_->Drop(handle);
}

ColumnFamilyHandle* DBImpl::GetColumnFamily(std::string_view name) {
  return families_->Find(name);
}

std::vector<std::string> DBImpl::ListColumnFamilies() {
  std::vector<std::string> names;
  for (auto& [id, name] : families_->List()) names.push_back(std::move(name));
  return names;
}

}  // namespace nokv
