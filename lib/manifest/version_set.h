// VersionSet: the current Version, the file-number and sequence counters, and
// the manifest that makes them durable.
//
// Manifest file (MANIFEST-%06llu in the DB directory): a WAL-format file (see
// wal/wal_format.h) whose records all have type kManifestRecordType and whose
// payloads are encoded VersionEdits (manifest/version_edit.h). The first
// record is a full snapshot (log_number, next_file_number, last_sequence and
// every live file); later records are incremental edits. Replaying all records
// in order reproduces the state, including the column families (id <->
// name; version_edit.h describes the records and the format versions).
// CURRENT holds the live manifest's file name
// followed by "\n" and is only ever replaced atomically (tmp + fsync + rename
// + directory fsync), after the manifest it names has been synced.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "manifest/version.h"
#include "manifest/version_edit.h"
#include "vfs/file_system.h"
#include "wal/wal_writer.h"

namespace nokv {

constexpr uint8_t kManifestRecordType = 1;

struct VersionSetOptions {
  // fsync the manifest after each edit (CURRENT switches are always synced).
  bool sync = true;
  // Start a new manifest (with a snapshot) once the open one is this large.
  uint64_t rewrite_threshold = 64ull << 20;
};

// Thread-safe: every public method may be called concurrently. LogAndApply
// calls are serialized among themselves; the readers (current(),
// NewFileNumber(), ...) take a separate state mutex that is never held during
// manifest I/O, so they do not wait behind a manifest fsync.
class VersionSet {
 public:
  VersionSet(FileSystem* fs, std::string dir, VersionSetOptions options);
  ~VersionSet();

  VersionSet(const VersionSet&) = delete;
  VersionSet& operator=(const VersionSet&) = delete;

  // Initializes a fresh DB in dir: writes MANIFEST-000001 holding a snapshot
  // of the empty state, syncs it and points CURRENT at it. Returns
  // InvalidArgument if dir already has a CURRENT file.
  Status CreateNew();

  // Loads the state named by CURRENT. Read-only: never writes, so a failed
  // open changes nothing on disk. Returns NotFound if CURRENT is missing;
  // Corruption (naming the file) if CURRENT is empty or garbled, names a
  // missing manifest, or the manifest is damaged anywhere but its final
  // record. A torn final record was never acknowledged and is dropped with a
  // warning. The first LogAndApply afterwards starts a new manifest.
  Status Recover();

  // Makes edit durable and installs the resulting Version. Fills
  // edit->next_file_number and edit->last_sequence from the counters (raising
  // caller-set values that are lower); the number of every added file counts
  // as used. Starts a new manifest with a snapshot
  // first if none is open for writing or the open one exceeds
  // options.rewrite_threshold (the old manifest is deleted once CURRENT names
  // the new one). An edit that does not apply to the current Version returns
  // Corruption, and a log_number lower than the current one InvalidArgument,
  // both without writing. On an I/O error the current Version is unchanged and
  // the manifest writer is discarded; the next call starts a new manifest, so
  // an edit whose fate is unknown is never built upon.
  Status LogAndApply(VersionEdit* edit);

  std::shared_ptr<const Version> current() const;

  // File numbers: one allocator for tables, WALs and manifests.
  uint64_t NewFileNumber();
  // Ensures numbers <= n are never handed out (e.g. WALs found on disk).
  void MarkFileNumberUsed(uint64_t n);
  uint64_t next_file_number() const;

  uint64_t last_sequence() const;
  // Raises (never lowers) the last sequence; recorded by the next LogAndApply.
  void SetLastSequence(uint64_t s);

  // WAL segments numbered below this are fully persisted in SSTs.
  uint64_t log_number() const;

  // The live column families, id -> name. A fresh DB has {0: "default"}; a
  // format-1 manifest (no column-family records) has the implicit families
  // {0: "default", 1: "lock", 2: "write"}. LogAndApply applies an edit's
  // added/dropped families: adding a taken id or name, dropping an unknown
  // id or the default family (0) is InvalidArgument, written nowhere.
  std::map<uint32_t, std::string> column_families() const;
  // The highest column-family id ever allocated; ids are never reused.
  uint32_t max_column_family() const;
  // True if the recovered manifest had no column-family records (format 1).
  bool recovered_format1() const;
  uint64_t manifest_file_number() const;  // 0 before CreateNew/Recover
  uint64_t manifest_size() const;         // bytes of the live manifest
  std::string manifest_path() const;      // empty before CreateNew/Recover

  // Numbers of the table files referenced by the current Version or by any
  // older Version that someone still holds. Files not in this set (and not
  // being written) may be deleted.
  std::set<uint64_t> LiveFiles() const;

 private:
  struct Counters {
    uint64_t log_number = 0;
    uint64_t next_file_number = 0;
    uint64_t last_sequence = 0;
  };
  struct ColumnFamilies {
    std::map<uint32_t, std::string> by_id;
    uint32_t max_id = 0;
    // Applies edit's column-family records; `error` builds the status.
    Status Apply(const VersionEdit& edit, Status (*error)(std::string_view));
  };

  // Creates manifest `number` and writes a snapshot of (base, counters,
  // families) as its first record. Not synced.
  Status StartManifest(uint64_t number, const Version& base, const Counters& counters,
                       const ColumnFamilies& families, std::unique_ptr<WalWriter>* writer);
  Status SwitchCurrent(uint64_t manifest_number);
  // Installs a new state. Requires mu_ held.
  void InstallLocked(std::shared_ptr<const Version> v);

  FileSystem* const fs_;
  const std::string dir_;
  const VersionSetOptions options_;

  // Serializes LogAndApply/CreateNew/Recover; guards manifest_ and
  // stale_manifests_. Acquired before mu_, never while holding it.
  std::mutex manifest_mu_;
  std::unique_ptr<WalWriter> manifest_;    // null: next edit starts a new one
  std::vector<uint64_t> stale_manifests_;  // to delete after the next switch

  // Guards everything below. Held only briefly, never across I/O.
  mutable std::mutex mu_;
  std::shared_ptr<const Version> current_;
  // Every Version ever installed that may still be referenced.
  mutable std::vector<std::weak_ptr<const Version>> versions_;
  Counters counters_;
  ColumnFamilies families_;
  bool recovered_format1_ = false;
  uint64_t manifest_file_number_ = 0;
  uint64_t manifest_size_ = 0;
};

}  // namespace nokv
