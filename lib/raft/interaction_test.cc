// Data-driven interaction tests: each testdata/raft/*.txt file is a script of
// commands driving a group of RawNodes over an explicit message queue (add
// nodes, campaign, propose, tick, process Ready, deliver messages, partition,
// compact, transfer leadership, read index, ...). After each command comes
// "----" and the expected output, ended by a blank line. NOKV_REWRITE=1
// rewrites the files with the actual output, for review in the diff.
//
// Commands:
//   add-nodes N [voters=(1,2,3)] [learners=(4)] [index=I] [bootstrap=true]
//             [prevote=true]
//             [checkquorum=true] [lease=true] [max-inflight=N] [max-size=N]
//             [max-uncommitted=N] [forwarding=false]
//   campaign ID | propose ID DATA | propose-conf-change ID v4|l4|r4
//   tick-election ID | tick-heartbeat ID | tick ID N
//   process-ready ID... | deliver-msgs [ID...] | stabilize [ID...]
//   partition 1 2 / 3 | heal | compact ID INDEX | restart ID
//   transfer-leader FROM TO | read-index ID CTX
//   report-unreachable ID PEER | report-snapshot ID PEER ok|fail
//   status ID | raft-log ID | applied ID | log-level debug|info|warn|error|none
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "raft/memory_storage.h"
#include "raft/raft.h"

#ifndef NOKV_TESTDATA_DIR
#error "NOKV_TESTDATA_DIR must name the repository's testdata directory"
#endif

namespace nokv::raft {
namespace {

namespace fs = std::filesystem;

struct Command {
  std::string line;                 // the command as written
  std::vector<std::string> comments;
  std::string expected;
  std::string name;
  std::vector<std::string> args;    // positional arguments
  std::map<std::string, std::string> kv;  // key=value arguments
};

std::vector<std::string> SplitWords(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::vector<uint64_t> ParseIdList(std::string v) {
  // "(1,2,3)" or "1,2,3"
  std::vector<uint64_t> out;
  for (char& c : v) {
    if (c == '(' || c == ')' || c == ',') c = ' ';
  }
  for (const auto& w : SplitWords(v)) out.push_back(std::stoull(w));
  return out;
}

std::vector<Command> ParseScript(const std::string& text) {
  std::vector<Command> cmds;
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> comments;
  while (std::getline(in, line)) {
    if (line.empty()) {
      if (!comments.empty()) comments.push_back("");
      continue;
    }
    if (line[0] == '#') {
      comments.push_back(line);
      continue;
    }
    Command c;
    c.line = line;
    c.comments = std::move(comments);
    comments.clear();
    auto words = SplitWords(line);
    c.name = words[0];
    for (size_t i = 1; i < words.size(); i++) {
      auto eq = words[i].find('=');
      if (eq == std::string::npos) {
        c.args.push_back(words[i]);
      } else {
        c.kv[words[i].substr(0, eq)] = words[i].substr(eq + 1);
      }
    }
    std::string sep;
    if (std::getline(in, sep) && sep == "----") {
      std::string out;
      while (std::getline(in, line) && !line.empty()) out += line + "\n";
      c.expected = out;
    }
    cmds.push_back(std::move(c));
  }
  return cmds;
}

// One replica: its storage, driver and the state machine it applied (the
// data of normal entries, joined by ',').
struct Node {
  std::unique_ptr<MemoryStorage> storage;
  std::unique_ptr<RawNode> raw;
  Config config;
  std::vector<std::pair<uint64_t, std::string>> applied;  // (index, data)
  uint64_t applied_index = 0;
};

class InteractionEnv {
 public:
  std::string Run(const Command& c) {
    out_.clear();
    const std::string& n = c.name;
    if (n == "add-nodes") {
      AddNodes(c);
    } else if (n == "campaign") {
      Report(Get(c, 0).raw->Campaign());
    } else if (n == "propose") {
      Report(Get(c, 0).raw->Propose(c.args.at(1)));
    } else if (n == "propose-conf-change") {
      ProposeConfChange(c);
    } else if (n == "tick-election" || n == "tick-heartbeat" || n == "tick") {
      Node& node = Get(c, 0);
      int count = n == "tick" ? std::stoi(c.args.at(1))
                  : n == "tick-election" ? node.config.election_tick
                                         : node.config.heartbeat_tick;
      for (int i = 0; i < count; i++) node.raw->Tick();
    } else if (n == "process-ready") {
      for (uint64_t id : Ids(c)) ProcessReady(id);
    } else if (n == "deliver-msgs") {
      DeliverMsgs(Ids(c));
    } else if (n == "stabilize") {
      Stabilize(Ids(c));
    } else if (n == "partition") {
      Partition(c);
    } else if (n == "heal") {
      group_.clear();
    } else if (n == "compact") {
      Compact(Get(c, 0), std::stoull(c.args.at(1)));
    } else if (n == "restart") {
      Restart(std::stoull(c.args.at(0)));
    } else if (n == "transfer-leader") {
      Get(c, 0).raw->TransferLeader(std::stoull(c.args.at(1)));
    } else if (n == "read-index") {
      Report(Get(c, 0).raw->ReadIndex(c.args.at(1)));
    } else if (n == "report-unreachable") {
      Get(c, 0).raw->ReportUnreachable(std::stoull(c.args.at(1)));
    } else if (n == "report-snapshot") {
      Get(c, 0).raw->ReportSnapshot(std::stoull(c.args.at(1)), c.args.at(2) == "ok"
                                                                   ? SnapshotStatus::kFinish
                                                                   : SnapshotStatus::kFailure);
    } else if (n == "status") {
      Status(Get(c, 0));
    } else if (n == "raft-log") {
      RaftLog(Get(c, 0));
    } else if (n == "applied") {
      Node& node = Get(c, 0);
      Out("applied index " + std::to_string(node.applied_index) + ": " + AppliedData(node, kNoLimit));
    } else if (n == "log-level") {
      SetLogLevel(c.args.at(0));
    } else {
      Out("unknown command " + n);
    }
    return out_.empty() ? "ok\n" : out_;
  }

 private:
  void Out(const std::string& s) {
    std::istringstream in(s);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) out_ += line + "\n";  // a blank line would end the block
    }
  }
  void Report(const nokv::Status& s) {
    if (!s.ok()) Out("error: " + s.ToString());
  }

