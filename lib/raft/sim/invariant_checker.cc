// InvariantChecker: see invariant_checker.h.
#include "raft/sim/invariant_checker.h"

#include <string_view>

namespace nokv::raft::sim {
namespace {

std::string Str(uint64_t v) { return std::to_string(v); }

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t EntryHash(const raftpb::Entry& e) {
  return Mix(HashBytes(e.data()) ^ Mix(static_cast<uint64_t>(e.type()) + 1));
}

}  // namespace

uint64_t HashBytes(const std::string& data) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t ChainHash(uint64_t chain, const raftpb::Entry& e) {
  return Mix(chain ^ Mix(EntryHash(e) ^ Mix(e.index() * 31 + e.term())));
}

void InvariantChecker::Fail(std::string what) {
  if (violation_.empty()) violation_ = std::move(what);
}

void InvariantChecker::Check(bool cond, const char* what, const std::string& detail) {
  ++checks_;
  if (!cond) Fail(std::string(what) + ": " + detail);
}

void InvariantChecker::OnPersistEntries(uint64_t node, const std::vector<raftpb::Entry>& entries,
                                        const MemoryStorage& storage) {
  for (const raftpb::Entry& e : entries) {
    uint64_t prev_term = 0;
    const bool have_prev = e.index() > 0 && storage.Term(e.index() - 1, &prev_term).ok();
    const EntryId id{EntryHash(e), have_prev ? prev_term : ~uint64_t{0}};
    auto [it, inserted] = entries_.try_emplace({e.index(), e.term()}, id);
    if (inserted) {
      ++checks_;
      continue;
    }
    Check(it->second.data_hash == id.data_hash, "log matching",
          "node " + Str(node) + " persisted entry " + Str(e.index()) + "@" + Str(e.term()) +
              " with data that differs from another node's entry with the same index and term");
    if (have_prev && it->second.prev_term == ~uint64_t{0}) it->second.prev_term = prev_term;
    if (have_prev) {
      Check(it->second.prev_term == prev_term, "log matching",
            "node " + Str(node) + " has entry " + Str(e.index()) + "@" + Str(e.term()) +
                " after an entry of term " + Str(prev_term) + ", another log has it after term " +
                Str(it->second.prev_term));
    }
  }
}

void InvariantChecker::OnPersistHardState(uint64_t node, const raftpb::HardState& hs) {
  Persisted& p = persisted_[node];
  Check(hs.term() >= p.term, "persisted term never decreases",
        "node " + Str(node) + " persisted term " + Str(hs.term()) + " after " + Str(p.term));
  if (hs.term() == p.term && p.vote != 0) {
    Check(hs.vote() == p.vote, "one vote per term",
          "node " + Str(node) + " voted for " + Str(p.vote) + " then " + Str(hs.vote()) +
              " in term " + Str(hs.term()));
  }
  Check(hs.commit() >= p.commit, "persisted commit never decreases",
        "node " + Str(node) + " persisted commit " + Str(hs.commit()) + " after " + Str(p.commit));
  p = {hs.term(), hs.vote(), hs.commit()};
}

void InvariantChecker::OnLeader(uint64_t node, uint64_t term, const MemoryStorage& storage) {
  auto [it, inserted] = leader_of_term_.try_emplace(term, node);
  Check(inserted || it->second == node, "at most one leader per term",
        "nodes " + Str(it->second) + " and " + Str(node) + " were both leader in term " + Str(term));
  uint64_t first = 0, last = 0;
  (void)storage.FirstIndex(&first);
  (void)storage.LastIndex(&last);
  const uint64_t max_committed = max_committed_index();
  Check(last >= max_committed, "leader completeness",
        "node " + Str(node) + " became leader in term " + Str(term) + " with last index " +
            Str(last) + " but index " + Str(max_committed) + " is committed");
  for (auto c = committed_.lower_bound(first); c != committed_.end() && c->first <= last; ++c) {
    uint64_t t = 0;
    const bool have = storage.Term(c->first, &t).ok();
    Check(have && t == c->second.term, "leader completeness",
          "node " + Str(node) + " became leader in term " + Str(term) + " with entry " +
              Str(c->first) + "@" + Str(t) + " but " + Str(c->first) + "@" +
              Str(c->second.term) + " is committed");
  }
}

void InvariantChecker::OnApply(uint64_t node, uint64_t incarnation, const raftpb::Entry& e,
                               uint64_t chain, uint64_t request_id) {
  NodeApply& a = applied_[node];
  if (a.incarnation != incarnation) a = {incarnation, a.applied};
  Check(e.index() == a.applied + 1, "applied index advances one entry at a time",
        "node " + Str(node) + " applied " + Str(e.index()) + " after " + Str(a.applied));
  a.applied = e.index();
  auto [it, inserted] = committed_.try_emplace(e.index(), Committed{e.term(), EntryHash(e), chain});
  if (!inserted) {
    Check(it->second.term == e.term() && it->second.data_hash == EntryHash(e),
          "state machine safety",
          "node " + Str(node) + " applied " + Str(e.index()) + "@" + Str(e.term()) +
              ", another node applied " + Str(e.index()) + "@" + Str(it->second.term) +
              (it->second.term == e.term() ? " with other data" : ""));
    Check(it->second.chain == chain, "state machine safety",
          "node " + Str(node) + " reached index " + Str(e.index()) +
              " through a different sequence of entries");
  } else {
    ++checks_;
  }
  if (request_id != 0) {
    auto [r, fresh] = index_of_request_.try_emplace(request_id, e.index());
    Check(fresh || r->second == e.index(), "a proposal is committed at most once",
          "request " + Str(request_id) + " applied at indexes " + Str(r->second) + " and " +
              Str(e.index()));
  }
}

void InvariantChecker::OnSnapshotInstalled(uint64_t node, uint64_t incarnation, uint64_t index,
                                           uint64_t chain) {
  NodeApply& a = applied_[node];
  if (a.incarnation != incarnation) a = {incarnation, a.applied};
  Check(index > a.applied, "applied index never goes back",
        "node " + Str(node) + " installed a snapshot at " + Str(index) + " after applying " +
            Str(a.applied));
  a.applied = index;
  auto it = committed_.find(index);
  if (it != committed_.end()) {
    Check(it->second.chain == chain, "state machine safety",
          "node " + Str(node) + " installed a snapshot at " + Str(index) +
              " whose state differs from what other nodes applied");
  }
}

void InvariantChecker::OnRestart(uint64_t node, uint64_t incarnation, uint64_t index,
                                 uint64_t chain) {
  applied_[node] = {incarnation, index};
  auto it = committed_.find(index);
  if (it != committed_.end()) {
    Check(it->second.chain == chain, "state machine safety",
          "node " + Str(node) + " restarted from a snapshot at " + Str(index) +
              " whose state differs from what other nodes applied");
  }
}

void InvariantChecker::OnDestroy(uint64_t node) {
  applied_.erase(node);
  persisted_.erase(node);
}

}  // namespace nokv::raft::sim
