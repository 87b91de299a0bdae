// ReadOnly: the leader's queue of pending ReadIndex requests. In the safe
// mode each request waits until a quorum acknowledged a heartbeat carrying
// its context; requests are answered in order.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "raft/raft.h"

namespace nokv::raft {

struct ReadIndexStatus {
  raftpb::Message req;  // the original MsgReadIndex
  uint64_t index = 0;   // the leader's commit index when it was received
  std::set<uint64_t> acks;
};

class ReadOnly {
 public:
  explicit ReadOnly(ReadOnlyOption option) : option_(option) {}

  ReadOnlyOption option() const { return option_; }
  // Queues a request received when the commit index was `index`. A request
  // whose context is already pending is ignored.
  void AddRequest(uint64_t index, const raftpb::Message& m);
  // Records that `id` acknowledged the heartbeat carrying ctx; returns the
  // set of acknowledgers so far (nullptr if ctx is unknown).
  const std::set<uint64_t>* RecvAck(uint64_t id, const std::string& ctx);
  // Dequeues every request up to and including the one with ctx (each was
  // confirmed by the same quorum, being older).
  std::vector<ReadIndexStatus> Advance(const std::string& ctx);
  // The newest pending request's context, or "" when none is pending.
  std::string LastPendingRequestCtx() const;
  size_t PendingCount() const { return queue_.size(); }
  void Clear();

 private:
  ReadOnlyOption option_;
  std::map<std::string, ReadIndexStatus> pending_;
  std::deque<std::string> queue_;
};

}  // namespace nokv::raft
