// Failpoints of one store, for tests: crash points on the raft thread's
// persist/apply path and message filters per destination peer. Compiled in,
// off by default (a store without StoreOptions::failpoints never consults
// one). No global state: each store gets its own instance.
//
// A crash point that fires "kills" the store the way a crash would: the
// raft thread stops before the named write, nothing after it happens, every
// pending callback is left unanswered until Stop. The test then simulates
// the machine crash on the store's FaultFileSystem and reopens the store.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace nokv::raftstore {

enum class CrashPoint : int {
  kBeforePersistHardState = 0,  // a round that changes a hard state, before the raft log write
  kBeforePersistEntries,        // a round that appends entries, before the raft log write
  kBeforePersistSnapshot,       // a round installing a snapshot, before its data write
  kBeforeApply,                 // after the raft log write and sends, before applying
  kAfterApply,                  // after the apply batch is written, before callbacks/advance
  kCount,
};
const char* CrashPointName(CrashPoint point);

class Failpoints {
 public:
  // Fires `point` the n-th time it is reached from now (1 = next time).
  void Arm(CrashPoint point, int nth = 1);
  void Disarm(CrashPoint point);
  // Raft thread: true if `point` fires now (then the store halts).
  bool Reached(CrashPoint point);
  // Disarms every crash point and forgets which one fired.
  void Reset();
  // Which point fired, if any (kCount = none).
  CrashPoint fired() const { return static_cast<CrashPoint>(fired_.load()); }

  // Messages to `peer_id` are dropped / held back `delay_ms` before sending.
  void DropMessagesTo(uint64_t peer_id, bool drop);
  void DelayMessagesTo(uint64_t peer_id, int delay_ms);
  bool ShouldDrop(uint64_t peer_id) const;
  int DelayFor(uint64_t peer_id) const;
  // Messages to `peer_id` keep carrying the commit index they had when the
  // freeze began: the peer gets entries but never learns they committed.
  void FreezeCommitTo(uint64_t peer_id, bool freeze);
  // The commit index to send `peer_id` instead of `commit` (== commit when
  // not frozen).
  uint64_t CommitFor(uint64_t peer_id, uint64_t commit);

 private:
  mutable std::mutex mu_;
  int countdown_[static_cast<int>(CrashPoint::kCount)] = {};  // guarded by mu_; 0 = off
  std::map<uint64_t, bool> drop_;                             // guarded by mu_
  std::map<uint64_t, int> delay_;                             // guarded by mu_
  std::map<uint64_t, uint64_t> frozen_commit_;  // guarded by mu_; UINT64_MAX = capture next
  std::atomic<int> fired_{static_cast<int>(CrashPoint::kCount)};
};

}  // namespace nokv::raftstore
