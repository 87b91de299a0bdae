// Every engine of the benchmark registry (NoKV and the peers compiled in)
// keeps the Engine contract the harness relies on: reads see writes, a
// missing key is NotFound (not an error), a scan counts the records from its
// start key, Settings describes the engine, Close succeeds.
#include "peer_engines.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace nokv::bench {
namespace {

class PeerEnginesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nokv-peer-test-" + std::to_string(getpid()) + "-" + GetParam());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_P(PeerEnginesTest, KeepsTheEngineContract) {
  EngineConfig config;
  config.memtable_size = 1 << 20;
  config.block_cache_size = 1 << 20;
  std::unique_ptr<Engine> engine;
  Status s = DefaultEngineRegistry().open(GetParam(), config, (dir_ / "db").string(), &engine);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_NE(engine, nullptr);
  EXPECT_FALSE(engine->Settings().empty());
  if (GetParam() == "rocksdb" || GetParam() == "leveldb") {  // "rocksdb 7.8.3: ..."
    EXPECT_EQ(engine->Settings().rfind(GetParam() + " ", 0), 0u) << engine->Settings();
  }

  for (int i = 0; i < 100; i++) {
    char key[16];
    std::snprintf(key, sizeof(key), "k%03d", i);
    ASSERT_TRUE(engine->Write(key, "value-" + std::to_string(i)).ok());
  }
  std::string value;
  ASSERT_TRUE(engine->Read("k042", &value).ok());
  EXPECT_EQ(value, "value-42");
  ASSERT_TRUE(engine->Write("k042", "new").ok());
  ASSERT_TRUE(engine->Read("k042", &value).ok());
  EXPECT_EQ(value, "new");
  EXPECT_TRUE(engine->Read("missing", &value).IsNotFound());

  std::vector<std::pair<std::string, std::string>> seen;
  auto collect = [&seen](std::string_view k, std::string_view v) {
    seen.emplace_back(std::string(k), std::string(v));
  };
  ASSERT_TRUE(engine->Scan("k090", 50, collect).ok());
  ASSERT_EQ(seen.size(), 10u);  // k090..k099, with their values
  EXPECT_EQ(seen.front(), std::make_pair(std::string("k090"), std::string("value-90")));
  EXPECT_EQ(seen.back(), std::make_pair(std::string("k099"), std::string("value-99")));
  seen.clear();
  ASSERT_TRUE(engine->Scan("k04", 5, collect).ok());
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[2], std::make_pair(std::string("k042"), std::string("new")));
  seen.clear();
  ASSERT_TRUE(engine->Scan("z", 5, collect).ok());
  EXPECT_EQ(seen.size(), 0u);
  EXPECT_TRUE(engine->Close().ok());
}

// Every engine counts what it wrote: at least the bytes handed to it (they
// all go through a WAL), with a breakdown by source.
TEST_P(PeerEnginesTest, CountsEveryByteWritten) {
  EngineConfig config;
  config.memtable_size = 256 << 10;
  config.block_cache_size = 1 << 20;
  std::unique_ptr<Engine> engine;
  ASSERT_TRUE(DefaultEngineRegistry().open(GetParam(), config, (dir_ / "db").string(), &engine).ok());
  const std::string value(1000, 'v');
  uint64_t user = 0;
  for (int i = 0; i < 2000; i++) {  // ~2 MB: several write buffers, so flushes too
    const std::string key = "key" + std::to_string(i);
    ASSERT_TRUE(engine->Write(key, value).ok());
    user += key.size() + value.size();
  }
  const EngineStats stats = engine->Stats();
  EXPECT_GE(stats.bytes_written, static_cast<double>(user)) << stats.bytes_written_sources;
  // WAL plus flushed tables: close to twice the user bytes, never 10x.
  EXPECT_GE(stats.bytes_written, 1.5 * static_cast<double>(user)) << stats.bytes_written_sources;
  EXPECT_LT(stats.bytes_written, 10.0 * static_cast<double>(user)) << stats.bytes_written_sources;
  EXPECT_NE(stats.bytes_written_sources.find("wal "), std::string::npos)
      << stats.bytes_written_sources;
  // Every write went through the WAL once (plus framing).
  EXPECT_GE(stats.wal_bytes_written, static_cast<double>(user)) << stats.bytes_written_sources;
  EXPECT_LT(stats.wal_bytes_written, 1.2 * static_cast<double>(user))
      << stats.bytes_written_sources;
  // The tables are the rest: a flush of everything but the write buffers
  // still in memory (the active one and one maybe being flushed).
  EXPECT_GE(stats.bytes_written - stats.wal_bytes_written,
            static_cast<double>(user) - 2.0 * static_cast<double>(config.memtable_size))
      << stats.bytes_written_sources;
  EXPECT_TRUE(engine->Close().ok());
}

// The same memory budget reaches every engine and the settings line says so.
TEST_P(PeerEnginesTest, SettingsStateTheMemoryBudgetAndL0Triggers) {
  for (int memtables : {2, 3}) {
    EngineConfig config;
    config.memtable_size = 1 << 20;
    config.memtables = memtables;
    config.block_cache_size = 4 << 20;
    std::unique_ptr<Engine> engine;
    std::filesystem::remove_all(dir_ / "db");
    ASSERT_TRUE(
        DefaultEngineRegistry().open(GetParam(), config, (dir_ / "db").string(), &engine).ok());
    const std::string s = engine->Settings();
    EXPECT_NE(s.find("block_cache=4MiB"), std::string::npos) << s;
    EXPECT_NE(s.find("l0_compaction/slowdown/stop="), std::string::npos) << s;
    if (GetParam() == "leveldb") {
      EXPECT_NE(s.find("memtables=2x1MiB=2MiB"), std::string::npos) << s;
      if (memtables != 2) {
        EXPECT_NE(s.find("asked: 3"), std::string::npos) << s;
      }
    } else {
      EXPECT_NE(s.find(fmt::format("memtables={}x1MiB={}MiB", memtables, memtables)),
                std::string::npos)
          << s;
    }
    EXPECT_TRUE(engine->Close().ok());
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, PeerEnginesTest,
                         ::testing::ValuesIn(DefaultEngineRegistry().names), [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = (c == '-') ? '_' : c;
                           return n;
                         });

TEST(PeerEnginesRegistryTest, ListsThePeersFoundAtBuildTime) {
  const auto names = DefaultEngineRegistry().names;
#ifdef NOKV_HAVE_ROCKSDB
  EXPECT_NE(std::find(names.begin(), names.end(), "rocksdb"), names.end());
#endif
#ifdef NOKV_HAVE_LEVELDB
  EXPECT_NE(std::find(names.begin(), names.end(), "leveldb"), names.end());
#endif
  std::unique_ptr<Engine> engine;
  EXPECT_TRUE(DefaultEngineRegistry()
                  .open("nope", EngineConfig(), "/nonexistent", &engine)
                  .IsNotSupported());
}

}  // namespace
}  // namespace nokv::bench
