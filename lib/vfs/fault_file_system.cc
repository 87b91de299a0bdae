// FaultFileSystem: rule-driven failure injection and the crash model (see the
// header for the model itself).
#include "vfs/fault_file_system.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

namespace nokv {
namespace {

constexpr std::string_view kTrashPrefix = ".faultfs-trash-";

int OpIndex(FaultOp op) {
  int i = 0;
  for (uint32_t v = op; v > 1; v >>= 1) ++i;
  return i;
}

std::string BaseName(const std::string& path) {
  auto pos = path.find_last_of('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

Status DeadHandle(const std::string& path) {
  return Status::IOError(path + ": file handle from before a simulated crash");
}

}  // namespace

const char* FaultOpName(FaultOp op) {
  switch (op) {
    case kFaultAppend: return "append";
    case kFaultFlush: return "flush";
    case kFaultSync: return "sync";
    case kFaultClose: return "close";
    case kFaultCreate: return "create";
    case kFaultRename: return "rename";
    case kFaultTruncate: return "truncate";
    case kFaultRemove: return "remove";
    case kFaultSyncDir: return "sync-dir";
    case kFaultOpenRead: return "open-read";
    case kFaultRead: return "read";
    case kFaultLock: return "lock";
    case kFaultMkdir: return "mkdir";
  }
  return "?";
}

FaultRule FaultRule::FailNth(uint32_t ops, uint64_t n, std::string path_substring) {
  FaultRule r;
  r.ops = ops;
  r.trigger = FaultTrigger::kNth;
  r.n = n;
  r.path_substring = std::move(path_substring);
  return r;
}

FaultRule FaultRule::FailFromNth(uint32_t ops, uint64_t n, std::string path_substring) {
  FaultRule r = FailNth(ops, n, std::move(path_substring));
  r.trigger = FaultTrigger::kFromNth;
  return r;
}

FaultRule FaultRule::FailWithProbability(uint32_t ops, double p, std::string path_substring) {
  FaultRule r = FailNth(ops, 1, std::move(path_substring));
  r.trigger = FaultTrigger::kProbability;
  r.probability = p;
  return r;
}

// ---------------------------------------------------------------------------
// File handles.

// Buffers appends itself, so that the wrapped file never holds bytes that
// were not flushed: a dead handle can then be dropped without writing.
class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultFileSystem* fs, std::unique_ptr<WritableFile> base, uint64_t epoch)
      : fs_(fs), base_(std::move(base)), epoch_(epoch), size_(base_->Size()) {}
  ~FaultWritableFile() override {
    if (!closed_) (void)Close();
  }

  Status Append(std::string_view data) override {
    NOKV_RETURN_IF_ERROR(Usable());
    NOKV_RETURN_IF_ERROR(fs_->Check(kFaultAppend, path()));
    pending_.append(data.data(), data.size());
    size_ += data.size();
    return Status::OK();
  }

  Status Flush() override {
    NOKV_RETURN_IF_ERROR(Usable());
    NOKV_RETURN_IF_ERROR(fs_->Check(kFaultFlush, path()));
    return FlushPending();
  }

  Status Sync() override {
    NOKV_RETURN_IF_ERROR(Usable());
    NOKV_RETURN_IF_ERROR(fs_->Check(kFaultSync, path()));
    NOKV_RETURN_IF_ERROR(FlushPending());
    if (fs_->options_.forward_syncs) NOKV_RETURN_IF_ERROR(base_->Sync());
    return fs_->FileSynced(epoch_, path(), size_);
  }

  Status Close() override {
    if (closed_) return Status::OK();
    closed_ = true;
    if (!fs_->HandleAlive(epoch_)) {
      pending_.clear();  // lost with the crashed process
      return DeadHandle(path());
    }
    Status s = fs_->Check(kFaultClose, path());
    if (!s.ok()) {
      pending_.clear();
      return s;
    }
    s = FlushPending();
    Status c = base_->Close();
    return s.ok() ? c : s;
  }

  uint64_t Size() const override { return size_; }
  const std::string& path() const override { return base_->path(); }

 private:
  Status Usable() const {
    if (closed_) return Status::IOError(path() + ": use after close");
    if (!fs_->HandleAlive(epoch_)) return DeadHandle(path());
    return Status::OK();
  }

