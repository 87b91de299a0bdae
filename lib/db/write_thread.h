// WriteThread: group commit (LevelDB's writer queue). Every write joins a
// queue; the writer at the front is the leader: it gathers the batches queued
// behind it into one group (within the grouping limits), commits the group
// as one WAL record, and hands the result to every member. Followers just
// wait. The DB supplies the commit itself (db_write.cc); this class only
// forms groups and hands results over, so it can be tested on its own.
//
// Ownership: a Writer lives on its caller's stack; the queue holds pointers
// to the waiting ones, and a Writer leaves the queue before its caller
// returns. The leader of a group has exclusive use of whatever the DB says a
// leader owns (the WAL writer, the value log's active segment, inserts into
// the active memtable) from JoinBatchGroup returning true until ExitGroup.
//
// Locking: mu_ guards every field below. The DB never holds its own mutex
// while calling into the WriteThread, and the WriteThread never calls out, so
// the two mutexes are never nested. A writer's own state_mu is taken only to
// wake it or by the writer itself, never while mu_ is held by the waker.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "base/status.h"
#include "nokv/write_batch.h"

namespace nokv {

class WriteThread {
 public:
  struct Options {
    // The leader stops adding followers' batches once the record would pass
    // max_group_bytes or hold more than max_group_count updates; a single
    // batch beyond either still commits, alone.
    size_t max_group_bytes = 1 << 20;
    size_t max_group_count = 4096;
    // Coalescing: a leader whose group is not yet full waits up to this long
    // for more writers to queue behind it (0 = commit at once).
    uint64_t coalesce_wait_us = 0;
  };

  struct Writer {
    // The updates; null for a writer that needs the leader's rights without
    // writing (memtable rotation, FlushWAL): it always forms a group alone.
    const WriteBatch* batch = nullptr;
    bool sync = false;             // fsync the group's WAL record
    bool exclusive = false;        // forms a group of its own (value-log GC rewrites)
    bool defer_wal_flush = false;  // the record may stay in the WAL's user buffer
    // Filled in by the leader that committed this writer (follower only).
    bool done = false;
    Status status;

    // Hand-off, private to WriteThread: a waiting writer sleeps on its own
    // mutex and condition variable, so waking it neither needs nor contends
    // for the queue's mutex. `state` moves once, from kWaiting to kLeader
    // or kDone, stored under state_mu (so a sleeper cannot miss it) and
    // atomic (so a writer may first spin on it, see JoinBatchGroup).
    enum class State { kWaiting, kLeader, kDone };
    std::mutex state_mu;
    std::condition_variable state_cv;
    std::atomic<State> state{State::kWaiting};
  };

  // One group, as built by the leader.
  struct Group {
    Writer* leader = nullptr;
    Writer* last = nullptr;  // the newest member (the queue is in join order)
    // The WAL payload: 8 zero bytes (the DB writes the first sequence there)
    // followed by the merged batch rep (count u32 | ops...). Empty for a
    // writer without a batch.
    std::string payload;
    uint32_t count = 0;     // updates in the group
    size_t writers = 0;     // members, leader included
    bool sync = false;      // any member asked for sync
    bool defer = false;     // every member allowed a deferred flush
  };

  explicit WriteThread(Options options);
  WriteThread(const WriteThread&) = delete;
  WriteThread& operator=(const WriteThread&) = delete;

  // Queues w and waits. Returns true once w leads a group; false if a leader
  // committed w as a follower (w->status holds the result) or the thread is
  // closed (w->status is Closed). A writer that did not ask for sync first
  // spins a few microseconds (yielding the CPU) before it sleeps: an
  // unsynced group commits in about that time, and a sleep and wake-up cost
  // two context switches (RocksDB's writers spin the same way).
  bool JoinBatchGroup(Writer* w);

  // Leader only: waits for the group to fill (coalesce_wait_us, unless the
  // leader is exclusive or has no batch), then takes the followers that fit
  // the limits, in queue order, into *group.
  void BuildGroup(Writer* leader, Group* group);

  // Leader only: hands s to every member of the group, removes them from
  // the queue and wakes the next leader (or Close, once the queue is empty).
  // The next leader is woken first: it starts the next group (its WAL
  // write and sync) while the members of this one are still being woken.
  void ExitGroup(const Group& group, const Status& s);

  // Refuses new writers (JoinBatchGroup returns Closed) and waits until
  // every queued writer has left.
  void Close();

  // Deferred WAL flush: a group whose record stays in the WAL buffer notes
  // it; FlushWAL checks the note before queueing and clears it as a leader,
  // after the flush (no record can be added while it leads), so a caller
  // that sees no note knows its record already reached the OS.
  void NoteDeferredFlush() { deferred_flush_.store(true, std::memory_order_release); }
  bool DeferredFlushPending() const { return deferred_flush_.load(std::memory_order_acquire); }
  void ClearDeferredFlush() { deferred_flush_.store(false, std::memory_order_release); }

  // Writers in the queue, leader included (for tests and stats).
  size_t QueueLength() const;

 private:
  // With mu_ held: true once the queue behind the leader fills a group or
  // a writer that must lead its own group is waiting.
  bool GroupIsFull() const;

  // Moves w out of kWaiting and wakes it; w may return (and its Writer
  // vanish) as soon as this releases w->state_mu.
  static void Wake(Writer* w, Writer::State state);

  // How long a writer without sync spins before sleeping.
  static constexpr std::chrono::microseconds kSpinBeforeSleep{20};

  const Options options_;
  mutable std::mutex mu_;
  std::deque<Writer*> queue_;          // guarded by mu_; front = the leader
  bool closed_ = false;                // guarded by mu_
  bool leader_coalescing_ = false;     // guarded by mu_
  std::condition_variable coalesce_cv_;  // a writer queued while the leader waits
  std::condition_variable drained_cv_;   // the queue became empty (Close waits)
  std::atomic<bool> deferred_flush_{false};  // a deferred WAL record awaits FlushWAL
};

}  // namespace nokv
