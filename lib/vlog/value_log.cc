// Value log segments: append, verified reads, scans, removal.
#include "vlog/value_log.h"

#include <cinttypes>
#include <cstdio>

#include "base/coding.h"
#include "base/crc32c.h"
#include "wal/wal_format.h"
#include "wal/wal_reader.h"

namespace nokv {

void ValuePointer::EncodeTo(std::string* dst) const {
  PutVarint64(dst, file);
  PutVarint64(dst, offset);
  PutVarint32(dst, size);
}

bool ValuePointer::DecodeFrom(std::string_view input) {
  return GetVarint64(&input, &file) && GetVarint64(&input, &offset) &&
         GetVarint32(&input, &size) && input.empty();
}

ValueLog::ValueLog(FileSystem* fs, std::string dir, ValueLogOptions options,
                   std::function<uint64_t()> new_file_number)
    : fs_(fs),
      dir_(std::move(dir)),
      options_(options),
      new_file_number_(std::move(new_file_number)) {}

ValueLog::~ValueLog() { (void)Close(); }

std::string ValueLog::SegmentPath(uint64_t file) const {
  char name[32];
  std::snprintf(name, sizeof(name), "%06" PRIu64 ".vlog", file);
  return JoinPath(dir_, name);
}

Status ValueLog::Open() {
  if (!options_.read_only) {
    NOKV_RETURN_IF_ERROR(fs_->CreateDirDurable(dir_));
  } else if (!fs_->FileExists(dir_)) {
    return Status::OK();
  }
  std::vector<std::string> names;
  NOKV_RETURN_IF_ERROR(fs_->GetChildren(dir_, &names));
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& name : names) {
    uint64_t number = 0;
    char tail[8] = {0};
    if (std::sscanf(name.c_str(), "%" SCNu64 ".%5s", &number, tail) != 2 ||
        std::string(tail) != "vlog" || name != SegmentPath(number).substr(dir_.size() + 1)) {
      continue;
    }
    ValueLogSegment seg;
    seg.number = number;
    NOKV_RETURN_IF_ERROR(fs_->GetFileSize(JoinPath(dir_, name), &seg.bytes));
    segments_[number] = seg;
  }
  return Status::OK();
}

uint64_t ValueLog::MaxSegmentNumber() const {
  std::lock_guard<std::mutex> l(mu_);
  return segments_.empty() ? 0 : segments_.rbegin()->first;
}

Status ValueLog::OpenActive() {
  const uint64_t number = new_file_number_();
  auto file = fs_->NewWritableFile(SegmentPath(number));
  if (!file.ok()) return file.status();
  auto writer = std::make_unique<WalWriter>(std::move(file.value()));
  writer->set_preallocate_chunk(kWalPreallocateChunk);
  std::string header;
  PutFixed64(&header, kVlogMagic);
  PutFixed32(&header, kVlogFormatVersion);
  PutFixed64(&header, number);
  NOKV_RETURN_IF_ERROR(writer->AddRecord(kVlogHeader, header));
  NOKV_RETURN_IF_ERROR(writer->Flush());
  // The segment must exist after a crash before any WAL record points at it.
  NOKV_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  active_ = std::move(writer);
  active_number_ = number;
  std::lock_guard<std::mutex> l(mu_);
  ValueLogSegment seg;
  seg.number = number;
  seg.bytes = active_->size();
  seg.active = true;
  segments_[number] = seg;
  return Status::OK();
}

Status ValueLog::Append(std::string_view ikey, std::string_view value, ValuePointer* ptr) {
  if (active_ && active_->size() >= options_.segment_size) {
    // Seal: the old segment must be complete on disk before it stops being
    // the one the next WAL sync covers.
    NOKV_RETURN_IF_ERROR(active_->Sync());
    NOKV_RETURN_IF_ERROR(active_->Close());
    active_.reset();
    std::lock_guard<std::mutex> l(mu_);
    segments_[active_number_].active = false;
  }
  if (!active_) NOKV_RETURN_IF_ERROR(OpenActive());
  std::string payload;
  payload.reserve(5 + ikey.size() + value.size());
  PutVarint32(&payload, static_cast<uint32_t>(ikey.size()));
  payload.append(ikey.data(), ikey.size());
  payload.append(value.data(), value.size());
  ptr->file = active_number_;
  ptr->offset = active_->size();
  NOKV_RETURN_IF_ERROR(active_->AddRecord(kVlogValue, payload));
  ptr->size = static_cast<uint32_t>(active_->size() - ptr->offset);
  std::lock_guard<std::mutex> l(mu_);
  segments_[active_number_].bytes = active_->size();
  return Status::OK();
}

Status ValueLog::Flush() { return active_ ? active_->Flush() : Status::OK(); }
Status ValueLog::Sync() { return active_ ? active_->Sync() : Status::OK(); }

Status ValueLog::Close() {
  if (!active_) return Status::OK();
  Status s = active_->Sync();
  Status c = active_->Close();
  active_.reset();
  std::lock_guard<std::mutex> l(mu_);
  auto it = segments_.find(active_number_);
  if (it != segments_.end()) it->second.active = false;
  return s.ok() ? c : s;
}

