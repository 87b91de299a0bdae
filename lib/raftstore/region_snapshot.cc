// Region snapshot data: build, install, size scan (see region_snapshot.h).
#include "raftstore/region_snapshot.h"

#include "base/coding.h"
#include "nokv/iterator.h"

namespace nokv::raftstore {
namespace {

bool InRange(std::string_view key, std::string_view start, std::string_view end) {
  return key >= start && (end.empty() || key < end);
}

}  // namespace

Status BuildSnapshotData(DataEngine* engine, const Snapshot* snapshot, std::string_view start,
                         std::string_view end, std::string* data, SnapshotDataStats* stats) {
  data->clear();
  *stats = SnapshotDataStats();
  for (ColumnFamily cf : kDataCfs) {
    std::unique_ptr<Iterator> it = engine->NewIterator(cf, start, end, snapshot);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      data->push_back(static_cast<char>(cf));
      PutLengthPrefixed(data, it->key());
      PutLengthPrefixed(data, it->value());
      PutVarint64(data, it->expires_at_ms());
      stats->keys++;
    }
    NOKV_RETURN_IF_ERROR(it->status());
  }
  stats->bytes = data->size();
  return Status::OK();
}

Status StageSnapshotData(std::string_view data, std::string_view start, std::string_view end,
                         DataWriteBatch* batch, SnapshotDataStats* stats) {
  *stats = SnapshotDataStats();
  // Two passes: check everything, then stage, so a bad record stages nothing.
  for (int pass = 0; pass < 2; pass++) {
    std::string_view in = data;
    while (!in.empty()) {
      const size_t offset = data.size() - in.size();
      const uint8_t cf_byte = static_cast<uint8_t>(in[0]);
      in.remove_prefix(1);
      std::string_view key, value;
      uint64_t expires_at = 0;
      if (cf_byte > static_cast<uint8_t>(ColumnFamily::kWrite) || !GetLengthPrefixed(&in, &key) ||
          !GetLengthPrefixed(&in, &value) || !GetVarint64(&in, &expires_at)) {
        return Status::Corruption("snapshot data: malformed record at offset " +
                                  std::to_string(offset));
      }
      if (key.empty() || !InRange(key, start, end)) {
        return Status::Corruption("snapshot data: key at offset " + std::to_string(offset) +
                                  " lies outside the region");
      }
      if (pass == 1) {
        batch->Put(static_cast<ColumnFamily>(cf_byte), key, value, expires_at);
        stats->keys++;
      }
    }
  }
  stats->bytes = data.size();
  return Status::OK();
}

Status ScanRegionSize(DataEngine* engine, std::string_view start, std::string_view end,
                      SnapshotDataStats* stats, std::string* middle_key) {
  *stats = SnapshotDataStats();
  middle_key->clear();
  const Snapshot* snap = engine->GetSnapshot();
  for (ColumnFamily cf : kDataCfs) {
    std::unique_ptr<Iterator> it = engine->NewIterator(cf, start, end, snap);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      stats->keys++;
      stats->bytes += it->key().size() + it->value().size();
    }
    Status s = it->status();
    if (!s.ok()) {
      engine->ReleaseSnapshot(snap);
      return s;
    }
  }
  // Second pass over the default family: the key where half the bytes lie
  // before (the default family holds the bulk of the data).
  if (stats->keys >= 2) {
    uint64_t seen = 0;
    std::unique_ptr<Iterator> it = engine->NewIterator(ColumnFamily::kDefault, start, end, snap);
    bool first = true;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      seen += it->key().size() + it->value().size();
      if (!first && seen * 2 >= stats->bytes) {
        middle_key->assign(it->key());
        break;
      }
      first = false;
    }
  }
  engine->ReleaseSnapshot(snap);
  return Status::OK();
}

}  // namespace nokv::raftstore
