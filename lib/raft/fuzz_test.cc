// Fuzzing RawNode::Step with random and malformed messages: random types
// (local ones included), terms, indexes, entries, snapshots and senders,
// including nodes that are not in the group.
//
// 1. One node alone, fed arbitrary messages (a Byzantine peer): it must never
//    crash and must keep its own invariants (term and commit never go back,
//    entries it applied are never overwritten, applied indexes advance one by
//    one, its commit index never passes its log).
// 2. A whole simulated group under chaos, with malformed messages a correct
//    peer never sends mixed into the traffic (local message types, responses
//    from nodes outside the group, stale terms, proposals of garbage from
//    strangers): the group's safety invariants must hold and it must recover.
//
//   NOKV_RAFT_FUZZ_SEEDS=N   seeds for each part (default 300 and 100)
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "base/random.h"
#include "raft/memory_storage.h"
#include "raft/raft.h"
#include "raft/sim/kv_state_machine.h"
#include "raft/sim/sim_cluster.h"

namespace nokv::raft::sim {
namespace {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

// Random message fields, biased towards values near the node's own state so
// that many messages get past the first checks.
class MessageFuzzer {
 public:
  explicit MessageFuzzer(uint64_t seed) : rng_(seed) {}

  uint64_t Near(uint64_t base) {
    switch (rng_.Uniform(8)) {
      case 0: return 0;
      case 1: return base > 0 ? base - 1 : 0;
      case 2: return base + 1;
      case 3: return base + 2 + rng_.Uniform(5);
      case 4: return rng_.Next64();
      case 5: return rng_.Uniform(base + 3);
      default: return base;
    }
  }

  std::string Bytes() {
    std::string s(rng_.Uniform(12), '\0');
    for (char& c : s) c = static_cast<char>(rng_.Uniform(256));
    return s;
  }

  raftpb::Entry Entry(uint64_t index, uint64_t term) {
    raftpb::Entry e;
    e.set_index(index);
    e.set_term(term);
    if (rng_.OneIn(6)) {
      e.set_type(raftpb::EntryConfChange);
      raftpb::ConfChange cc;
      cc.set_type(static_cast<raftpb::ConfChangeType>(rng_.Uniform(3)));
      cc.set_node_id(rng_.Uniform(6));
      e.set_data(rng_.OneIn(4) ? Bytes() : cc.SerializeAsString());
    } else {
      e.set_data(Bytes());
    }
    return e;
  }

  // A message of any type from anyone, with fields near (term, last index).
  raftpb::Message Any(uint64_t to, uint64_t term, uint64_t last) {
    raftpb::Message m;
    m.set_type(static_cast<raftpb::MessageType>(rng_.Uniform(19)));
    static constexpr uint64_t kFrom[] = {0, 1, 2, 3, 4, 1000};
    m.set_from(kFrom[rng_.Uniform(6)]);
    m.set_to(rng_.OneIn(8) ? rng_.Uniform(5) : to);
    m.set_term(Near(term));
    m.set_log_term(Near(term));
    m.set_index(Near(last));
    m.set_commit(Near(last));
    m.set_reject(rng_.OneIn(3));
    m.set_reject_hint(Near(last));
    for (int i = static_cast<int>(rng_.Uniform(4)); i > 0; --i) {
      const uint64_t index = rng_.OneIn(5) ? Near(last) : m.index() + m.entries_size() + 1;
      *m.add_entries() = Entry(index, rng_.OneIn(4) ? Near(term) : m.term());
    }
    if (m.type() == raftpb::MsgSnap || rng_.OneIn(10)) {
      auto* md = m.mutable_snapshot()->mutable_metadata();
      md->set_index(Near(last));
      md->set_term(Near(term));
      for (uint64_t id = 1; id <= 4; ++id) {
        if (rng_.OneIn(2)) md->mutable_conf_state()->add_voters(id);
      }
      if (rng_.OneIn(4)) md->mutable_conf_state()->add_learners(5);
      m.mutable_snapshot()->set_data(Bytes());
    }
    if (rng_.OneIn(5)) m.set_context(rng_.OneIn(2) ? "CampaignTransfer" : Bytes());
    return m;
  }

