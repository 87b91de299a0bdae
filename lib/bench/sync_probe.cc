// Raw append + fdatasync loop (see sync_probe.h).
#include "bench/sync_probe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "bench/histogram.h"
#include "bench/workload.h"

namespace nokv::bench {

BenchResult MeasureRawFdatasync(const std::string& dir, uint64_t ops, double max_seconds) {
  using Clock = std::chrono::steady_clock;
  BenchResult r;
  r.engine = kRawSyncEngine;
  r.workload = kRawSyncWorkload;
  r.threads = 1;
  r.settings = "append 4 KiB then fdatasync, one file in the workdir";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = dir + "/fdatasync-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    r.error = "open " + path + ": " + std::strerror(errno);
    return r;
  }
  const std::string block(4096, 'x');
  LatencyHistogram latency;
  const Clock::time_point start = Clock::now();
  uint64_t done = 0;
  for (; done < ops; ++done) {
    if (std::chrono::duration<double>(Clock::now() - start).count() > max_seconds) break;
    const Clock::time_point t0 = Clock::now();
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd) != 0) {
      r.error = "write/fdatasync " + path + ": " + std::strerror(errno);
      break;
    }
    latency.Record(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  std::filesystem::remove(path, ec);
  r.ops = done;
  r.ops_per_sec = r.seconds > 0 ? static_cast<double>(done) / r.seconds : 0;
  r.avg_us = latency.Mean() / 1000.0;
  r.p50_us = static_cast<double>(latency.Percentile(50)) / 1000.0;
  r.p95_us = static_cast<double>(latency.Percentile(95)) / 1000.0;
  r.p99_us = static_cast<double>(latency.Percentile(99)) / 1000.0;
  r.p999_us = static_cast<double>(latency.Percentile(99.9)) / 1000.0;
  r.max_us = static_cast<double>(latency.max()) / 1000.0;
  r.user_bytes = done * block.size();
  return r;
}

}  // namespace nokv::bench
