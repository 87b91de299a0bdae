// Leveled compaction policy: level targets, scores and the choice of the next
// compaction (RocksDB/LevelDB-style, with L0 compacted as a whole).
//
// Invariant kept by every plan: for any user key, entries in a lower-numbered
// level are newer (higher sequence) than entries in a higher-numbered level,
// and within L1+ each user key lives in at most one file per level.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "manifest/file_meta.h"
#include "manifest/version.h"

namespace nokv {

struct CompactionPolicy {
  int l0_compaction_trigger = 4;
  uint64_t max_bytes_for_level_base = 256ull << 20;
  int level_size_multiplier = 10;
  uint64_t target_file_size = 64ull << 20;
};

struct CompactionPlan {
  int level = 0;         // input level
  int output_level = 1;  // level + 1
  std::vector<std::shared_ptr<const FileMeta>> inputs;      // from `level`
  std::vector<std::shared_ptr<const FileMeta>> next_inputs; // from `output_level`
  bool trivial_move = false;  // one file, nothing below overlaps: just relink it
  double score = 0;
  std::shared_ptr<const Version> version;

  uint64_t InputBytes() const;
};

// Target size of a level (L1 = base, each deeper level `multiplier` times more).
uint64_t MaxBytesForLevel(const CompactionPolicy& policy, int level);
// >= 1 means the level is due for compaction.
double LevelScore(const CompactionPolicy& policy, const Version& version, int level);

// Per-level round-robin positions (the largest key of the last file compacted).
using CompactPointers = std::array<std::string, kNumLevels>;

// Picks the most urgent compaction, or nullopt if no level has score >= 1.
// With `force`, also picks a level below its target if it has files (used by
// CompactAll to push everything down).
std::optional<CompactionPlan> PickCompaction(const CompactionPolicy& policy,
                                             std::shared_ptr<const Version> version,
                                             CompactPointers* pointers, bool force);

// True if no file in a level deeper than `output_level` may hold user_part.
bool IsBottommostForKey(const Version& version, int output_level, std::string_view user_part);

// True if every file of plan.version (any level) that may hold a user part
// in [smallest, largest] is an input of the plan: after the compaction, its
// output is the only place such data can be.
bool IsRangeConfinedToInputs(const CompactionPlan& plan, std::string_view smallest_user_part,
                             std::string_view largest_user_part);

}  // namespace nokv
