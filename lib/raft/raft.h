// The Raft library's whole contract: configuration, the Storage interface the
// library reads its log from, and RawNode, the single-threaded driver.
//
// The library is a pure, deterministic state machine in the style of etcd's
// raft: no threads, no I/O, no clock, no global state. The caller
//   1. feeds it time (Tick), messages from peers (Step) and requests
//      (Propose, ProposeConfChange, ReadIndex, TransferLeader, Campaign);
//   2. when HasReady(), takes a Ready and, in this order:
//        a. persists ready.hard_state, ready.entries and ready.snapshot
//           (fsync when ready.must_sync),
//        b. sends ready.messages,
//        c. applies ready.snapshot, then ready.committed_entries, to the
//           state machine (calling ApplyConfChange for conf-change entries),
//        d. hands ready.read_states to the waiting readers;
//   3. calls Advance(ready).
// A RawNode is not thread-safe; one thread drives it. Randomness (election
// timeouts) comes only from Config::seed, so a run replays exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "raft/raftpb.pb.h"

namespace nokv::raft {

// Node id 0 means "nobody" (no leader, no vote).
inline constexpr uint64_t kNone = 0;
// Use as a size limit to mean "unlimited".
inline constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

// ---------------------------------------------------------------------------
// Storage: where the library reads the stable log from.
//
// The application writes to its storage (entries, hard state, snapshots) as
// Ready instructs; the library only reads. Errors are Status codes:
//   Compacted      the index is below the first available index;
//   Unavailable    the index is above the last index;
//   SnapshotTemporarilyUnavailable  Snapshot() is being built, ask again later;
//   anything else  a real storage failure; the library returns it to the
//                  caller (never crashes on it, never half-applies a step).
// ---------------------------------------------------------------------------
class Storage {
 public:
  virtual ~Storage() = default;

  // The persisted HardState and the ConfState of the latest snapshot (or of
  // the bootstrap configuration).
  virtual nokv::Status InitialState(raftpb::HardState* hard_state,
                                    raftpb::ConfState* conf_state) const = 0;
  // Entries in [lo, hi). At least one entry is returned when lo < hi even if
  // it exceeds max_size; after that, entries are added while the total byte
  // size (ByteSizeLong) stays <= max_size.
  virtual nokv::Status Entries(uint64_t lo, uint64_t hi, uint64_t max_size,
                               std::vector<raftpb::Entry>* out) const = 0;
  // The term of entry i, for i in [FirstIndex()-1, LastIndex()] (the entry
  // before FirstIndex is the snapshot's index, whose term is retained).
  virtual nokv::Status Term(uint64_t i, uint64_t* term) const = 0;
  // The index of the first entry still available (snapshot index + 1).
  virtual nokv::Status FirstIndex(uint64_t* index) const = 0;
  // The index of the last entry in storage.
  virtual nokv::Status LastIndex(uint64_t* index) const = 0;
  // The most recent snapshot, with application data. Its ConfState may
  // predate a peer's addition: such a peer (not yet in its own configuration)
  // restores it anyway and learns of its membership from the log entries
  // that follow, so no fresh snapshot is needed after a conf change.
  virtual nokv::Status Snapshot(raftpb::Snapshot* snapshot) const = 0;
};

// ---------------------------------------------------------------------------
// Configuration.
// ---------------------------------------------------------------------------
enum class ReadOnlyOption {
  // ReadIndex confirms leadership with a heartbeat round to a quorum.
  kSafe,
  // ReadIndex trusts the leader lease (no message round) while a quorum
  // acknowledged a heartbeat the leader sent within the last
  // election_tick - 2 ticks: check_quorum followers refuse votes for
  // election_tick ticks after hearing from the leader, so no other leader
  // can exist yet (proof at Raft::LeaseValid). Without such a lease (a new
  // leader, a lost quorum, a leadership transfer) the read takes the kSafe
  // heartbeat round instead. Requires check_quorum, and all nodes ticking at
  // the same rate (bounded clock drift).
  kLeaseBased,
};

enum class LogLevel { kDebug, kInfo, kWarn, kError };
using Logger = std::function<void(LogLevel level, std::string_view message)>;

struct Config {
  // This node's id; not kNone.
  uint64_t id = kNone;
  // A follower that hears nothing from a leader for a randomized timeout in
  // [election_tick, 2*election_tick) ticks campaigns. Must exceed
  // heartbeat_tick.
  int election_tick = 10;
  // A leader sends heartbeats every heartbeat_tick ticks.
  int heartbeat_tick = 1;
  // Where the log is read from; not owned; must outlive the node.
  Storage* storage = nullptr;
  // The last applied index, when restarting. Entries up to it are never
  // returned in committed_entries again.
  uint64_t applied = 0;
  // Upper bound on the byte size of the entries in one MsgApp (at least one
  // entry is always sent). kNoLimit: unlimited; 0: one entry per message.
  uint64_t max_size_per_msg = 1 << 20;
  // Upper bound on the byte size of ready.committed_entries (at least one).
  // 0 means "same as max_size_per_msg".
  uint64_t max_committed_size_per_ready = 0;
  // A leader refuses proposals (ProposalDropped) once the payload bytes of
  // its uncommitted entries would exceed this. 0 means no limit.
  uint64_t max_uncommitted_entries_size = 0;
  // At most this many MsgApp may be in flight to one follower while
  // replicating optimistically. Must be > 0.
  size_t max_inflight_msgs = 256;
  // A leader that has not heard from a quorum within an election timeout
  // steps down; a follower that heard from a leader within the minimum
  // election timeout ignores vote requests.
  bool check_quorum = false;
  // Run a pre-election (no term increase) before a real election, so a
  // partitioned node rejoining does not disrupt the cluster.
  bool pre_vote = false;
  ReadOnlyOption read_only_option = ReadOnlyOption::kSafe;
  // Followers refuse proposals (ProposalDropped) instead of forwarding them
  // to the leader.
  bool disable_proposal_forwarding = false;
  // Seed of the election-timeout randomization. It is mixed with id, so
  // nodes given the same seed still draw different timeouts.
  uint64_t seed = 0;
  // Optional log sink; the library never logs elsewhere.
  Logger logger;

