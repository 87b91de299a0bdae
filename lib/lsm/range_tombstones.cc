// RangeTombstoneSet implementation.
#include "lsm/range_tombstones.h"

#include <algorithm>

namespace nokv {

namespace {
bool Less(const RangeTombstone& a, const RangeTombstone& b) {
  if (a.cf != b.cf) return a.cf < b.cf;
  return a.begin < b.begin;
}
}  // namespace

RangeTombstoneSet::RangeTombstoneSet(std::vector<RangeTombstone> tombstones)
    : tombstones_(std::move(tombstones)) {
  std::sort(tombstones_.begin(), tombstones_.end(), Less);
}

void RangeTombstoneSet::BuildIndex(ColumnFamily cf, Index* out) const {
  Index& index = *out;
  std::vector<const RangeTombstone*> mine;
  for (const auto& t : tombstones_) {
    if (t.cf != cf || !(t.begin < t.end)) continue;  // an empty range covers nothing
    mine.push_back(&t);
    index.bounds.push_back(t.begin);
    index.bounds.push_back(t.end);
  }
  if (mine.empty()) return;
  std::sort(index.bounds.begin(), index.bounds.end());
  index.bounds.erase(std::unique(index.bounds.begin(), index.bounds.end()), index.bounds.end());
  const size_t fragments = index.bounds.size() - 1;  // >= 1: begin < end
  size_t leaves = 1;
  while (leaves < fragments) leaves <<= 1;
  // Bottom-up segment tree: leaf i is node leaves + i; a tombstone over
  // fragments [lo, hi) lands in the O(log n) nodes that tile that span.
  // Visiting tombstones newest first leaves every node's list sorted newest
  // first; two passes (count, then fill) lay the lists out in one array.
  std::sort(mine.begin(), mine.end(), [](const RangeTombstone* a, const RangeTombstone* b) {
    return a->sequence > b->sequence;
  });
  auto fragment = [&](const std::string& k) {
    return static_cast<size_t>(std::lower_bound(index.bounds.begin(), index.bounds.end(), k) -
                               index.bounds.begin());
  };
  std::vector<std::pair<size_t, size_t>> spans;  // [lo, hi) leaves of each tombstone
  spans.reserve(mine.size());
  for (const RangeTombstone* t : mine) {
    spans.emplace_back(fragment(t->begin) + leaves, fragment(t->end) + leaves);
  }
  auto for_each_node = [](std::pair<size_t, size_t> span, auto&& fn) {
    for (size_t l = span.first, r = span.second; l < r; l >>= 1, r >>= 1) {
      if (l & 1) fn(l++);
      if (r & 1) fn(--r);
    }
  };
  index.node_begin.assign(2 * leaves + 1, 0);
  for (const auto& span : spans) {
    for_each_node(span, [&](size_t node) { ++index.node_begin[node + 1]; });
  }
  for (size_t n = 1; n < index.node_begin.size(); ++n) {
    index.node_begin[n] += index.node_begin[n - 1];
  }
  index.covers.resize(index.node_begin.back());
  std::vector<uint32_t> fill(index.node_begin.begin(), index.node_begin.end() - 1);
  for (size_t i = 0; i < mine.size(); ++i) {
    const Cover c{mine[i]->sequence, mine[i]->version};
    for_each_node(spans[i], [&](size_t node) { index.covers[fill[node]++] = c; });
  }
}

std::shared_ptr<const RangeTombstoneSet> RangeTombstoneSet::With(
    const std::vector<RangeTombstone>& more) const {
  std::vector<RangeTombstone> all = tombstones_;
  all.insert(all.end(), more.begin(), more.end());
  return std::make_shared<const RangeTombstoneSet>(std::move(all));
}

std::shared_ptr<const RangeTombstoneSet> RangeTombstoneSet::Without(
    const std::vector<RangeTombstone>& gone) const {
  std::vector<RangeTombstone> kept;
  kept.reserve(tombstones_.size());
  for (const auto& t : tombstones_) {
    const bool drop = std::any_of(gone.begin(), gone.end(), [&t](const RangeTombstone& g) {
      return g.sequence == t.sequence && g.cf == t.cf && g.begin == t.begin;
    });
    if (!drop) kept.push_back(t);
  }
  return std::make_shared<const RangeTombstoneSet>(std::move(kept));
}

std::shared_ptr<const RangeTombstoneSet> RangeTombstoneSet::UpToSequence(
    uint64_t max_sequence) const {
  std::vector<RangeTombstone> kept;
  for (const auto& t : tombstones_) {
    if (t.sequence <= max_sequence) kept.push_back(t);
  }
  return std::make_shared<const RangeTombstoneSet>(std::move(kept));
}

bool RangeTombstoneSet::Covers(ColumnFamily cf, std::string_view key, uint64_t version,
                               uint64_t sequence, uint64_t snapshot) const {
  if (tombstones_.empty()) return false;
  std::call_once(indexed_, [this] {
    for (const auto& t : tombstones_) {
      const auto c = static_cast<uint8_t>(t.cf);
      if (index_.count(c) == 0) BuildIndex(t.cf, &index_[c]);
    }
  });
  auto found = index_.find(static_cast<uint8_t>(cf));
  if (found == index_.end()) return false;
  const Index& index = found->second;
  if (index.bounds.empty()) return false;
  // The fragment holding key: the last bound <= key.
  auto after = std::upper_bound(index.bounds.begin(), index.bounds.end(), key,
                                [](std::string_view k, const std::string& b) { return k < b; });
  if (after == index.bounds.begin() || after == index.bounds.end()) return false;
  const size_t leaves = (index.node_begin.size() - 1) / 2;
  const size_t fragment = static_cast<size_t>(after - index.bounds.begin()) - 1;
  for (size_t node = leaves + fragment; node >= 1; node >>= 1) {
    auto first = index.covers.begin() + index.node_begin[node];
    auto last = index.covers.begin() + index.node_begin[node + 1];
    // Newest first: skip the tombstones this reader cannot see yet.
    first = std::partition_point(first, last,
                                 [snapshot](const Cover& t) { return t.sequence > snapshot; });
    for (; first != last && first->sequence > sequence; ++first) {
      if (version <= first->version) return true;
    }
  }
  return false;
}

bool RangeTombstoneSet::CoversInternalKey(std::string_view ikey, uint64_t snapshot) const {
  if (tombstones_.empty()) return false;
  ParsedInternalKey p;
  if (!ParseInternalKey(ikey, &p) || static_cast<uint8_t>(p.cf) == kRangeDeleteSpace) {
    return false;
  }
  return Covers(p.cf, p.user_key, p.version, p.sequence, snapshot);
}

void RangeTombstoneSet::EncodeKey(const RangeTombstone& t, std::string* ikey) {
  std::string user(1, static_cast<char>(t.cf));
  user.append(t.begin);
  AppendInternalKey(ikey, static_cast<ColumnFamily>(kRangeDeleteSpace), user, t.version,
                    t.sequence);
}

bool RangeTombstoneSet::Decode(std::string_view ikey, std::string_view value,
                               RangeTombstone* out) {
  ParsedInternalKey p;
  if (!ParseInternalKey(ikey, &p) || static_cast<uint8_t>(p.cf) != kRangeDeleteSpace ||
      p.user_key.empty()) {
    return false;
  }
  ValueRecord record;
  if (!DecodeValueRecord(value, &record) || (record.meta & kMetaRangeDelete) == 0) return false;
  const auto cf = static_cast<uint8_t>(p.user_key[0]);
  if (cf == kRangeDeleteSpace) return false;
  out->cf = static_cast<ColumnFamily>(cf);
  out->begin.assign(p.user_key.substr(1));
  out->end.assign(record.value.data(), record.value.size());
  out->version = p.version;
  out->sequence = p.sequence;
  return true;
}

}  // namespace nokv