Result<std::shared_ptr<RandomAccessFile>> ValueLog::Reader(uint64_t file) const {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (segments_.count(file) == 0) {
      return Status::NotFound("value log segment " + std::to_string(file) + " does not exist");
    }
    auto it = readers_.find(file);
    if (it != readers_.end()) return it->second;
  }
  auto opened = fs_->NewRandomAccessFile(SegmentPath(file));
  if (!opened.ok()) return opened.status();
  std::shared_ptr<RandomAccessFile> reader(std::move(opened.value()));
  std::lock_guard<std::mutex> l(mu_);
  if (segments_.count(file) == 0) {
    return Status::NotFound("value log segment " + std::to_string(file) + " was removed");
  }
  auto [it, inserted] = readers_.emplace(file, reader);
  return it->second;
}

namespace {
// Parses one framed record held whole in `rec`.
// Errors name the offset; the caller adds the path.
Status ParseRecord(std::string_view rec, uint64_t offset, uint8_t* type,
                   std::string_view* payload) {
  auto corrupt = [&](const char* what) {
    return Status::Corruption("value record at offset " + std::to_string(offset) + ": " + what);
  };
  if (rec.size() < kWalHeaderSize) return corrupt("truncated header");
  const uint32_t length = DecodeFixed32(rec.data() + 4);
  if (length != rec.size() - kWalHeaderSize) return corrupt("length does not match the pointer");
  uint32_t crc = crc32c::Value(rec.data() + 4, 5);
  crc = crc32c::Extend(crc, rec.data() + kWalHeaderSize, length);
  if (crc32c::Mask(crc) != DecodeFixed32(rec.data())) return corrupt("checksum mismatch");
  *type = static_cast<uint8_t>(rec[8]);
  *payload = rec.substr(kWalHeaderSize);
  return Status::OK();
}

Status SplitValue(std::string_view payload, std::string_view* ikey, std::string_view* value) {
  uint32_t klen = 0;
  if (!GetVarint32(&payload, &klen) || payload.size() < klen) {
    return Status::Corruption("malformed value record payload");
  }
  *ikey = payload.substr(0, klen);
  *value = payload.substr(klen);
  return Status::OK();
}
}  // namespace

Status ValueLog::Read(const ValuePointer& ptr, std::string* ikey, std::string* value) const {
  auto reader = Reader(ptr.file);
  if (!reader.ok()) return reader.status();
  // Scratch for a read the file cannot serve from memory; left
  // uninitialised (the file's bytes land there, or the read comes back
  // short).
  auto scratch = std::make_unique_for_overwrite<char[]>(ptr.size);
  std::string_view got;
  NOKV_RETURN_IF_ERROR((*reader)->Read(ptr.offset, ptr.size, scratch.get(), &got));
  if (got.size() != ptr.size) {
    return Status::Corruption(SegmentPath(ptr.file) + ": value record at offset " +
                              std::to_string(ptr.offset) + " extends past the end of the file");
  }
  uint8_t type = 0;
  std::string_view payload, k, v;
  Status s = ParseRecord(got, ptr.offset, &type, &payload);
  if (s.ok() && type != kVlogValue) {
    s = Status::Corruption("record at offset " + std::to_string(ptr.offset) +
                           " is not a value record");
  }
  if (s.ok()) s = SplitValue(payload, &k, &v);
  if (!s.ok()) return s.WithContext(SegmentPath(ptr.file));
  if (ikey) ikey->assign(k.data(), k.size());
  value->assign(v.data(), v.size());
  return Status::OK();
}

Status ValueLog::ForEachRecord(
    uint64_t file, const std::function<Status(std::string_view, std::string_view,
                                              const ValuePointer&)>& fn) const {
  const std::string path = SegmentPath(file);
  bool saw_header = false;
  WalReplayResult result;
  return ReplayWalFile(
      fs_, path, /*is_last_segment=*/true,
      [&](uint8_t type, std::string_view payload, uint64_t offset) -> Status {
        if (!saw_header) {
          if (type != kVlogHeader || payload.size() != 20 ||
              DecodeFixed64(payload.data()) != kVlogMagic) {
            return Status::Corruption(path + ": missing value log header");
          }
          saw_header = true;
          return Status::OK();
        }
        if (type != kVlogValue) return Status::Corruption(path + ": unexpected record type");
        std::string_view k, v;
        NOKV_RETURN_IF_ERROR(SplitValue(payload, &k, &v));
        ValuePointer ptr;
        ptr.file = file;
        ptr.offset = offset;
        ptr.size = static_cast<uint32_t>(kWalHeaderSize + payload.size());
        return fn(k, v, ptr);
      },
      &result);
}

std::vector<ValueLogSegment> ValueLog::Segments() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<ValueLogSegment> out;
  for (const auto& [n, seg] : segments_) out.push_back(seg);
  return out;
}

void ValueLog::AddDiscard(uint64_t file, uint64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = segments_.find(file);
  if (it != segments_.end()) it->second.discard_bytes += bytes;
}

Status ValueLog::RemoveSegment(uint64_t file) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = segments_.find(file);
    if (it == segments_.end()) return Status::NotFound("no value log segment " + std::to_string(file));
    if (it->second.active) return Status::InvalidArgument("cannot remove the active segment");
    segments_.erase(it);
    readers_.erase(file);
  }
  return fs_->RemoveFile(SegmentPath(file));
}

}  // namespace nokv
