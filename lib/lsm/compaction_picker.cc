// Compaction picking.
#include "lsm/compaction_picker.h"

#include <algorithm>

#include "base/internal_key.h"

namespace nokv {

uint64_t CompactionPlan::InputBytes() const {
  uint64_t n = 0;
  for (const auto& f : inputs) n += f->file_size;
  for (const auto& f : next_inputs) n += f->file_size;
  return n;
}

uint64_t MaxBytesForLevel(const CompactionPolicy& policy, int level) {
  uint64_t bytes = policy.max_bytes_for_level_base;
  for (int l = 1; l < level; ++l) bytes *= static_cast<uint64_t>(policy.level_size_multiplier);
  return bytes;
}

double LevelScore(const CompactionPolicy& policy, const Version& version, int level) {
  if (level == kNumLevels - 1) return 0;  // the last level has nowhere to go
  if (level == 0) {
    return static_cast<double>(version.NumFiles(0)) / policy.l0_compaction_trigger;
  }
  return static_cast<double>(version.LevelBytes(level)) /
         static_cast<double>(MaxBytesForLevel(policy, level));
}

namespace {

// User-part range [smallest, largest] covered by files.
void UserRange(const std::vector<std::shared_ptr<const FileMeta>>& files, std::string* smallest,
               std::string* largest) {
  for (size_t i = 0; i < files.size(); ++i) {
    std::string_view s = UserPart(files[i]->smallest);
    std::string_view l = UserPart(files[i]->largest);
    if (i == 0 || s < *smallest) smallest->assign(s);
    if (i == 0 || l > *largest) largest->assign(l);
  }
}

CompactionPlan PlanLevel(const CompactionPolicy& policy, std::shared_ptr<const Version> version,
                         int level, CompactPointers* pointers, double score) {
  CompactionPlan plan;
  plan.level = level;
  plan.output_level = level + 1;
  plan.score = score;
  if (level == 0) {
    // All of L0: its files overlap arbitrarily, and leaving an older file
    // behind would let newer data sink below it.
    plan.inputs = version->files(0);
  } else {
    const auto& files = version->files(level);
    // Round-robin: the first file after the last compacted key.
    size_t pick = 0;
    const std::string& ptr = (*pointers)[level];
    if (!ptr.empty()) {
      while (pick < files.size() && CompareInternalKeys(files[pick]->largest, ptr) <= 0) ++pick;
      if (pick == files.size()) pick = 0;
    }
    plan.inputs.push_back(files[pick]);
  }
  std::string smallest, largest;
  UserRange(plan.inputs, &smallest, &largest);
  plan.next_inputs = version->Overlapping(plan.output_level, smallest, largest);
  (*pointers)[level] = plan.inputs.back()->largest;
  plan.trivial_move = level > 0 && plan.inputs.size() == 1 && plan.next_inputs.empty();
  (void)policy;
  plan.version = std::move(version);
  return plan;
}

}  // namespace

std::optional<CompactionPlan> PickCompaction(const CompactionPolicy& policy,
                                             std::shared_ptr<const Version> version,
                                             CompactPointers* pointers, bool force) {
  int best_level = -1;
  double best_score = 0;
  for (int level = 0; level < kNumLevels - 1; ++level) {
    double score = LevelScore(policy, *version, level);
    if (score > best_score) {
      best_score = score;
      best_level = level;
    }
  }
  if (best_level < 0 || best_score < 1.0) {
    if (!force) return std::nullopt;
    // Push the shallowest non-empty level down, unless all data already
    // sits in one level at the bottom of the populated range.
    best_level = -1;
    int deepest = -1;
    for (int level = 0; level < kNumLevels; ++level) {
      if (version->NumFiles(level) > 0) deepest = level;
    }
    // L0 always goes down (its files overlap); deeper levels go down until
    // everything sits in the deepest populated level.
    if (version->NumFiles(0) > 0) deepest = std::max(deepest, 1);
    for (int level = 0; level < deepest; ++level) {
      if (version->NumFiles(level) > 0) {
        best_level = level;
        break;
      }
    }
    if (best_level < 0) return std::nullopt;
  }
  return PlanLevel(policy, std::move(version), best_level, pointers, best_score);
}

bool IsBottommostForKey(const Version& version, int output_level, std::string_view user_part) {
  for (int level = output_level + 1; level < kNumLevels; ++level) {
    if (!version.Overlapping(level, user_part, user_part).empty()) return false;
  }
  return true;
}

bool IsRangeConfinedToInputs(const CompactionPlan& plan, std::string_view smallest_user_part,
                             std::string_view largest_user_part) {
  auto is_input = [&plan](const std::shared_ptr<const FileMeta>& f) {
    auto same = [&f](const std::shared_ptr<const FileMeta>& g) { return g->number == f->number; };
    return std::any_of(plan.inputs.begin(), plan.inputs.end(), same) ||
           std::any_of(plan.next_inputs.begin(), plan.next_inputs.end(), same);
  };
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : plan.version->Overlapping(level, smallest_user_part, largest_user_part)) {
      if (!is_input(f)) return false;
    }
  }
  return true;
}

}  // namespace nokv