  Node& Get(const Command& c, size_t arg) {
    uint64_t id = std::stoull(c.args.at(arg));
    return nodes_.at(id);
  }

  std::vector<uint64_t> Ids(const Command& c) {
    std::vector<uint64_t> ids;
    for (const auto& a : c.args) ids.push_back(std::stoull(a));
    if (ids.empty()) {
      for (const auto& [id, n] : nodes_) ids.push_back(id);
    }
    return ids;
  }

  void SetLogLevel(const std::string& l) {
    if (l == "debug") level_ = 0;
    if (l == "info") level_ = 1;
    if (l == "warn") level_ = 2;
    if (l == "error") level_ = 3;
    if (l == "none") level_ = 4;
  }

  Config MakeConfig(uint64_t id, const Command& c, Storage* storage) {
    Config cfg;
    cfg.id = id;
    cfg.election_tick = 3;
    cfg.heartbeat_tick = 1;
    cfg.storage = storage;
    cfg.max_size_per_msg = kNoLimit;
    cfg.max_inflight_msgs = 256;
    cfg.seed = 1;
    auto flag = [&](const char* k) { return c.kv.count(k) && c.kv.at(k) == "true"; };
    cfg.pre_vote = flag("prevote");
    cfg.check_quorum = flag("checkquorum");
    if (flag("lease")) cfg.read_only_option = ReadOnlyOption::kLeaseBased;
    if (c.kv.count("forwarding")) cfg.disable_proposal_forwarding = c.kv.at("forwarding") == "false";
    if (c.kv.count("max-inflight")) cfg.max_inflight_msgs = std::stoull(c.kv.at("max-inflight"));
    if (c.kv.count("max-size")) cfg.max_size_per_msg = std::stoull(c.kv.at("max-size"));
    if (c.kv.count("max-uncommitted")) {
      cfg.max_uncommitted_entries_size = std::stoull(c.kv.at("max-uncommitted"));
    }
    cfg.logger = [this, id](LogLevel level, std::string_view msg) {
      if (static_cast<int>(level) < level_) return;
      static const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
      Out(std::string(kNames[static_cast<int>(level)]) + " " + std::string(msg));
      (void)id;
    };
    return cfg;
  }

  void AddNodes(const Command& c) {
    const uint64_t n = std::stoull(c.args.at(0));
    raftpb::ConfState cs;
    if (c.kv.count("voters")) {
      for (uint64_t v : ParseIdList(c.kv.at("voters"))) cs.add_voters(v);
    }
    if (c.kv.count("learners")) {
      for (uint64_t l : ParseIdList(c.kv.at("learners"))) cs.add_learners(l);
    }
    const uint64_t index = c.kv.count("index") ? std::stoull(c.kv.at("index")) : 0;
    for (uint64_t k = 0; k < n; k++) {
      const uint64_t id = nodes_.size() + 1;
      Node node;
      node.storage = std::make_unique<MemoryStorage>();
      const bool bootstrap = c.kv.count("bootstrap") && c.kv.at("bootstrap") == "true";
      if (bootstrap) {
        // Membership goes into the log through RawNode::Bootstrap below.
      } else if (index > 0) {
        raftpb::Snapshot snap;
        snap.mutable_metadata()->set_index(index);
        snap.mutable_metadata()->set_term(1);
        *snap.mutable_metadata()->mutable_conf_state() = cs;
        Report(node.storage->ApplySnapshot(snap));
        node.applied_index = index;
      } else {
        Report(node.storage->Bootstrap(cs));
      }
      node.config = MakeConfig(id, c, node.storage.get());
      node.config.applied = index;
      Report(RawNode::Create(node.config, &node.raw));
      if (bootstrap && node.raw) {
        Report(node.raw->Bootstrap(
            std::vector<uint64_t>(cs.voters().begin(), cs.voters().end())));
      }
      nodes_[id] = std::move(node);
    }
  }

