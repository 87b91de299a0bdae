// FaultFileSystem: a FileSystem wrapper for tests that injects deterministic
// I/O failures and simulates crashes, in the spirit of LevelDB's
// fault_injection_test.cc (an Env that forgets unsynced data).
//
// Failures: rules match an operation kind (a bit mask of FaultOp) and an
// optional path substring, and fire at the N-th match, on every match from
// the N-th on, or with a seeded probability. A failed operation has no effect
// on the wrapped file system and returns the rule's status.
//
// Crash model: the wrapper tracks, per file it wrote, how many bytes reached
// the OS (Flush) and how many are durable (Sync), and whether the file's
// directory entry is durable (a SyncDir of its directory after it was
// created or renamed into place). Directories are modelled like files: one
// that CreateDirIfMissing made is durable only once its parent directory is
// synced after the mkdir. SimulateCrash() then rewrites the real directory
// into a state the kernel could leave behind:
//   kDropUnsyncedData (machine crash): every file is cut back to its synced
//     size; files whose entry never became durable are deleted (or, for a
//     rename, moved back); files removed without a later SyncDir come back;
//     a created directory whose entry never became durable is deleted with
//     everything in it (synced or not).
//   kKeepUnsyncedData (process crash): everything handed to the OS survives;
//     only bytes still buffered in the process (appended, never flushed) are
//     lost.
//   kKeepRandomPrefix (machine crash with partial write-back): like
//     kDropUnsyncedData, but each file keeps a random (seeded) part of its
//     flushed-but-unsynced tail.
// After SimulateCrash every handle opened before it is dead (its operations
// fail and have no effect) and the file system is usable for a reopen.
//
// Limits: directories are never removed or renamed (the engine does
// neither), and a lost directory is deleted with std::filesystem, so the
// wrapped file system must be the real disk; only renames within one
// directory are modelled; removals are made revertible by moving
// the file to a hidden ".faultfs-trash-*" name in the same directory
// (GetChildren hides those), so a test dir holding a crashed state may
// contain such names.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/random.h"
#include "vfs/file_system.h"

namespace nokv {

// Operation kinds, usable as a bit mask in FaultRule::ops.
enum FaultOp : uint32_t {
  kFaultAppend = 1u << 0,    // WritableFile::Append
  kFaultFlush = 1u << 1,     // WritableFile::Flush
  kFaultSync = 1u << 2,      // WritableFile::Sync
  kFaultClose = 1u << 3,     // WritableFile::Close
  kFaultCreate = 1u << 4,    // NewWritableFile / NewAppendableFile
  kFaultRename = 1u << 5,    // RenameFile
  kFaultTruncate = 1u << 6,  // Truncate
  kFaultRemove = 1u << 7,    // RemoveFile
  kFaultSyncDir = 1u << 8,   // SyncDir
  kFaultOpenRead = 1u << 9,  // NewRandomAccessFile / NewSequentialFile
  kFaultRead = 1u << 10,     // RandomAccessFile::Read / SequentialFile::Read
  kFaultLock = 1u << 11,     // LockFile
  kFaultMkdir = 1u << 12,    // CreateDirIfMissing
};
inline constexpr int kNumFaultOps = 13;
// Everything that changes the file system: the ops a crash point counts.
inline constexpr uint32_t kFaultMutatingOps = kFaultAppend | kFaultFlush | kFaultSync |
                                              kFaultClose | kFaultCreate | kFaultRename |
                                              kFaultTruncate | kFaultRemove | kFaultSyncDir |
                                              kFaultMkdir;
inline constexpr uint32_t kFaultWriteOps = kFaultAppend | kFaultFlush;
inline constexpr uint32_t kFaultAllOps = (1u << kNumFaultOps) - 1;

// "append", "sync", ... for messages.
const char* FaultOpName(FaultOp op);

// When a rule fires.
enum class FaultTrigger {
  kNth,          // only the n-th matching operation (1-based)
  kFromNth,      // the n-th matching operation and every later one
  kProbability,  // each matching operation with probability `probability`
};

struct FaultRule {
  uint32_t ops = kFaultAllOps;  // FaultOp mask
  std::string path_substring;   // empty matches every path
  std::string path_exclude;     // paths containing this never match (empty: none)
  FaultTrigger trigger = FaultTrigger::kNth;
  uint64_t n = 1;
  double probability = 0;
  // Stops firing after this many failures (0 = unlimited).
  uint64_t max_failures = 0;
  // What a failed operation returns.
  Status error = Status::IOError("injected fault");

  static FaultRule FailNth(uint32_t ops, uint64_t n, std::string path_substring = "");
  static FaultRule FailFromNth(uint32_t ops, uint64_t n, std::string path_substring = "");
  static FaultRule FailWithProbability(uint32_t ops, double p, std::string path_substring = "");
};

enum class CrashMode {
  kDropUnsyncedData,  // machine crash
  kKeepUnsyncedData,  // process crash: flushed bytes survive
  kKeepRandomPrefix,  // machine crash that wrote back part of the unsynced tail
};

// One injected failure, for test diagnostics.
struct FaultEvent {
  FaultOp op;
  std::string path;
  int rule;              // index returned by AddRule, -1 for a crash
  uint64_t op_index;     // value of MutatingOps() / TotalOps() when it happened
};

class FaultFileSystem final : public FileSystem {
 public:
  struct Options {
    // Seeds the probability rules and kKeepRandomPrefix.
    uint64_t seed = 1;
    // Pass Sync/SyncDir through to the wrapped file system. Tests that only
    // care about the simulated crash model turn this off: fsync is slow and
    // the model tracks durability itself.
    bool forward_syncs = true;
  };

