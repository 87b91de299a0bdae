// ColumnFamilySet: handle bookkeeping and manifest-recorded create/drop.
#include "db/column_family_set.h"

#include <spdlog/spdlog.h>

namespace nokv {

ColumnFamilySet::ColumnFamilySet(VersionSet* versions) : versions_(versions) {}

void ColumnFamilySet::Load() {
  std::lock_guard<std::mutex> l(mu_);
  by_id_.clear();
  for (auto& live : live_) live.store(nullptr, std::memory_order_relaxed);
  for (const auto& [id, name] : versions_->column_families()) {
    handles_.push_back(std::make_unique<ColumnFamilyHandleImpl>(id, name));
    by_id_[id] = handles_.back().get();
    live_[id].store(handles_.back().get(), std::memory_order_release);
  }
  default_ = by_id_.at(0);
}

ColumnFamilyHandle* ColumnFamilySet::Find(std::string_view name) const {
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [id, handle] : by_id_) {
    if (handle->name() == name) return handle;
  }
  return nullptr;
}

std::vector<std::pair<uint32_t, std::string>> ColumnFamilySet::List() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::pair<uint32_t, std::string>> out;
  for (const auto& [id, handle] : by_id_) out.emplace_back(id, handle->name());
  return out;
}

Status ColumnFamilySet::Create(std::string_view name, ColumnFamilyHandle** handle) {
  *handle = nullptr;
  if (name.empty()) return Status::InvalidArgument("empty column family name");
  std::lock_guard<std::mutex> change(change_mu_);
  if (Find(name) != nullptr) {
    return Status::InvalidArgument("column family \"" + std::string(name) + "\" exists");
  }
  uint32_t id = versions_->max_column_family() + 1;
  if (id == kRangeDeleteSpace) ++id;
  if (id > static_cast<uint32_t>(kMaxColumnFamilyId)) {
    return Status::TooBig("every column family id has been used (ids are not reused)");
  }
  VersionEdit edit;
  edit.added_column_families.emplace_back(id, std::string(name));
  edit.max_column_family = id;
  NOKV_RETURN_IF_ERROR(versions_->LogAndApply(&edit));
  spdlog::info("nokv: created column family {} \"{}\"", id, name);
  std::lock_guard<std::mutex> l(mu_);
  handles_.push_back(std::make_unique<ColumnFamilyHandleImpl>(id, std::string(name)));
  by_id_[id] = handles_.back().get();
  live_[id].store(handles_.back().get(), std::memory_order_release);
  *handle = handles_.back().get();
  return Status::OK();
}

Status ColumnFamilySet::Drop(ColumnFamilyHandle* handle) {
  ColumnFamily cf;
  NOKV_RETURN_IF_ERROR(Resolve(handle, &cf));
  const auto id = static_cast<uint32_t>(cf);
  if (id == 0) return Status::InvalidArgument("the default column family cannot be dropped");
  std::lock_guard<std::mutex> change(change_mu_);
  if (!IsLive(cf)) return Status::InvalidArgument("column family already dropped");
  VersionEdit edit;
  edit.dropped_column_families.push_back(id);
  NOKV_RETURN_IF_ERROR(versions_->LogAndApply(&edit));
  spdlog::info("nokv: dropped column family {} \"{}\"", id, handle->name());
  std::lock_guard<std::mutex> l(mu_);
  live_[id].store(nullptr, std::memory_order_release);
  by_id_.erase(id);
  return Status::OK();
}

Status ColumnFamilySet::Resolve(const ColumnFamilyHandle* handle, ColumnFamily* cf) const {
  if (handle == nullptr) {
    *cf = ColumnFamily::kDefault;
    return Status::OK();
  }
  const uint32_t id = handle->id();
  // Compared by address: a handle of another DB may carry an id live here.
  if (id > static_cast<uint32_t>(kMaxColumnFamilyId) ||
      live_[id].load(std::memory_order_acquire) != handle) {
    return Status::InvalidArgument("column family \"" + handle->name() +
                                   "\" is not a live family of this DB (dropped?)");
  }
  *cf = static_cast<ColumnFamily>(static_cast<uint8_t>(id));
  return Status::OK();
}

std::bitset<256> ColumnFamilySet::Dropped() const {
  std::bitset<256> dropped;
  const uint32_t max = versions_->max_column_family();
  for (uint32_t id = 1; id <= max && id <= static_cast<uint32_t>(kMaxColumnFamilyId); ++id) {
    if (id != kRangeDeleteSpace && live_[id].load(std::memory_order_acquire) == nullptr) {
      dropped.set(id);
    }
  }
  return dropped;
}

}  // namespace nokv
