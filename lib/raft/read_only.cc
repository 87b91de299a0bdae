// ReadOnly: see read_only.h.
#include "raft/read_only.h"

namespace nokv::raft {

void ReadOnly::AddRequest(uint64_t index, const raftpb::Message& m) {
  const std::string& ctx = m.entries(0).data();
  if (pending_.count(ctx) > 0) return;
  ReadIndexStatus st;
  st.req = m;
  st.index = index;
  pending_.emplace(ctx, std::move(st));
  queue_.push_back(ctx);
}

const std::set<uint64_t>* ReadOnly::RecvAck(uint64_t id, const std::string& ctx) {
  auto it = pending_.find(ctx);
  if (it == pending_.end()) return nullptr;
  it->second.acks.insert(id);
  return &it->second.acks;
}

std::vector<ReadIndexStatus> ReadOnly::Advance(const std::string& ctx) {
  std::vector<ReadIndexStatus> out;
  if (pending_.count(ctx) == 0) return out;
  while (!queue_.empty()) {
    std::string head = queue_.front();
    queue_.pop_front();
    auto it = pending_.find(head);
    out.push_back(std::move(it->second));
    pending_.erase(it);
    if (head == ctx) break;
  }
  return out;
}

std::string ReadOnly::LastPendingRequestCtx() const {
  return queue_.empty() ? std::string() : queue_.back();
}

void ReadOnly::Clear() {
  pending_.clear();
  queue_.clear();
}

}  // namespace nokv::raft
