// Test helpers for the tools' value-log tests (header only, tests only):
// small-segment DB options and a map of what each segment holds.
#pragma once

#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/internal_key.h"
#include "nokv/options.h"
#include "vfs/file_system.h"
#include "vlog/value_log.h"

namespace nokv::testutil {

// Values of >= 100 bytes go to the value log, in 1 MiB segments.
inline Options SmallVlogOptions() {
  Options o;
  o.value_threshold = 100;
  o.value_log_segment_size = 1 << 20;
  o.memtable_size = 256 << 10;
  o.target_file_size = 128 << 10;
  return o;
}

struct VlogRecordInfo {
  uint64_t offset = 0;
  uint32_t size = 0;
  std::string user_key;
  uint64_t sequence = 0;
};

// segment number -> its value records, in order.
inline std::map<uint64_t, std::vector<VlogRecordInfo>> VlogContents(FileSystem* fs,
                                                                    const std::string& dir) {
  std::map<uint64_t, std::vector<VlogRecordInfo>> out;
  ValueLog vlog(fs, JoinPath(dir, "vlog"), ValueLogOptions(), [] { return uint64_t{0}; });
  EXPECT_TRUE(vlog.Open().ok());
  for (const auto& seg : vlog.Segments()) {
    auto& recs = out[seg.number];
    EXPECT_TRUE(vlog.ForEachRecord(
                        seg.number,
                        [&](std::string_view ikey, std::string_view, const ValuePointer& ptr) {
                          ParsedInternalKey parsed;
                          EXPECT_TRUE(ParseInternalKey(ikey, &parsed));
                          recs.push_back(VlogRecordInfo{
                              ptr.offset, ptr.size, std::string(parsed.user_key), parsed.sequence});
                          return Status::OK();
                        })
                    .ok());
  }
  return out;
}

// "vlog/000012.vlog", relative to the workdir.
inline std::string VlogSegmentName(uint64_t number) {
  char name[32];
  std::snprintf(name, sizeof(name), "vlog/%06" PRIu64 ".vlog", number);
  return name;
}

inline std::string VlogSegmentPath(const std::string& dir, uint64_t number) {
  return JoinPath(dir, VlogSegmentName(number));
}

}  // namespace nokv::testutil
