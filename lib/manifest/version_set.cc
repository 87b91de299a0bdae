// VersionSet: manifest writing, recovery and the live-file set.
#include "manifest/version_set.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "manifest/filenames.h"
#include "wal/wal_reader.h"

namespace nokv {

VersionSet::VersionSet(FileSystem* fs, std::string dir, VersionSetOptions options)
    : fs_(fs), dir_(std::move(dir)), options_(options), current_(std::make_shared<Version>()) {
  versions_.push_back(current_);
}

VersionSet::~VersionSet() = default;

Status VersionSet::ColumnFamilies::Apply(const VersionEdit& edit,
                                         Status (*error)(std::string_view)) {
  for (uint32_t id : edit.dropped_column_families) {
    if (id == 0) return error("the default column family cannot be dropped");
    if (by_id.erase(id) == 0) {
      return error("drop of unknown column family " + std::to_string(id));
    }
  }
  for (const auto& [id, name] : edit.added_column_families) {
    if (by_id.count(id) != 0) {
      return error("column family id " + std::to_string(id) + " is taken");
    }
    for (const auto& [other, other_name] : by_id) {
      if (other_name == name) return error("column family \"" + name + "\" exists");
    }
    by_id.emplace(id, name);
    max_id = std::max(max_id, id);
  }
  if (edit.max_column_family) max_id = std::max(max_id, *edit.max_column_family);
  return Status::OK();
}

Status VersionSet::StartManifest(uint64_t number, const Version& base, const Counters& counters,
                                 const ColumnFamilies& families,
                                 std::unique_ptr<WalWriter>* writer) {
  auto file = fs_->NewWritableFile(ManifestFileName(dir_, number));
  if (!file.ok()) return file.status();
  auto w = std::make_unique<WalWriter>(std::move(file.value()));

  VersionEdit snapshot;
  snapshot.log_number = counters.log_number;
  snapshot.next_file_number = counters.next_file_number;
  snapshot.last_sequence = counters.last_sequence;
  snapshot.format_version = kManifestFormatVersion;
  snapshot.max_column_family = families.max_id;
  for (const auto& [id, name] : families.by_id) {
    snapshot.added_column_families.emplace_back(id, name);
  }
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : base.files(level)) snapshot.new_files.emplace_back(level, *f);
  }
  std::string record;
  snapshot.EncodeTo(&record);
  NOKV_RETURN_IF_ERROR(w->AddRecord(kManifestRecordType, record));
  *writer = std::move(w);
  return Status::OK();
}

Status VersionSet::SwitchCurrent(uint64_t manifest_number) {
  const std::string name = ManifestFileName(dir_, manifest_number).substr(dir_.size() + 1);
  return fs_->WriteStringToFileAtomic(CurrentFileName(dir_), name + "\n");
}

void VersionSet::InstallLocked(std::shared_ptr<const Version> v) {
  versions_.erase(std::remove_if(versions_.begin(), versions_.end(),
                                 [](const auto& w) { return w.expired(); }),
                  versions_.end());
  versions_.push_back(v);
  current_ = std::move(v);
}

Status VersionSet::CreateNew() {
  std::lock_guard<std::mutex> manifest_lock(manifest_mu_);
  const std::string current_path = CurrentFileName(dir_);
  if (fs_->FileExists(current_path)) {
    return Status::InvalidArgument(current_path + ": already exists; not a fresh directory");
  }
  NOKV_RETURN_IF_ERROR(fs_->CreateDirDurable(dir_));

  constexpr uint64_t kFirstManifest = 1;
  Counters counters;
  counters.next_file_number = kFirstManifest + 1;
  ColumnFamilies families;
  families.by_id.emplace(0, "default");
  std::unique_ptr<WalWriter> writer;
  Status s = StartManifest(kFirstManifest, Version(), counters, families, &writer);
  if (s.ok()) s = writer->Sync();
  if (!s.ok()) {
    writer.reset();
    (void)fs_->RemoveFile(ManifestFileName(dir_, kFirstManifest));
    return s;
  }
  // On failure CURRENT may or may not have been replaced, so the manifest stays.
  NOKV_RETURN_IF_ERROR(SwitchCurrent(kFirstManifest));

  std::lock_guard<std::mutex> lock(mu_);
  counters_ = counters;
  families_ = families;
  recovered_format1_ = false;
  InstallLocked(std::make_shared<Version>());
  manifest_file_number_ = kFirstManifest;
  manifest_size_ = writer->size();
  manifest_ = std::move(writer);
  stale_manifests_.clear();
  return Status::OK();
}