  // OK, or InvalidArgument naming the first bad field.
  nokv::Status Validate() const;
};

// ---------------------------------------------------------------------------
// Ready: what the application must persist, send and apply.
// ---------------------------------------------------------------------------
enum class StateType { kFollower, kCandidate, kLeader, kPreCandidate };
const char* StateTypeName(StateType state);

// Volatile state; not persisted.
struct SoftState {
  uint64_t lead = kNone;
  StateType raft_state = StateType::kFollower;
  bool operator==(const SoftState&) const = default;
};

// The answer to a ReadIndex(request_ctx) call: once the state machine has
// applied `index`, a read issued at ReadIndex time is linearizable.
struct ReadState {
  uint64_t index = 0;
  std::string request_ctx;
};

struct Ready {
  // Set when the leader or role changed since the previous Ready.
  std::optional<SoftState> soft_state;
  // Persist when not empty (IsEmptyHardState tells).
  raftpb::HardState hard_state;
  std::vector<ReadState> read_states;
  // Append to stable storage before sending messages.
  std::vector<raftpb::Entry> entries;
  // Persist and apply when not empty (IsEmptySnapshot tells).
  raftpb::Snapshot snapshot;
  // Committed entries to apply, in order.
  std::vector<raftpb::Entry> committed_entries;
  // Send after entries and hard state are persisted.
  std::vector<raftpb::Message> messages;
  // Hard state and entries must be synced to disk before messages go out.
  bool must_sync = false;
};

bool IsEmptyHardState(const raftpb::HardState& hs);
bool IsEmptySnapshot(const raftpb::Snapshot& snap);
// True for message types that are only ever stepped locally (MsgHup, MsgBeat,
// MsgUnreachable, MsgSnapStatus, MsgCheckQuorum).
bool IsLocalMessage(raftpb::MessageType type);
// True for response messages (MsgAppResp, MsgVoteResp, ...).
bool IsResponseMessage(raftpb::MessageType type);

// ---------------------------------------------------------------------------
// Status of a node, for observability and tests.
// ---------------------------------------------------------------------------
enum class ProgressState { kProbe, kReplicate, kSnapshot };
const char* ProgressStateName(ProgressState state);

struct ProgressStatus {
  uint64_t match = 0;
  uint64_t next = 0;
  ProgressState state = ProgressState::kProbe;
  uint64_t pending_snapshot = 0;
  bool recent_active = false;
  bool paused = false;
  bool is_learner = false;
  size_t inflight = 0;
};

struct NodeStatus {
  uint64_t id = kNone;
  raftpb::HardState hard_state;
  SoftState soft_state;
  uint64_t applied = 0;
  uint64_t lead_transferee = kNone;
  raftpb::ConfState config;
  // Only filled on the leader.
  std::map<uint64_t, ProgressStatus> progress;
};

enum class SnapshotStatus { kFinish, kFailure };

class Raft;  // the state machine behind RawNode (raft_impl.h)

// ---------------------------------------------------------------------------
// RawNode: drives one Raft replica.
//
// Errors: calls that can fail return a Status. ProposalDropped means the
// request was not appended and never will be (no leader known, leader
// transfer in flight, uncommitted-size limit, a conf change already pending,
// forwarding disabled, or this node was removed); the caller may retry. A
// proposal forwarded to the leader may still be lost on the way; the caller
// learns of the outcome only by seeing it committed, so it needs a timeout.
// A storage failure is returned as the Status of the call that hit it.
// ---------------------------------------------------------------------------
class RawNode {
 public:
  // Builds a node from config.storage (hard state, conf state, log). The
  // initial membership is the storage's ConfState: on a fresh cluster,
  // bootstrap it with RawNode::Bootstrap (membership in the log),
  // MemoryStorage::Bootstrap (membership in the storage only: nodes added
  // later must then receive a snapshot) or an initial snapshot.
  static nokv::Status Create(const Config& config, std::unique_ptr<RawNode>* node);
  // Bootstraps a fresh node (empty storage, no bootstrap ConfState) with an
  // initial set of voters, written into the log as committed conf-change
  // entries at term 1 so that nodes added later learn the membership by
  // replaying the log. The entries arrive in the next Ready (to persist and
  // apply, as usual). InvalidArgument if the log is not empty.
  nokv::Status Bootstrap(const std::vector<uint64_t>& voters);
  ~RawNode();
  RawNode(const RawNode&) = delete;
  RawNode& operator=(const RawNode&) = delete;

