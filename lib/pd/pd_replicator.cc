// PdReplicator (see pd_replicator.h).
#include "pd/pd_replicator.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "pd/raft_snapshot.h"
#include "proto/pdstatepb.grpc.pb.h"

namespace nokv::pd {

struct PdReplicator::Waiter {
  std::condition_variable cv;
  bool done = false;
  Status status;
};

// Sends one peer's messages in order, batched, from its own thread, so a
// slow or dead peer never stalls the driver. A full queue drops messages
// (Raft retransmits); a failed send reports the peer unreachable. A snapshot
// (MsgSnap) goes alone, with a longer deadline, and its outcome is reported.
class PdReplicator::PeerSender {
 public:
  using UnreachableFn = std::function<void(uint64_t)>;
  using SnapshotFn = std::function<void(uint64_t, bool delivered)>;
  PeerSender(uint64_t id, const std::string& address, UnreachableFn unreachable,
             SnapshotFn snapshot_sent)
      : id_(id),
        stub_(pdstatepb::PDPeer::NewStub(grpc::CreateCustomChannel(
            address, grpc::InsecureChannelCredentials(), ChannelArgs()))),
        unreachable_(std::move(unreachable)),
        snapshot_sent_(std::move(snapshot_sent)),
        thread_([this] { Loop(); }) {}

  ~PeerSender() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  void Send(std::string message, bool snapshot) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (queue_.size() < kMaxQueued) {
        queue_.push_back({std::move(message), snapshot});
        cv_.notify_one();
        return;
      }
    }
    if (snapshot) snapshot_sent_(id_, false);  // Raft must not wait for it
  }

 private:
  static constexpr size_t kMaxQueued = 4096;
  struct Queued {
    std::string message;
    bool snapshot;
  };

  static grpc::ChannelArguments ChannelArgs() {
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(kMaxPeerMessageBytes);
    return args;
  }

  void Loop() {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      cv_.wait(l, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      pdstatepb::RaftMessages batch;
      const bool snapshot = queue_.front().snapshot;
      if (snapshot) {
        batch.add_messages(std::move(queue_.front().message));
        queue_.pop_front();
      }
      while (!snapshot && !queue_.empty() && !queue_.front().snapshot &&
             batch.messages_size() < 256) {
        batch.add_messages(std::move(queue_.front().message));
        queue_.pop_front();
      }
      l.unlock();
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(snapshot ? 30000 : 500));
      pdstatepb::RaftAck ack;
      const grpc::Status s = stub_->Raft(&ctx, batch, &ack);
      if (!s.ok()) {
        if (snapshot) spdlog::warn("pd raft: snapshot to member {}: {}", id_, s.error_message());
        unreachable_(id_);
      }
      if (snapshot) snapshot_sent_(id_, s.ok());
      l.lock();
    }
  }

  const uint64_t id_;
  std::unique_ptr<pdstatepb::PDPeer::Stub> stub_;
  UnreachableFn unreachable_;
  SnapshotFn snapshot_sent_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;  // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  std::thread thread_;        // last: starts after the fields above exist
};

PdReplicator::PdReplicator(PdReplicaOptions options, PdStateMachine sm, LeaderFn on_leader)
    : options_(std::move(options)), sm_(std::move(sm)), on_leader_(std::move(on_leader)) {}

PdReplicator::~PdReplicator() { Stop(); }

Result<std::unique_ptr<PdReplicator>> PdReplicator::Open(PdReplicaOptions options,
                                                         PdStateMachine sm, LeaderFn on_leader) {
  if (options.id == 0 || options.peers.count(options.id) == 0) {
    return Status::InvalidArgument("pd raft: this member's id is not in the member list");
  }
  if (!sm.apply || !sm.snapshot || !sm.restore) {
    return Status::InvalidArgument("pd raft: the state machine needs apply, snapshot, restore");
  }
  std::unique_ptr<PdReplicator> r(
      new PdReplicator(std::move(options), std::move(sm), std::move(on_leader)));
  Result<std::unique_ptr<RaftLogStore>> log = RaftLogStore::Open(r->options_.workdir, &r->memory_);
  if (!log.ok()) return log.status();
  r->log_ = std::move(log).value();
  const raftpb::Snapshot& snap = r->log_->snapshot();
  if (!raft::IsEmptySnapshot(snap)) {
    Status s = r->sm_.restore(snap.data());
    if (!s.ok()) return s.WithContext("pd raft: restore " + SnapshotFilePath(r->options_.workdir));
    r->applied_ = snap.metadata().index();
    r->conf_state_ = snap.metadata().conf_state();
    spdlog::info("pd raft: restored the snapshot at index {} ({} bytes)", r->applied_,
                 snap.data().size());
  }
  raft::Config config;
  config.id = r->options_.id;
  config.election_tick = r->options_.election_tick;
  config.heartbeat_tick = r->options_.heartbeat_tick;
  config.storage = &r->memory_;
  config.applied = r->applied_;
  config.check_quorum = true;
  config.pre_vote = true;
  // A deposed leader's proposals (e.g. a TSO bound) die with its term.
  config.disable_proposal_forwarding = true;
  config.seed = static_cast<uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count());
  config.logger = [](raft::LogLevel level, std::string_view m) {
    if (level >= raft::LogLevel::kWarn) spdlog::warn("pd raft: {}", m);
  };
  Status s = raft::RawNode::Create(config, &r->node_);
  if (!s.ok()) return s.WithContext("pd raft");
  if (r->log_->empty()) {
    std::vector<uint64_t> voters;
    for (const auto& [id, addr] : r->options_.peers) voters.push_back(id);
    NOKV_RETURN_IF_ERROR(r->node_->Bootstrap(voters));
  }
  return r;
}