  Status FlushPending() {
    if (!pending_.empty()) {
      Status s = base_->Append(pending_);
      if (s.ok()) s = base_->Flush();
      pending_.clear();
      NOKV_RETURN_IF_ERROR(s);
    }
    return fs_->FileFlushed(epoch_, path(), size_);
  }

  FaultFileSystem* const fs_;
  std::unique_ptr<WritableFile> base_;
  const uint64_t epoch_;
  uint64_t size_;
  std::string pending_;
  bool closed_ = false;
};

class FaultRandomAccessFile final : public RandomAccessFile {
 public:
  FaultRandomAccessFile(FaultFileSystem* fs, std::unique_ptr<RandomAccessFile> base)
      : fs_(fs), base_(std::move(base)) {}
  Status Read(uint64_t offset, size_t n, char* scratch,
              std::string_view* result) const override {
    NOKV_RETURN_IF_ERROR(fs_->Check(kFaultRead, path()));
    return base_->Read(offset, n, scratch, result);
  }
  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  FaultFileSystem* const fs_;
  std::unique_ptr<RandomAccessFile> base_;
};

class FaultSequentialFile final : public SequentialFile {
 public:
  FaultSequentialFile(FaultFileSystem* fs, std::unique_ptr<SequentialFile> base)
      : fs_(fs), base_(std::move(base)) {}
  Status Read(size_t n, char* scratch, std::string_view* result) override {
    NOKV_RETURN_IF_ERROR(fs_->Check(kFaultRead, path()));
    return base_->Read(n, scratch, result);
  }
  Status Skip(uint64_t n) override { return base_->Skip(n); }
  const std::string& path() const override { return base_->path(); }

