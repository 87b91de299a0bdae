// One benchmark run (RunOne): phases, client threads, progress line,
// value checks. RunBench, which orders and forks the runs, is run_bench.cc.
#include "bench/runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <latch>
#include <mutex>
#include <thread>

#include "bench/histogram.h"
#include "bench/values.h"

namespace nokv::bench {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t NanosSince(Clock::time_point t0) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
}

double Micros(uint64_t nanos) { return static_cast<double>(nanos) / 1000.0; }

// What one client thread owns during a phase. Only `done` is read by
// another thread (the progress line).
struct ClientState {
  alignas(64) std::atomic<uint64_t> done{0};
  LatencyHistogram all;
  LatencyHistogram per_op[kOpTypeCount];
  uint64_t not_found = 0;
  uint64_t wrong = 0;
  uint64_t checked = 0;
  uint64_t writes = 0;          // this thread's writes in the phase (value versions)
  uint64_t scanned = 0;
  uint64_t user_bytes = 0;      // key + value bytes written
  uint64_t inserted_keys = 0;   // new records
  uint64_t inserted_key_bytes = 0;
  Status error;
};

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const uintmax_t n = it->file_size(size_ec);
      if (!size_ec) total += n;
    }
  }
  return total;
}

// Runs body(thread, state, start) on `threads` threads, with a live progress
// line on stderr while it runs (when enabled). Each body does its setup
// (generators), then calls start->arrive_and_wait(); the clock starts when
// every thread is ready. Returns elapsed seconds.
template <typename Body>
double RunPhase(const std::string& label, int threads, uint64_t total_ops, bool progress,
                std::vector<std::unique_ptr<ClientState>>* states, Body body) {
  states->clear();
  for (int t = 0; t < threads; ++t) states->push_back(std::make_unique<ClientState>());
  std::atomic<bool> finished{false};
  std::latch ready(threads + 1);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] { body(t, (*states)[static_cast<size_t>(t)].get(), &ready); });
  }
  ready.arrive_and_wait();
  const Clock::time_point start = Clock::now();
  std::thread ticker;
  if (progress) {
    ticker = std::thread([&] {
      uint64_t last_done = 0;
      Clock::time_point last = Clock::now();
      while (!finished.load(std::memory_order_acquire)) {
        for (int i = 0; i < 10 && !finished.load(std::memory_order_acquire); ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        uint64_t done = 0;
        for (const auto& s : *states) done += s->done.load(std::memory_order_relaxed);
        const Clock::time_point now = Clock::now();
        const double secs = std::chrono::duration<double>(now - last).count();
        std::fprintf(stderr, "\r\033[K%s: %llu/%llu ops, %.0f ops/s", label.c_str(),
                     static_cast<unsigned long long>(done),
                     static_cast<unsigned long long>(total_ops),
                     secs > 0 ? static_cast<double>(done - last_done) / secs : 0.0);
        std::fflush(stderr);
        last_done = done;
        last = now;
      }
      std::fprintf(stderr, "\r\033[K");
      std::fflush(stderr);
    });
  }
  for (std::thread& w : workers) w.join();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  finished.store(true, std::memory_order_release);
  if (ticker.joinable()) ticker.join();
  return secs;
}

// Splits n operations over threads; thread t gets its share.
uint64_t ShareOf(uint64_t n, int threads, int t) {
  const auto k = static_cast<uint64_t>(threads);
  return n / k + (static_cast<uint64_t>(t) < n % k ? 1 : 0);
}

// One (engine, workload) run: the load, warm-up and timed phases on one open
// engine. Every value written is MakeValue(key, version) with a version
// unique to the write (values.h); every value read back, by a read, a
// read-modify-write or a scan, is checked. What must be found: every key a
// read or scan start names was loaded or its insert acknowledged (readers
// never go past AcknowledgedCounter::LastValue, the highest insert below
// which all are acknowledged, so inserts racing reads are never read early),
// and no workload deletes, so every lookup must find its key and a scan must
// start at its start key. Misses count as not_found, bad values as wrong.
class Run {
 public:
  Run(const BenchConfig& config, const WorkloadSpec& spec, Engine* engine, int threads)
      : c_(config),
        spec_(spec),
        engine_(engine),
        threads_(threads),
        loaded_(spec.load ? config.records : 0),
        inserts_(loaded_) {}