Status VersionSet::Recover() {
  std::lock_guard<std::mutex> manifest_lock(manifest_mu_);
  const std::string current_path = CurrentFileName(dir_);
  if (!fs_->FileExists(current_path)) return Status::NotFound(current_path + ": not found");
  std::string contents;
  NOKV_RETURN_IF_ERROR(fs_->ReadFileToString(current_path, &contents));
  if (contents.empty() || contents.back() != '\n') {
    return Status::Corruption(current_path + ": garbled contents (expected a manifest name "
                              "and a newline)");
  }
  contents.pop_back();
  FileKind kind = FileKind::kUnknown;
  uint64_t manifest_number = 0;
  if (!ParseFileName(contents, &kind, &manifest_number) || kind != FileKind::kManifest) {
    return Status::Corruption(current_path + ": does not name a manifest: \"" +
                              PrintableKey(contents.substr(0, 64)) + "\"");
  }
  const std::string manifest_path = dir_ + "/" + contents;
  if (!fs_->FileExists(manifest_path)) {
    return Status::Corruption(current_path + ": names missing manifest " + manifest_path);
  }

  VersionBuilder builder(nullptr);
  Counters counters;
  ColumnFamilies families;
  bool have_families = false;
  bool have_log = false, have_next = false, have_last = false;
  WalReplayResult replay;
  Status s = ReplayWalFile(
      fs_, manifest_path, /*is_last_segment=*/true,
      [&](uint8_t type, std::string_view payload, uint64_t) {
        if (type != kManifestRecordType) {
          return Status::Corruption("unexpected record type " + std::to_string(type));
        }
        VersionEdit edit;
        NOKV_RETURN_IF_ERROR(edit.DecodeFrom(payload));
        NOKV_RETURN_IF_ERROR(builder.Apply(edit));
        if (edit.format_version && *edit.format_version > kManifestFormatVersion) {
          return Status::NotSupported("manifest format " + std::to_string(*edit.format_version) +
                                      " is newer than this build's " +
                                      std::to_string(kManifestFormatVersion));
        }
        if (!edit.added_column_families.empty() || !edit.dropped_column_families.empty() ||
            edit.max_column_family || edit.format_version) {
          have_families = true;
        }
        NOKV_RETURN_IF_ERROR(families.Apply(edit, [](std::string_view m) {
          return Status::Corruption("manifest: " + std::string(m));
        }));
        if (edit.log_number) {
          counters.log_number = *edit.log_number;
          have_log = true;
        }
        if (edit.next_file_number) {
          counters.next_file_number = *edit.next_file_number;
          have_next = true;
        }
        if (edit.last_sequence) {
          counters.last_sequence = *edit.last_sequence;
          have_last = true;
        }
        return Status::OK();
      },
      &replay);
  NOKV_RETURN_IF_ERROR(s);
  if (replay.tail_dropped) {
    spdlog::warn("{}: dropped a torn final record ({} bytes): {}", manifest_path,
                 replay.dropped_bytes, replay.tail_reason);
  }
  if (!have_log || !have_next || !have_last) {
    return Status::Corruption(manifest_path +
                              ": no snapshot (log_number, next_file_number or "
                              "last_sequence missing)");
  }
  auto version = builder.Finish();
  if (!version.ok()) return version.status().WithContext(manifest_path);

  // Never hand out a number that is already on disk.
  uint64_t max_used = std::max(manifest_number, counters.log_number);
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : (*version)->files(level)) max_used = std::max(max_used, f->number);
  }
  counters.next_file_number = std::max(counters.next_file_number, max_used + 1);

  if (!have_families) {
    // Format 1: the column families were a fixed set. The next snapshot
    // records them (format 2).
    families.by_id = {{0, "default"}, {1, "lock"}, {2, "write"}};
    families.max_id = 2;
  } else if (families.by_id.count(0) == 0) {
    return Status::Corruption(manifest_path + ": no default column family");
  }

  std::lock_guard<std::mutex> lock(mu_);
  counters_ = counters;
  families_ = std::move(families);
  recovered_format1_ = !have_families;
  InstallLocked(std::move(version.value()));
  manifest_file_number_ = manifest_number;
  manifest_size_ = replay.valid_bytes;
  manifest_.reset();
  stale_manifests_.clear();
  return Status::OK();
}

