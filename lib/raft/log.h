// The raft log as the state machine sees it: entries in stable Storage
// followed by the Unstable tail (entries and possibly an incoming snapshot
// not yet persisted by the application), plus the committed and applied
// indexes.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "raft/raft.h"

namespace nokv::raft {

// Entries and a snapshot the application has not persisted yet. entries[i]
// has index offset + i; a snapshot, when present, precedes the entries.
class Unstable {
 public:
  std::optional<raftpb::Snapshot> snapshot;
  std::vector<raftpb::Entry> entries;
  uint64_t offset = 0;

  std::optional<uint64_t> MaybeFirstIndex() const;
  std::optional<uint64_t> MaybeLastIndex() const;
  std::optional<uint64_t> MaybeTerm(uint64_t i) const;
  // The application persisted entries up to (i, t).
  void StableTo(uint64_t i, uint64_t t);
  // The application persisted the snapshot at index i.
  void StableSnapTo(uint64_t i);
  void Restore(const raftpb::Snapshot& s);
  // Appends entries, replacing any existing tail from entries[0].index() on.
  void TruncateAndAppend(const std::vector<raftpb::Entry>& ents);
  // Entries in [lo, hi); the caller checks bounds.
  std::vector<raftpb::Entry> Slice(uint64_t lo, uint64_t hi) const;
};

class RaftLog {
 public:
  // Starts from the storage's contents: unstable is empty, and committed and
  // applied are the storage's snapshot index.
  RaftLog(Storage* storage, uint64_t max_next_ents_size);

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  const Unstable& unstable() const { return unstable_; }
  Storage* storage() const { return storage_; }

  // If the entry at `index` has term `log_term`, appends ents after it
  // (truncating conflicts), advances commit to min(committed, last new
  // index) and sets *last_new_index. Returns false in *ok on a mismatch. An
  // error means the leader tried to overwrite committed entries or storage
  // failed.
  nokv::Status MaybeAppend(uint64_t index, uint64_t log_term, uint64_t committed,
                           const std::vector<raftpb::Entry>& ents, uint64_t* last_new_index,
                           bool* ok);
  // Appends ents (which may overwrite the uncommitted tail); returns the new
  // last index, or an error if they would overwrite committed entries.
  nokv::Status Append(const std::vector<raftpb::Entry>& ents, uint64_t* last_index);
  // The index of the first entry of ents that conflicts with (or extends)
  // the log; 0 if all of them are already present.
  uint64_t FindConflict(const std::vector<raftpb::Entry>& ents);
  // The largest index <= index whose term is <= term, with that term: where
  // a leader should probe next after a rejection (fast backtracking).
  std::pair<uint64_t, uint64_t> FindConflictByTerm(uint64_t index, uint64_t term);

  std::vector<raftpb::Entry> UnstableEntries() const { return unstable_.entries; }
  // Committed entries not yet applied, bounded by max_next_ents_size.
  nokv::Status NextEntries(std::vector<raftpb::Entry>* out);
  bool HasNextEntries();
  bool HasPendingSnapshot() const { return unstable_.snapshot.has_value(); }
  // The unstable snapshot, or else the storage's.
  nokv::Status Snapshot(raftpb::Snapshot* out) const;

  uint64_t FirstIndex();
  uint64_t LastIndex();
  uint64_t LastTerm();
  // Term of entry i: 0 (and OK) outside [FirstIndex()-1, LastIndex()];
  // Compacted / Unavailable / other storage errors pass through.
  nokv::Status Term(uint64_t i, uint64_t* term);
  // Term of entry i, or 0 on any error.
  uint64_t TermOrZero(uint64_t i);
  // Entries from i to the end, bounded by max_size.
  nokv::Status EntriesFrom(uint64_t i, uint64_t max_size, std::vector<raftpb::Entry>* out);
  // Entries in [lo, hi) bounded by max_size (at least one).
  nokv::Status Slice(uint64_t lo, uint64_t hi, uint64_t max_size, std::vector<raftpb::Entry>* out);

  bool IsUpToDate(uint64_t last_index, uint64_t term);
  bool MatchTerm(uint64_t i, uint64_t term);
  // Commits max_index if its entry has `term` (a leader only commits entries
  // of its own term by counting). Returns whether commit advanced.
  bool MaybeCommit(uint64_t max_index, uint64_t term);
  // Raises the commit index; an error if it is beyond the last index.
  nokv::Status CommitTo(uint64_t to_commit);
  void AppliedTo(uint64_t i);
  void StableTo(uint64_t i, uint64_t t) { unstable_.StableTo(i, t); }
  void StableSnapTo(uint64_t i) { unstable_.StableSnapTo(i); }
  void Restore(const raftpb::Snapshot& s);

  // First storage failure seen where it could not be returned directly
  // (FirstIndex/LastIndex); cleared by taking it.
  nokv::Status TakeStorageError();

 private:
  nokv::Status CheckOutOfBounds(uint64_t lo, uint64_t hi);
  void Latch(const nokv::Status& s);

  Storage* storage_;
  Unstable unstable_;
  uint64_t committed_ = 0;
  uint64_t applied_ = 0;
  uint64_t max_next_ents_size_;
  nokv::Status storage_error_;
};

// Keeps the longest prefix of ents (at least one entry) whose total size is
// <= max_size.
void LimitSize(std::vector<raftpb::Entry>* ents, uint64_t max_size);
uint64_t EntrySize(const raftpb::Entry& e);

}  // namespace nokv::raft
