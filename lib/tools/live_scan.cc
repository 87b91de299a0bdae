// LiveScan: per-level table cursors and the WAL entries, merged with a heap,
// grouped by (cf, user key, version), filtered by range tombstones.
#include "tools/live_scan.h"

#include <algorithm>

#include "base/internal_key.h"
#include "lsm/range_tombstones.h"
#include "lsm/visibility.h"
#include "db/write_batch_internal.h"
#include "manifest/filenames.h"
#include "sst/table_reader.h"
#include "tools/wal_entries.h"
#include "wal/wal_reader.h"

namespace nokv {

// A sorted cursor that knows which file holds its current entry.
class ScanSource {
 public:
  virtual ~ScanSource() = default;
  virtual void SeekToFirst() = 0;
  virtual void Seek(std::string_view target) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual std::string_view file() const = 0;
  virtual std::optional<uint64_t> offset() const = 0;
  virtual uint64_t table_number() const = 0;
  virtual uint64_t done_bytes() const = 0;
};

namespace {

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The tables of one sorted run (an L1+ level, or a single L0 table), opened
// one at a time. A table that fails is recorded in *errors and skipped.
class TableRunSource : public ScanSource {
 public:
  TableRunSource(FileSystem* fs, std::string dir, std::vector<FileMeta> tables,
                 std::vector<Status>* errors)
      : fs_(fs), dir_(std::move(dir)), tables_(std::move(tables)), errors_(errors) {}

  void SeekToFirst() override { OpenFrom(0, std::nullopt); }
  void Seek(std::string_view target) override {
    size_t i = 0;
    while (i < tables_.size() && CompareInternalKeys(tables_[i].largest, target) < 0) ++i;
    OpenFrom(i, std::string(target));
  }
  bool Valid() const override { return iter_ != nullptr && iter_->Valid(); }
  void Next() override {
    iter_->Next();
    if (!iter_->Valid()) Advance();
  }
  std::string_view key() const override { return iter_->key(); }
  std::string_view value() const override { return iter_->value(); }
  std::string_view file() const override { return name_; }
  std::optional<uint64_t> offset() const override { return table_->ApproximateOffsetOf(key()); }
  uint64_t table_number() const override { return tables_[index_].number; }
  uint64_t done_bytes() const override {
    uint64_t done = 0;
    for (size_t i = 0; i < index_ && i < tables_.size(); ++i) done += tables_[i].file_size;
    if (Valid()) done += std::min(table_->ApproximateOffsetOf(key()), tables_[index_].file_size);
    return done;
  }

 private:
  // Positions at the first entry of table i (>= target when given), moving
  // on to later tables while a table is empty or fails.
  void OpenFrom(size_t i, std::optional<std::string> target) {
    for (index_ = i; index_ < tables_.size(); ++index_) {
      if (Open(index_)) {
        if (target) {
          iter_->Seek(*target);
        } else {
          iter_->SeekToFirst();
        }
        if (iter_->Valid()) return;
        Finish();
      }
      target.reset();
    }
    Close();
  }
  void Advance() {
    Finish();
    OpenFrom(index_ + 1, std::nullopt);
  }
  bool Open(size_t i) {
    Close();
    const std::string path = TableFileName(dir_, tables_[i].number);
    name_ = BaseName(path);
    auto file = fs_->NewRandomAccessFile(path);
    if (!file.ok()) {
      errors_->push_back(file.status().WithContext(name_));
      return false;
    }
    auto opened =
        TableReader::Open(TableOptions(), std::move(file.value()), tables_[i].number, nullptr);
    if (!opened.ok()) {
      errors_->push_back(opened.status().WithContext(name_));
      return false;
    }
    table_ = std::move(opened.value());
    iter_ = table_->NewIterator(/*verify_checksums=*/true, /*fill_cache=*/false);
    return true;
  }
  // Records why the current table's iteration ended early, if it did.
  void Finish() {
    if (iter_ && !iter_->status().ok()) errors_->push_back(iter_->status().WithContext(name_));
  }
  void Close() {
    iter_.reset();
    table_.reset();
  }