Status VersionSet::LogAndApply(VersionEdit* edit) {
  std::lock_guard<std::mutex> manifest_lock(manifest_mu_);
  std::shared_ptr<const Version> base;
  ColumnFamilies families;  // the set after this edit
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (manifest_file_number_ == 0) {
      return Status::InvalidArgument(dir_ + ": LogAndApply before CreateNew or Recover");
    }
    if (edit->log_number && *edit->log_number < counters_.log_number) {
      return Status::InvalidArgument(dir_ + ": log_number " + std::to_string(*edit->log_number) +
                                     " is below the current " +
                                     std::to_string(counters_.log_number));
    }
    base = current_;
    families = families_;
  }
  // Column-family changes must apply to the current set.
  NOKV_RETURN_IF_ERROR(families.Apply(*edit, [](std::string_view m) {
    return Status::InvalidArgument(std::string(m));
  }));
  // current_ only changes under manifest_mu_, which we hold: base stays current.
  VersionBuilder builder(base);
  NOKV_RETURN_IF_ERROR(builder.Apply(*edit));
  auto built = builder.Finish();
  if (!built.ok()) return built.status();

  const bool need_new = !manifest_ || manifest_->size() >= options_.rewrite_threshold;
  uint64_t new_number = 0;
  uint64_t old_number = 0;
  Counters snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Numbers named by the edit are used, however they were obtained.
    for (const auto& [level, f] : edit->new_files) {
      counters_.next_file_number = std::max(counters_.next_file_number, f.number + 1);
    }
    if (need_new) new_number = counters_.next_file_number++;
    old_number = manifest_file_number_;
    snapshot = counters_;
    edit->next_file_number = std::max(edit->next_file_number.value_or(0),
                                      counters_.next_file_number);
    edit->last_sequence = std::max(edit->last_sequence.value_or(0), counters_.last_sequence);
  }

  // Manifest I/O, without mu_.
  std::unique_ptr<WalWriter> fresh;
  Status s;
  if (need_new) {
    // The snapshot describes the state before this edit (families_ is
    // only changed under manifest_mu_, which we hold).
    ColumnFamilies before;
    {
      std::lock_guard<std::mutex> lock(mu_);
      before = families_;
    }
    s = StartManifest(new_number, *base, snapshot, before, &fresh);
  }
  WalWriter* target = need_new ? fresh.get() : manifest_.get();
  if (s.ok()) {
    std::string record;
    edit->EncodeTo(&record);
    s = target->AddRecord(kManifestRecordType, record);
  }
  if (s.ok()) s = options_.sync ? target->Sync() : target->Flush();
  bool switch_attempted = false;
  if (s.ok() && need_new) {
    switch_attempted = true;
    s = SwitchCurrent(new_number);
  }
  if (!s.ok()) {
    manifest_.reset();
    if (need_new) {
      fresh.reset();
      if (switch_attempted) {
        // CURRENT may already name it; delete only after a later switch.
        stale_manifests_.push_back(new_number);
      } else {
        (void)fs_->RemoveFile(ManifestFileName(dir_, new_number));
      }
    }
    return s;
  }

  if (need_new) {
    manifest_ = std::move(fresh);
    stale_manifests_.push_back(old_number);
    for (uint64_t n : stale_manifests_) {
      const std::string path = ManifestFileName(dir_, n);
      if (n == new_number || !fs_->FileExists(path)) continue;
      Status rm = fs_->RemoveFile(path);
      if (!rm.ok()) spdlog::warn("{}: could not delete old manifest: {}", path, rm.ToString());
    }
    stale_manifests_.clear();
  }

  std::lock_guard<std::mutex> lock(mu_);
  InstallLocked(std::move(built.value()));
  families_ = std::move(families);
  if (edit->log_number) counters_.log_number = *edit->log_number;
  counters_.next_file_number = std::max(counters_.next_file_number, *edit->next_file_number);
  counters_.last_sequence = std::max(counters_.last_sequence, *edit->last_sequence);
  if (need_new) manifest_file_number_ = new_number;
  manifest_size_ = manifest_->size();
  return Status::OK();
}

std::shared_ptr<const Version> VersionSet::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

uint64_t VersionSet::NewFileNumber() {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_.next_file_number++;
}

void VersionSet::MarkFileNumberUsed(uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_.next_file_number = std::max(counters_.next_file_number, n + 1);
}

uint64_t VersionSet::next_file_number() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_.next_file_number;
}

uint64_t VersionSet::last_sequence() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_.last_sequence;
}

void VersionSet::SetLastSequence(uint64_t s) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_.last_sequence = std::max(counters_.last_sequence, s);
}

uint64_t VersionSet::log_number() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_.log_number;
}

std::map<uint32_t, std::string> VersionSet::column_families() const {
  std::lock_guard<std::mutex> lock(mu_);
  return families_.by_id;
}

uint32_t VersionSet::max_column_family() const {
  std::lock_guard<std::mutex> lock(mu_);
  return families_.max_id;
}

bool VersionSet::recovered_format1() const {
  std::lock_guard<std::mutex> lock(mu_);
  return recovered_format1_;
}

uint64_t VersionSet::manifest_file_number() const {
  std::lock_guard<std::mutex> lock(mu_);
  return manifest_file_number_;
}

uint64_t VersionSet::manifest_size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return manifest_size_;
}

std::string VersionSet::manifest_path() const {
  std::lock_guard<std::mutex> lock(mu_);
  return manifest_file_number_ == 0 ? std::string()
                                    : ManifestFileName(dir_, manifest_file_number_);
}

std::set<uint64_t> VersionSet::LiveFiles() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<uint64_t> live;
  for (auto it = versions_.begin(); it != versions_.end();) {
    if (auto v = it->lock()) {
      for (int level = 0; level < kNumLevels; ++level) {
        for (const auto& f : v->files(level)) live.insert(f->number);
      }
      ++it;
    } else {
      it = versions_.erase(it);
    }
  }
  return live;
}

}  // namespace nokv
