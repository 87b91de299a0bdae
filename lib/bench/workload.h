// Workload definitions: YCSB's core workloads A-G plus db_bench-style fill
// and read runs, and the per-thread choosers that turn a definition into a
// stream of (operation, key number) pairs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bench/generators.h"

namespace nokv::bench {

enum class OpType : uint8_t { kRead, kUpdate, kInsert, kScan, kReadModifyWrite };
constexpr int kOpTypeCount = 5;
const char* OpName(OpType op);

enum class Distribution : uint8_t { kUniform, kZipfian, kLatest, kSequential };
const char* DistributionName(Distribution d);
std::optional<Distribution> ParseDistribution(const std::string& name);

struct WorkloadSpec {
  std::string name;         // "a" .. "g", "fillseq", ...
  std::string description;  // one line for the report
  double read = 0, update = 0, insert = 0, scan = 0, read_modify_write = 0;  // proportions
  Distribution distribution = Distribution::kZipfian;
  uint64_t max_scan_length = 100;  // scan lengths are uniform in [1, max]
  bool load = true;                // insert `records` keys before the timed run
  bool ordered_keys = false;       // key names without hashing (fillseq)
  int threads = 0;                 // client threads; 0 = the run's --threads
  bool sync = false;               // every write synced (the sync-* workloads)
};

// "sync" in --workloads stands for these two, plus the raw fdatasync rate
// of the disk (engine "fdatasync", workload kRawSyncWorkload).
constexpr const char* kSyncWorkloadAlias = "sync";
constexpr const char* kRawSyncWorkload = "sync-raw";
constexpr const char* kRawSyncEngine = "fdatasync";

// The standard definition for a name (case-insensitive): YCSB "a".."g",
// db_bench-style "fillseq", "fillrandom", "readrandom", or the synced-put
// runs "sync-1w" (one writer) and "sync-16w" (16 writers), which insert new
// keys into an empty DB with every write synced. nullopt if unknown.
std::optional<WorkloadSpec> StandardWorkload(const std::string& name);
// Every name StandardWorkload knows, YCSB letters first.
std::vector<std::string> StandardWorkloadNames();

// Picks each operation's type by the spec's proportions. Per thread.
class OpChooser {
 public:
  OpChooser(const WorkloadSpec& spec, uint64_t seed);
  OpType Next();

 private:
  double cumulative_[kOpTypeCount];
  double total_;
  Random rng_;
};

// Picks key numbers of existing records for reads, updates, scans and
// read-modify-writes, as YCSB's CoreWorkload.nextKeynum does: uniform over
// the loaded records, scrambled zipfian over the records plus the expected
// inserts (retrying numbers not inserted yet), or skewed towards the latest
// acknowledged insert. Per thread; `inserts` is shared.
class KeyChooser {
 public:
  KeyChooser(const WorkloadSpec& spec, uint64_t records, uint64_t ops,
             const AcknowledgedCounter* inserts, uint64_t seed);
  uint64_t Next();

 private:
  Distribution distribution_;
  const AcknowledgedCounter* inserts_;
  std::unique_ptr<UniformGenerator> uniform_;
  std::unique_ptr<ScrambledZipfianGenerator> zipfian_;
  std::unique_ptr<SkewedLatestGenerator> latest_;
  uint64_t sequential_ = 0;
  uint64_t records_;
};

}  // namespace nokv::bench