  FileSystem* const fs_;
  const std::string dir_;
  const std::vector<FileMeta> tables_;  // in key order
  std::vector<Status>* const errors_;
  size_t index_ = 0;
  std::string name_;
  std::unique_ptr<TableReader> table_;
  std::unique_ptr<InternalIterator> iter_;
};

struct WalItem {
  std::string ikey, value;
  uint32_t file = 0;  // index into WalSource::names_
  uint64_t offset = 0;
};

// The WAL entries, sorted, in memory.
class WalSource : public ScanSource {
 public:
  WalSource(std::vector<std::string> names, std::vector<WalItem> items, uint64_t bytes)
      : names_(std::move(names)), items_(std::move(items)), bytes_(bytes) {
    std::sort(items_.begin(), items_.end(), [](const WalItem& a, const WalItem& b) {
      return CompareInternalKeys(a.ikey, b.ikey) < 0;
    });
  }
  void SeekToFirst() override { pos_ = 0; }
  void Seek(std::string_view target) override {
    pos_ = static_cast<size_t>(std::lower_bound(items_.begin(), items_.end(), target,
                                                [](const WalItem& a, std::string_view t) {
                                                  return CompareInternalKeys(a.ikey, t) < 0;
                                                }) -
                               items_.begin());
  }
  bool Valid() const override { return pos_ < items_.size(); }
  void Next() override { ++pos_; }
  std::string_view key() const override { return items_[pos_].ikey; }
  std::string_view value() const override { return items_[pos_].value; }
  std::string_view file() const override { return names_[items_[pos_].file]; }
  std::optional<uint64_t> offset() const override { return items_[pos_].offset; }
  uint64_t table_number() const override { return 0; }
  uint64_t done_bytes() const override {
    return items_.empty() ? bytes_ : bytes_ * std::min(pos_, items_.size()) / items_.size();
  }

