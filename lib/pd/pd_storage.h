// PdStorage: where PD keeps its durable state, in NoKV's own engine through
// the public API (default column family; every write synced). Without a
// directory it keeps nothing (in-memory PD). Key layout (docs/pd.md):
//   pd/v1/meta/format        "1"
//   pd/v1/meta/bootstrapped  "1" once bootstrapped
//   pd/v1/meta/id_bound      decimal; ids below may have been served
//   pd/v1/meta/tso_bound     decimal physical ms; timestamps below may have been served
//   pd/v1/store/<id>         metapb.Store        (id: 16 hex digits)
//   pd/v1/region/<id>        pdstatepb.RegionRecord
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nokv/db.h"
#include "proto/metapb.pb.h"
#include "proto/pdstatepb.pb.h"

namespace nokv::pd {

// Everything PdStorage::Load finds.
struct PersistedState {
  bool bootstrapped = false;
  uint64_t id_bound = 0;
  uint64_t tso_bound = 0;
  std::vector<metapb::Store> stores;
  std::vector<pdstatepb::RegionRecord> regions;  // in id order
};

std::string StoreKey(uint64_t id);
std::string RegionKey(uint64_t id);
extern const char kBootstrappedKey[];
extern const char kIdBoundKey[];
extern const char kTsoBoundKey[];

class PdStorage {
 public:
  // Opens (creating) the engine in `dir`; an empty dir = in-memory.
  static Result<std::unique_ptr<PdStorage>> Open(const std::string& dir);
  ~PdStorage();

  bool persistent() const { return db_ != nullptr; }
  const std::string& dir() const { return dir_; }

  // Applies the batch atomically and fsyncs it (no-op when in-memory).
  Status Commit(const WriteBatch& batch);
  // Reads everything back. Corruption naming the key if a record does not
  // parse or the format is unknown.
  Status Load(PersistedState* state);
  Status Close();

 private:
  PdStorage() = default;
  std::string dir_;
  std::unique_ptr<DB> db_;
};

}  // namespace nokv::pd
