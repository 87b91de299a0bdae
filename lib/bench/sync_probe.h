// The raw synced-write rate of a disk: append 4 KiB to a file and fdatasync
// it, in a loop, as a WAL with one synced write per record would. The
// synced-put runs (workloads sync-1w, sync-16w) are reported against it.
#pragma once

#include <cstdint>
#include <string>

#include "bench/result.h"

namespace nokv::bench {

// Appends 4 KiB + fdatasync `ops` times (stopping early after `max_seconds`)
// to a fresh file in `dir`, removed afterwards. The result has engine
// kRawSyncEngine, workload kRawSyncWorkload, ops, ops/s and latencies of one
// append+fdatasync; error set if the file cannot be written or synced.
BenchResult MeasureRawFdatasync(const std::string& dir, uint64_t ops, double max_seconds);

}  // namespace nokv::bench
