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

// Drops entries no reader can see any more. Feed entries in order; Process
// says which to emit. A droppable tombstone (a plain, non-versioned delete or
// expired entry at the bottom) is held back and re-emitted only if an older,
// still-visible entry of the same user key follows it.
class ObsoleteEntryFilter {
 public:
  // smallest_snapshot: the oldest sequence any reader may still read at.
  // is_bottommost(user_part): no deeper data for this key outside the inputs.
  // now_ms: entries whose expiry has passed count as tombstones (0 = ignore).
  ObsoleteEntryFilter(uint64_t smallest_snapshot,
                      std::function<bool(std::string_view)> is_bottommost, uint64_t now_ms = 0);

  // Returns the entries to emit for (ikey, value), in order: possibly a held
  // tombstone first, then the entry itself. Views point into the filter's
  // buffers or the inputs and are valid until the next call.
  struct Emit {
    std::string_view key, value;
  };
  void Process(std::string_view ikey, std::string_view value, std::vector<Emit>* out);

  uint64_t dropped() const { return dropped_; }
  // Called with every dropped entry (e.g. to account value-log garbage).
  void set_on_drop(std::function<void(std::string_view key, std::string_view value)> fn) {
    on_drop_ = std::move(fn);
  }

 private:
  const uint64_t smallest_snapshot_;
  const uint64_t now_ms_;
  std::function<bool(std::string_view)> is_bottommost_;
  std::string last_user_part_;
  uint64_t last_version_ = 0;
  uint64_t last_sequence_ = 0;
  bool has_last_ = false;
  std::string held_key_, held_value_;
  bool held_ = false;
  uint64_t dropped_ = 0;
  std::function<void(std::string_view, std::string_view)> on_drop_;
};

}  // namespace nokv
