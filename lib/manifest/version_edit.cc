// VersionEdit encoding and decoding (format in the header).
#include "manifest/version_edit.h"

#include "base/coding.h"
#include "base/internal_key.h"
#include "manifest/version.h"

namespace nokv {
namespace {

enum Tag : uint32_t {
  kLogNumber = 1,
  kNextFileNumber = 2,
  kLastSequence = 3,
  kDeletedFile = 4,
  kNewFile = 5,
  kAddColumnFamily = 6,
  kDropColumnFamily = 7,
  kMaxColumnFamily = 8,
  kFormatVersion = 9,
};

bool GetColumnFamilyId(std::string_view* input, uint32_t* id) {
  return GetVarint32(input, id) && *id <= static_cast<uint32_t>(kMaxColumnFamilyId) &&
         *id != kRangeDeleteSpace;
}

bool GetLevel(std::string_view* input, int* level) {
  uint32_t v = 0;
  if (!GetVarint32(input, &v) || v >= static_cast<uint32_t>(kNumLevels)) return false;
  *level = static_cast<int>(v);
  return true;
}

bool GetInternalKey(std::string_view* input, std::string* key) {
  std::string_view v;
  if (!GetLengthPrefixed(input, &v) || v.size() <= kTrailerSize) return false;
  key->assign(v.data(), v.size());
  return true;
}

bool GetNewFile(std::string_view* in, int* level, FileMeta* f) {
  uint64_t created_at = 0;
  bool ok = GetLevel(in, level) && GetVarint64(in, &f->number) &&
            GetVarint64(in, &f->file_size) && GetInternalKey(in, &f->smallest) &&
            GetInternalKey(in, &f->largest) && GetVarint64(in, &f->smallest_seq) &&
            GetVarint64(in, &f->largest_seq) && GetVarint64(in, &f->num_entries) &&
            GetVarint64(in, &f->num_deletions) && GetVarint64(in, &f->max_version) &&
            GetVarint64(in, &created_at);
  f->created_at = static_cast<int64_t>(created_at);
  return ok;
}

}  // namespace

std::string PrintableKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

void VersionEdit::EncodeTo(std::string* dst) const {
  if (log_number) {
    PutVarint32(dst, kLogNumber);
    PutVarint64(dst, *log_number);
  }
  if (next_file_number) {
    PutVarint32(dst, kNextFileNumber);
    PutVarint64(dst, *next_file_number);
  }
  if (last_sequence) {
    PutVarint32(dst, kLastSequence);
    PutVarint64(dst, *last_sequence);
  }
  for (const auto& [level, number] : deleted_files) {
    PutVarint32(dst, kDeletedFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, number);
  }
  if (format_version) {
    PutVarint32(dst, kFormatVersion);
    PutVarint32(dst, *format_version);
  }
  if (max_column_family) {
    PutVarint32(dst, kMaxColumnFamily);
    PutVarint32(dst, *max_column_family);
  }
  for (const auto& [id, name] : added_column_families) {
    PutVarint32(dst, kAddColumnFamily);
    PutVarint32(dst, id);
    PutLengthPrefixed(dst, name);
  }
  for (uint32_t id : dropped_column_families) {
    PutVarint32(dst, kDropColumnFamily);
    PutVarint32(dst, id);
  }
  for (const auto& [level, f] : new_files) {
    PutVarint32(dst, kNewFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, f.number);
    PutVarint64(dst, f.file_size);
    PutLengthPrefixed(dst, f.smallest);
    PutLengthPrefixed(dst, f.largest);
    PutVarint64(dst, f.smallest_seq);
    PutVarint64(dst, f.largest_seq);
    PutVarint64(dst, f.num_entries);
    PutVarint64(dst, f.num_deletions);
    PutVarint64(dst, f.max_version);
    PutVarint64(dst, static_cast<uint64_t>(f.created_at));
  }
}

Status VersionEdit::DecodeFrom(std::string_view src) {
  *this = VersionEdit();
  std::string_view in = src;
  while (!in.empty()) {
    const size_t at = src.size() - in.size();
    auto bad = [&](const char* what) {
      return Status::Corruption("version edit: " + std::string(what) + " at byte " +
                                std::to_string(at));
    };
    uint32_t tag = 0;
    if (!GetVarint32(&in, &tag)) return bad("malformed tag");
    uint64_t v = 0;
    switch (tag) {
      case kLogNumber:
        if (!GetVarint64(&in, &v)) return bad("truncated log_number");
        log_number = v;
        break;
      case kNextFileNumber:
        if (!GetVarint64(&in, &v)) return bad("truncated next_file_number");
        next_file_number = v;
        break;
      case kLastSequence:
        if (!GetVarint64(&in, &v)) return bad("truncated last_sequence");
        last_sequence = v;
        break;
      case kDeletedFile: {
        int level = 0;
        if (!GetLevel(&in, &level) || !GetVarint64(&in, &v)) {
          return bad("malformed deleted_file");
        }
        deleted_files.emplace_back(level, v);
        break;
      }
      case kNewFile: {
        int level = 0;
        FileMeta f;
        if (!GetNewFile(&in, &level, &f)) return bad("malformed new_file");
        new_files.emplace_back(level, std::move(f));
        break;
      }
      case kAddColumnFamily: {
        uint32_t id = 0;
        std::string_view name;
        if (!GetColumnFamilyId(&in, &id) || !GetLengthPrefixed(&in, &name) || name.empty()) {
          return bad("malformed add_column_family");
        }
        added_column_families.emplace_back(id, std::string(name));
        break;
      }
      case kDropColumnFamily: {
        uint32_t id = 0;
        if (!GetColumnFamilyId(&in, &id)) return bad("malformed drop_column_family");
        dropped_column_families.push_back(id);
        break;
      }
      case kMaxColumnFamily: {
        uint32_t id = 0;
        if (!GetVarint32(&in, &id) || id > static_cast<uint32_t>(kMaxColumnFamilyId)) {
          return bad("malformed max_column_family");
        }
        max_column_family = id;
        break;
      }
      case kFormatVersion: {
        uint32_t version = 0;
        if (!GetVarint32(&in, &version)) return bad("truncated format_version");
        format_version = version;
        break;
      }
      default:
        return Status::Corruption("version edit: unknown tag " + std::to_string(tag) +
                                  " at byte " + std::to_string(at));
    }
  }
  return Status::OK();
}

std::string VersionEdit::DebugString() const {
  std::string r = "VersionEdit {";
  if (log_number) r += "\n  log_number: " + std::to_string(*log_number);
  if (next_file_number) r += "\n  next_file_number: " + std::to_string(*next_file_number);
  if (last_sequence) r += "\n  last_sequence: " + std::to_string(*last_sequence);
  if (format_version) r += "\n  format_version: " + std::to_string(*format_version);
  if (max_column_family) r += "\n  max_column_family: " + std::to_string(*max_column_family);
  for (const auto& [id, name] : added_column_families) {
    r += "\n  add column family " + std::to_string(id) + " \"" + PrintableKey(name) + "\"";
  }
  for (uint32_t id : dropped_column_families) {
    r += "\n  drop column family " + std::to_string(id);
  }
  for (const auto& [level, number] : deleted_files) {
    r += "\n  delete L" + std::to_string(level) + " #" + std::to_string(number);
  }
  for (const auto& [level, f] : new_files) {
    r += "\n  add L" + std::to_string(level) + " #" + std::to_string(f.number) + " " +
         std::to_string(f.file_size) + "B [" + PrintableKey(f.smallest) + " .. " +
         PrintableKey(f.largest) + "] seq " + std::to_string(f.smallest_seq) + ".." +
         std::to_string(f.largest_seq) + " entries " + std::to_string(f.num_entries);
  }
  r += "\n}";
  return r;
}

}  // namespace nokv
