// RunBench: validates the configuration, runs every (workload, repeat,
// engine) in that order, each in a forked child, and prints and writes the
// reports.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "bench/report.h"
#include "bench/runner.h"
#include "bench/sync_probe.h"
#include "bench/values.h"

namespace nokv::bench {
namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Reads the whole pipe.
std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  return out;
}

void WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Runs one (engine, workload) in a forked child; fills peak RSS from the
// child's rusage.
BenchResult RunInChild(const BenchConfig& config, const EngineRegistry& registry,
                       const std::string& engine, const WorkloadSpec& spec,
                       const std::string& dir, int repeat) {
  BenchResult failed;
  failed.engine = engine;
  failed.workload = spec.name;
  failed.repeat = repeat;
  int fds[2];
  if (::pipe(fds) != 0) {
    failed.error = "pipe failed";
    return failed;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    failed.error = "fork failed";
    return failed;
  }
  if (pid == 0) {
    ::close(fds[0]);
    const BenchResult r = RunOne(config, registry, engine, spec, dir, repeat);
    WriteAll(fds[1], SerializeResult(r));
    ::close(fds[1]);
    std::fflush(stderr);
    ::_exit(r.error.empty() ? 0 : 1);
  }
  ::close(fds[1]);
  const std::string text = ReadAll(fds[0]);
  ::close(fds[0]);
  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  BenchResult r;
  if (!ParseResult(text, &r)) {
    r = failed;
    r.error = WIFSIGNALED(status) ? fmt::format("child killed by signal {}", WTERMSIG(status))
                                  : fmt::format("child exited {} without a result",
                                                WEXITSTATUS(status));
  }
  r.peak_rss_bytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  return r;
}

}  // namespace

