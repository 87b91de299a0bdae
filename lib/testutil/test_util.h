// Helpers shared by the GoogleTest suites: scratch directories and random data.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/random.h"

namespace nokv::testutil {

// A fresh directory under $TMPDIR (or /tmp), removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string RandomBytes(Random* rng, size_t len);
// Printable keys are easier to read in failure messages.
std::string RandomPrintable(Random* rng, size_t len);

// Every entry under `dir`, recursively: a file's relative path maps to its
// whole content, a directory's to "" (its path ends in '/'). Two calls that
// compare equal saw the same tree byte for byte.
std::map<std::string, std::string> DirectoryContents(const std::string& dir);

// Seed for randomized tests: $NOKV_TEST_SEED if set, else the given default.
uint64_t TestSeed(uint64_t default_seed);

}  // namespace nokv::testutil
