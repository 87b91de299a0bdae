// EventList and LinearizedSet: see search_support.h.
#include "linearizability/search_support.h"

#include <algorithm>
#include <limits>
#include <tuple>

namespace nokv::linearizability::internal {

uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string FormatTime(int64_t t) {
  if (t == std::numeric_limits<int64_t>::max()) return "never";
  return std::to_string(t);
}

EventList::EventList(const std::vector<int64_t>& calls, const std::vector<int64_t>& returns) {
  const size_t n = calls.size();
  struct Event {
    int64_t time;
    bool is_return;
    uint32_t node;
  };
  std::vector<Event> events;
  events.reserve(2 * n);
  for (uint32_t i = 0; i < n; ++i) {
    events.push_back({calls[i], false, CallNode(i)});
    events.push_back({returns[i], true, ReturnNode(i)});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.time, a.is_return, a.node) < std::tie(b.time, b.is_return, b.node);
  });
  next_.assign(2 * n + 1, kHead);
  prev_.assign(2 * n + 1, kHead);
  uint32_t last = kHead;
  for (const Event& e : events) {
    next_[last] = e.node;
    prev_[e.node] = last;
    last = e.node;
  }
  next_[last] = kHead;
  prev_[kHead] = last;
}

void EventList::Remove(uint32_t node) {
  next_[prev_[node]] = next_[node];
  prev_[next_[node]] = prev_[node];
}

void EventList::Restore(uint32_t node) {
  next_[prev_[node]] = node;
  prev_[next_[node]] = node;
}

void EventList::Lift(uint32_t op) {
  Remove(CallNode(op));
  Remove(ReturnNode(op));
}

void EventList::Unlift(uint32_t op) {
  Restore(ReturnNode(op));
  Restore(CallNode(op));
}

LinearizedSet::LinearizedSet(size_t n) : words_((n + 63) / 64, 0), zobrist_(n) {
  for (size_t i = 0; i < n; ++i) zobrist_[i] = Mix64(0x6c696e6561726900ull + i);
}

void LinearizedSet::Set(uint32_t op) {
  words_[op / 64] |= uint64_t{1} << (op % 64);
  hash_ ^= zobrist_[op];
}

void LinearizedSet::Clear(uint32_t op) {
  words_[op / 64] &= ~(uint64_t{1} << (op % 64));
  hash_ ^= zobrist_[op];
}

}  // namespace nokv::linearizability::internal
