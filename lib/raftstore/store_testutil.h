// Helpers shared by the store's cluster tests.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "raftstore/test_cluster.h"

namespace nokv::raftstore::ctest {

// Cluster tests log at warn unless NOKV_TEST_LOG names a level ("info").
inline void QuietLogs() {
  static const bool once = [] {
    const char* level = std::getenv("NOKV_TEST_LOG");
    spdlog::set_level(level ? spdlog::level::from_str(level) : spdlog::level::warn);
    return true;
  }();
  (void)once;
}

inline std::string Key(int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// Every running store holds the same "default" data for [start, end).
inline void ExpectReplicasEqual(TestCluster& c, const std::string& start, const std::string& end) {
  std::vector<std::pair<std::string, std::string>> first;
  uint64_t first_id = 0;
  for (uint64_t id : c.store_ids()) {
    if (c.store(id) == nullptr) continue;
    auto data = c.LocalData(id, start, end);
    if (first_id == 0) {
      first = data;
      first_id = id;
      continue;
    }
    EXPECT_EQ(data.size(), first.size()) << "store " << id << " vs store " << first_id;
    EXPECT_TRUE(data == first) << "store " << id << " differs from store " << first_id;
  }
}

// Waits until every running store holds exactly `n` keys in [start, end).
inline bool WaitLocalCount(TestCluster& c, const std::string& start, const std::string& end,
                           size_t n, int timeout_ms = 15000) {
  const bool ok = TestCluster::WaitFor(
      [&] {
        for (uint64_t id : c.store_ids()) {
          if (c.store(id) != nullptr && c.LocalData(id, start, end).size() != n) return false;
        }
        return true;
      },
      timeout_ms);
  if (!ok) {
    for (uint64_t id : c.store_ids()) {
      if (c.store(id) == nullptr) continue;
      ADD_FAILURE() << "store " << id << " holds " << c.LocalData(id, start, end).size()
                    << " keys, expected " << n;
    }
  }
  return ok;
}

// A background writer of unique keys prefix+N through the cluster client;
// remembers which puts were acknowledged.
class Writer {
 public:
  Writer(TestCluster* c, std::string prefix) : c_(c), prefix_(std::move(prefix)) {
    thread_ = std::thread([this] {
      for (int i = 0; !stop_.load(); i++) {
        char buf[48];
        snprintf(buf, sizeof(buf), "%s%06d", prefix_.c_str(), i);
        if (c_->Put(buf, buf, 3000).ok()) {
          std::lock_guard<std::mutex> l(mu_);
          acked_.insert(buf);
        }
      }
    });
  }
  ~Writer() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::set<std::string> acked() {
    std::lock_guard<std::mutex> l(mu_);
    return acked_;
  }

 private:
  TestCluster* c_;
  std::string prefix_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::set<std::string> acked_;
  std::thread thread_;
};

// Issues `n` puts to the region's leader with up to `window` in flight
// (callbacks, no waiting per write); returns how many were acknowledged.
inline int PipelinedPuts(Store* leader, const RegionStatus& r, int n, int window,
                         const std::string& prefix) {
  std::atomic<int> in_flight{0}, acked{0};
  std::mutex mu;
  std::condition_variable cv;
  for (int i = 0; i < n; i++) {
    {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return in_flight.load() < window; });
    }
    kvrpcpb::RawPutRequest req;
    req.mutable_context()->set_region_id(r.region.id());
    *req.mutable_context()->mutable_region_epoch() = r.region.region_epoch();
    char buf[48];
    snprintf(buf, sizeof(buf), "%s%07d", prefix.c_str(), i);
    req.set_key(buf);
    req.set_value(std::string(32, 'v'));
    in_flight++;
    leader->RawPut(req, [&](kvrpcpb::RawPutResponse resp) {
      if (!resp.has_region_error() && resp.error().empty()) acked++;
      std::lock_guard<std::mutex> l(mu);
      in_flight--;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return in_flight.load() == 0; });
  return acked.load();
}

}  // namespace nokv::raftstore::ctest
