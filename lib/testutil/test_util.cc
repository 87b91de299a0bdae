// Test helpers.
#include "testutil/test_util.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

namespace nokv::testutil {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base ? base : "/tmp") + "/nokv-test-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string RandomBytes(Random* rng, size_t len) {
  std::string s(len, '\0');
  for (auto& c : s) c = static_cast<char>(rng->Uniform(256));
  return s;
}

std::string RandomPrintable(Random* rng, size_t len) {
  std::string s(len, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rng->Uniform(26));
  return s;
}

uint64_t TestSeed(uint64_t default_seed) {
  const char* env = std::getenv("NOKV_TEST_SEED");
  return env ? std::strtoull(env, nullptr, 10) : default_seed;
}

std::map<std::string, std::string> DirectoryContents(const std::string& dir) {
  std::map<std::string, std::string> entries;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string rel = std::filesystem::relative(e.path(), dir).string();
    if (e.is_directory()) {
      entries[rel + "/"] = "";
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    entries[rel] = content.str();
  }
  return entries;
}

}  // namespace nokv::testutil

namespace {
// Honour SPDLOG_LEVEL (e.g. "warn") so test output stays readable.
struct LogLevelFromEnv {
  LogLevelFromEnv() { spdlog::cfg::load_env_levels(); }
};
const LogLevelFromEnv kLogLevelFromEnv;
}  // namespace
