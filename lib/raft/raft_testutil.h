// Test helpers for the raft unit and paper tests: building Raft instances on
// MemoryStorage and a lossless, synchronous in-memory network with filters
// (drop, isolate, ignore a message type). Header-only, test use only.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "base/random.h"
#include "raft/memory_storage.h"
#include "raft/raft_impl.h"

namespace nokv::raft::testutil {

inline raftpb::ConfState Voters(std::vector<uint64_t> voters, std::vector<uint64_t> learners = {}) {
  raftpb::ConfState cs;
  for (uint64_t v : voters) cs.add_voters(v);
  for (uint64_t l : learners) cs.add_learners(l);
  return cs;
}

inline raftpb::Entry MakeEntry(uint64_t index, uint64_t term, std::string data = "") {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(std::move(data));
  return e;
}

inline raftpb::Message MakeMsg(uint64_t from, uint64_t to, raftpb::MessageType type,
                               uint64_t term = 0) {
  raftpb::Message m;
  m.set_from(from);
  m.set_to(to);
  m.set_type(type);
  m.set_term(term);
  return m;
}

// A Raft together with the storage it reads.
struct TestNode {
  std::unique_ptr<MemoryStorage> storage;
  std::unique_ptr<Raft> raft;
  Raft* operator->() { return raft.get(); }
  Raft& operator*() { return *raft; }
};

inline Config TestConfig(uint64_t id, int election, int heartbeat, Storage* storage) {
  Config c;
  c.id = id;
  c.election_tick = election;
  c.heartbeat_tick = heartbeat;
  c.storage = storage;
  c.max_size_per_msg = kNoLimit;
  c.max_inflight_msgs = 256;
  return c;
}

// Builds a node; `tweak` adjusts the config. The storage holds `voters` as
// its bootstrap membership and the given entries (after a dummy at 0).
inline TestNode NewNode(uint64_t id, std::vector<uint64_t> voters, int election = 10,
                        int heartbeat = 1, const std::vector<raftpb::Entry>& ents = {},
                        const std::function<void(Config&)>& tweak = nullptr,
                        std::vector<uint64_t> learners = {}) {
  TestNode n;
  n.storage = std::make_unique<MemoryStorage>();
  EXPECT_TRUE(n.storage->Bootstrap(Voters(voters, learners)).ok());
  EXPECT_TRUE(n.storage->Append(ents).ok());
  Config c = TestConfig(id, election, heartbeat, n.storage.get());
  if (tweak) tweak(c);
  nokv::Status s = Raft::Create(c, &n.raft);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return n;
}

inline std::vector<raftpb::Message> TakeMessages(Raft& r) {
  std::vector<raftpb::Message> out = std::move(r.msgs());
  r.msgs().clear();
  return out;
}

// Persists the unstable log and applies what is committed; returns the
// newly applied entries.
inline std::vector<raftpb::Entry> PersistAndApply(TestNode& n) {
  Raft& r = *n.raft;
  if (r.log().HasPendingSnapshot()) {
    EXPECT_TRUE(n.storage->ApplySnapshot(*r.log().unstable().snapshot).ok());
    r.log().StableSnapTo(r.log().unstable().snapshot->metadata().index());
  }
  auto unstable = r.log().UnstableEntries();
  EXPECT_TRUE(n.storage->Append(unstable).ok());
  if (!unstable.empty()) r.log().StableTo(unstable.back().index(), unstable.back().term());
  std::vector<raftpb::Entry> ents;
  EXPECT_TRUE(r.log().NextEntries(&ents).ok());
  if (!ents.empty()) r.log().AppliedTo(ents.back().index());
  return ents;
}

// All entries of the log (storage and unstable) after the first index.
inline std::vector<raftpb::Entry> AllEntries(Raft& r) {
  std::vector<raftpb::Entry> ents;
  EXPECT_TRUE(r.log().EntriesFrom(r.log().FirstIndex(), kNoLimit, &ents).ok());
  return ents;
}

// A synchronous network of nodes; nullptr peers are black holes.
class Network {
 public:
  // Builds `n` voters 1..n with the default config unless given.
  explicit Network(size_t n, const std::function<void(Config&)>& tweak = nullptr) {
    std::vector<uint64_t> ids;
    for (uint64_t i = 1; i <= n; i++) ids.push_back(i);
    for (uint64_t id : ids) nodes_[id] = NewNode(id, ids, 10, 1, {}, tweak);
  }
  // Adopts prepared nodes; an empty TestNode stands for a black hole.
  explicit Network(std::map<uint64_t, TestNode> nodes) : nodes_(std::move(nodes)) {}

  Raft* Peer(uint64_t id) { return nodes_[id].raft.get(); }
  TestNode& Node(uint64_t id) { return nodes_[id]; }

  // Delivers msgs and everything they cause, until quiet.
  void Send(std::vector<raftpb::Message> msgs) {
    while (!msgs.empty()) {
      raftpb::Message m = std::move(msgs.front());
      msgs.erase(msgs.begin());
      Raft* p = Peer(m.to());
      if (p == nullptr) continue;
      (void)p->Step(m);
      for (auto& out : Filter(TakeMessages(*p))) msgs.push_back(std::move(out));
    }
  }
  void Send(raftpb::Message m) { Send(std::vector<raftpb::Message>{std::move(m)}); }
  void Campaign(uint64_t id) { Send(MakeMsg(id, id, raftpb::MsgHup)); }
  void Propose(uint64_t id, std::string data) {
    raftpb::Message m = MakeMsg(id, id, raftpb::MsgProp);
    m.add_entries()->set_data(std::move(data));
    Send(std::move(m));
  }

  void Drop(uint64_t from, uint64_t to, double p) { drop_[{from, to}] = p; }
  void Cut(uint64_t a, uint64_t b) {
    Drop(a, b, 2.0);
    Drop(b, a, 2.0);
  }
  void Isolate(uint64_t id) {
    for (auto& [other, n] : nodes_) {
      if (other != id) Cut(id, other);
    }
  }
  void Ignore(raftpb::MessageType t) { ignore_.insert(t); }
  void Recover() {
    drop_.clear();
    ignore_.clear();
  }

 private:
  std::vector<raftpb::Message> Filter(std::vector<raftpb::Message> msgs) {
    std::vector<raftpb::Message> out;
    for (auto& m : msgs) {
      if (ignore_.count(m.type())) continue;
      if (m.type() == raftpb::MsgHup) continue;  // hups never go on the wire
      auto it = drop_.find({m.from(), m.to()});
      if (it != drop_.end() && static_cast<double>(rng_.Uniform(1000000)) / 1e6 < it->second) {
        continue;
      }
      out.push_back(std::move(m));
    }
    return out;
  }

  std::map<uint64_t, TestNode> nodes_;
  std::map<std::pair<uint64_t, uint64_t>, double> drop_;
  std::set<raftpb::MessageType> ignore_;
  nokv::Random rng_{42};
};

}  // namespace nokv::raft::testutil