void PdReplicator::Start() {
  PdReplicator* self = this;
  for (const auto& [id, address] : options_.peers) {
    if (id == options_.id) continue;
    senders_[id] = std::make_unique<PeerSender>(
        id, address,
        [self](uint64_t peer) {
          std::lock_guard<std::mutex> l(self->mu_);
          self->unreachable_.insert(peer);
        },
        [self](uint64_t peer, bool delivered) {
          std::lock_guard<std::mutex> l(self->mu_);
          self->snapshot_reports_.emplace_back(peer, delivered);
          self->cv_.notify_all();
        });
  }
  driver_ = std::thread([this] { DriveLoop(); });
}

void PdReplicator::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_ && !driver_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (driver_.joinable()) driver_.join();
  senders_.clear();
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [id, w] : waiters_) {
    w->status = Status::Closed("pd raft: stopping");
    w->done = true;
    w->cv.notify_one();
  }
  waiters_.clear();
}

uint64_t PdReplicator::leader_id() const {
  std::lock_guard<std::mutex> l(mu_);
  return leader_;
}

void PdReplicator::TransferLeader(uint64_t to) {
  std::lock_guard<std::mutex> l(mu_);
  transfer_to_ = to;
  cv_.notify_all();
}

void PdReplicator::Receive(const std::string& message) {
  raftpb::Message m;
  if (!m.ParseFromString(message) || m.to() != options_.id) return;
  std::lock_guard<std::mutex> l(mu_);
  inbox_.push_back(std::move(m));
  cv_.notify_all();
}

Status PdReplicator::Propose(const pdstatepb::Command& command) {
  Waiter waiter;
  std::unique_lock<std::mutex> l(mu_);
  if (stopping_) return Status::Closed("pd raft: stopping");
  // Ids carry the member id, so no other member's entry can complete ours.
  const uint64_t id = (options_.id << 48) | next_proposal_++;
  pdstatepb::Proposal p;
  p.set_id(id);
  *p.mutable_command() = command;
  proposals_.emplace_back(id, p.SerializeAsString());
  waiters_[id] = &waiter;
  cv_.notify_all();
  const bool done = waiter.cv.wait_for(l, std::chrono::milliseconds(options_.propose_timeout_ms),
                                       [&] { return waiter.done; });
  if (!done) {
    waiters_.erase(id);
    return Status::Closed("pd raft: the command was not committed in time (no quorum?)");
  }
  return waiter.status;
}

void PdReplicator::Complete(uint64_t proposal_id, const Status& status) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = waiters_.find(proposal_id);
  if (it == waiters_.end()) return;
  it->second->status = status;
  it->second->done = true;
  it->second->cv.notify_one();
  waiters_.erase(it);
}

