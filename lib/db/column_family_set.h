// ColumnFamilySet: the DB's column families — handles by name and by id, the
// live-id table the read and write paths check, and creating and dropping
// families through the manifest (VersionSet records them; version_edit.h has
// the record layout).
//
// Ids are the first byte of every internal key: 0 is the default family,
// kRangeDeleteSpace (3) is reserved, and an id is never reused (the manifest
// keeps the highest id ever allocated), so data a dropped family left behind
// can never show up in a new one; compaction drops it (Dropped()).
//
// Ownership: the set owns every handle it ever made; handles stay valid until
// the set is destroyed (with the DB). A dropped family's handle is kept,
// marked dropped; calls through it get InvalidArgument.
//
// Locking: mu_ guards the handle maps. change_mu_ serializes Create and Drop
// and is held across their manifest write (so two creates never pick the
// same id); it is taken before mu_, never while holding it. live_ (id ->
// handle) is written under mu_ and read without locks on every read and
// write.
#pragma once

#include <array>
#include <atomic>
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/internal_key.h"
#include "base/status.h"
#include "manifest/version_set.h"
#include "nokv/column_family.h"

namespace nokv {

class ColumnFamilyHandleImpl final : public ColumnFamilyHandle {
 public:
  ColumnFamilyHandleImpl(uint32_t id, std::string name) : id_(id), name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  uint32_t id() const override { return id_; }
  ColumnFamily cf() const { return static_cast<ColumnFamily>(static_cast<uint8_t>(id_)); }

 private:
  const uint32_t id_;
  const std::string name_;
};

class ColumnFamilySet {
 public:
  explicit ColumnFamilySet(VersionSet* versions);
  ColumnFamilySet(const ColumnFamilySet&) = delete;
  ColumnFamilySet& operator=(const ColumnFamilySet&) = delete;

  // Takes the families the manifest records (after VersionSet::Recover or
  // CreateNew).
  void Load();

  ColumnFamilyHandle* Default() const { return default_; }
  // The live family of that name, or null.
  ColumnFamilyHandle* Find(std::string_view name) const;
  // Live families, (id, name) in id order.
  std::vector<std::pair<uint32_t, std::string>> List() const;

  // Records a new family in the manifest and returns its handle.
  // InvalidArgument for an empty or taken name; TooBig when no id is left.
  Status Create(std::string_view name, ColumnFamilyHandle** handle);
  // Records the drop in the manifest; the family's keys are gone for readers
  // and writers from then on.
  Status Drop(ColumnFamilyHandle* handle);

  // The id of a caller's handle (null = the default family); InvalidArgument
  // if the family is dropped or unknown to this DB.
  Status Resolve(const ColumnFamilyHandle* handle, ColumnFamily* cf) const;
  // True if writes may name this id.
  bool IsLive(ColumnFamily cf) const {
    return live_[static_cast<uint8_t>(cf)].load(std::memory_order_acquire) != nullptr;
  }
  // Ids that were allocated and dropped: no reader can see their data.
  std::bitset<256> Dropped() const;

 private:
  VersionSet* const versions_;
  std::mutex change_mu_;  // serializes Create/Drop
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<ColumnFamilyHandleImpl>> handles_;  // guarded by mu_; all ever made
  std::map<uint32_t, ColumnFamilyHandleImpl*> by_id_;             // guarded by mu_; live only
  ColumnFamilyHandleImpl* default_ = nullptr;                     // set by Load
  // The live family of each id (null: none). Read without locks.
  std::array<std::atomic<const ColumnFamilyHandleImpl*>, 256> live_{};
};

}  // namespace nokv