  nokv::Random& rng() { return rng_; }

 private:
  nokv::Random rng_;
};

// One node of a three-voter group whose peers are the fuzzer.
class LoneNode {
 public:
  explicit LoneNode(uint64_t seed) {
    Config c;
    c.id = 1;
    c.storage = &storage_;
    c.read_only_option = seed % 5 == 0 ? ReadOnlyOption::kLeaseBased : ReadOnlyOption::kSafe;
    c.check_quorum = seed % 2 == 0 || c.read_only_option == ReadOnlyOption::kLeaseBased;
    c.pre_vote = seed % 3 == 0;
    c.seed = seed;
    c.max_size_per_msg = seed % 7 == 0 ? 0 : 4096;
    nokv::Status s = RawNode::Create(c, &raw_);
    if (s.ok()) s = raw_->Bootstrap({1, 2, 3});
    if (!s.ok()) {
      violation_ = "cannot start: " + s.ToString();
      return;
    }
    Drain();
  }

  RawNode& raw() { return *raw_; }
  uint64_t term() const { return term_; }
  uint64_t last_index() const {
    uint64_t last = 0;
    (void)storage_.LastIndex(&last);
    return last;
  }
  const std::string& violation() const { return violation_; }
  uint64_t checks() const { return checks_; }

  // Handles every pending Ready as an application would, checking the
  // node's own invariants.
  void Drain() {
    for (int i = 0; i < 8 && raw_->HasReady() && violation_.empty(); ++i) {
      Ready rd;
      if (!raw_->GetReady(&rd).ok()) return;  // an error is returned, not a crash
      if (!IsEmptySnapshot(rd.snapshot)) {
        Check(rd.snapshot.metadata().index() > applied_, "a snapshot moves applied forward");
        (void)storage_.ApplySnapshot(rd.snapshot);
      }
      for (const raftpb::Entry& e : rd.entries) {
        auto it = applied_terms_.find(e.index());
        Check(it == applied_terms_.end() || it->second == e.term(),
              "an applied entry is never overwritten (index " + std::to_string(e.index()) + ")");
      }
      for (size_t k = 1; k < rd.entries.size(); ++k) {
        Check(rd.entries[k].index() == rd.entries[k - 1].index() + 1,
              "Ready entries are consecutive: " + DescribeEntries(rd.entries));
      }
      if (!violation_.empty()) return;
      (void)storage_.Append(rd.entries);
      if (!IsEmptyHardState(rd.hard_state)) {
        const raftpb::HardState& hs = rd.hard_state;
        Check(hs.term() >= term_, "the term never goes back (" + std::to_string(term_) + " -> " +
                                      std::to_string(hs.term()) + ")");
        Check(hs.commit() >= commit_, "the commit index never goes back");
        Check(hs.commit() <= last_index(), "the commit index never passes the log");
        if (hs.term() == term_ && vote_ != 0) Check(hs.vote() == vote_, "one vote per term");
        term_ = hs.term();
        vote_ = hs.vote();
        commit_ = hs.commit();
        storage_.SetHardState(hs);
      }
      if (!IsEmptySnapshot(rd.snapshot)) applied_ = rd.snapshot.metadata().index();
      for (const raftpb::Entry& e : rd.committed_entries) {
        Check(e.index() == applied_ + 1, "applied indexes advance one by one");
        Check(e.index() <= commit_, "only committed entries are applied");
        applied_ = e.index();
        applied_terms_[e.index()] = e.term();
        raftpb::ConfChange cc;
        if (e.type() == raftpb::EntryConfChange && cc.ParseFromString(e.data())) {
          (void)raw_->ApplyConfChange(cc);
        }
      }
      raw_->Advance(rd);
    }
  }

 private:
  void Check(bool cond, const std::string& what) {
    ++checks_;
    if (!cond && violation_.empty()) violation_ = what;
  }