void PdReplicator::DriveLoop() {
  auto next_tick = std::chrono::steady_clock::now();
  for (;;) {
    std::vector<raftpb::Message> inbox;
    std::vector<std::pair<uint64_t, std::string>> proposals;
    std::set<uint64_t> unreachable;
    std::vector<std::pair<uint64_t, bool>> snapshot_reports;
    uint64_t transfer_to = 0;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_until(l, next_tick, [this] {
        return stopping_ || !inbox_.empty() || !proposals_.empty() ||
               !snapshot_reports_.empty() || transfer_to_ != 0;
      });
      if (stopping_) return;
      inbox.swap(inbox_);
      proposals.swap(proposals_);
      unreachable.swap(unreachable_);
      snapshot_reports.swap(snapshot_reports_);
      std::swap(transfer_to, transfer_to_);
    }
    for (const raftpb::Message& m : inbox) (void)node_->Step(m);
    for (uint64_t peer : unreachable) node_->ReportUnreachable(peer);
    for (auto [peer, delivered] : snapshot_reports) {
      node_->ReportSnapshot(peer, delivered ? raft::SnapshotStatus::kFinish
                                            : raft::SnapshotStatus::kFailure);
    }
    if (transfer_to != 0) node_->TransferLeader(transfer_to);
    for (auto& [id, data] : proposals) {
      Status s = node_->Propose(std::move(data));
      if (!s.ok()) Complete(id, Status::Closed("pd raft: proposal dropped: " + s.ToString()));
    }
    if (std::chrono::steady_clock::now() >= next_tick) {
      node_->Tick();
      next_tick += std::chrono::milliseconds(options_.tick_ms);
    }
    Status s = HandleReady();
    if (!s.ok()) {
      // The log could not be persisted: continuing could break Raft's
      // guarantees, so this member stops taking part.
      spdlog::critical("pd raft: {}; this member stops", s.ToString());
      on_leader_(0, false);
      std::lock_guard<std::mutex> l(mu_);
      stopping_ = true;
      return;
    }
  }
}

Status PdReplicator::HandleReady() {
  while (node_->HasReady()) {
    raft::Ready rd;
    NOKV_RETURN_IF_ERROR(node_->GetReady(&rd));
    if (rd.soft_state) {
      const bool leader = rd.soft_state->raft_state == raft::StateType::kLeader;
      if (leader && !is_leader_) leader_term_ = node_->GetStatus().hard_state.term();
      is_leader_ = leader;
      if (!leader) ready_leader_ = false;
      {
        std::lock_guard<std::mutex> l(mu_);
        leader_ = rd.soft_state->lead;
      }
      on_leader_(rd.soft_state->lead, ready_leader_);
    }
    const bool has_snapshot = !raft::IsEmptySnapshot(rd.snapshot);
    if (has_snapshot) NOKV_RETURN_IF_ERROR(log_->InstallSnapshot(rd.snapshot));
    NOKV_RETURN_IF_ERROR(log_->Save(rd.hard_state, rd.entries));
    for (const raftpb::Message& m : rd.messages) {
      auto it = senders_.find(m.to());
      if (it != senders_.end()) it->second->Send(m.SerializeAsString(), m.type() == raftpb::MsgSnap);
    }
    if (has_snapshot) NOKV_RETURN_IF_ERROR(ApplySnapshot(rd.snapshot));
    for (const raftpb::Entry& e : rd.committed_entries) {
      applied_ = e.index();
      if (e.type() == raftpb::EntryConfChange) {
        raftpb::ConfChange cc;
        if (cc.ParseFromString(e.data())) conf_state_ = node_->ApplyConfChange(cc);
      } else if (!e.data().empty()) {
        pdstatepb::Proposal p;
        if (p.ParseFromString(e.data())) {
          Complete(p.id(), sm_.apply(p.command()));
        } else {
          spdlog::error("pd raft: entry {} does not parse; skipped", e.index());
        }
      }
      if (is_leader_ && !ready_leader_ && e.term() == leader_term_) {
        ready_leader_ = true;  // every entry of earlier terms is applied
        on_leader_(options_.id, true);
      }
    }
    node_->Advance(rd);
    NOKV_RETURN_IF_ERROR(MaybeCompact());
  }
  return Status::OK();
}

Status PdReplicator::ApplySnapshot(const raftpb::Snapshot& snapshot) {
  Status s = sm_.restore(snapshot.data());
  if (!s.ok()) return s.WithContext("pd raft: install the leader's snapshot");
  applied_ = snapshot.metadata().index();
  conf_state_ = snapshot.metadata().conf_state();
  ++snapshots_installed_;
  spdlog::info("pd raft: member {} installed the leader's snapshot at index {} ({} bytes)",
               options_.id, applied_, snapshot.data().size());
  return Status::OK();
}

Status PdReplicator::MaybeCompact() {
  if (options_.compact_entries == 0 ||
      applied_ < log_->snapshot_index() + options_.compact_entries) {
    return Status::OK();
  }
  raftpb::Snapshot snap;
  NOKV_RETURN_IF_ERROR(memory_.CreateSnapshot(applied_, &conf_state_, sm_.snapshot(), &snap));
  const uint64_t compact = applied_ > options_.keep_entries ? applied_ - options_.keep_entries : 0;
  NOKV_RETURN_IF_ERROR(log_->SaveSnapshotAndCompact(snap, compact));
  ++snapshots_taken_;
  spdlog::info("pd raft: member {} took a snapshot at index {} ({} bytes); log now starts at {}",
               options_.id, applied_, snap.data().size(), log_->first_index());
  return Status::OK();
}

}  // namespace nokv::pd
