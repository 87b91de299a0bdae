// Visibility rules, the cross-layer point lookup and ObsoleteEntryFilter.
#include "lsm/visibility.h"

#include "lsm/table_cache.h"
#include "manifest/version.h"
#include "memtable/memtable.h"

namespace nokv {

bool HiddenByRangeDelete(const RangeTombstoneSet* range_dels, const ParsedInternalKey& key,
                         uint64_t snapshot) {
  if (range_dels == nullptr || range_dels->empty()) return false;
  if (static_cast<uint8_t>(key.cf) == kRangeDeleteSpace) return false;
  return range_dels->Covers(key.cf, key.user_key, key.version, key.sequence, snapshot);
}

bool DeletesKey(const ValueRecord& record, uint64_t now_ms) {
  if (record.IsDelete() || (record.meta & kMetaRangeDelete) != 0) return true;
  return IsExpired(record.expires_at, now_ms);
}

Visibility Classify(const ReadPoint& point, const ParsedInternalKey& key,
                    const ValueRecord& record) {
  if (key.sequence > point.snapshot) return Visibility::kInvisible;
  if (key.version > point.max_version) return Visibility::kInvisible;
  if (HiddenByRangeDelete(point.range_dels, key, point.snapshot)) return Visibility::kInvisible;
  return DeletesKey(record, point.now_ms) ? Visibility::kDeleted : Visibility::kLive;
}

Status ClassifyEntry(const ReadPoint& point, std::string_view ikey, std::string_view value,
                     ValueRecord* record, Visibility* out) {
  ParsedInternalKey key;
  if (!ParseInternalKey(ikey, &key)) return Status::Corruption("malformed internal key");
  if (!DecodeValueRecord(value, record)) return Status::Corruption("undecodable value record");
  *out = Classify(point, key, *record);
  return Status::OK();
}

namespace {

// The newest entry of user_part with version <= max_version and sequence <=
// snapshot in every layer, range tombstones not applied. Sources are
// searched newest first (memtables, L0 newest first, then one table per
// level); the best candidate is kept, and the search stops early only on an
// exact version match, which no older source can beat (it could only hold
// the same version at a lower sequence).
Status FindNewestInLayers(const LsmView& view, TableCache* tables, const TableIterOptions& options,
                          std::string_view lookup, uint64_t max_version, uint64_t snapshot,
                          std::string* best_key, std::string* best_value) {
  const std::string_view user_part = UserPart(lookup);
  best_key->clear();
  std::string k, v;
  // Offers a candidate; true when the search can stop.
  auto offer = [&](std::string_view ik, std::string_view val) -> bool {
    if (best_key->empty() || CompareInternalKeys(ik, *best_key) < 0) {
      best_key->assign(ik.data(), ik.size());
      best_value->assign(val.data(), val.size());
    }
    return InternalKeyVersion(*best_key) == max_version;
  };

  if (view.mem && view.mem->Get(user_part, max_version, snapshot, &k, &v) && offer(k, v)) {
    return Status::OK();
  }
  for (const auto& imm : view.imms) {
    if (imm->Get(user_part, max_version, snapshot, &k, &v) && offer(k, v)) return Status::OK();
  }
  if (!view.version) return best_key->empty() ? Status::NotFound() : Status::OK();

  Status error;
  // Returns true when the search can stop (exact hit or error).
  auto search_table = [&](const FileMeta& f) -> bool {
    auto reader = tables->Get(f.number);
    if (!reader.ok()) {
      error = reader.status();
      return true;
    }
    if (!(*reader)->MayContain(user_part)) return false;
    auto it = (*reader)->NewIterator(options.verify_checksums, options.fill_cache);
    for (it->Seek(lookup); it->Valid(); it->Next()) {
      std::string_view ik = it->key();
      if (UserPart(ik) != user_part) break;
      if (InternalKeySequence(ik) > snapshot) continue;
      return offer(ik, it->value());
    }
    if (!it->status().ok()) {
      error = it->status();
      return true;
    }
    return false;
  };

  const Version& ver = *view.version;
  bool done = false;
  for (const auto& f : ver.files(0)) {
    if (user_part < UserPart(f->smallest) || user_part > UserPart(f->largest)) continue;
    if (f->smallest_seq > snapshot) continue;
    if ((done = search_table(*f))) break;
  }
  for (int level = 1; level < kNumLevels && !done; ++level) {
    const auto& files = ver.files(level);
    if (files.empty()) continue;
    int index = ver.FindFile(level, lookup);
    if (index >= static_cast<int>(files.size())) continue;
    const FileMeta& f = *files[index];
    if (user_part < UserPart(f.smallest)) continue;
    done = search_table(f);
  }
  if (!error.ok()) return error;
  if (best_key->empty()) return Status::NotFound();
  return Status::OK();
}

}  // namespace

// An entry hidden by a range deletion is as if it did not exist: the search
// goes on below it. The tombstone hides every older entry of the same
// version as well (lower sequence), so the next candidate has a lower
// version.
Status FindVisibleEntry(const LsmView& view, TableCache* tables, const TableIterOptions& options,
                        const ReadPoint& point, ColumnFamily cf, std::string_view key,
                        std::string* ikey, std::string* value, Visibility* vis) {
  uint64_t version = point.max_version;
  std::string lookup;
  while (true) {
    lookup.clear();
    AppendInternalKey(&lookup, cf, key, version, point.snapshot);
    NOKV_RETURN_IF_ERROR(
        FindNewestInLayers(view, tables, options, lookup, version, point.snapshot, ikey, value));
    ValueRecord record;
    NOKV_RETURN_IF_ERROR(ClassifyEntry(point, *ikey, *value, &record, vis));
    if (*vis != Visibility::kInvisible) return Status::OK();
    const uint64_t hidden = InternalKeyVersion(*ikey);
    if (hidden == 0) return Status::NotFound();
    version = hidden - 1;
  }
}

ObsoleteEntryFilter::ObsoleteEntryFilter(uint64_t smallest_snapshot,
                                         std::function<bool(std::string_view)> is_bottommost,
                                         uint64_t now_ms,
                                         std::shared_ptr<const RangeTombstoneSet> range_dels)
    : smallest_snapshot_(smallest_snapshot),
      now_ms_(now_ms),
      is_bottommost_(std::move(is_bottommost)),
      range_dels_(std::move(range_dels)) {}

void ObsoleteEntryFilter::Drop(std::string_view ikey, std::string_view value) {
  ++dropped_;
  if (on_drop_) on_drop_(ikey, value);
}

void ObsoleteEntryFilter::Process(std::string_view ikey, std::string_view value,
                                  std::vector<Emit>* out) {
  out->clear();
  ParsedInternalKey parsed;
  const bool parsed_ok = ParseInternalKey(ikey, &parsed);
  // In a dropped family, or hidden from every reader by a range tombstone:
  // as if it did not exist (it does not take part in the shadowing below
  // either).
  if (parsed_ok && (dropped_families_.test(static_cast<uint8_t>(parsed.cf)) ||
                    HiddenByRangeDelete(range_dels_.get(), parsed, smallest_snapshot_))) {
    Drop(ikey, value);
    return;
  }
  const std::string_view user_part = UserPart(ikey);
  const uint64_t version = InternalKeyVersion(ikey);
  const uint64_t sequence = InternalKeySequence(ikey);
  const bool same_key = has_last_ && user_part == last_user_part_;

  if (held_ && !same_key) {
    held_ = false;  // nothing older of that key survived: the tombstone goes
    Drop(held_key_, held_value_);
  }
  // Shadowed: a newer entry of the same key and version is visible to every
  // reader (its sequence is at or below the oldest snapshot).
  // Range tombstones live in their own keyspace and are never dropped here:
  // two with the same begin key may cover different ranges.
  const bool is_range_delete =
      !ikey.empty() && static_cast<uint8_t>(ikey[0]) == kRangeDeleteSpace;
  const bool shadowed = !is_range_delete && same_key && version == last_version_ &&
                        last_sequence_ <= smallest_snapshot_;
  if (!same_key) last_user_part_.assign(user_part.data(), user_part.size());
  has_last_ = true;
  last_version_ = version;
  last_sequence_ = sequence;
  if (shadowed) {
    Drop(ikey, value);
    return;
  }

  ValueRecord record;
  const bool is_tombstone =
      !is_range_delete && DecodeValueRecord(value, &record) && DeletesKey(record, now_ms_);
  // Only a plain (kMaxVersion) tombstone may go: a later write of its key
  // sorts before it and wins anyway. A versioned one must stay, since a
  // later write at a lower version would otherwise show through to reads at
  // or above the tombstone's version.
  if (is_tombstone && version == kMaxVersion && sequence <= smallest_snapshot_ &&
      is_bottommost_ && is_bottommost_(user_part)) {
    if (held_) Drop(held_key_, held_value_);  // an older held tombstone of the key is moot
    held_key_.assign(ikey.data(), ikey.size());
    held_value_.assign(value.data(), value.size());
    held_ = true;
    return;
  }
  if (held_) {
    out->push_back(Emit{held_key_, held_value_});
    held_ = false;
  }
  out->push_back(Emit{ikey, value});
}

}  // namespace nokv