  std::string KeyName(uint64_t keynum) const {
    return spec_.ordered_keys ? BuildKeyName(keynum, true, 12) : BuildKeyName(keynum);
  }

  // Inserts the records, in hashed-key order, from all client threads.
  Status Load(const std::string& label, BenchResult* r) {
    std::atomic<uint64_t> next{0};
    std::vector<std::unique_ptr<ClientState>> states;
    r->load_seconds = RunPhase(label + " load", threads_, loaded_, progress_, &states,
                               [&](int t, ClientState* st, std::latch* start) {
      std::string value;
      start->arrive_and_wait();
      for (uint64_t k; (k = next.fetch_add(1, std::memory_order_relaxed)) < loaded_;) {
        const std::string key = KeyName(k);
        MakeValue(key, WriteVersion(0, static_cast<uint64_t>(t), st->writes++), c_.value_size,
                  &value);
        st->error = engine_->Write(key, value);
        if (!st->error.ok()) return;
        st->user_bytes += key.size() + value.size();
        st->inserted_key_bytes += key.size();
        st->done.fetch_add(1, std::memory_order_relaxed);
      }
    });
    r->load_ops_per_sec = r->load_seconds > 0 ? static_cast<double>(loaded_) / r->load_seconds : 0;
    for (const auto& s : states) {
      user_bytes_ += s->user_bytes;
      key_bytes_ += s->inserted_key_bytes;
      if (!s->error.ok()) return s->error;
    }
    return Status::OK();
  }