  void ProposeConfChange(const Command& c) {
    const std::string& spec = c.args.at(1);
    raftpb::ConfChange cc;
    cc.set_node_id(std::stoull(spec.substr(1)));
    switch (spec[0]) {
      case 'v': cc.set_type(raftpb::ConfChangeAddNode); break;
      case 'l': cc.set_type(raftpb::ConfChangeAddLearnerNode); break;
      case 'r': cc.set_type(raftpb::ConfChangeRemoveNode); break;
      default: Out("bad conf change " + spec); return;
    }
    Report(Get(c, 0).raw->ProposeConfChange(cc));
  }

  std::string AppliedData(const Node& n, uint64_t upto) {
    std::string s;
    for (const auto& [index, data] : n.applied) {
      if (index > upto) break;
      if (!s.empty()) s += ",";
      s += data;
    }
    return s;
  }

  // Persists, sends (queues), applies; prints what it did.
  void ProcessReady(uint64_t id) {
    Node& n = nodes_.at(id);
    if (!n.raw->HasReady()) {
      Out("> " + std::to_string(id) + " has no Ready");
      return;
    }
    Ready rd;
    nokv::Status s = n.raw->GetReady(&rd);
    if (!s.ok()) {
      Out("> " + std::to_string(id) + " GetReady: " + s.ToString());
      return;
    }
    Out("> " + std::to_string(id) + " handling Ready");
    Out(Indent(std::string("Ready MustSync=") + (rd.must_sync ? "true" : "false") + ":\n" +
               DescribeReady(rd)));
    if (!IsEmptyHardState(rd.hard_state)) n.storage->SetHardState(rd.hard_state);
    if (!IsEmptySnapshot(rd.snapshot)) {
      Report(n.storage->ApplySnapshot(rd.snapshot));
      // Install the state machine from the snapshot's data.
      n.applied.clear();
      std::istringstream in(rd.snapshot.data());
      std::string item;
      while (std::getline(in, item, ',')) n.applied.emplace_back(0, item);
      n.applied_index = rd.snapshot.metadata().index();
    }
    Report(n.storage->Append(rd.entries));
    for (auto& m : rd.messages) queue_.push_back(std::move(m));
    for (const auto& e : rd.committed_entries) {
      n.applied_index = e.index();
      if (e.type() == raftpb::EntryConfChange) {
        raftpb::ConfChange cc;
        if (!cc.ParseFromString(e.data())) continue;
        raftpb::ConfState cs = n.raw->ApplyConfChange(cc);
        Out("  " + std::to_string(id) + " applied conf change: " + DescribeConfState(cs));
      } else if (!e.data().empty()) {
        n.applied.emplace_back(e.index(), e.data());
      }
    }
    n.raw->Advance(rd);
  }

  static std::string Indent(const std::string& s) {
    std::istringstream in(s);
    std::string line, out;
    while (std::getline(in, line)) out += "  " + line + "\n";
    return out;
  }

  bool Connected(uint64_t a, uint64_t b) const {
    auto ia = group_.find(a), ib = group_.find(b);
    if (ia == group_.end() || ib == group_.end()) return true;
    return ia->second == ib->second;
  }

  // Delivers queued messages addressed to `ids`, in queue order.
  bool DeliverMsgs(const std::vector<uint64_t>& ids) {
    std::vector<raftpb::Message> keep, deliver;
    for (auto& m : queue_) {
      if (std::find(ids.begin(), ids.end(), m.to()) != ids.end()) {
        deliver.push_back(std::move(m));
      } else {
        keep.push_back(std::move(m));
      }
    }
    queue_ = std::move(keep);
    for (const auto& m : deliver) {
      if (!Connected(m.from(), m.to()) || nodes_.count(m.to()) == 0) {
        Out("dropped: " + DescribeMessage(m));
        continue;
      }
      Out(DescribeMessage(m));
      nokv::Status s = nodes_.at(m.to()).raw->Step(m);
      if (!s.ok()) Out("  error: " + s.ToString());
    }
    return !deliver.empty();
  }

