// RaftLog and Unstable: see log.h.
#include "raft/log.h"

#include <algorithm>
#include <string>

namespace nokv::raft {

uint64_t EntrySize(const raftpb::Entry& e) { return e.ByteSizeLong(); }

void LimitSize(std::vector<raftpb::Entry>* ents, uint64_t max_size) {
  if (ents->empty()) return;
  uint64_t size = EntrySize((*ents)[0]);
  size_t limit = 1;
  for (; limit < ents->size(); limit++) {
    size += EntrySize((*ents)[limit]);
    if (size > max_size) break;
  }
  ents->resize(limit);
}

// ---- Unstable ----

std::optional<uint64_t> Unstable::MaybeFirstIndex() const {
  if (snapshot) return snapshot->metadata().index() + 1;
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeLastIndex() const {
  if (!entries.empty()) return offset + entries.size() - 1;
  if (snapshot) return snapshot->metadata().index();
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeTerm(uint64_t i) const {
  if (i < offset) {
    if (snapshot && snapshot->metadata().index() == i) return snapshot->metadata().term();
    return std::nullopt;
  }
  auto last = MaybeLastIndex();
  if (!last || i > *last) return std::nullopt;
  if (entries.empty()) return std::nullopt;  // i == offset-1 handled above
  return entries[i - offset].term();
}

void Unstable::StableTo(uint64_t i, uint64_t t) {
  auto gt = MaybeTerm(i);
  if (!gt) return;
  // Only if the entry is still the one persisted (not replaced meanwhile).
  if (*gt == t && i >= offset) {
    entries.erase(entries.begin(), entries.begin() + static_cast<ptrdiff_t>(i + 1 - offset));
    offset = i + 1;
  }
}

void Unstable::StableSnapTo(uint64_t i) {
  if (snapshot && snapshot->metadata().index() == i) snapshot.reset();
}

void Unstable::Restore(const raftpb::Snapshot& s) {
  offset = s.metadata().index() + 1;
  entries.clear();
  snapshot = s;
}

void Unstable::TruncateAndAppend(const std::vector<raftpb::Entry>& ents) {
  if (ents.empty()) return;
  const uint64_t after = ents[0].index();
  if (after == offset + entries.size()) {
    entries.insert(entries.end(), ents.begin(), ents.end());
  } else if (after <= offset) {
    // Replace the whole unstable tail.
    offset = after;
    entries = ents;
  } else {
    // Keep [offset, after), then append.
    entries.resize(after - offset);
    entries.insert(entries.end(), ents.begin(), ents.end());
  }
}

std::vector<raftpb::Entry> Unstable::Slice(uint64_t lo, uint64_t hi) const {
  return std::vector<raftpb::Entry>(entries.begin() + static_cast<ptrdiff_t>(lo - offset),
                                    entries.begin() + static_cast<ptrdiff_t>(hi - offset));
}

// ---- RaftLog ----

RaftLog::RaftLog(Storage* storage, uint64_t max_next_ents_size)
    : storage_(storage), max_next_ents_size_(max_next_ents_size) {
  uint64_t first = 1, last = 0;
  Latch(storage_->FirstIndex(&first));
  Latch(storage_->LastIndex(&last));
  unstable_.offset = last + 1;
  committed_ = first - 1;
  applied_ = first - 1;
}

void RaftLog::Latch(const nokv::Status& s) {
  if (!s.ok() && storage_error_.ok()) storage_error_ = s;
}

nokv::Status RaftLog::TakeStorageError() {
  nokv::Status s = std::move(storage_error_);
  storage_error_ = nokv::Status::OK();
  return s;
}

nokv::Status RaftLog::MaybeAppend(uint64_t index, uint64_t log_term, uint64_t committed,
                                  const std::vector<raftpb::Entry>& ents,
                                  uint64_t* last_new_index, bool* ok) {
  *ok = false;
  if (!MatchTerm(index, log_term)) return nokv::Status::OK();
  const uint64_t lastnewi = index + ents.size();
  const uint64_t ci = FindConflict(ents);
  if (ci != 0) {
    if (ci <= committed_) {
      return nokv::Status::Corruption("raft: entry " + std::to_string(ci) +
                                      " conflicts with committed entry (committed " +
                                      std::to_string(committed_) + ")");
    }
    const uint64_t offset = index + 1;
    std::vector<raftpb::Entry> tail(ents.begin() + static_cast<ptrdiff_t>(ci - offset),
                                    ents.end());
    uint64_t unused;
    NOKV_RETURN_IF_ERROR(Append(tail, &unused));
  }
  NOKV_RETURN_IF_ERROR(CommitTo(std::min(committed, lastnewi)));
  *last_new_index = lastnewi;
  *ok = true;
  return nokv::Status::OK();
}

nokv::Status RaftLog::Append(const std::vector<raftpb::Entry>& ents, uint64_t* last_index) {
  if (!ents.empty()) {
    const uint64_t after = ents[0].index() - 1;
    if (after < committed_) {
      return nokv::Status::Corruption("raft: append after " + std::to_string(after) +
                                      " is out of range [committed " +
                                      std::to_string(committed_) + "]");
    }
    unstable_.TruncateAndAppend(ents);
  }
  *last_index = LastIndex();
  return nokv::Status::OK();
}

uint64_t RaftLog::FindConflict(const std::vector<raftpb::Entry>& ents) {
  for (const auto& e : ents) {
    if (!MatchTerm(e.index(), e.term())) return e.index();
  }
  return 0;
}

std::pair<uint64_t, uint64_t> RaftLog::FindConflictByTerm(uint64_t index, uint64_t term) {
  for (; index > 0; index--) {
    uint64_t our_term = 0;
    // On an error (e.g. compacted) stop here: the leader can do no better
    // than probing at this index.
    if (!Term(index, &our_term).ok()) return {index, 0};
    if (our_term <= term) return {index, our_term};
  }
  return {0, 0};
}

nokv::Status RaftLog::NextEntries(std::vector<raftpb::Entry>* out) {
  out->clear();
  const uint64_t off = std::max(applied_ + 1, FirstIndex());
  if (committed_ + 1 > off) return Slice(off, committed_ + 1, max_next_ents_size_, out);
  return nokv::Status::OK();
}

bool RaftLog::HasNextEntries() {
  const uint64_t off = std::max(applied_ + 1, FirstIndex());
  return committed_ + 1 > off;
}

nokv::Status RaftLog::Snapshot(raftpb::Snapshot* out) const {
  if (unstable_.snapshot) {
    *out = *unstable_.snapshot;
    return nokv::Status::OK();
  }
  return storage_->Snapshot(out);
}

uint64_t RaftLog::FirstIndex() {
  if (auto i = unstable_.MaybeFirstIndex()) return *i;
  uint64_t index = 0;
  nokv::Status s = storage_->FirstIndex(&index);
  Latch(s);
  return s.ok() ? index : applied_ + 1;
}

uint64_t RaftLog::LastIndex() {
  if (auto i = unstable_.MaybeLastIndex()) return *i;
  uint64_t index = 0;
  nokv::Status s = storage_->LastIndex(&index);
  Latch(s);
  return s.ok() ? index : committed_;
}

uint64_t RaftLog::LastTerm() { return TermOrZero(LastIndex()); }

nokv::Status RaftLog::Term(uint64_t i, uint64_t* term) {
  *term = 0;
  // The valid range is [index of the dummy entry, last index].
  const uint64_t dummy = FirstIndex() - 1;
  if (i < dummy || i > LastIndex()) return nokv::Status::OK();
  if (auto t = unstable_.MaybeTerm(i)) {
    *term = *t;
    return nokv::Status::OK();
  }
  return storage_->Term(i, term);
}

uint64_t RaftLog::TermOrZero(uint64_t i) {
  uint64_t t = 0;
  if (!Term(i, &t).ok()) return 0;
  return t;
}

nokv::Status RaftLog::EntriesFrom(uint64_t i, uint64_t max_size,
                                  std::vector<raftpb::Entry>* out) {
  out->clear();
  const uint64_t last = LastIndex();
  if (i > last) return nokv::Status::OK();
  return Slice(i, last + 1, max_size, out);
}

bool RaftLog::IsUpToDate(uint64_t last_index, uint64_t term) {
  const uint64_t our_term = LastTerm();
  return term > our_term || (term == our_term && last_index >= LastIndex());
}

bool RaftLog::MatchTerm(uint64_t i, uint64_t term) {
  // Term() says 0 outside the log; that is no match, even for term 0 (else
  // an append "after" an index beyond our log would leave a hole).
  if (i > LastIndex() || i + 1 < FirstIndex()) return false;
  uint64_t t = 0;
  if (!Term(i, &t).ok()) return false;
  return t == term;
}

bool RaftLog::MaybeCommit(uint64_t max_index, uint64_t term) {
  if (max_index > committed_ && TermOrZero(max_index) == term) {
    return CommitTo(max_index).ok();
  }
  return false;
}

nokv::Status RaftLog::CommitTo(uint64_t to_commit) {
  if (committed_ < to_commit) {
    if (LastIndex() < to_commit) {
      return nokv::Status::Corruption("raft: commit " + std::to_string(to_commit) +
                                      " is out of range [last index " +
                                      std::to_string(LastIndex()) + "]");
    }
    committed_ = to_commit;
  }
  return nokv::Status::OK();
}

void RaftLog::AppliedTo(uint64_t i) {
  if (i == 0 || i < applied_ || i > committed_) return;
  applied_ = i;
}

void RaftLog::Restore(const raftpb::Snapshot& s) {
  committed_ = s.metadata().index();
  unstable_.Restore(s);
}

nokv::Status RaftLog::CheckOutOfBounds(uint64_t lo, uint64_t hi) {
  if (lo > hi) {
    return nokv::Status::InvalidArgument("raft: invalid slice " + std::to_string(lo) + " > " +
                                         std::to_string(hi));
  }
  const uint64_t fi = FirstIndex();
  if (lo < fi) return nokv::Status::Compacted();
  const uint64_t li = LastIndex();
  if (hi > li + 1) {
    return nokv::Status::Unavailable("raft: slice [" + std::to_string(lo) + "," +
                                     std::to_string(hi) + ") out of bound [" +
                                     std::to_string(fi) + "," + std::to_string(li) + "]");
  }
  return nokv::Status::OK();
}

nokv::Status RaftLog::Slice(uint64_t lo, uint64_t hi, uint64_t max_size,
                            std::vector<raftpb::Entry>* out) {
  out->clear();
  NOKV_RETURN_IF_ERROR(CheckOutOfBounds(lo, hi));
  if (lo == hi) return nokv::Status::OK();
  if (lo < unstable_.offset) {
    const uint64_t stored_hi = std::min(hi, unstable_.offset);
    NOKV_RETURN_IF_ERROR(storage_->Entries(lo, stored_hi, max_size, out));
    // Hit the size limit inside storage: done.
    if (out->size() < stored_hi - lo) return nokv::Status::OK();
  }
  if (hi > unstable_.offset) {
    std::vector<raftpb::Entry> tail = unstable_.Slice(std::max(lo, unstable_.offset), hi);
    out->insert(out->end(), tail.begin(), tail.end());
  }
  LimitSize(out, max_size);
  return nokv::Status::OK();
}

}  // namespace nokv::raft