  // The warm-up (record = false) and timed (record = true) phases. A
  // non-zero max_seconds ends the phase early (the synced-put runs).
  Status Transactions(const std::string& label, uint64_t ops, bool record, BenchResult* r,
                      uint64_t phase, double max_seconds) {
    std::vector<std::unique_ptr<ClientState>> states;
    const bool needs_keys = spec_.read + spec_.update + spec_.scan + spec_.read_modify_write > 0;
    const double per_thread_interval_ns =
        c_.target_ops_per_sec > 0 ? 1e9 * threads_ / c_.target_ops_per_sec : 0;
    const auto max_nanos = static_cast<uint64_t>(max_seconds * 1e9);
    const double secs = RunPhase(label, threads_, ops, progress_, &states,
                                 [&](int t, ClientState* st, std::latch* ready) {
      const uint64_t seed = (c_.seed + phase) * 1000003 + static_cast<uint64_t>(t) * 7;
      OpChooser chooser(spec_, seed + 1);
      std::unique_ptr<KeyChooser> keys;
      if (needs_keys) {
        keys = std::make_unique<KeyChooser>(spec_, loaded_, ops, &inserts_, seed + 2);
      }
      UniformGenerator scan_length(1, std::max<uint64_t>(spec_.max_scan_length, 1), seed + 3);
      std::string read_buf, value;
      const uint64_t n = ShareOf(ops, threads_, t);
      auto next_version = [&] { return WriteVersion(phase, static_cast<uint64_t>(t), st->writes++); };
      // NotFound is counted, not an error; a found value is checked.
      auto check_read = [&](const std::string& key, Status s) {
        if (s.IsNotFound()) {
          ++st->not_found;
          return Status::OK();
        }
        if (s.ok()) {
          ++st->checked;
          if (!CheckValue(key, read_buf, c_.value_size)) ++st->wrong;
        }
        return s;
      };
      ready->arrive_and_wait();
      const Clock::time_point start = Clock::now();
      for (uint64_t i = 0; i < n; ++i) {
        if (per_thread_interval_ns > 0) {
          const auto due = start + std::chrono::nanoseconds(static_cast<int64_t>(
                                       per_thread_interval_ns * static_cast<double>(i)));
          std::this_thread::sleep_until(due);
        }
        if (max_nanos > 0 && NanosSince(start) > max_nanos) break;
        const OpType op = chooser.Next();
        Status s;
        uint64_t nanos = 0;  // the engine calls only: key and value making and checks excluded
        switch (op) {
          case OpType::kRead: {
            const std::string key = KeyName(keys->Next());
            const Clock::time_point t0 = Clock::now();
            s = engine_->Read(key, &read_buf);
            nanos = NanosSince(t0);
            s = check_read(key, s);
            break;
          }
          case OpType::kUpdate: {
            const std::string key = KeyName(keys->Next());
            MakeValue(key, next_version(), c_.value_size, &value);
            const Clock::time_point t0 = Clock::now();
            s = engine_->Write(key, value);
            nanos = NanosSince(t0);
            st->user_bytes += key.size() + value.size();
            break;
          }
          case OpType::kInsert: {
            const uint64_t keynum = inserts_.Next();
            const std::string key = KeyName(keynum);
            MakeValue(key, next_version(), c_.value_size, &value);
            const Clock::time_point t0 = Clock::now();
            s = engine_->Write(key, value);
            nanos = NanosSince(t0);
            if (s.ok()) inserts_.Acknowledge(keynum);
            st->user_bytes += key.size() + value.size();
            ++st->inserted_keys;
            st->inserted_key_bytes += key.size();
            break;
          }
          case OpType::kScan: {
            // Checking each entry is inside the timed call (the views die
            // with the next entry); it is the same work for every engine.
            const std::string key = KeyName(keys->Next());
            uint64_t found = 0;
            bool starts_at_key = false;
            const Clock::time_point t0 = Clock::now();
            s = engine_->Scan(key, scan_length.Next(),
                              [&](std::string_view k, std::string_view v) {
                                if (found++ == 0) starts_at_key = k == key;
                                ++st->checked;
                                if (!CheckValue(k, v, c_.value_size)) ++st->wrong;
                              });
            nanos = NanosSince(t0);
            if (s.ok() && !starts_at_key) ++st->not_found;  // the start key exists
            st->scanned += found;
            break;
          }
          case OpType::kReadModifyWrite: {
            const std::string key = KeyName(keys->Next());
            Clock::time_point t0 = Clock::now();
            s = engine_->Read(key, &read_buf);
            nanos = NanosSince(t0);
            s = check_read(key, s);
            if (s.ok()) {
              MakeValue(key, next_version(), c_.value_size, &value);
              t0 = Clock::now();
              s = engine_->Write(key, value);
              nanos += NanosSince(t0);
              st->user_bytes += key.size() + value.size();
            }
            break;
          }
        }
        if (!s.ok()) {
          st->error = s;
          return;
        }
        if (record) {
          st->all.Record(nanos);
          st->per_op[static_cast<int>(op)].Record(nanos);
        }
        st->done.fetch_add(1, std::memory_order_relaxed);
      }
    });
    Status first_error;
    LatencyHistogram all;
    LatencyHistogram per_op[kOpTypeCount];
    for (const auto& s : states) {
      user_bytes_ += s->user_bytes;
      key_bytes_ += s->inserted_key_bytes;
      inserted_ += s->inserted_keys;
      r->not_found += s->not_found;  // warm-up misses count too
      r->wrong += s->wrong;
      r->checked += s->checked;
      if (first_error.ok() && !s->error.ok()) first_error = s->error;
      if (!record) continue;
      all.Merge(s->all);
      for (int i = 0; i < kOpTypeCount; ++i) per_op[i].Merge(s->per_op[i]);
      r->scanned += s->scanned;
    }
    if (record) {
      r->ops = all.count();
      r->seconds = secs;
      r->ops_per_sec = secs > 0 ? static_cast<double>(all.count()) / secs : 0;
      r->avg_us = all.Mean() / 1000.0;
      r->p50_us = Micros(all.Percentile(50));
      r->p95_us = Micros(all.Percentile(95));
      r->p99_us = Micros(all.Percentile(99));
      r->p999_us = Micros(all.Percentile(99.9));
      r->max_us = Micros(all.max());
      for (int i = 0; i < kOpTypeCount; ++i) {
        if (per_op[i].count() == 0) continue;
        OpResult o;
        o.op = OpName(static_cast<OpType>(i));
        o.count = per_op[i].count();
        o.avg_us = per_op[i].Mean() / 1000.0;
        o.p50_us = Micros(per_op[i].Percentile(50));
        o.p99_us = Micros(per_op[i].Percentile(99));
        r->op_mix.push_back(o);
      }
    }
    return first_error;
  }