int RunBench(const BenchConfig& config, const EngineRegistry& registry) {
  // Validate everything before the first (possibly hours-long) run.
  const std::vector<std::string> engines = SplitList(config.engines);
  if (engines.empty()) {
    std::fprintf(stderr, "nokv bench: no engines given\n");
    return 2;
  }
  for (const std::string& e : engines) {
    if (std::find(registry.names.begin(), registry.names.end(), e) == registry.names.end()) {
      std::string known;
      for (const std::string& n : registry.names) known += (known.empty() ? "" : ", ") + n;
      std::fprintf(stderr, "nokv bench: engine \"%s\" is not available (built in: %s)\n",
                   e.c_str(), known.c_str());
      return 2;
    }
  }
  std::vector<WorkloadSpec> specs;
  bool raw_sync = false;  // measure the disk's own fdatasync rate before sync-1w
  for (const std::string& w : SplitList(config.workloads)) {
    std::vector<std::string> names = {w};
    if (w == kSyncWorkloadAlias) {
      names = {"sync-1w", "sync-16w"};
      raw_sync = true;
    }
    for (const std::string& name : names) {
      std::optional<WorkloadSpec> spec = StandardWorkload(name);
      if (!spec) {
        std::string known;
        for (const std::string& n : StandardWorkloadNames()) known += (known.empty() ? "" : ", ") + n;
        std::fprintf(stderr, "nokv bench: unknown workload \"%s\" (known: %s, sync)\n",
                     w.c_str(), known.c_str());
        return 2;
      }
      spec->max_scan_length = config.max_scan_length;
      if (!config.distribution.empty()) {
        std::optional<Distribution> d = ParseDistribution(config.distribution);
        if (!d) {
          std::fprintf(stderr, "nokv bench: unknown distribution \"%s\"\n",
                       config.distribution.c_str());
          return 2;
        }
        spec->distribution = *d;
      }
      specs.push_back(*spec);
    }
  }
  if (specs.empty()) {
    std::fprintf(stderr, "nokv bench: no workloads given\n");
    return 2;
  }
  if (config.threads < 1 || config.records < 1 || config.repeat < 1) {
    std::fprintf(stderr, "nokv bench: --threads, --records and --repeat must be >= 1\n");
    return 2;
  }
  if (config.value_size < kMinValueSize) {
    std::fprintf(stderr, "nokv bench: --value-size must be >= %zu (values carry a version)\n",
                 kMinValueSize);
    return 2;
  }

  std::printf("%s", FormatHeader(config, specs).c_str());
  std::fflush(stdout);

  // Workload-major, engines interleaved within each repeat, so slow drift of
  // the machine (page cache, other load, thermal) hits every engine alike.
  std::vector<BenchResult> results;
  bool failed = false;
  const size_t total = specs.size() * static_cast<size_t>(config.repeat) * engines.size() +
                       (raw_sync ? static_cast<size_t>(config.repeat) : 0);
  size_t done = 0;
  const auto started = std::chrono::steady_clock::now();
  auto report = [&](const BenchResult& r) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!r.error.empty()) {
      failed = true;
      std::fprintf(stderr, "nokv bench: %s/%s #%d failed: %s\n", r.engine.c_str(),
                   r.workload.c_str(), r.repeat + 1, r.error.c_str());
    } else {
      if (!r.ok()) {
        failed = true;
        std::fprintf(stderr,
                     "nokv bench: %s/%s #%d read back %llu missing and %llu wrong values\n",
                     r.engine.c_str(), r.workload.c_str(), r.repeat + 1,
                     static_cast<unsigned long long>(r.not_found),
                     static_cast<unsigned long long>(r.wrong));
      }
      std::fprintf(stderr, "[%zu/%zu %4.0fs] %-9s %-10s #%d %12.0f ops/s  p99 %9.1f us%s\n",
                   done, total, elapsed, r.engine.c_str(), r.workload.c_str(), r.repeat + 1,
                   r.ops_per_sec, r.p99_us,
                   r.load_ops_per_sec > 0
                       ? fmt::format("  (load {:.0f} ops/s)", r.load_ops_per_sec).c_str()
                       : "");
    }
    std::fflush(stderr);
  };
  for (const WorkloadSpec& spec : specs) {
    for (int rep = 0; rep < config.repeat; ++rep) {
      if (raw_sync && spec.name == "sync-1w") {
        BenchResult raw = MeasureRawFdatasync(config.workdir, config.sync_ops, config.sync_seconds);
        raw.repeat = rep;
        ++done;
        report(raw);
        results.push_back(std::move(raw));
      }
      for (const std::string& engine : engines) {
        const std::string dir = config.workdir + "/" + engine + "-" + spec.name;
        BenchResult r;
        if (config.fork) {
          r = RunInChild(config, registry, engine, spec, dir, rep);
        } else {
          r = RunOne(config, registry, engine, spec, dir, rep);
          struct rusage usage {};
          ::getrusage(RUSAGE_SELF, &usage);
          r.peak_rss_bytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // process-wide
        }
        ++done;
        report(r);
        results.push_back(std::move(r));
      }
    }
  }

  std::printf("%s", FormatTable(results).c_str());
  std::printf("%s", FormatRatios(results).c_str());
  std::printf("%s", FormatSyncRatios(results).c_str());
  std::printf("%s", FormatSettings(results).c_str());
  std::printf("%s", FormatBytesWritten(results).c_str());

  std::string svg_path = config.svg_path;
  if (svg_path.empty()) svg_path = SvgPathFor(config);
  struct Output {
    const std::string* path;
    std::string text;
  };
  const Output outputs[] = {{&config.json_path, FormatJson(config, results)},
                            {&config.csv_path, FormatCsv(results)},
                            {&svg_path, FormatSvg(results)}};
  for (const Output& out : outputs) {
    if (out.path->empty()) continue;
    Status ws = WriteTextFile(*out.path, out.text);
    if (!ws.ok()) {
      std::fprintf(stderr, "nokv bench: %s\n", ws.ToString().c_str());
      failed = true;
    } else {
      std::printf("wrote %s\n", out.path->c_str());
    }
  }
  if (failed) {
    std::printf("FAILED: a run failed or read back missing/wrong values (see above)\n");
  }
  return failed ? 1 : 0;
}

}  // namespace nokv::bench