 private:
  FaultFileSystem* const fs_;
  std::unique_ptr<SequentialFile> base_;
};

// ---------------------------------------------------------------------------
// FaultFileSystem.

FaultFileSystem::FaultFileSystem(std::shared_ptr<FileSystem> base)
    : FaultFileSystem(std::move(base), Options()) {}

FaultFileSystem::FaultFileSystem(std::shared_ptr<FileSystem> base, Options options)
    : base_(std::move(base)), options_(options), rng_(options.seed) {}

FaultFileSystem::~FaultFileSystem() = default;

int FaultFileSystem::AddRule(FaultRule rule) {
  std::lock_guard<std::mutex> l(mu_);
  rules_.push_back(std::move(rule));
  rule_matches_.push_back(0);
  rule_failures_.push_back(0);
  return static_cast<int>(rules_.size()) - 1;
}

void FaultFileSystem::ClearRules() {
  std::lock_guard<std::mutex> l(mu_);
  rules_.clear();
  rule_matches_.clear();
  rule_failures_.clear();
}

uint64_t FaultFileSystem::RuleMatches(int rule) const {
  std::lock_guard<std::mutex> l(mu_);
  return rule >= 0 && static_cast<size_t>(rule) < rule_matches_.size() ? rule_matches_[rule] : 0;
}

uint64_t FaultFileSystem::RuleFailures(int rule) const {
  std::lock_guard<std::mutex> l(mu_);
  return rule >= 0 && static_cast<size_t>(rule) < rule_failures_.size() ? rule_failures_[rule]
                                                                         : 0;
}

std::vector<FaultEvent> FaultFileSystem::Events() const {
  std::lock_guard<std::mutex> l(mu_);
  return events_;
}

uint64_t FaultFileSystem::OpCount(FaultOp op) const {
  std::lock_guard<std::mutex> l(mu_);
  return op_counts_[OpIndex(op)];
}

uint64_t FaultFileSystem::MutatingOps() const {
  std::lock_guard<std::mutex> l(mu_);
  return mutating_ops_;
}

uint64_t FaultFileSystem::TotalOps() const {
  std::lock_guard<std::mutex> l(mu_);
  return total_ops_;
}

void FaultFileSystem::ResetCounters() {
  std::lock_guard<std::mutex> l(mu_);
  std::fill(std::begin(op_counts_), std::end(op_counts_), 0);
  mutating_ops_ = 0;
  total_ops_ = 0;
  events_.clear();
}

void FaultFileSystem::CrashAtMutatingOp(uint64_t index) {
  std::lock_guard<std::mutex> l(mu_);
  crash_at_ = index;
  if (index != 0 && mutating_ops_ >= index) frozen_ = true;
}

void FaultFileSystem::Freeze() {
  std::lock_guard<std::mutex> l(mu_);
  frozen_ = true;
}

bool FaultFileSystem::frozen() const {
  std::lock_guard<std::mutex> l(mu_);
  return frozen_;
}

Status FaultFileSystem::Check(FaultOp op, const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  return CheckLocked(op, path);
}

Status FaultFileSystem::CheckLocked(FaultOp op, const std::string& path) {
  ++total_ops_;
  ++op_counts_[OpIndex(op)];
  const bool mutating = (op & kFaultMutatingOps) != 0;
  if (mutating) {
    ++mutating_ops_;
    if (crash_at_ != 0 && mutating_ops_ >= crash_at_) frozen_ = true;
    if (frozen_) {
      events_.push_back(FaultEvent{op, path, -1, mutating_ops_});
      return Status::IOError(std::string("simulated crash: ") + FaultOpName(op) + " " + path);
    }
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& r = rules_[i];
    if ((r.ops & op) == 0) continue;
    if (!r.path_substring.empty() && path.find(r.path_substring) == std::string::npos) continue;
    if (!r.path_exclude.empty() && path.find(r.path_exclude) != std::string::npos) continue;
    const uint64_t match = ++rule_matches_[i];
    if (r.max_failures != 0 && rule_failures_[i] >= r.max_failures) continue;
    bool fire = false;
    switch (r.trigger) {
      case FaultTrigger::kNth: fire = match == r.n; break;
      case FaultTrigger::kFromNth: fire = match >= r.n; break;
      case FaultTrigger::kProbability:
        fire = static_cast<double>(rng_.Next64() >> 11) * 0x1.0p-53 < r.probability;
        break;
    }
    if (!fire) continue;
    ++rule_failures_[i];
    events_.push_back(FaultEvent{op, path, static_cast<int>(i), mutating ? mutating_ops_ : total_ops_});
    return r.error.WithContext(std::string("injected ") + FaultOpName(op) + " fault on " + path);
  }
  return Status::OK();
}

bool FaultFileSystem::HandleAlive(uint64_t epoch) const {
  std::lock_guard<std::mutex> l(mu_);
  return epoch == epoch_;
}

FaultFileSystem::FileState& FaultFileSystem::StateLocked(const std::string& path, bool existed) {
  auto it = files_.find(path);
  if (it != files_.end()) return it->second;
  FileState& st = files_[path];
  // A file the model has not seen is whatever is on disk, durable.
  st.entry_durable = existed;
  if (existed) {
    uint64_t size = 0;
    if (base_->GetFileSize(path, &size).ok()) st.flushed = st.synced = size;
  }
  return st;
}

std::string FaultFileSystem::TrashPathLocked(const std::string& path) {
  return JoinPath(DirName(path), std::string(kTrashPrefix) + std::to_string(++trash_counter_) +
                                     "-" + BaseName(path));
}

Status FaultFileSystem::FileFlushed(uint64_t epoch, const std::string& path, uint64_t flushed) {
  std::lock_guard<std::mutex> l(mu_);
  if (epoch != epoch_) return DeadHandle(path);
  auto it = files_.find(path);
  if (it != files_.end()) it->second.flushed = flushed;
  return Status::OK();
}

Status FaultFileSystem::FileSynced(uint64_t epoch, const std::string& path, uint64_t synced) {
  std::lock_guard<std::mutex> l(mu_);
  if (epoch != epoch_) return DeadHandle(path);
  auto it = files_.find(path);
  if (it != files_.end()) {
    it->second.flushed = std::max(it->second.flushed, synced);
    it->second.synced = synced;
  }
  return Status::OK();
}

int64_t FaultFileSystem::SyncedSize(const std::string& path) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return -1;
  return it->second.entry_durable || !it->second.renamed_from.empty()
             ? static_cast<int64_t>(it->second.synced)
             : 0;
}

Result<std::unique_ptr<WritableFile>> FaultFileSystem::NewWritableFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  NOKV_RETURN_IF_ERROR(CheckLocked(kFaultCreate, path));
  const bool existed = base_->FileExists(path);
  auto file = base_->NewWritableFile(path);
  if (!file.ok()) return file.status();
  FileState& st = StateLocked(path, existed);
  st.flushed = 0;
  st.synced = 0;  // the truncation is not durable either, but data never is
  return std::unique_ptr<WritableFile>(
      new FaultWritableFile(this, std::move(file.value()), epoch_));
}

