// Version queries and VersionBuilder.
#include "manifest/version.h"

#include <algorithm>
#include <cassert>

#include "base/internal_key.h"

namespace nokv {
namespace {

using FilePtr = std::shared_ptr<const FileMeta>;

bool ValidLevel(int level) { return level >= 0 && level < kNumLevels; }

std::string FileName(uint64_t number) { return "file #" + std::to_string(number); }

}  // namespace

const std::vector<FilePtr>& Version::files(int level) const {
  assert(ValidLevel(level));
  static const std::vector<FilePtr> kEmpty;
  return ValidLevel(level) ? files_[level] : kEmpty;
}

uint64_t Version::LevelBytes(int level) const {
  assert(ValidLevel(level));
  return ValidLevel(level) ? level_bytes_[level] : 0;
}

int Version::NumFiles(int level) const { return static_cast<int>(files(level).size()); }

std::vector<FilePtr> Version::Overlapping(int level, std::string_view smallest_user_part,
                                          std::string_view largest_user_part) const {
  std::vector<FilePtr> out;
  if (smallest_user_part > largest_user_part) return out;
  const auto& fs = files(level);
  auto overlaps = [&](const FilePtr& f) {
    return UserPart(f->largest) >= smallest_user_part &&
           UserPart(f->smallest) <= largest_user_part;
  };
  if (level == 0) {
    for (const auto& f : fs) {
      if (overlaps(f)) out.push_back(f);
    }
    return out;
  }
  auto it = std::partition_point(fs.begin(), fs.end(), [&](const FilePtr& f) {
    return UserPart(f->largest) < smallest_user_part;
  });
  for (; it != fs.end() && UserPart((*it)->smallest) <= largest_user_part; ++it) {
    out.push_back(*it);
  }
  return out;
}

int Version::FindFile(int level, std::string_view ikey) const {
  assert(level >= 1);
  const auto& fs = files(level);
  auto it = std::partition_point(fs.begin(), fs.end(), [&](const FilePtr& f) {
    return CompareInternalKeys(f->largest, ikey) < 0;
  });
  return static_cast<int>(it - fs.begin());
}

std::string Version::DebugString() const {
  std::string r;
  for (int level = 0; level < kNumLevels; ++level) {
    r += "L" + std::to_string(level) + " (" + std::to_string(files_[level].size()) + " files, " +
         std::to_string(level_bytes_[level]) + " bytes):\n";
    for (const auto& f : files_[level]) {
      r += "  #" + std::to_string(f->number) + " " + std::to_string(f->file_size) + "B [" +
           PrintableKey(f->smallest) + " .. " + PrintableKey(f->largest) + "] seq " +
           std::to_string(f->smallest_seq) + ".." + std::to_string(f->largest_seq) + "\n";
    }
  }
  return r;
}

VersionBuilder::VersionBuilder(std::shared_ptr<const Version> base) {
  if (!base) return;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : base->files_[level]) levels_[level].emplace(f->number, f);
  }
}

Status VersionBuilder::Apply(const VersionEdit& edit) {
  for (const auto& [level, number] : edit.deleted_files) {
    if (!ValidLevel(level)) {
      return Status::Corruption("delete of " + FileName(number) + " names bad level " +
                                std::to_string(level));
    }
    if (levels_[level].erase(number) == 0) {
      return Status::Corruption("delete of " + FileName(number) + " which is not in L" +
                                std::to_string(level));
    }
  }
  for (const auto& [level, meta] : edit.new_files) {
    if (!ValidLevel(level)) {
      return Status::Corruption("add of " + FileName(meta.number) + " names bad level " +
                                std::to_string(level));
    }
    if (meta.smallest.size() <= kTrailerSize || meta.largest.size() <= kTrailerSize ||
        CompareInternalKeys(meta.smallest, meta.largest) > 0) {
      return Status::Corruption("add of " + FileName(meta.number) + " with a bad key range");
    }
    for (int l = 0; l < kNumLevels; ++l) {
      if (levels_[l].count(meta.number) != 0) {
        return Status::Corruption("add of " + FileName(meta.number) + " to L" +
                                  std::to_string(level) + ", but it is already in L" +
                                  std::to_string(l));
      }
    }
    levels_[level].emplace(meta.number, std::make_shared<const FileMeta>(meta));
  }
  return Status::OK();
}

Result<std::shared_ptr<const Version>> VersionBuilder::Finish() const {
  auto v = std::make_shared<Version>();
  for (int level = 0; level < kNumLevels; ++level) {
    auto& out = v->files_[level];
    out.reserve(levels_[level].size());
    for (const auto& [number, f] : levels_[level]) {
      out.push_back(f);
      v->level_bytes_[level] += f->file_size;
    }
    if (level == 0) {
      std::sort(out.begin(), out.end(), [](const FilePtr& a, const FilePtr& b) {
        if (a->largest_seq != b->largest_seq) return a->largest_seq > b->largest_seq;
        return a->number > b->number;
      });
      continue;
    }
    std::sort(out.begin(), out.end(), [](const FilePtr& a, const FilePtr& b) {
      const int c = CompareInternalKeys(a->smallest, b->smallest);
      return c != 0 ? c < 0 : a->number < b->number;
    });
    for (size_t i = 1; i < out.size(); ++i) {
      if (UserPart(out[i - 1]->largest) >= UserPart(out[i]->smallest)) {
        return Status::Corruption("L" + std::to_string(level) + " files " +
                                  FileName(out[i - 1]->number) + " and " +
                                  FileName(out[i]->number) + " overlap");
      }
    }
  }
  return std::shared_ptr<const Version>(std::move(v));
}

}  // namespace nokv
