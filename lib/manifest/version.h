// Version: an immutable snapshot of which SST files make up each LSM level.
// VersionBuilder derives a new Version from a base plus VersionEdits and
// enforces the level invariants.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "manifest/file_meta.h"
#include "manifest/version_edit.h"

namespace nokv {

constexpr int kNumLevels = 7;

// Immutable once built, so any number of threads may read it; hold the
// shared_ptr for as long as the files it names must stay on disk.
//
// Invariants:
//  * L0 files may overlap; they are ordered newest first (largest_seq
//    descending, then number descending), the order a point lookup probes.
//  * L1+ files are ordered by smallest key and their user-part ranges
//    (UserPart of smallest..largest) are disjoint: a user key lives in at most
//    one file per level.
class Version {
 public:
  Version() = default;  // empty: no files

  // Files of one level, in the order described above. level in [0, kNumLevels).
  const std::vector<std::shared_ptr<const FileMeta>>& files(int level) const;
  uint64_t LevelBytes(int level) const;
  int NumFiles(int level) const;

  // Files of level whose user-part range intersects the inclusive range
  // [smallest_user_part, largest_user_part] (each = cf byte + user key), in
  // level order. O(log n + k) for L1+.
  std::vector<std::shared_ptr<const FileMeta>> Overlapping(
      int level, std::string_view smallest_user_part,
      std::string_view largest_user_part) const;

  // For L1+ (level >= 1): the index of the first file whose largest key is
  // >= ikey (CompareInternalKeys), or NumFiles(level) if there is none.
  int FindFile(int level, std::string_view ikey) const;

  std::string DebugString() const;

 private:
  friend class VersionBuilder;

  std::array<std::vector<std::shared_ptr<const FileMeta>>, kNumLevels> files_;
  std::array<uint64_t, kNumLevels> level_bytes_{};
};

// Accumulates edits on top of a base Version. Usage:
//   VersionBuilder b(current);
//   NOKV_RETURN_IF_ERROR(b.Apply(edit));
//   auto v = b.Finish();
// Apply checks each edit against the state so far: within one edit deletions
// are applied before additions (so a file may move between levels);
// deleting a file that is not in that level, adding a number that is already
// present, a bad level, or a file whose smallest key exceeds its largest is
// Corruption. Finish checks the L1+ ordering invariant.
class VersionBuilder {
 public:
  // base may be null (an empty Version).
  explicit VersionBuilder(std::shared_ptr<const Version> base);

  Status Apply(const VersionEdit& edit);
  Result<std::shared_ptr<const Version>> Finish() const;

 private:
  // Per level, files by number. Unchanged FileMetas are shared with base.
  std::array<std::map<uint64_t, std::shared_ptr<const FileMeta>>, kNumLevels> levels_;
};

}  // namespace nokv
