// KvWorkload: see kv_workload.h.
#include "raft/sim/kv_workload.h"

#include <cstdio>
#include <utility>

namespace nokv::raft::sim {

using linearizability::KvOperation;
using linearizability::KvOpKind;

KvWorkload::KvWorkload(SimCluster* cluster, const KvWorkloadOptions& options, uint64_t seed)
    : cluster_(cluster), options_(options), rng_(seed), state_(std::make_shared<State>()) {
  state_->clients.resize(static_cast<size_t>(options_.clients));
}

void KvWorkload::Tick() {
  for (int c = 0; c < options_.clients; ++c) {
    Client& client = state_->clients[static_cast<size_t>(c)];
    if (client.busy && cluster_->tick() >= client.deadline) {
      client.busy = false;  // the history keeps it as unknown
      ++state_->stats.timed_out;
    }
    if (!client.busy && Chance(&rng_, options_.request_chance)) Issue(c);
  }
}

void KvWorkload::Issue(int c) {
  const std::vector<uint64_t> live = cluster_->LiveNodes();
  if (live.empty()) return;
  const uint64_t node = live[rng_.Uniform(live.size())];
  KvOperation op;
  op.client_id = c;
  op.input.key = "k" + std::to_string(rng_.Uniform(static_cast<uint64_t>(options_.keys)));
  op.output.unknown = true;
  const uint64_t r = rng_.Uniform(10);
  if (r < 4) {
    op.input.kind = KvOpKind::kGet;
  } else if (r < 7) {
    op.input.kind = KvOpKind::kPut;
    op.input.value = "c" + std::to_string(c) + "." + std::to_string(++seq_);
  } else {
    op.input.kind = KvOpKind::kCas;
    op.input.value = "c" + std::to_string(c) + "." + std::to_string(++seq_);
    const std::vector<std::string>& seen = written_[op.input.key];
    if (seen.empty() || rng_.OneIn(8)) {
      op.input.expected = "nothing";
    } else {
      // Mostly the latest value (likely to swap), sometimes an older one.
      op.input.expected = rng_.OneIn(3) ? seen[rng_.Uniform(seen.size())] : seen.back();
    }
  }
  if (op.input.kind != KvOpKind::kGet) written_[op.input.key].push_back(op.input.value);

  std::shared_ptr<State> state = state_;
  const uint64_t index = state->history.size();
  const bool trace = options_.trace;
  SimCluster* cl = cluster_;
  auto finish = [state, c, index, trace, cl]() -> KvOperation* {
    Client& client = state->clients[static_cast<size_t>(c)];
    if (!client.busy || client.request != index) return nullptr;  // gave up already
    client.busy = false;
    ++state->stats.completed;
    if (trace) {
      std::printf("[tick %lld] client %d: answered (call %lld)\n",
                  static_cast<long long>(cl->tick()), c,
                  static_cast<long long>(state->history[index].call));
    }
    return &state->history[index];
  };
  op.call = cluster_->Now();
  if (options_.trace) {
    std::printf("[tick %lld] client %d -> node %llu: call %lld %s\n",
                static_cast<long long>(cluster_->tick()), c, static_cast<unsigned long long>(node),
                static_cast<long long>(op.call),
                linearizability::KvModel().DescribeOperation(op.input, op.output).c_str());
  }
  state->history.push_back(op);
  Client& client = state->clients[static_cast<size_t>(c)];
  client.busy = true;
  client.request = index;
  client.deadline = cluster_->tick() + options_.timeout_ticks;
  ++state->stats.invoked;

  nokv::Status s;
  SimCluster* cluster = cluster_;
  if (op.input.kind == KvOpKind::kGet) {
    s = cluster_->SubmitRead(node, op.input.key, options_.read_path,
                             [finish, cluster](bool found, const std::string& value) {
                               if (KvOperation* done = finish()) {
                                 done->ret = cluster->Now();
                                 done->output = {false, true, found, value};
                               }
                             });
  } else {
    KvCommand cmd;
    cmd.request_id = cluster_->NextRequestId();
    cmd.kind = op.input.kind == KvOpKind::kPut ? KvCommandKind::kPut : KvCommandKind::kCas;
    cmd.key = op.input.key;
    cmd.value = op.input.value;
    cmd.expected = op.input.expected;
    s = cluster_->SubmitWrite(node, cmd, [finish, cluster](bool ok) {
      if (KvOperation* done = finish()) {
        done->ret = cluster->Now();
        done->output = {false, ok, false, ""};
      }
    });
  }
  if (!s.ok()) {
    // Refused: it never takes effect, so it constrains nothing.
    client.busy = false;
    state->history.pop_back();
    ++state->stats.refused;
    --state->stats.invoked;
  }
}

std::vector<KvOperation> KvWorkload::Finish() {
  for (Client& c : state_->clients) c.busy = false;
  return state_->history;
}

}  // namespace nokv::raft::sim