  void Stabilize(const std::vector<uint64_t>& ids) {
    for (int round = 0; round < 1000; round++) {
      bool did = false;
      for (uint64_t id : ids) {
        if (nodes_.at(id).raw->HasReady()) {
          ProcessReady(id);
          did = true;
        }
      }
      for (uint64_t id : ids) {
        bool any = std::any_of(queue_.begin(), queue_.end(),
                               [id](const raftpb::Message& m) { return m.to() == id; });
        if (any) {
          DeliverMsgs({id});
          did = true;
        }
      }
      if (!did) return;
    }
    Out("stabilize did not converge");
  }

  void Partition(const Command& c) {
    group_.clear();
    int g = 0;
    for (const auto& a : c.args) {
      if (a == "/") {
        g++;
      } else {
        group_[std::stoull(a)] = g;
      }
    }
  }

  void Compact(Node& n, uint64_t index) {
    raftpb::ConfState cs = n.raw->GetStatus().config;
    if (index > n.applied_index) {
      Out("error: cannot compact beyond applied index " + std::to_string(n.applied_index));
      return;
    }
    nokv::Status s = n.storage->CreateSnapshot(index, &cs, AppliedData(n, index));
    if (!s.ok() && !s.IsSnapOutOfDate()) {
      Report(s);
      return;
    }
    Report(n.storage->Compact(index));
    RaftLog(n);
  }

  void Restart(uint64_t id) {
    // Everything not persisted (the unstable log, queued Ready) is lost.
    Node& n = nodes_.at(id);
    n.config.applied = n.applied_index;
    n.raw.reset();
    Report(RawNode::Create(n.config, &n.raw));
  }

  void Status(Node& n) {
    NodeStatus st = n.raw->GetStatus();
    Out(std::to_string(st.id) + ": " + StateTypeName(st.soft_state.raft_state) +
        " lead=" + std::to_string(st.soft_state.lead) + " " + DescribeHardState(st.hard_state) +
        " applied=" + std::to_string(st.applied) + " " + DescribeConfState(st.config));
    if (st.lead_transferee != kNone) Out("  transferring to " + std::to_string(st.lead_transferee));
    for (const auto& [id, pr] : st.progress) {
      std::string line = "  " + std::to_string(id) + ": " + ProgressStateName(pr.state) +
                         " match=" + std::to_string(pr.match) + " next=" + std::to_string(pr.next);
      if (pr.is_learner) line += " learner";
      if (pr.paused) line += " paused";
      if (pr.pending_snapshot > 0) line += " pendingSnap=" + std::to_string(pr.pending_snapshot);
      if (pr.inflight > 0) line += " inflight=" + std::to_string(pr.inflight);
      Out(line);
    }
  }

  void RaftLog(Node& n) {
    uint64_t first = 0, last = 0;
    Report(n.storage->FirstIndex(&first));
    Report(n.storage->LastIndex(&last));
    if (last < first) {
      Out("log is empty: first index=" + std::to_string(first) + ", last index=" +
          std::to_string(last));
      return;
    }
    std::vector<raftpb::Entry> ents;
    Report(n.storage->Entries(first, last + 1, kNoLimit, &ents));
    for (const auto& e : ents) Out(DescribeEntry(e));
  }

  std::map<uint64_t, Node> nodes_;
  std::vector<raftpb::Message> queue_;
  std::map<uint64_t, int> group_;  // partition groups; absent: connected
  int level_ = 1;
  std::string out_;
};

std::string Render(const std::vector<Command>& cmds, const std::vector<std::string>& outputs) {
  std::string s;
  for (size_t i = 0; i < cmds.size(); i++) {
    for (const auto& c : cmds[i].comments) s += c + "\n";
    s += cmds[i].line + "\n----\n" + outputs[i] + "\n";
  }
  return s;
}

class InteractionTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InteractionTest, Script) {
  const fs::path path = fs::path(NOKV_TESTDATA_DIR) / "raft" / GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream buf;
  buf << in.rdbuf();
  const auto cmds = ParseScript(buf.str());
  InteractionEnv env;
  std::vector<std::string> outputs;
  const bool rewrite = std::getenv("NOKV_REWRITE") != nullptr;
  for (const auto& c : cmds) {
    outputs.push_back(env.Run(c));
    if (!rewrite) {
      EXPECT_EQ(c.expected, outputs.back()) << path.filename() << ": " << c.line;
      if (c.expected != outputs.back()) return;  // later output depends on this
    }
  }
  if (rewrite) {
    std::ofstream out(path);
    out << Render(cmds, outputs);
  }
}

std::vector<std::string> Scripts() {
  std::vector<std::string> names;
  const fs::path dir = fs::path(NOKV_TESTDATA_DIR) / "raft";
  if (!fs::exists(dir)) return names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".txt") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Raft, InteractionTest, ::testing::ValuesIn(Scripts()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param.substr(0, info.param.size() - 4);
                           for (char& c : n) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace nokv::raft
