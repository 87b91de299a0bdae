// The fixture of the command tests: a Dispatcher (no socket) over a real DB
// in a TempDir with an injected clock, so expiry is deterministic, and
// helpers that spell RESP2 replies.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "nokv/db.h"
#include "redis/dispatcher.h"
#include "testutil/test_util.h"

namespace nokv::redis {

class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override { Close(); }

  void Open() {
    Options o;
    o.clock_ms = [this] { return now_.load(); };
    Status s = DB::Open(o, dir_.path(), &db_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    d_ = std::make_unique<Dispatcher>(db_.get());
    session_.id = 7;
  }
  void Close() {
    d_.reset();
    if (db_) {
      ASSERT_TRUE(db_->Close().ok());
    }
    db_.reset();
  }

  std::string Run(std::vector<std::string> argv) {
    std::string out;
    d_->Execute(&session_, argv, &out);
    return out;
  }
  void Advance(uint64_t ms) { now_ += ms; }

  testutil::TempDir dir_;
  std::unique_ptr<DB> db_;
  std::unique_ptr<Dispatcher> d_;
  Session session_;
  std::atomic<uint64_t> now_{1'700'000'000'000};
};

inline const std::string kOK = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";
inline std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
inline std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
inline std::string Error(const std::string& s) { return "-" + s + "\r\n"; }
// A RESP2 array of already encoded replies.
inline std::string Arr(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& item : items) out += item;
  return out;
}

}  // namespace nokv::redis