  void set_progress(bool on) { progress_ = on; }
  uint64_t user_bytes() const { return user_bytes_; }
  uint64_t live_records() const { return loaded_ + inserted_; }
  uint64_t live_bytes() const { return key_bytes_ + live_records() * c_.value_size; }
  uint64_t loaded() const { return loaded_; }

 private:
  const BenchConfig& c_;
  const WorkloadSpec& spec_;
  Engine* engine_;
  int threads_;
  uint64_t loaded_;
  AcknowledgedCounter inserts_;
  bool progress_ = false;
  uint64_t user_bytes_ = 0;
  uint64_t key_bytes_ = 0;  // of every distinct record written
  uint64_t inserted_ = 0;
};

}  // namespace

BenchResult RunOne(const BenchConfig& config, const EngineRegistry& registry,
                   const std::string& engine_name, const WorkloadSpec& spec,
                   const std::string& dir, int repeat) {
  BenchResult r;
  r.engine = engine_name;
  r.workload = spec.name;
  r.repeat = repeat;
  const int threads = spec.threads > 0 ? spec.threads : config.threads;
  r.threads = threads;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(std::filesystem::path(dir).parent_path(), ec);

  EngineConfig engine_config = config.engine;
  if (spec.sync) engine_config.sync = true;
  std::unique_ptr<Engine> engine;
  Status s = registry.open(engine_name, engine_config, dir, &engine);
  if (!s.ok()) {
    r.error = "open: " + s.ToString();
    return r;
  }
  r.settings = engine->Settings();
  Run run(config, spec, engine.get(), threads);
  run.set_progress(config.progress && ::isatty(STDERR_FILENO));
  r.records = run.loaded();
  const std::string label = fmt::format("{}/{} #{}", engine_name, spec.name, repeat + 1);
  if (spec.load) s = run.Load(label, &r);
  if (s.ok() && config.warmup_ops > 0 && !spec.sync) {
    s = run.Transactions(label + " warm-up", config.warmup_ops, false, &r, 1, 0);
  }
  if (s.ok()) {
    s = spec.sync ? run.Transactions(label + " run", config.sync_ops, true, &r, 2,
                                     config.sync_seconds)
                  : run.Transactions(label + " run", config.ops, true, &r, 2, 0);
  }
  if (!s.ok()) r.error = s.ToString();

  const EngineStats stats = engine->Stats();
  Status close = engine->Close();
  if (r.error.empty() && !close.ok()) r.error = "close: " + close.ToString();
  engine.reset();

  r.user_bytes = run.user_bytes();
  r.live_bytes = run.live_bytes();
  r.disk_bytes = DirBytes(dir);
  r.bytes_written = stats.bytes_written;
  r.bytes_written_sources = stats.bytes_written_sources;
  if (stats.bytes_written >= 0 && r.user_bytes > 0) {
    r.write_amp = stats.bytes_written / static_cast<double>(r.user_bytes);
  }
  if (r.live_bytes > 0) {
    r.space_amp = static_cast<double>(r.disk_bytes) / static_cast<double>(r.live_bytes);
  }
  if (!config.keep) std::filesystem::remove_all(dir, ec);
  return r;
}

}  // namespace nokv::bench
