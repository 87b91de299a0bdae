// DBImpl: the write path — group commit, WAL append, memtable insert, and
// making room (memtable rotation, write stalls).
#include <spdlog/spdlog.h>

#include <chrono>

#include "base/coding.h"
#include "db/db_impl.h"
#include "db/write_batch_internal.h"

namespace nokv {

struct DBImpl::Writer {
  const WriteBatch* batch;
  bool sync;
  bool exclusive = false;
  bool defer_wal_flush = false;  // batch's record may stay buffered
  bool done = false;
  Status status;
  std::condition_variable cv;
};

Status DBImpl::Put(const WriteOptions& options, std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, batch);
}

Status DBImpl::PutWithTTL(const WriteOptions& options, std::string_view key,
                          std::string_view value, uint64_t ttl_ms) {
  WriteBatch batch;
  // ttl 0 means "already expired", as in Redis; keep a non-zero stamp.
  const uint64_t now = NowMs();
  batch.PutWithExpiry(key, value, ttl_ms == 0 ? std::max<uint64_t>(now, 1) : now + ttl_ms);
  return Write(options, batch);
}

Status DBImpl::DeleteRange(const WriteOptions& options, std::string_view begin,
                           std::string_view end) {
  if (begin.empty() || end.empty()) return Status::InvalidArgument("empty range bound");
  WriteBatch batch;
  batch.DeleteRange(begin, end);
  return Write(options, batch);
}

Status DBImpl::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(options, batch);
}

