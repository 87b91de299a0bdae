// Raft: the consensus state machine behind RawNode (internal). Its methods
// follow the paper and etcd/raft: Step dispatches on the message term first
// (§5.1: newer terms turn us into a follower, stale ones are dropped), then on
// the role (StepLeader / StepCandidate / StepFollower). Everything the node
// wants to send is queued in msgs_ and handed out through Ready.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/random.h"
#include "raft/log.h"
#include "raft/progress.h"
#include "raft/raft.h"
#include "raft/read_only.h"

namespace nokv::raft {

enum class CampaignType { kPreElection, kElection, kTransfer };

// The context of the MsgVote a leadership transferee sends: voters grant it
// even if they heard from the old leader within the election timeout.
inline constexpr std::string_view kCampaignTransfer = "CampaignTransfer";

class Raft {
 public:
  // Validates the config and loads the storage's state.
  static nokv::Status Create(const Config& config, std::unique_ptr<Raft>* out);

  nokv::Status Step(raftpb::Message m);
  void Tick();

  uint64_t id() const { return id_; }
  uint64_t term() const { return term_; }
  uint64_t vote() const { return vote_; }
  uint64_t lead() const { return lead_; }
  StateType state() const { return state_; }
  uint64_t lead_transferee() const { return lead_transferee_; }
  bool is_learner() const { return is_learner_; }
  uint64_t pending_conf_index() const { return pending_conf_index_; }
  uint64_t uncommitted_size() const { return uncommitted_size_; }
  int randomized_election_timeout() const { return randomized_election_timeout_; }
  int election_elapsed() const { return election_elapsed_; }
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  ProgressTracker& tracker() { return trk_; }
  const ProgressTracker& tracker() const { return trk_; }
  const ReadOnly& read_only() const { return read_only_; }

  SoftState GetSoftState() const { return SoftState{lead_, state_}; }
  raftpb::HardState GetHardState() const;

  // Messages and read states queued for the next Ready.
  std::vector<raftpb::Message>& msgs() { return msgs_; }
  std::vector<ReadState>& read_states() { return read_states_; }

  // Applies a committed membership change; returns the new configuration.
  raftpb::ConfState ApplyConfChange(const raftpb::ConfChange& cc);
  // Ready was handled: entries persisted up to (index, term), snapshot
  // persisted, and entries applied up to `applied`.
  void Advance(const Ready& rd);
  // Committed entries handed out: they no longer count as uncommitted.
  void ReduceUncommittedSize(const std::vector<raftpb::Entry>& ents);

  // A storage failure latched where it could not be returned directly.
  nokv::Status TakeStorageError();

  // Test hooks (paper tests drive these directly, as etcd's do).
  void BecomeFollower(uint64_t term, uint64_t lead);
  void BecomeCandidate();
  void BecomePreCandidate();
  void BecomeLeader();
  void SetRandomizedElectionTimeout(int t) { randomized_election_timeout_ = t; }
  bool Promotable();
  bool PastElectionTimeout() const { return election_elapsed_ >= randomized_election_timeout_; }
  void LoadState(const raftpb::HardState& hs);

 private:
  explicit Raft(const Config& c);

  // ---- raft.cc: term handling, roles, ticks ----
  void Reset(uint64_t term);
  void ResetRandomizedElectionTimeout();
  void TickElection();
  void TickHeartbeat();
  void Send(raftpb::Message m);
  void Log(LogLevel level, const std::string& msg) const;
  nokv::Status StepByRole(raftpb::Message& m);
  nokv::Status StepFollower(raftpb::Message& m);
  bool IncreaseUncommittedSize(const std::vector<raftpb::Entry>& ents);

  // ---- raft_election.cc ----
  nokv::Status Hup(CampaignType t);
  void Campaign(CampaignType t);
  VoteResult Poll(uint64_t id, raftpb::MessageType t, bool granted);
  void HandleVoteRequest(const raftpb::Message& m);
  nokv::Status StepCandidate(raftpb::Message& m);

  // ---- raft_replication.cc ----
  nokv::Status StepLeader(raftpb::Message& m);
  nokv::Status StepLeaderPeerResponse(raftpb::Message& m, Progress& pr);
  bool AppendEntry(std::vector<raftpb::Entry> es);
  bool MaybeCommit();
  void SendAppend(uint64_t to) { MaybeSendAppend(to, true); }
  bool MaybeSendAppend(uint64_t to, bool send_if_empty);
  void SendHeartbeat(uint64_t to, const std::string& ctx);
  void BcastAppend();
  void BcastHeartbeat();
  void BcastHeartbeatWithCtx(const std::string& ctx);
  nokv::Status HandleAppendEntries(const raftpb::Message& m);
  nokv::Status HandleHeartbeat(const raftpb::Message& m);
  void HandleSnapshot(const raftpb::Message& m);
  bool Restore(const raftpb::Snapshot& s);

  // ---- raft_read.cc: ReadIndex, leader transfer, membership ----
  bool CommittedEntryInCurrentTerm();
  raftpb::Message ResponseToReadIndexReq(const raftpb::Message& req, uint64_t read_index);
  void SendMsgReadIndexResponse(const raftpb::Message& m);
  void ReleasePendingReadIndexMessages();
  bool LeaseValid() const;
  void HandleReadIndexAck(const raftpb::Message& m);
  void HandleTransferLeader(const raftpb::Message& m, Progress& pr);
  void SendTimeoutNow(uint64_t to);
  void AbortLeaderTransfer() { lead_transferee_ = kNone; }
  raftpb::ConfState SwitchToConfig();

  uint64_t id_;
  uint64_t term_ = 0;
  uint64_t vote_ = kNone;
  std::vector<ReadState> read_states_;
  RaftLog log_;
  uint64_t max_msg_size_;
  uint64_t max_uncommitted_size_;
  ProgressTracker trk_;
  StateType state_ = StateType::kFollower;
  bool is_learner_ = false;
  std::vector<raftpb::Message> msgs_;
  uint64_t lead_ = kNone;
  // The id of the peer leadership is being handed to, or kNone.
  uint64_t lead_transferee_ = kNone;
  // Only one conf change may be pending (in the log and not yet applied):
  // the leader refuses new ones while pending_conf_index_ > applied.
  uint64_t pending_conf_index_ = 0;
  // Payload bytes of the leader's uncommitted entries.
  uint64_t uncommitted_size_ = 0;
  ReadOnly read_only_;
  // Ticks since the last election timeout reset (followers, candidates) or
  // since the last check-quorum round (leader).
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  // Tick() calls so far, starting at 1 (0 means "never" in
  // Progress::acked_send_tick). Lease reads measure time with it.
  uint64_t ticks_ = 1;
  // A MsgTimeoutNow went out in this term: its receiver campaigns ignoring
  // the followers' lease, so ours is void until the term ends.
  bool sent_timeout_now_ = false;
  bool check_quorum_;
  bool pre_vote_;
  int heartbeat_timeout_;
  int election_timeout_;
  // In [election_timeout_, 2 * election_timeout_), redrawn on every reset.
  int randomized_election_timeout_ = 0;
  bool disable_proposal_forwarding_;
  nokv::Random rng_;
  Logger logger_;
  // ReadIndex requests received before the leader committed an entry of its
  // own term; answered once it has.
  std::vector<raftpb::Message> pending_read_index_messages_;
  nokv::Status storage_error_;
};

}  // namespace nokv::raft
