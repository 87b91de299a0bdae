// nokv-raft-bench: an in-process 3-node Raft group with the network simulated
// in memory (every message arrives in the next round, nothing is lost). The
// leader keeps a fixed number of proposals in flight; the program reports
// proposals committed per second and the commit latency (propose to applied
// on the leader) in microseconds, rounds and ticks. Not a test.
//
//   nokv-raft-bench [--seconds S] [--payload BYTES] [--rounds-per-tick R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/coding.h"
#include "raft/memory_storage.h"
#include "raft/raft.h"

namespace nokv::raft {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  double seconds = 2;
  size_t payload = 128;
  int rounds_per_tick = 10;
};

struct BenchNode {
  MemoryStorage storage;
  std::unique_ptr<RawNode> raw;
  raftpb::ConfState conf;
  uint64_t applied = 0;
};

struct Result {
  uint64_t committed = 0;
  double seconds = 0;
  std::vector<double> latency_us;
  std::vector<uint64_t> latency_rounds;
};

class Group {
 public:
  explicit Group(const Options& o) : options_(o) {
    for (uint64_t id = 1; id <= 3; ++id) {
      auto& n = nodes_[id];
      n = std::make_unique<BenchNode>();
      Config c;
      c.id = id;
      c.storage = &n->storage;
      c.election_tick = 10;
      c.heartbeat_tick = 1;
      c.max_inflight_msgs = 256;
      c.max_size_per_msg = 1 << 20;
      c.seed = id;
      if (!RawNode::Create(c, &n->raw).ok() || !n->raw->Bootstrap({1, 2, 3}).ok()) {
        std::fprintf(stderr, "cannot start node %llu\n", static_cast<unsigned long long>(id));
        std::exit(1);
      }
    }
  }

  bool Elect() {
    Round(nullptr);  // persist and apply the bootstrap entries first
    (void)nodes_[1]->raw->Campaign();
    for (int i = 0; i < 1000; ++i) {
      Round(nullptr);
      if (nodes_[1]->raw->GetSoftState().raft_state == StateType::kLeader && i > 10) return true;
    }
    return false;
  }

  Result Run(size_t concurrency) {
    Result r;
    RawNode& leader = *nodes_[1]->raw;
    std::string payload(options_.payload, 'x');
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(options_.seconds));
    while (Clock::now() < end) {
      while (in_flight_.size() < concurrency) {
        const uint64_t id = ++next_id_;
        std::string data;
        PutFixed64(&data, id);
        data.append(payload, 0, payload.size() > 8 ? payload.size() - 8 : 0);
        if (!leader.Propose(std::move(data)).ok()) break;
        in_flight_[id] = {Clock::now(), round_};
      }
      Round(&r);
    }
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    in_flight_.clear();
    return r;
  }

 private:
  struct Pending {
    Clock::time_point at;
    uint64_t round;
  };

  // Delivers last round's messages, then handles every node's Ready.
  void Round(Result* r) {
    std::vector<raftpb::Message> inbox;
    inbox.swap(queue_);
    for (const raftpb::Message& m : inbox) (void)nodes_[m.to()]->raw->Step(m);
    for (auto& [id, n] : nodes_) {
      while (n->raw->HasReady()) HandleReady(id, *n, r);
    }
    if (++round_ % static_cast<uint64_t>(options_.rounds_per_tick) == 0) {
      for (auto& [id, n] : nodes_) n->raw->Tick();
    }
  }

  void HandleReady(uint64_t id, BenchNode& n, Result* r) {
    Ready rd;
    if (!n.raw->GetReady(&rd).ok()) std::exit(2);
    if (!IsEmptySnapshot(rd.snapshot)) (void)n.storage.ApplySnapshot(rd.snapshot);
    (void)n.storage.Append(rd.entries);
    if (!IsEmptyHardState(rd.hard_state)) n.storage.SetHardState(rd.hard_state);
    for (raftpb::Message& m : rd.messages) queue_.push_back(std::move(m));
    for (const raftpb::Entry& e : rd.committed_entries) {
      n.applied = e.index();
      if (e.type() == raftpb::EntryConfChange) {
        raftpb::ConfChange cc;
        if (cc.ParseFromString(e.data())) n.conf = n.raw->ApplyConfChange(cc);
        continue;
      }
      if (id != 1 || r == nullptr || e.data().size() < 8) continue;
      auto it = in_flight_.find(DecodeFixed64(e.data().data()));
      if (it == in_flight_.end()) continue;
      r->latency_us.push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - it->second.at).count());
      r->latency_rounds.push_back(round_ - it->second.round);
      ++r->committed;
      in_flight_.erase(it);
    }
    n.raw->Advance(rd);
    // Keep memory flat: snapshot and compact every node's log now and then.
    if (n.applied >= compacted_[id] + 20000) {
      if (n.storage.CreateSnapshot(n.applied, &n.conf, "").ok()) {
        (void)n.storage.Compact(n.applied - 1000);
      }
      compacted_[id] = n.applied;
    }
  }

  Options options_;
  std::map<uint64_t, std::unique_ptr<BenchNode>> nodes_;
  std::map<uint64_t, uint64_t> compacted_;
  std::vector<raftpb::Message> queue_;
  std::map<uint64_t, Pending> in_flight_;
  uint64_t next_id_ = 0;
  uint64_t round_ = 0;
};

template <typename T>
T Percentile(std::vector<T> v, double p) {
  if (v.empty()) return T{};
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
  return v[k];
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) {
      o.seconds = std::atof(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--payload") == 0) {
      o.payload = static_cast<size_t>(std::atol(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--rounds-per-tick") == 0) {
      o.rounds_per_tick = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "usage: %s [--seconds S] [--payload BYTES] [--rounds-per-tick R]\n",
                   argv[0]);
      return 2;
    }
  }
  std::printf("nokv-raft-bench: 3 voters in one process, in-memory network (a message arrives "
              "in the next round), %zu-byte proposals, %d rounds per tick, %.1f s per row\n",
              o.payload, o.rounds_per_tick, o.seconds);
  std::printf("%-12s %14s %10s %10s %10s %12s %10s\n", "in flight", "commits/s", "p50 us",
              "p99 us", "p99.9 us", "p99 rounds", "p99 ticks");
  for (size_t concurrency : {1, 16, 256}) {
    Group group(o);
    if (!group.Elect()) {
      std::fprintf(stderr, "no leader\n");
      return 1;
    }
    const Result r = group.Run(concurrency);
    const uint64_t p99_rounds = Percentile(r.latency_rounds, 0.99);
    std::printf("%-12zu %14.0f %10.1f %10.1f %10.1f %12llu %10.1f\n", concurrency,
                static_cast<double>(r.committed) / r.seconds, Percentile(r.latency_us, 0.50),
                Percentile(r.latency_us, 0.99), Percentile(r.latency_us, 0.999),
                static_cast<unsigned long long>(p99_rounds),
                static_cast<double>(p99_rounds) / o.rounds_per_tick);
  }
  return 0;
}

}  // namespace
}  // namespace nokv::raft

int main(int argc, char** argv) { return nokv::raft::Main(argc, argv); }