  // Advances the logical clock by one tick (elections, heartbeats, check
  // quorum, leader-transfer timeout).
  void Tick();
  // Starts an election now (pre-vote first when enabled).
  nokv::Status Campaign();
  // Proposes data to be appended to the log.
  nokv::Status Propose(std::string data);
  // Proposes a membership change; apply it with ApplyConfChange once its
  // entry is committed. Only one change may be pending at a time.
  nokv::Status ProposeConfChange(const raftpb::ConfChange& cc);
  // Steps a message received from a peer. Local message types are refused
  // (InvalidArgument); so are responses from peers outside the config.
  nokv::Status Step(const raftpb::Message& m);
  // Applies a committed conf change to the node's membership and returns the
  // new ConfState (which the application stores with its next snapshot).
  raftpb::ConfState ApplyConfChange(const raftpb::ConfChange& cc);

  // Whether there is anything to persist, send or apply.
  bool HasReady() const;
  // Collects the pending work. On a storage error nothing is consumed and
  // the error is returned; calling again later is safe.
  nokv::Status GetReady(Ready* ready);
  // Tells the node the Ready was handled (persisted, sent, applied).
  void Advance(const Ready& ready);

  // Asks the leader to hand leadership to `transferee`.
  void TransferLeader(uint64_t transferee);
  // Requests a linearizable read point; the answer arrives as a ReadState
  // carrying `ctx` in a later Ready. Returns ProposalDropped when no leader
  // is known.
  nokv::Status ReadIndex(std::string ctx);
  // Tells the leader that the last message to `id` was not delivered.
  void ReportUnreachable(uint64_t id);
  // Tells the leader whether sending a snapshot to `id` finished or failed.
  void ReportSnapshot(uint64_t id, SnapshotStatus status);

  NodeStatus GetStatus() const;
  // Cheaper than GetStatus: soft state only.
  SoftState GetSoftState() const;
  uint64_t id() const;

 private:
  explicit RawNode(std::unique_ptr<Raft> raft);
  bool HardStateChanged(const raftpb::HardState& hs) const;

  std::unique_ptr<Raft> raft_;
  SoftState prev_soft_state_;
  raftpb::HardState prev_hard_state_;
};

// ---------------------------------------------------------------------------
// Formatting helpers for logs and the interaction tests.
// ---------------------------------------------------------------------------
std::string DescribeMessageType(raftpb::MessageType type);
std::string DescribeEntry(const raftpb::Entry& e);
std::string DescribeEntries(const std::vector<raftpb::Entry>& entries);
std::string DescribeMessage(const raftpb::Message& m);
std::string DescribeHardState(const raftpb::HardState& hs);
std::string DescribeConfState(const raftpb::ConfState& cs);
std::string DescribeSnapshot(const raftpb::Snapshot& snap);
std::string DescribeReady(const Ready& rd);

}  // namespace nokv::raft
