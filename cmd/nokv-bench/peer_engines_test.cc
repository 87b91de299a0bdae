// Every engine of the benchmark registry (NoKV and the peers compiled in)
// keeps the Engine contract the harness relies on: reads see writes, a
// missing key is NotFound (not an error), a scan counts the records from its
// start key, Settings describes the engine, Close succeeds.
#include "peer_engines.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

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

  uint64_t found = 0;
  ASSERT_TRUE(engine->Scan("k090", 50, &found).ok());
  EXPECT_EQ(found, 10u);  // k090..k099
  ASSERT_TRUE(engine->Scan("k010", 5, &found).ok());
  EXPECT_EQ(found, 5u);
  ASSERT_TRUE(engine->Scan("z", 5, &found).ok());
  EXPECT_EQ(found, 0u);
  (void)engine->Stats();
  EXPECT_TRUE(engine->Close().ok());
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
