// DBImpl: the write path — group commit, WAL append, memtable insert, and
// making room (memtable rotation, write stalls).
#include <spdlog/spdlog.h>

#include <chrono>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/coding.h"
#include "db/db_impl.h"
#include "db/write_batch_internal.h"

namespace nokv {

namespace {
Status HotKeyBusy(uint64_t count, uint64_t limit) {
  return Status::Busy("hot key write throttle: key written " + std::to_string(count) +
                      " times within the window (limit " + std::to_string(limit) + ")");
}
}  // namespace

Status DBImpl::InsertIntoMemTable(MemTable* mem, std::string_view rep, uint64_t first_sequence,
                                  std::vector<RangeTombstone>* range_dels) {
  uint64_t seq = first_sequence;
  std::string ikey, value;
  return WriteBatchInternal::ForEach(rep, [&](const BatchOp& op) {
    ikey.clear();
    value.clear();
    if (op.kind == BatchOp::Kind::kDeleteRange) {
      RangeTombstone t;
      t.cf = op.cf;
      t.begin.assign(op.key.data(), op.key.size());
      t.end.assign(op.value.data(), op.value.size());
      t.version = op.version;
      t.sequence = seq++;
      RangeTombstoneSet::EncodeKey(t, &ikey);
      AppendValueRecord(&value, ValueRecord{kMetaRangeDelete, 0, op.value});
      mem->Add(ikey, value);
      if (range_dels) range_dels->push_back(std::move(t));
      return Status::OK();
    }
    AppendInternalKey(&ikey, op.cf, op.key, op.version, seq++);
    ValueRecord record;
    record.meta = op.kind == BatchOp::Kind::kDelete ? kMetaDelete : 0;
    if (op.value_is_pointer) record.meta |= kMetaValuePointer;
    record.expires_at = op.expires_at;
    record.value = op.value;
    AppendValueRecord(&value, record);
    mem->Add(ikey, value);
    return Status::OK();
  });
}

Status DBImpl::FlushWAL(bool sync) {
  NOKV_RETURN_IF_ERROR(CheckWritable());
  // Nothing deferred since the last flush: nothing to hand over.
  if (!sync && !write_thread_.DeferredFlushPending()) return Status::OK();
  WriteThread::Writer w;
  w.batch = nullptr;  // never joins another writer's group
  w.sync = sync;
  if (!write_thread_.JoinBatchGroup(&w)) return w.status;
  // Leading a group of our own: wal_ is ours.
  WriteThread::Group group;
  write_thread_.BuildGroup(&w, &group);
  Status s;
  {
    // A background error elsewhere (a failed flush or compaction) leaves the
    // WAL sound: records already written are still flushed or synced, so a
    // server that deferred its replies to this call can answer them.
    std::lock_guard<std::mutex> l(mu_);
    if (wal_failed_) s = bg_error_;
  }
  if (s.ok()) {
    if (sync) {
      // Values before the WAL records that point at them.
      if (vlog_) s = vlog_->Sync();
      if (s.ok()) s = wal_->Sync();
      if (s.ok()) stat_syncs_.fetch_add(1, std::memory_order_relaxed);
    } else {
      s = wal_->Flush();
    }
    if (s.ok()) {
      write_thread_.ClearDeferredFlush();
    } else {
      std::lock_guard<std::mutex> l(mu_);
      wal_failed_ = true;
      SetBackgroundError(s.WithContext("WAL flush"));
    }
  }
  write_thread_.ExitGroup(group, s);
  return s;
}

Status DBImpl::Write(const WriteOptions& options, const WriteBatch& batch) {
  NOKV_RETURN_IF_ERROR(CheckWritable());
  NOKV_RETURN_IF_ERROR(WriteBatchInternal::Validate(
      batch, [this](ColumnFamily cf) { return families_->IsLive(cf); }));
  if (batch.Count() == 0) return Status::OK();
  const WriteBatch* to_write = &batch;
  WriteBatch resolved;
  if (WriteBatchInternal::HasTtl(batch)) {
    // TTLs count from now; the WAL stores expiry times.
    NOKV_RETURN_IF_ERROR(WriteBatchInternal::ResolveTtls(batch, NowMs(), &resolved));
    to_write = &resolved;
  }
  NOKV_RETURN_IF_ERROR(TrackWrites(*to_write));
  stat_writes_.fetch_add(1, std::memory_order_relaxed);
  stat_user_bytes_.fetch_add(WriteBatchInternal::PayloadBytes(*to_write),
                             std::memory_order_relaxed);
  return WriteImpl(options, to_write);
}

Status DBImpl::TrackWrites(const WriteBatch& batch) {
  if (!write_ring_) return Status::OK();
  const uint64_t limit = options_.write_hot_key_limit;
  auto ring_key = [](const BatchOp& op, std::string* key) {
    key->clear();
    if (op.cf != ColumnFamily::kDefault) key->push_back(static_cast<char>(op.cf));
    key->append(op.key.data(), op.key.size());
  };
  const std::string_view rep = WriteBatchInternal::Rep(batch);
  if (limit == 0) {  // tracking only
    std::string key;
    return WriteBatchInternal::ForEach(rep, [&](const BatchOp& op) {
      ring_key(op, &key);
      write_ring_->Touch(key);
      return Status::OK();
    });
  }
  std::vector<std::string> keys;
  keys.reserve(batch.Count());
  NOKV_RETURN_IF_ERROR(WriteBatchInternal::ForEach(rep, [&](const BatchOp& op) {
    ring_key(op, &keys.emplace_back());
    return Status::OK();
  }));
  // Check the whole batch before counting any of it: a refused batch counts
  // nothing, so a caller that retries its writes one by one (the Redis
  // gateway's pipelined runs) is not counted twice. The k-th write of a key
  // in the batch is refused when the key's count plus k reaches the limit,
  // as k single writes in a row would be (HotRing::TouchAndClamp; a key the
  // ring's node cap turned away counts 0 here, where single writes of it
  // would never be limited).
  std::unordered_map<std::string_view, uint64_t> in_batch;
  for (const std::string& key : keys) {
    const uint64_t count = write_ring_->Frequency(key) + ++in_batch[key];
    if (count >= limit) {
      stat_hot_limited_.fetch_add(1, std::memory_order_relaxed);
      return HotKeyBusy(count, limit);
    }
  }
  for (const std::string& key : keys) {
    uint64_t count = 0;
    if (write_ring_->TouchAndClamp(key, limit, &count)) {
      // Only when a concurrent writer of the same key got in between; the
      // keys before this one stay counted.
      stat_hot_limited_.fetch_add(1, std::memory_order_relaxed);
      return HotKeyBusy(count, limit);
    }
  }
  return Status::OK();
}

Status DBImpl::PrepareGroup(std::string* payload, uint64_t first_sequence, bool sync) {
  std::string_view rep = std::string_view(*payload).substr(8);
  const size_t threshold = options_.value_threshold;
  bool needs_rewrite = false;
  NOKV_RETURN_IF_ERROR(WriteBatchInternal::ForEach(rep, [&](const BatchOp& op) {
    if (op.expected_sequence != 0 ||
        (vlog_ && op.kind == BatchOp::Kind::kPut && !op.value_is_pointer &&
         op.value.size() >= threshold)) {
      needs_rewrite = true;
    }
    return Status::OK();
  }));
  if (!needs_rewrite) return Status::OK();

  WriteBatch out;
  uint64_t seq = first_sequence;
  std::string ikey, ptr_bytes;
  bool appended = false;
  Status s = WriteBatchInternal::ForEach(rep, [&](const BatchOp& in) -> Status {
    BatchOp op = in;
    if (op.expected_sequence != 0) {
      // A GC rewrite applies only if nobody wrote the key since GC read it.
      // The leader is the only writer, so this check cannot race.
      std::string cur_key, cur_value;
      Visibility vis = Visibility::kInvisible;
      Status f = FindEntry(ReadOptions(), op.cf, op.key, op.version, &cur_key, &cur_value, &vis);
      if (!f.ok() || InternalKeyVersion(cur_key) != op.version ||
          InternalKeySequence(cur_key) != op.expected_sequence) {
        return Status::OK();  // superseded: drop the rewrite
      }
      op.expected_sequence = 0;
    }
    if (vlog_ && op.kind == BatchOp::Kind::kPut && !op.value_is_pointer &&
        op.value.size() >= threshold) {
      ikey.clear();
      AppendInternalKey(&ikey, op.cf, op.key, op.version, seq);
      ValuePointer ptr;
      NOKV_RETURN_IF_ERROR(vlog_->Append(ikey, op.value, &ptr));
      ptr_bytes.clear();
      ptr.EncodeTo(&ptr_bytes);
      op.value = ptr_bytes;
      op.value_is_pointer = true;
      appended = true;
      stat_vlog_values_.fetch_add(1, std::memory_order_relaxed);
      stat_vlog_written_.fetch_add(ptr.size, std::memory_order_relaxed);
    }
    WriteBatchInternal::AppendOp(&out, op);
    ++seq;
    return Status::OK();
  });
  NOKV_RETURN_IF_ERROR(s);
  if (appended) {
    // The values must be where the WAL will point before the WAL says so.
    NOKV_RETURN_IF_ERROR(sync ? vlog_->Sync() : vlog_->Flush());
  }
  payload->resize(8);
  payload->append(WriteBatchInternal::Rep(out));
  return Status::OK();
}

Status DBImpl::WriteImpl(const WriteOptions& options, const WriteBatch* batch, bool exclusive) {
  WriteThread::Writer w;
  w.batch = batch;
  w.exclusive = exclusive;
  w.sync = options.sync || options_.sync_writes;
  w.defer_wal_flush = options.defer_wal_flush && !w.sync;
  if (!write_thread_.JoinBatchGroup(&w)) return w.status;

  // This writer leads a group: the WAL, the value log's active segment and
  // inserts into the memtable are ours until ExitGroup.
  WriteThread::Group group;
  group.leader = group.last = &w;
  std::unique_lock<std::mutex> l(mu_);
  Status s = MakeRoomForWrite(l, batch == nullptr);
  MemTable* mem = mem_.get();
  l.unlock();
  if (s.ok() && batch != nullptr) {
    write_thread_.BuildGroup(&w, &group);
    std::string& payload = group.payload;
    const uint64_t first_seq = last_sequence_.load(std::memory_order_relaxed) + 1;
    s = PrepareGroup(&payload, first_seq, group.sync);
    EncodeFixed64(payload.data(), first_seq);
    const uint32_t count = s.ok() ? DecodeFixed32(payload.data() + 8) : 0;
    const uint64_t wal_before = wal_->size();
    if (s.ok() && count > 0) s = wal_->AddRecord(kWalWriteBatch, payload);
    if (s.ok() && count > 0) {
      stat_wal_records_.fetch_add(1, std::memory_order_relaxed);
      stat_wal_bytes_.store(wal_->size(), std::memory_order_relaxed);
      stat_wal_written_.fetch_add(wal_->size() - wal_before, std::memory_order_relaxed);
      if (group.sync) {
        s = wal_->Sync();
        stat_syncs_.fetch_add(1, std::memory_order_relaxed);
      } else if (!group.defer) {
        // Hand the bytes to the OS: acknowledged writes survive a process crash.
        s = wal_->Flush();
      } else {
        write_thread_.NoteDeferredFlush();
      }
    }
    std::vector<RangeTombstone> new_range_dels;
    if (s.ok() && count > 0) {
      s = InsertIntoMemTable(mem, std::string_view(payload).substr(8), first_seq,
                             &new_range_dels);
    }
    l.lock();
    if (s.ok()) {
      // Tombstones and the sequence that makes them visible publish together.
      if (!new_range_dels.empty()) range_dels_ = range_dels_->With(new_range_dels);
      if (count > 0) last_sequence_.store(first_seq + count - 1, std::memory_order_release);
    } else {
      // The WAL may hold a partial record: no later write may be acknowledged.
      wal_failed_ = true;
      SetBackgroundError(s.WithContext("WAL write"));
    }
    l.unlock();
  }
  write_thread_.ExitGroup(group, s);
  return s;
}

Status DBImpl::MakeRoomForWrite(std::unique_lock<std::mutex>& l, bool force) {
  bool allow_delay = !force;
  while (true) {
    if (!bg_error_.ok()) {
      return Status::BlockedWrites("database is read-only after a background error: " +
                                   bg_error_.ToString());
    }
    const int l0_files = versions_->current()->NumFiles(0);
    if (allow_delay && l0_files >= options_.l0_slowdown_trigger) {
      // Spread the pain: one short pause per write rather than a long stall later.
      l.unlock();
      const auto start = std::chrono::steady_clock::now();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      stat_slowdowns_.fetch_add(1, std::memory_order_relaxed);
      stat_stall_us_.fetch_add(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count(),
                               std::memory_order_relaxed);
      allow_delay = false;
      l.lock();
      continue;
    }
    if (!force && mem_->ApproximateMemoryUsage() < options_.memtable_size) return Status::OK();
    if (force && mem_->empty()) return Status::OK();
    if (shutting_down_) return Status::Closed("database is closing");
    if (static_cast<int>(imms_.size()) >= options_.max_immutable_memtables ||
        l0_files >= options_.l0_stop_trigger) {
      auto start = std::chrono::steady_clock::now();
      done_cv_.wait(l);
      stat_stall_us_.fetch_add(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count(),
                               std::memory_order_relaxed);
      continue;
    }
    // Rotate: freeze the memtable, start a new WAL segment. The old segment
    // is synced so that every segment but the newest is complete on disk.
    const uint64_t new_number = versions_->NewFileNumber();
    const uint64_t old_number = wal_number_;
    l.unlock();
    // Values first: once this segment stops being the newest, replay treats
    // a dangling value pointer in it as corruption, not as a torn tail.
    Status s = vlog_ ? vlog_->Sync() : Status::OK();
    if (s.ok()) {
      s = wal_->Sync();
      if (s.ok()) stat_syncs_.fetch_add(1, std::memory_order_relaxed);
    }
    if (s.ok()) s = wal_->Close();
    std::unique_ptr<WalWriter> fresh;
    if (s.ok()) {
      auto created = CreateWal(new_number);
      if (created.ok()) {
        fresh = std::move(created.value());
      } else {
        s = created.status();
      }
    }
    l.lock();
    if (!s.ok()) {
      wal_failed_ = true;
      SetBackgroundError(s.WithContext("WAL rotation"));
      continue;
    }
    wal_ = std::move(fresh);
    wal_number_ = new_number;
    stat_wal_bytes_.store(wal_->size(), std::memory_order_relaxed);
    imms_.push_back(Immutable{mem_, old_number});
    mem_ = NewMemTable();
    force = false;
    work_cv_.notify_all();  // wake the flush thread
  }
}

}  // namespace nokv