Result<std::unique_ptr<WritableFile>> FaultFileSystem::NewAppendableFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  NOKV_RETURN_IF_ERROR(CheckLocked(kFaultCreate, path));
  const bool existed = base_->FileExists(path);
  auto file = base_->NewAppendableFile(path);
  if (!file.ok()) return file.status();
  FileState& st = StateLocked(path, existed);
  st.flushed = (*file)->Size();
  return std::unique_ptr<WritableFile>(
      new FaultWritableFile(this, std::move(file.value()), epoch_));
}

Result<std::unique_ptr<RandomAccessFile>> FaultFileSystem::NewRandomAccessFile(
    const std::string& path) {
  NOKV_RETURN_IF_ERROR(Check(kFaultOpenRead, path));
  auto file = base_->NewRandomAccessFile(path);
  if (!file.ok()) return file.status();
  return std::unique_ptr<RandomAccessFile>(
      new FaultRandomAccessFile(this, std::move(file.value())));
}

Result<std::unique_ptr<SequentialFile>> FaultFileSystem::NewSequentialFile(
    const std::string& path) {
  NOKV_RETURN_IF_ERROR(Check(kFaultOpenRead, path));
  auto file = base_->NewSequentialFile(path);
  if (!file.ok()) return file.status();
  return std::unique_ptr<SequentialFile>(new FaultSequentialFile(this, std::move(file.value())));
}

bool FaultFileSystem::FileExists(const std::string& path) { return base_->FileExists(path); }

Status FaultFileSystem::GetChildren(const std::string& dir, std::vector<std::string>* names) {
  NOKV_RETURN_IF_ERROR(base_->GetChildren(dir, names));
  names->erase(std::remove_if(names->begin(), names->end(),
                              [](const std::string& n) { return n.starts_with(kTrashPrefix); }),
               names->end());
  return Status::OK();
}

Status FaultFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  NOKV_RETURN_IF_ERROR(CheckLocked(kFaultRemove, path));
  if (!base_->FileExists(path)) return base_->RemoveFile(path);  // its error
  FileState& st = StateLocked(path, /*existed=*/true);
  // Which name a crash would bring back, if any.
  std::string comes_back;
  if (st.entry_durable) {
    comes_back = path;
  } else if (!st.renamed_from.empty() && st.renamed_from_durable) {
    comes_back = st.renamed_from;
  }
  Status s;
  if (comes_back.empty()) {
    s = base_->RemoveFile(path);
  } else {
    const std::string trash = TrashPathLocked(path);
    s = base_->RenameFile(path, trash);
    if (s.ok()) trash_.push_back(Trashed{comes_back, trash, st.synced});
  }
  if (s.ok()) files_.erase(path);
  return s;
}

Status FaultFileSystem::CreateDirIfMissing(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  NOKV_RETURN_IF_ERROR(CheckLocked(kFaultMkdir, dir));
  std::string path = dir;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const bool existed = base_->FileExists(path);
  NOKV_RETURN_IF_ERROR(base_->CreateDirIfMissing(path));
  if (!existed) created_dirs_[path] = false;
  return Status::OK();
}

Status FaultFileSystem::GetFileSize(const std::string& path, uint64_t* size) {
  return base_->GetFileSize(path, size);
}

Status FaultFileSystem::RenameFile(const std::string& src, const std::string& dst) {
  std::lock_guard<std::mutex> l(mu_);
  NOKV_RETURN_IF_ERROR(CheckLocked(kFaultRename, src + " -> " + dst));
  if (!base_->FileExists(src)) return base_->RenameFile(src, dst);  // its error
  const FileState src_state = StateLocked(src, /*existed=*/true);
  // A durable dst being replaced comes back if the rename is lost.
  std::string dst_trash;
  uint64_t dst_synced = 0;
  if (base_->FileExists(dst)) {
    const FileState& d = StateLocked(dst, /*existed=*/true);
    if (d.entry_durable) {
      dst_trash = TrashPathLocked(dst);
      dst_synced = d.synced;
      NOKV_RETURN_IF_ERROR(base_->RenameFile(dst, dst_trash));
    }
  }
  Status s = base_->RenameFile(src, dst);
  if (!s.ok()) {
    if (!dst_trash.empty()) (void)base_->RenameFile(dst_trash, dst);
    return s;
  }
  if (!dst_trash.empty()) trash_.push_back(Trashed{dst, dst_trash, dst_synced});
  FileState moved = src_state;
  moved.entry_durable = false;
  if (src_state.renamed_from.empty()) {
    moved.renamed_from = src_state.entry_durable ? src : "";
    moved.renamed_from_durable = src_state.entry_durable;
  }
  files_.erase(src);
  files_[dst] = moved;
  return Status::OK();
}