Status DBImpl::InsertIntoMemTable(MemTable* mem, std::string_view rep, uint64_t first_sequence,
                                  std::vector<RangeTombstone>* range_dels) {
  uint64_t seq = first_sequence;
  std::string ikey, value;
  return WriteBatchInternal::ForEach(rep, [&](const WriteBatch::Op& op) {
    ikey.clear();
    value.clear();
    if (op.kind == WriteBatch::Op::Kind::kDeleteRange) {
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
    record.meta = op.kind == WriteBatch::Op::Kind::kDelete ? kMetaDelete : 0;
    if (op.value_is_pointer) record.meta |= kMetaValuePointer;
    record.expires_at = op.expires_at;
    record.value = op.value;
    AppendValueRecord(&value, record);
    mem->Add(ikey, value);
    return Status::OK();
  });
}

// Leader only, with mu_ held: gathers the queued writers' batches into one
// WAL payload (first_sequence placeholder | merged rep).
void DBImpl::BuildGroup(Writer** last_writer, std::string* payload, bool* sync, bool* defer) {
  Writer* first = writers_.front();
  payload->assign(8, '\0');
  const std::string& first_rep = WriteBatchInternal::Rep(*first->batch);
  payload->append(first_rep);
  *sync = first->sync;
  *defer = first->defer_wal_flush;
  *last_writer = first;
  uint32_t count = first->batch->Count();
  if (first->exclusive) {
    EncodeFixed32(payload->data() + 8, count);
    return;
  }
  size_t max_size = options_.max_write_group_bytes;
  if (first_rep.size() <= (128 << 10)) {
    // Keep small writes fast: do not make them wait behind a huge group.
    max_size = std::min(max_size, first_rep.size() + (128 << 10));
  }
  for (size_t i = 1; i < writers_.size(); ++i) {
    Writer* w = writers_[i];
    if (w->batch == nullptr || w->exclusive) break;  // these lead groups of their own
    const std::string& rep = WriteBatchInternal::Rep(*w->batch);
    if (payload->size() + rep.size() > max_size) break;
    if (count + w->batch->Count() > options_.max_write_group_count) break;
    payload->append(rep.data() + 4, rep.size() - 4);
    count += w->batch->Count();
    *sync = *sync || w->sync;
    *defer = *defer && w->defer_wal_flush;
    *last_writer = w;
  }
  EncodeFixed32(payload->data() + 8, count);
}

// Leader only, with mu_ held: waits (up to write_coalesce_wait_us) until the
// queue holds a full group's worth of updates or bytes.
void DBImpl::WaitForGroupToFill(std::unique_lock<std::mutex>& l) {
  auto full = [&] {
    if (shutting_down_) return true;
    uint64_t count = 0, bytes = 0;
    for (Writer* w : writers_) {
      if (w->batch == nullptr || w->exclusive) return true;  // the group ends there anyway
      count += w->batch->Count();
      bytes += WriteBatchInternal::Rep(*w->batch).size();
    }
    return count >= options_.max_write_group_count || bytes >= options_.max_write_group_bytes;
  };
  leader_coalescing_ = true;
  coalesce_cv_.wait_for(l, std::chrono::microseconds(options_.write_coalesce_wait_us), full);
  leader_coalescing_ = false;
}

Status DBImpl::FlushWAL(bool sync) {
  NOKV_RETURN_IF_ERROR(CheckOpen());
  // Nothing deferred since the last flush: nothing to hand over.
  if (!sync && !wal_flush_deferred_.exchange(false, std::memory_order_acq_rel)) {
    return Status::OK();
  }
  Writer w;
  w.batch = nullptr;  // never joins another writer's group
  w.sync = sync;
  std::unique_lock<std::mutex> l(mu_);
  if (shutting_down_) return Status::Closed("database is closing");
  JoinWriteQueue(&w, l);
  // At the front of the queue no group leader runs: wal_ is ours.
  Status s = bg_error_;
  if (s.ok()) {
    l.unlock();
    s = sync ? wal_->Sync() : wal_->Flush();
    if (sync && s.ok()) stat_syncs_.fetch_add(1, std::memory_order_relaxed);
    l.lock();
    if (!s.ok()) SetBackgroundError(s.WithContext("WAL flush"));
  }
  LeaveWriteQueue(&w, &w, s);
  return s;
}

Status DBImpl::Write(const WriteOptions& options, const WriteBatch& batch) {
  NOKV_RETURN_IF_ERROR(CheckOpen());
  NOKV_RETURN_IF_ERROR(WriteBatchInternal::Validate(batch));
  if (batch.Count() == 0) return Status::OK();
  NOKV_RETURN_IF_ERROR(TrackWrites(batch));
  stat_writes_.fetch_add(1, std::memory_order_relaxed);
  stat_user_bytes_.fetch_add(WriteBatchInternal::PayloadBytes(batch), std::memory_order_relaxed);

  return WriteImpl(options, &batch);
}

Status DBImpl::TrackWrites(const WriteBatch& batch) {
  if (!write_ring_) return Status::OK();
  const uint64_t limit = options_.write_hot_key_limit;
  std::string key;
  return WriteBatchInternal::ForEach(WriteBatchInternal::Rep(batch), [&](const WriteBatch::Op& op) {
    key.clear();
    if (op.cf != ColumnFamily::kDefault) key.push_back(static_cast<char>(op.cf));
    key.append(op.key.data(), op.key.size());
    if (limit == 0) {
      write_ring_->Touch(key);
      return Status::OK();
    }
    uint64_t count = 0;
    if (write_ring_->TouchAndClamp(key, limit, &count)) {
      stat_hot_limited_.fetch_add(1, std::memory_order_relaxed);
      return Status::Busy("hot key write throttle: key written " + std::to_string(count) +
                          " times within the window (limit " + std::to_string(limit) + ")");
    }
    return Status::OK();
  });
}

Status DBImpl::PrepareGroup(std::string* payload, uint64_t first_sequence, bool sync) {
  std::string_view rep = std::string_view(*payload).substr(8);
  const size_t threshold = options_.value_threshold;
  bool needs_rewrite = false;
  NOKV_RETURN_IF_ERROR(WriteBatchInternal::ForEach(rep, [&](const WriteBatch::Op& op) {
    if (op.expected_sequence != 0 ||
        (vlog_ && op.kind == WriteBatch::Op::Kind::kPut && !op.value_is_pointer &&
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
  Status s = WriteBatchInternal::ForEach(rep, [&](const WriteBatch::Op& in) -> Status {
    WriteBatch::Op op = in;
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
    if (vlog_ && op.kind == WriteBatch::Op::Kind::kPut && !op.value_is_pointer &&
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
  Writer w;
  w.batch = batch;
  w.exclusive = exclusive;
  w.sync = options.sync || options_.sync_writes;
  w.defer_wal_flush = options.defer_wal_flush && !w.sync;

  std::unique_lock<std::mutex> l(mu_);
  if (shutting_down_) return Status::Closed("database is closing");
  if (!JoinWriteQueue(&w, l)) return w.status;
  if (options_.write_coalesce_wait_us > 0 && batch != nullptr && !exclusive) {
    WaitForGroupToFill(l);
  }

  // This writer leads a group.
  Status s = MakeRoomForWrite(l, batch == nullptr);
  Writer* last_writer = &w;
  if (s.ok() && batch != nullptr) {
    std::string payload;
    bool sync = false, defer = false;
    BuildGroup(&last_writer, &payload, &sync, &defer);
    const uint64_t first_seq = last_sequence_.load(std::memory_order_relaxed) + 1;
    MemTable* mem = mem_.get();
    l.unlock();
    // Only the leader touches wal_, the value log's active segment and
    // inserts into the memtable, so all are safe without mu_.
    s = PrepareGroup(&payload, first_seq, sync);
    EncodeFixed64(payload.data(), first_seq);
    const uint32_t count = s.ok() ? DecodeFixed32(payload.data() + 8) : 0;
    if (s.ok() && count > 0) s = wal_->AddRecord(kWalWriteBatch, payload);
    if (s.ok() && count > 0) {
      if (sync) {
        s = wal_->Sync();
        stat_syncs_.fetch_add(1, std::memory_order_relaxed);
      } else if (!defer) {
        // Hand the bytes to the OS: acknowledged writes survive a process crash.
        s = wal_->Flush();
      } else {
        wal_flush_deferred_.store(true, std::memory_order_release);
      }
    }
    std::vector<RangeTombstone> new_range_dels;
    if (s.ok() && count > 0) {
      s = InsertIntoMemTable(mem, std::string_view(payload).substr(8), first_seq,
                             &new_range_dels);
    }
    stat_groups_.fetch_add(1, std::memory_order_relaxed);
    l.lock();
    if (s.ok()) {
      // Tombstones and the sequence that makes them visible publish together.
      if (!new_range_dels.empty()) range_dels_ = range_dels_->With(new_range_dels);
      if (count > 0) last_sequence_.store(first_seq + count - 1, std::memory_order_release);
    } else {
      // The WAL may hold a partial record: no later write may be acknowledged.
      SetBackgroundError(s.WithContext("WAL write"));
    }
  }

  LeaveWriteQueue(&w, last_writer, s);
  return s;
}

bool DBImpl::JoinWriteQueue(Writer* w, std::unique_lock<std::mutex>& l) {
  writers_.push_back(w);
  if (leader_coalescing_) coalesce_cv_.notify_one();
  while (!w->done && w != writers_.front()) w->cv.wait(l);
  return !w->done;
}

void DBImpl::LeaveWriteQueue(Writer* leader, Writer* last_writer, const Status& s) {
  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    if (ready != leader) {
      ready->status = s;
      ready->done = true;
      ready->cv.notify_one();
    }
    if (ready == last_writer) break;
  }
  if (!writers_.empty()) {
    writers_.front()->cv.notify_one();
  } else if (shutting_down_) {
    done_cv_.notify_all();  // Close waits for the queue to drain
  }
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
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      stat_slowdowns_.fetch_add(1, std::memory_order_relaxed);
      stat_stall_us_.fetch_add(1000, std::memory_order_relaxed);
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
    if (s.ok()) s = wal_->Sync();
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
      SetBackgroundError(s.WithContext("WAL rotation"));
      continue;
    }
    wal_ = std::move(fresh);
    wal_number_ = new_number;
    imms_.push_back(Immutable{mem_, old_number});
    mem_ = NewMemTable();
    force = false;
    work_cv_.notify_all();  // wake the flush thread
  }
}

}  // namespace nokv
