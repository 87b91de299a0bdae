// ValueLogGc: value-log garbage collection — picking the sealed segment with
// the most garbage, checking each of its records against the LSM, rewriting
// the live ones, and deleting the old segment once nothing can read it.
//
// Protocol (fixes brief §11 notes 8, 11 and 17):
//  1. Scan a sealed segment; a record is live iff the LSM's visible entry for
//     its (cf, key, version) is that very record (same sequence) and still
//     points at it (checked on the raw LSM entry, not a resolved copy).
//  2. Rewrite live records as conditional writes: the write leader (the only
//     writer) drops a rewrite whose key gained a newer entry since step 1, so
//     GC never overwrites a user's newer value.
//  3. The rewrite is synced and the memtable flushed; the old segment is
//     deleted only when the WAL checkpoint has passed every record that may
//     point into it (so replay never meets a dangling pointer) and every
//     snapshot and iterator that might still read old copies is gone. A
//     point lookup that loses the race retries with a fresh view.
//
// Ownership: the ValueLog belongs to the DB and outlives this object. This
// object owns the reader pins (the sequences of live iterators), the
// deferred deletes, the running flag and the GC counters. It reaches the
// engine only through Hooks.
//
// Locking: mu_ guards pins_, pending_ and running_. delete_mu_ makes
// MaybeDeleteSegments one deleter at a time (taken before mu_). Neither is
// held while a hook runs: hooks take the DB's mutex or write through the
// write thread.
// So the DB must not hold its own mutex when it calls Run, Unpin or
// MaybeDeleteSegments (they run hooks); Pin only takes mu_.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "nokv/write_batch.h"
#include "vlog/value_log.h"

namespace nokv {

class ValueLogGc {
 public:
  // What GC needs from the engine.
  struct Hooks {
    // Is the record (ikey -> ptr) still the value a reader gets? If so,
    // stores its expiry.
    std::function<bool(std::string_view ikey, const ValuePointer& ptr, uint64_t* expires_at)>
        is_live;
    // Applies a batch of conditional rewrites as one synced, exclusive group.
    std::function<Status(const WriteBatch& batch)> rewrite;
    // Flushes the memtable, moving the WAL checkpoint past every record
    // written so far.
    std::function<Status()> flush;
    // WAL segments numbered below this are fully persisted in SSTs.
    std::function<uint64_t()> log_number;
    // The newest committed sequence.
    std::function<uint64_t()> last_sequence;
    // The oldest snapshot's sequence; UINT64_MAX if there is none.
    std::function<uint64_t()> oldest_snapshot;
  };

  struct Stats {
    uint64_t runs = 0;
    uint64_t records_rewritten = 0;
    uint64_t bytes_rewritten = 0;
    uint64_t segments_deleted = 0;
    uint64_t bytes_reclaimed = 0;
  };

  ValueLogGc(ValueLog* vlog, Hooks hooks);
  ValueLogGc(const ValueLogGc&) = delete;
  ValueLogGc& operator=(const ValueLogGc&) = delete;

  // One GC pass: rewrites the live values of the sealed segment with the most
  // garbage if at least discard_ratio of it is garbage. OK if a segment was
  // rewritten (its deletion may still be pending); NotFound if none
  // qualified; Busy if another pass is running; InvalidArgument for a ratio
  // outside (0, 1).
  Status Run(double discard_ratio);

  // A reader (an iterator) at `sequence` may read values of segments that
  // GC rewrote after it: their deletion waits until it is unpinned. Pin
  // before capturing the reader's view, so the pin is never newer than it.
  void Pin(uint64_t sequence);
  void Unpin(uint64_t sequence);

  // Deletes every rewritten segment that no reader and no WAL record past
  // the checkpoint can need any more.
  void MaybeDeleteSegments();

  // Rewritten segments waiting for old readers or the WAL checkpoint.
  int pending_deletes() const;
  Stats stats() const;

 private:
  struct PendingDelete {
    uint64_t file;
    uint64_t sequence;    // readers at or below this may still read the old copies
    uint64_t wal_number;  // WAL records up to this segment may point at the file
  };

  // Rewrites the live records of `segment` if its garbage ratio qualifies;
  // *rewritten says whether it did.
  Status CollectSegment(const ValueLogSegment& segment, double discard_ratio, bool* rewritten);

  ValueLog* const vlog_;
  const Hooks hooks_;

  std::mutex delete_mu_;  // serializes MaybeDeleteSegments; taken before mu_
  mutable std::mutex mu_;
  bool running_ = false;                 // guarded by mu_
  std::multiset<uint64_t> pins_;         // guarded by mu_: live iterators' sequences
  std::vector<PendingDelete> pending_;   // guarded by mu_

  // Counters (relaxed atomics).
  std::atomic<uint64_t> runs_{0}, records_{0}, bytes_{0}, deleted_{0}, reclaimed_{0};
};

}  // namespace nokv