  explicit FaultFileSystem(std::shared_ptr<FileSystem> base);
  FaultFileSystem(std::shared_ptr<FileSystem> base, Options options);
  ~FaultFileSystem() override;

  // --- failure rules
  // Returns the rule's index, for RuleFailures / RuleMatches.
  int AddRule(FaultRule rule);
  void ClearRules();
  uint64_t RuleMatches(int rule) const;
  uint64_t RuleFailures(int rule) const;
  // Every injected failure so far (rules and crash), oldest first.
  std::vector<FaultEvent> Events() const;

  // --- counters (operations seen, failed or not)
  uint64_t OpCount(FaultOp op) const;
  uint64_t MutatingOps() const;
  uint64_t TotalOps() const;
  void ResetCounters();

  // --- crash points
  // The file system "goes down" right before mutating operation number
  // `index` (1-based, counted by MutatingOps): that operation and every later
  // mutating one fails with IOError("simulated crash") and has no effect.
  // Reads keep working. 0 disables.
  void CrashAtMutatingOp(uint64_t index);
  // Goes down now.
  void Freeze();
  bool frozen() const;

  // Applies the crash model to the wrapped file system (see the file
  // comment), kills every handle opened so far, clears the frozen state and
  // the crash point, and forgets all tracking: what is on disk now counts as
  // durable. Rules stay. Call it after the DB using this file system has
  // been destroyed (open handles are dead either way). Returns the first
  // error from the wrapped file system.
  Status SimulateCrash(CrashMode mode);

  // Bytes of `path` that would survive a machine crash now, or -1 if the
  // file is not tracked (untouched since the last crash: all of it).
  int64_t SyncedSize(const std::string& path) const;

  // --- FileSystem
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override;
  Status RemoveFile(const std::string& path) override;
  Status CreateDirIfMissing(const std::string& dir) override;
  Status GetFileSize(const std::string& path, uint64_t* size) override;
  Status RenameFile(const std::string& src, const std::string& dst) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& dir) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;

 private:
  friend class FaultWritableFile;
  friend class FaultRandomAccessFile;
  friend class FaultSequentialFile;

  // What the crash model knows about one path (a live name in a directory).
  struct FileState {
    uint64_t flushed = 0;  // bytes handed to the wrapped file system
    uint64_t synced = 0;   // bytes durable
    // The name survives a machine crash (SyncDir ran after it appeared).
    bool entry_durable = false;
    // The file got this name by a rename not yet made durable: a crash moves
    // it back to `renamed_from` if that entry was durable, else deletes it.
    std::string renamed_from;
    bool renamed_from_durable = false;
  };
  // A removed (or rename-replaced) file kept under a hidden name until its
  // directory is synced.
  struct Trashed {
    std::string original;
    std::string trash_path;
    uint64_t synced = 0;  // bytes to keep if it comes back
  };

  // Counts the op, checks crash point and rules. Returns non-OK if the op
  // must fail. mu_ held.
  Status CheckLocked(FaultOp op, const std::string& path);
  Status Check(FaultOp op, const std::string& path);
  bool HandleAlive(uint64_t epoch) const;
  FileState& StateLocked(const std::string& path, bool existed);
  std::string TrashPathLocked(const std::string& path);
  Status ApplyCrashLocked(CrashMode mode);

  // Handle callbacks (mu_ taken inside).
  Status FileFlushed(uint64_t epoch, const std::string& path, uint64_t flushed);
  Status FileSynced(uint64_t epoch, const std::string& path, uint64_t synced);

  const std::shared_ptr<FileSystem> base_;
  const Options options_;

  mutable std::mutex mu_;
  Random rng_;                                   // guarded by mu_
  std::vector<FaultRule> rules_;                 // guarded by mu_
  std::vector<uint64_t> rule_matches_;           // guarded by mu_
  std::vector<uint64_t> rule_failures_;          // guarded by mu_
  std::vector<FaultEvent> events_;               // guarded by mu_
  uint64_t op_counts_[kNumFaultOps] = {};        // guarded by mu_
  uint64_t mutating_ops_ = 0;                    // guarded by mu_
  uint64_t total_ops_ = 0;                       // guarded by mu_
  uint64_t crash_at_ = 0;                        // guarded by mu_
  bool frozen_ = false;                          // guarded by mu_
  uint64_t epoch_ = 1;                           // guarded by mu_: bumped by SimulateCrash
  uint64_t trash_counter_ = 0;                   // guarded by mu_
  std::map<std::string, FileState> files_;       // guarded by mu_
  // Directories CreateDirIfMissing made since the last crash -> whether
  // their entry is durable (the parent was synced after the mkdir).
  std::map<std::string, bool> created_dirs_;     // guarded by mu_
  std::vector<Trashed> trash_;                   // guarded by mu_
};

}  // namespace nokv