  MemoryStorage storage_;
  std::unique_ptr<RawNode> raw_;
  uint64_t term_ = 0, vote_ = 0, commit_ = 0, applied_ = 0, checks_ = 0;
  std::map<uint64_t, uint64_t> applied_terms_;
  std::string violation_;
};

TEST(RaftFuzzTest, ArbitraryMessagesNeverCrashOneNode) {
  const uint64_t seeds = EnvOr("NOKV_RAFT_FUZZ_SEEDS", 300);
  uint64_t stepped = 0, refused = 0, checks = 0;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    LoneNode node(seed);
    MessageFuzzer fuzz(seed * 7919);
    ASSERT_EQ(node.violation(), "") << "seed " << seed;
    for (int i = 0; i < 1500 && node.violation().empty(); ++i) {
      const raftpb::Message m = fuzz.Any(1, node.term(), node.last_index());
      if (std::getenv("NOKV_RAFT_FUZZ_VERBOSE") != nullptr) {
        std::printf("step %s\n", DescribeMessage(m).c_str());
      }
      if (!node.raw().Step(m).ok()) ++refused;
      ++stepped;
      // Sometimes drive the node too: ticks, proposals, reads, transfers.
      switch (fuzz.rng().Uniform(12)) {
        case 0: node.raw().Tick(); break;
        case 1: (void)node.raw().Propose(fuzz.Bytes()); break;
        case 2: (void)node.raw().ReadIndex(fuzz.Bytes()); break;
        case 3: (void)node.raw().Campaign(); break;
        case 4: node.raw().TransferLeader(fuzz.rng().Uniform(5)); break;
        case 5: node.raw().ReportUnreachable(fuzz.rng().Uniform(5)); break;
        case 6:
          node.raw().ReportSnapshot(fuzz.rng().Uniform(5), fuzz.rng().OneIn(2)
                                                                ? SnapshotStatus::kFinish
                                                                : SnapshotStatus::kFailure);
          break;
        default: break;
      }
      node.Drain();
    }
    checks += node.checks();
    ASSERT_EQ(node.violation(), "") << "seed " << seed;
  }
  std::printf("fuzzed one node with %llu messages (%llu refused); %llu invariant checks\n",
              static_cast<unsigned long long>(stepped), static_cast<unsigned long long>(refused),
              static_cast<unsigned long long>(checks));
}

// Two inputs the fuzzer found, as plain regressions.
TEST(RaftFuzzTest, TermZeroHeartbeatDoesNotResetTheTerm) {
  LoneNode node(1);
  ASSERT_TRUE(node.raw().Campaign().ok());  // a candidate of term 2
  node.Drain();
  ASSERT_EQ(node.term(), 2u);
  raftpb::Message m;
  m.set_type(raftpb::MsgHeartbeat);
  m.set_from(2);
  m.set_to(1);
  m.set_term(0);  // only MsgProp and MsgReadIndex travel without a term
  EXPECT_FALSE(node.raw().Step(m).ok());
  node.Drain();
  EXPECT_EQ(node.raw().GetStatus().hard_state.term(), 2u);
  EXPECT_EQ(node.violation(), "");
}

TEST(RaftFuzzTest, AppendAfterAnIndexBeyondTheLogIsRejected) {
  LoneNode node(1);
  const uint64_t last = node.last_index();
  raftpb::Message m;
  m.set_type(raftpb::MsgApp);
  m.set_from(2);
  m.set_to(1);
  m.set_term(5);
  m.set_index(last + 100);  // far past our log, with log term 0
  m.set_log_term(0);
  raftpb::Entry* e = m.add_entries();
  e->set_index(last + 101);
  e->set_term(5);
  (void)node.raw().Step(m);
  node.Drain();
  EXPECT_EQ(node.last_index(), last) << "the log must not grow a hole";
  EXPECT_EQ(node.violation(), "");
}

// Malformed messages that a correct peer never sends but a real network or
// a confused stranger might: each must be refused or leave the group safe.
raftpb::Message Malformed(MessageFuzzer& fuzz, uint64_t to, uint64_t term, uint64_t last,
                          std::string* kind) {
  raftpb::Message m = fuzz.Any(to, term, last);
  m.set_to(to);
  uint64_t category = fuzz.rng().Uniform(4);
  if (category == 2 && term < 2) category = 0;  // no stale term to use yet
  switch (category) {
    case 0: {  // a local message type off the wire
      static constexpr raftpb::MessageType kLocal[] = {raftpb::MsgHup, raftpb::MsgBeat,
                                                       raftpb::MsgUnreachable,
                                                       raftpb::MsgSnapStatus,
                                                       raftpb::MsgCheckQuorum};
      m.set_type(kLocal[fuzz.rng().Uniform(5)]);
      *kind = "local message type";
      break;
    }
    case 1: {  // a response from a node outside the group
      static constexpr raftpb::MessageType kResponses[] = {
          raftpb::MsgAppResp, raftpb::MsgVoteResp, raftpb::MsgHeartbeatResp,
          raftpb::MsgPreVoteResp};
      m.set_type(kResponses[fuzz.rng().Uniform(4)]);
      m.set_from(1000 + fuzz.rng().Uniform(10));
      *kind = "response from a stranger";
      break;
    }
    case 2:  // anything with a stale term (the receiver's is `term`)
      m.set_term(1 + fuzz.rng().Uniform(term - 1));
      if (IsLocalMessage(m.type())) m.set_type(raftpb::MsgApp);
      *kind = "stale term";
      break;
    default: {  // a stranger proposes garbage
      m.set_type(raftpb::MsgProp);
      m.set_term(0);
      m.set_from(1000 + fuzz.rng().Uniform(10));
      m.clear_entries();
      for (int i = 1 + static_cast<int>(fuzz.rng().Uniform(3)); i > 0; --i) {
        m.add_entries()->set_data(fuzz.Bytes());
      }
      *kind = "garbage proposal from a stranger";
      break;
    }
  }
  return m;
}

TEST(RaftFuzzTest, MalformedMessagesInAGroupUnderChaos) {
  const uint64_t seeds = EnvOr("NOKV_RAFT_FUZZ_SEEDS", 100);
  std::map<std::string, uint64_t> injected, refused;
  uint64_t checks = 0;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    SimOptions o;
    o.seed = seed;
    o.voters = seed % 2 == 0 ? 3 : 5;
    o.pre_vote = seed % 3 == 0;
    o.check_quorum = seed % 4 < 2;
    SimCluster cluster(o);
    MessageFuzzer fuzz(seed * 104729);
    ChaosOptions chaos;
    chaos.network.drop = 0.05;
    chaos.network.max_extra_delay = 3;
    cluster.StartChaos(chaos);
    for (int t = 0; t < 300 && cluster.ok(); ++t) {
      const std::vector<uint64_t> live = cluster.LiveNodes();
      for (int k = 0; k < 5 && !live.empty(); ++k) {
        const uint64_t to = live[fuzz.rng().Uniform(live.size())];
        std::string kind;
        const raftpb::Message m =
            Malformed(fuzz, to, cluster.CurrentTerm(to), cluster.committed_entries(), &kind);
        ++injected[kind];
        if (!cluster.Inject(to, m).ok()) ++refused[kind];
      }
      if (!live.empty()) {
        KvCommand cmd;
        cmd.request_id = cluster.NextRequestId();
        cmd.kind = KvCommandKind::kPut;
        cmd.key = "k";
        cmd.value = std::to_string(t);
        (void)cluster.SubmitWrite(live[fuzz.rng().Uniform(live.size())], cmd, [](bool) {});
      }
      cluster.RunTicks(1);
    }
    cluster.StopChaos();
    if (cluster.ok()) {
      EXPECT_GE(cluster.WaitForCommit(25 * o.election_tick), 0)
          << "seed " << seed << " did not recover\n"
          << cluster.Describe();
    }
    ASSERT_TRUE(cluster.ok()) << "seed " << seed << ": " << cluster.failure();
    checks += cluster.invariant_checks();
  }
  // Local message types and strangers' responses are refused outright.
  EXPECT_EQ(refused["local message type"], injected["local message type"]);
  EXPECT_EQ(refused["response from a stranger"], injected["response from a stranger"]);
  std::printf("fuzzed %llu groups; %llu invariant checks; injected:\n",
              static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(checks));
  for (const auto& [kind, n] : injected) {
    std::printf("  %-34s %llu (refused %llu)\n", kind.c_str(), static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(refused[kind]));
  }
}

}  // namespace
}  // namespace nokv::raft::sim
