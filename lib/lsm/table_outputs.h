// TableOutputs: writes a sorted stream of internal entries into one or more
// SST files (cut at `target_file_size`, only between user keys, so a user key
// never spans two files of a level) and makes each file durable (fsync) before
// reporting it. Used by flush and compaction.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "manifest/file_meta.h"
#include "sst/table_builder.h"
#include "sst/table_options.h"
#include "vfs/file_system.h"

namespace nokv {

class TableOutputs {
 public:
  // new_file_number allocates (and registers as pending) a table number.
  TableOutputs(FileSystem* fs, std::string dir, TableOptions options, uint64_t target_file_size,
               std::function<uint64_t()> new_file_number);
  ~TableOutputs();

  // Keys must arrive in increasing CompareInternalKeys order.
  Status Add(std::string_view ikey, std::string_view value);
  // Finishes and fsyncs the open file, then fsyncs the directory.
  Status Finish();
  // Removes every file written so far (after a failure).
  void Abandon();

  const std::vector<FileMeta>& files() const { return files_; }
  uint64_t bytes_written() const;

 private:
  Status OpenFile();
  Status CloseFile();

  FileSystem* const fs_;
  const std::string dir_;
  const TableOptions options_;
  const uint64_t target_file_size_;
  std::function<uint64_t()> new_file_number_;

  std::unique_ptr<WritableFile> file_;
  std::unique_ptr<TableBuilder> builder_;
  uint64_t number_ = 0;
  std::string last_key_;
  std::vector<FileMeta> files_;
  std::vector<uint64_t> created_;  // every number we created a file for
};

}  // namespace nokv
