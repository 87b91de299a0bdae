// YCSB core workload table (workloads/workload[a-f] in the YCSB repo; G is
// NoKV's insert-only addition) and the operation/key choosers.
#include "bench/workload.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace nokv::bench {

const char* OpName(OpType op) {
  switch (op) {
    case OpType::kRead: return "read";
    case OpType::kUpdate: return "update";
    case OpType::kInsert: return "insert";
    case OpType::kScan: return "scan";
    case OpType::kReadModifyWrite: return "rmw";
  }
  return "?";
}

const char* DistributionName(Distribution d) {
  switch (d) {
    case Distribution::kUniform: return "uniform";
    case Distribution::kZipfian: return "zipfian";
    case Distribution::kLatest: return "latest";
    case Distribution::kSequential: return "sequential";
  }
  return "?";
}

std::optional<Distribution> ParseDistribution(const std::string& name) {
  if (name == "uniform") return Distribution::kUniform;
  if (name == "zipfian") return Distribution::kZipfian;
  if (name == "latest") return Distribution::kLatest;
  if (name == "sequential") return Distribution::kSequential;
  return std::nullopt;
}

std::optional<WorkloadSpec> StandardWorkload(const std::string& raw) {
  std::string name = raw;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  WorkloadSpec w;
  w.name = name;
  if (name == "a") {
    w.description = "update heavy: 50% read, 50% update, zipfian";
    w.read = 0.5;
    w.update = 0.5;
  } else if (name == "b") {
    w.description = "read mostly: 95% read, 5% update, zipfian";
    w.read = 0.95;
    w.update = 0.05;
  } else if (name == "c") {
    w.description = "read only: 100% read, zipfian";
    w.read = 1.0;
  } else if (name == "d") {
    w.description = "read latest: 95% read, 5% insert, latest";
    w.read = 0.95;
    w.insert = 0.05;
    w.distribution = Distribution::kLatest;
  } else if (name == "e") {
    w.description = "short ranges: 95% scan (1..100), 5% insert, zipfian";
    w.scan = 0.95;
    w.insert = 0.05;
  } else if (name == "f") {
    w.description = "read-modify-write: 50% read, 50% rmw, zipfian";
    w.read = 0.5;
    w.read_modify_write = 0.5;
  } else if (name == "g") {
    w.description = "insert only: 100% insert of new keys";
    w.insert = 1.0;
  } else if (name == "fillseq") {
    w.description = "db_bench fillseq: insert ops keys in key order, empty DB";
    w.insert = 1.0;
    w.load = false;
    w.ordered_keys = true;
  } else if (name == "fillrandom") {
    w.description = "db_bench fillrandom: insert ops keys in hashed order, empty DB";
    w.insert = 1.0;
    w.load = false;
  } else if (name == "readrandom") {
    w.description = "db_bench readrandom: 100% read, uniform";
    w.read = 1.0;
    w.distribution = Distribution::kUniform;
  } else if (name == "sync-1w" || name == "sync-16w") {
    w.threads = name == "sync-1w" ? 1 : 16;
    w.description = fmt::format(
        "synced puts: {} writer{}, every write synced, new keys, empty DB", w.threads,
        w.threads == 1 ? "" : "s");
    w.insert = 1.0;
    w.load = false;
    w.sync = true;
  } else {
    return std::nullopt;
  }
  return w;
}

std::vector<std::string> StandardWorkloadNames() {
  return {"a",          "b",          "c",       "d",       "e",       "f", "g",
          "fillseq",    "fillrandom", "readrandom", "sync-1w", "sync-16w"};
}

OpChooser::OpChooser(const WorkloadSpec& spec, uint64_t seed) : rng_(seed) {
  const double p[kOpTypeCount] = {spec.read, spec.update, spec.insert, spec.scan,
                                  spec.read_modify_write};
  double sum = 0;
  for (int i = 0; i < kOpTypeCount; ++i) {
    sum += p[i];
    cumulative_[i] = sum;
  }
  total_ = sum;
}

OpType OpChooser::Next() {
  const double x = NextDouble(&rng_) * total_;
  for (int i = 0; i < kOpTypeCount; ++i) {
    if (x < cumulative_[i]) return static_cast<OpType>(i);
  }
  // Rounding at the top end: the last operation with a non-zero share.
  for (int i = kOpTypeCount - 1; i > 0; --i) {
    if (cumulative_[i] > cumulative_[i - 1]) return static_cast<OpType>(i);
  }
  return OpType::kRead;
}

KeyChooser::KeyChooser(const WorkloadSpec& spec, uint64_t records, uint64_t ops,
                       const AcknowledgedCounter* inserts, uint64_t seed)
    : distribution_(spec.distribution), inserts_(inserts), records_(std::max<uint64_t>(records, 1)) {
  switch (distribution_) {
    case Distribution::kUniform:
      uniform_ = std::make_unique<UniformGenerator>(0, records_ - 1, seed);
      break;
    case Distribution::kZipfian: {
      // YCSB sizes the zipfian for twice the expected number of inserts.
      const auto expected_new =
          static_cast<uint64_t>(static_cast<double>(ops) * spec.insert * 2.0);
      zipfian_ = std::make_unique<ScrambledZipfianGenerator>(0, records_ + expected_new - 1, seed);
      break;
    }
    case Distribution::kLatest:
      latest_ = std::make_unique<SkewedLatestGenerator>(inserts, seed);
      break;
    case Distribution::kSequential:
      sequential_ = seed % records_;
      break;
  }
}

uint64_t KeyChooser::Next() {
  switch (distribution_) {
    case Distribution::kUniform:
      return uniform_->Next();
    case Distribution::kZipfian: {
      // Numbers past the acknowledged inserts are not readable yet: retry.
      const uint64_t limit = inserts_->LastValue();
      uint64_t k;
      do {
        k = zipfian_->Next();
      } while (k > limit);
      return k;
    }
    case Distribution::kLatest:
      return latest_->Next();
    case Distribution::kSequential:
      return sequential_++ % records_;
  }
  return 0;
}

}  // namespace nokv::bench