Status FaultFileSystem::Truncate(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> l(mu_);
  NOKV_RETURN_IF_ERROR(CheckLocked(kFaultTruncate, path));
  const bool existed = base_->FileExists(path);
  NOKV_RETURN_IF_ERROR(base_->Truncate(path, size));
  FileState& st = StateLocked(path, existed);
  st.flushed = size;
  st.synced = std::min(st.synced, size);
  return Status::OK();
}

Status FaultFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> l(mu_);
  NOKV_RETURN_IF_ERROR(CheckLocked(kFaultSyncDir, dir));
  if (options_.forward_syncs) NOKV_RETURN_IF_ERROR(base_->SyncDir(dir));
  for (auto& [path, st] : files_) {
    if (DirName(path) != dir) continue;
    st.entry_durable = true;
    st.renamed_from.clear();
    st.renamed_from_durable = false;
  }
  for (auto& [path, durable] : created_dirs_) {
    if (DirName(path) == dir) durable = true;
  }
  Status first;
  std::vector<Trashed> kept;
  for (const auto& t : trash_) {
    if (DirName(t.trash_path) != dir) {
      kept.push_back(t);
      continue;
    }
    Status s = base_->RemoveFile(t.trash_path);
    if (!s.ok() && first.ok()) first = s;
  }
  trash_ = std::move(kept);
  return first;
}

Result<std::unique_ptr<FileLock>> FaultFileSystem::LockFile(const std::string& path) {
  NOKV_RETURN_IF_ERROR(Check(kFaultLock, path));
  return base_->LockFile(path);
}

Status FaultFileSystem::SimulateCrash(CrashMode mode) {
  std::lock_guard<std::mutex> l(mu_);
  Status s = ApplyCrashLocked(mode);
  files_.clear();
  trash_.clear();
  created_dirs_.clear();
  ++epoch_;
  frozen_ = false;
  crash_at_ = 0;
  return s;
}

Status FaultFileSystem::ApplyCrashLocked(CrashMode mode) {
  Status first;
  auto note = [&first](Status s) {
    if (!s.ok() && !s.IsNotFound() && first.ok()) first = std::move(s);
  };
  if (mode == CrashMode::kKeepUnsyncedData) {
    // The OS survives: its view (removals and renames included) is the state.
    for (const auto& t : trash_) note(base_->RemoveFile(t.trash_path));
    return first;
  }
  auto cut = [&](const std::string& path, uint64_t keep) {
    uint64_t size = 0;
    if (!base_->GetFileSize(path, &size).ok() || size <= keep) return;
    note(base_->Truncate(path, keep));
  };
  auto keep_bytes = [&](const FileState& st) {
    if (mode != CrashMode::kKeepRandomPrefix || st.flushed <= st.synced) return st.synced;
    return st.synced + rng_.Uniform(st.flushed - st.synced + 1);
  };
  // 1. Names that never became durable vanish (renames move back).
  for (const auto& [path, st] : files_) {
    if (st.entry_durable) continue;
    if (!st.renamed_from.empty() && st.renamed_from_durable) {
      note(base_->RenameFile(path, st.renamed_from));
      cut(st.renamed_from, keep_bytes(st));
    } else {
      note(base_->RemoveFile(path));
    }
  }
  // 2. Durable names keep their durable bytes.
  for (const auto& [path, st] : files_) {
    if (st.entry_durable) cut(path, keep_bytes(st));
  }
  // 3. Removals and replaced files that were never made durable come back.
  for (auto it = trash_.rbegin(); it != trash_.rend(); ++it) {
    if (base_->FileExists(it->original)) note(base_->RemoveFile(it->original));
    note(base_->RenameFile(it->trash_path, it->original));
    cut(it->original, it->synced);
  }
  // 4. Created directories whose entry never became durable vanish with
  //    everything in them (a durable child of a lost directory goes too).
  for (const auto& [path, durable] : created_dirs_) {
    if (durable) continue;
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec && first.ok()) first = Status::IOError(path + ": removing a lost directory: " + ec.message());
  }
  return first;
}

}  // namespace nokv
