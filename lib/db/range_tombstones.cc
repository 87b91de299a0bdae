// RangeTombstoneSet implementation.
#include "db/range_tombstones.h"

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

std::shared_ptr<const RangeTombstoneSet> RangeTombstoneSet::With(
    const std::vector<RangeTombstone>& more) const {
  std::vector<RangeTombstone> all = tombstones_;
  all.insert(all.end(), more.begin(), more.end());
  return std::make_shared<const RangeTombstoneSet>(std::move(all));
}

bool RangeTombstoneSet::Covers(ColumnFamily cf, std::string_view key, uint64_t version,
                               uint64_t sequence, uint64_t snapshot) const {
  // Candidates: tombstones of cf whose begin <= key (sorted by begin).
  RangeTombstone probe;
  probe.cf = cf;
  probe.begin.assign(key.data(), key.size());
  auto end = std::upper_bound(tombstones_.begin(), tombstones_.end(), probe, Less);
  for (auto it = end; it != tombstones_.begin();) {
    --it;
    if (it->cf != cf) break;
    if (key < it->end && it->sequence > sequence && it->sequence <= snapshot &&
        version <= it->version) {
      return true;
    }
  }
  return false;
}

bool RangeTombstoneSet::CoversInternalKey(std::string_view ikey, uint64_t snapshot) const {
  if (tombstones_.empty()) return false;
  ParsedInternalKey p;
  if (!ParseInternalKey(ikey, &p) || static_cast<uint8_t>(p.cf) >= kNumColumnFamilies) {
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
  if (cf >= kNumColumnFamilies) return false;
  out->cf = static_cast<ColumnFamily>(cf);
  out->begin.assign(p.user_key.substr(1));
  out->end.assign(record.value.data(), record.value.size());
  out->version = p.version;
  out->sequence = p.sequence;
  return true;
}

}  // namespace nokv