 private:
  const std::vector<std::string> names_;
  std::vector<WalItem> items_;
  const uint64_t bytes_;
  size_t pos_ = 0;
};

// The smallest internal key of the range-tombstone keyspace.
std::string RangeSpaceStart() {
  std::string start(1, static_cast<char>(kRangeDeleteSpace));
  AppendInternalKey(&start, ColumnFamily::kDefault, "", kMaxVersion, kMaxSequence);
  start.erase(1, 1);  // [space byte] + trailer
  return start;
}

bool InRangeSpace(std::string_view ikey) {
  return !ikey.empty() && static_cast<uint8_t>(ikey[0]) >= kRangeDeleteSpace;
}

}  // namespace

std::optional<uint64_t> ScannedEntry::Offset() const {
  return source != nullptr ? source->offset() : std::nullopt;
}

LiveScan::LiveScan(FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
LiveScan::~LiveScan() = default;

void LiveScan::AddTables(const std::vector<std::pair<int, FileMeta>>& tables) {
  std::vector<std::vector<FileMeta>> levels;
  for (const auto& [level, meta] : tables) {
    total_bytes_ += meta.file_size;
    if (level == 0) {
      sources_.push_back(
          std::make_unique<TableRunSource>(fs_, dir_, std::vector<FileMeta>{meta}, &errors_));
      continue;
    }
    if (static_cast<size_t>(level) >= levels.size()) levels.resize(level + 1);
    levels[level].push_back(meta);
  }
  for (auto& run : levels) {
    if (run.empty()) continue;
    std::sort(run.begin(), run.end(), [](const FileMeta& a, const FileMeta& b) {
      return CompareInternalKeys(a.smallest, b.smallest) < 0;
    });
    sources_.push_back(std::make_unique<TableRunSource>(fs_, dir_, std::move(run), &errors_));
  }
}

void LiveScan::AddWalSegments(const std::vector<uint64_t>& numbers) {
  // As recovery: the newest non-empty segment may end in a torn tail.
  size_t last_nonempty = 0;
  for (size_t i = 0; i < numbers.size(); ++i) {
    uint64_t size = 0;
    if (fs_->GetFileSize(WalFileName(dir_, numbers[i]), &size).ok() && size > 0) {
      last_nonempty = i;
    }
  }
  std::vector<std::string> names;
  std::vector<WalItem> items;
  uint64_t bytes = 0;
  for (size_t i = 0; i < numbers.size(); ++i) {
    const std::string path = WalFileName(dir_, numbers[i]);
    const uint32_t file = static_cast<uint32_t>(names.size());
    names.push_back(BaseName(path));
    uint64_t size = 0;
    if (fs_->GetFileSize(path, &size).ok()) bytes += size;
    WalReplayResult result;
    Status s = ReplayWalFile(
        fs_, path, i >= last_nonempty,
        [&](uint8_t type, std::string_view payload, uint64_t offset) -> Status {
          if (type != kWalWriteBatch) return Status::Corruption("not a write-batch record");
          WalRecordFacts facts;
          return DecodeWalRecordEntries(
              payload,
              [&](std::string_view ikey, std::string_view value) {
                items.push_back(WalItem{std::string(ikey), std::string(value), file, offset});
                return Status::OK();
              },
              &facts);
        },
        &result);
    if (!s.ok()) errors_.push_back(s.WithContext(names.back()));
  }
  wal_entries_ += items.size();
  total_bytes_ += bytes;
  sources_.push_back(std::make_unique<WalSource>(std::move(names), std::move(items), bytes));
}

Status LiveScan::Run(const Visitor& visit, const std::function<void(uint64_t)>& progress) {
  // Range tombstones sort after every user key: read them first.
  std::vector<RangeTombstone> tombstones;
  const std::string range_start = RangeSpaceStart();
  for (auto& src : sources_) {
    for (src->Seek(range_start); src->Valid(); src->Next()) {
      RangeTombstone t;
      if (RangeTombstoneSet::Decode(src->key(), src->value(), &t)) {
        tombstones.push_back(std::move(t));
      } else {
        errors_.push_back(
            Status::Corruption(std::string(src->file()) + ": malformed range tombstone entry"));
      }
    }
  }
  range_tombstones_ = tombstones.size();
  const RangeTombstoneSet ranges(std::move(tombstones));

  // A min-heap of source indexes by current key (ties: lower index first).
  auto greater = [this](size_t a, size_t b) {
    const int c = CompareInternalKeys(sources_[a]->key(), sources_[b]->key());
    return c != 0 ? c > 0 : a > b;
  };
  std::vector<size_t> heap;
  for (size_t i = 0; i < sources_.size(); ++i) {
    sources_[i]->SeekToFirst();
    if (sources_[i]->Valid()) heap.push_back(i);
  }
  std::make_heap(heap.begin(), heap.end(), greater);

  std::string group;     // ikey minus the sequence: cf | user key | ~version
  bool settled = false;  // the group's live entry (or its cover) was seen
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), greater);
    ScanSource* src = sources_[heap.back()].get();
    const std::string_view ikey = src->key();
    if (InRangeSpace(ikey)) break;  // every other source is there too
    ParsedInternalKey parsed;
    if (ParseInternalKey(ikey, &parsed)) {
      const std::string_view g = ikey.substr(0, ikey.size() - 8);
      if (g != group) {
        group.assign(g.data(), g.size());
        settled = false;
      }
      ScannedEntry e;
      e.ikey = ikey;
      e.value = src->value();
      e.file = src->file();
      e.source = src;
      e.table_number = src->table_number();
      if (!settled && HiddenByRangeDelete(&ranges, parsed, kMaxSequence)) {
        settled = true;  // older entries of the group are covered too
      }
      e.candidate = !settled;
      if (visit(e) == ScanVerdict::kStands && e.candidate) settled = true;
      ++entries_;
      if (progress && entries_ % 4096 == 0) {
        uint64_t done = 0;
        for (const auto& s : sources_) done += s->done_bytes();
        progress(done);
      }
    }
    src->Next();
    if (src->Valid()) {
      std::push_heap(heap.begin(), heap.end(), greater);
    } else {
      heap.pop_back();
    }
  }
  if (progress) progress(total_bytes_);
  return Status::OK();
}

}  // namespace nokv
