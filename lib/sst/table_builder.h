// TableBuilder: writes a sorted run of internal keys and values as one SST
// file (layout in table_format.h). Single-threaded; the caller serialises use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sst/block_builder.h"
#include "sst/table_format.h"
#include "sst/table_options.h"
#include "sst/table_properties.h"
#include "vfs/file_system.h"

namespace nokv {

class TableBuilder {
 public:
  // file is not owned and must outlive the builder; bytes are appended at its
  // current end (normally a fresh file).
  TableBuilder(const TableOptions& options, WritableFile* file);

  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;

  // Appends an entry. ikey must be a valid internal key that sorts strictly
  // after every key added before (asserted in debug builds; in release builds
  // a violation sets status() to InvalidArgument). value is an encoded
  // ValueRecord; its first byte feeds the deletion counters. No-op once
  // status() is non-OK or after Finish/Abandon.
  void Add(std::string_view ikey, std::string_view value);

  // First error seen (a write failure or a misuse), else OK.
  Status status() const { return status_; }

  // Writes the last data block, the filter, index and properties blocks and
  // the footer. Does not sync or close the file. Returns status() if it was
  // already non-OK.
  Status Finish();

  // Stops building; the caller should delete the partial file.
  void Abandon();

  uint64_t NumEntries() const { return props_.num_entries; }
  // Bytes written to the file so far; the final file size after Finish.
  uint64_t FileSize() const { return offset_; }
  // Statistics so far; complete after Finish.
  const TableProperties& properties() const { return props_; }

 private:
  void FlushDataBlock();
  // Writes payload (compressing it if type says so and it pays off) plus its
  // trailer; fills *handle.
  void WriteBlock(std::string_view raw, CompressionType type, BlockHandle* handle);
  void WriteRaw(std::string_view data);

  const TableOptions options_;
  WritableFile* const file_;
  uint64_t offset_ = 0;  // bytes this builder has appended
  Status status_;
  bool closed_ = false;  // Finish or Abandon called

  BlockBuilder data_block_;
  BlockBuilder index_block_;
  std::vector<uint64_t> filter_hashes_;  // BloomHash of each distinct user part
  std::string last_user_part_;
  std::string compressed_;  // scratch for block compression
  std::string handle_buf_;  // scratch for index values
  TableProperties props_;
};

}  // namespace nokv
