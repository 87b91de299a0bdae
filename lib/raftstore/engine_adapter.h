// DataEngine: the ONLY way lib/raftstore touches a store's data engine (the
// NoKV engine all its regions share), so that when the engine gets real,
// named column families only this adapter changes.
//
// Key scheme (docs/raftstore.md, "Data engine layout"), in every column
// family of the engine:
//   'z' + user key                     region data (user keys are any bytes)
//   0x01 'i'                           StoreIdent            (default CF)
//   0x01 'r' region_id u64 BE          RegionLocalState      (default CF)
//   0x01 'a' region_id u64 BE          RaftApplyState        (default CF)
// The store's own records sort before all data and can never collide with a
// user key; region ranges map to ['z'+start, 'z'+end) ('{' for +inf). When
// the engine offers a dedicated "raft_state" family the 0x01 records move
// there and nothing outside this file changes.
//
// Column families: the raftstore names its data families by the engine's
// ColumnFamily ids (default 0, lock 1, write 2). The engine creates families
// by name; DataEngine::Open creates "lock" and "write" in that order on a
// fresh engine (so they get ids 1 and 2; a format-1 workdir has them
// implicitly) and refuses an engine where they carry other ids. A
// DataWriteBatch encodes a family by its id (WriteBatch stores ids; the DB
// checks at Write that the id names a live family).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/internal_key.h"
#include "base/status.h"
#include "db/db_stats.h"
#include "nokv/db.h"
#include "proto/raft_serverpb.pb.h"

namespace nokv::raftstore {

// "default" (or ""), "lock", "write"; InvalidArgument otherwise.
Result<ColumnFamily> CfByName(std::string_view name);
inline constexpr ColumnFamily kDataCfs[] = {ColumnFamily::kDefault, ColumnFamily::kLock,
                                            ColumnFamily::kWrite};

// Updates to region data and to the store's records, applied atomically.
class DataWriteBatch {
 public:
  void Put(ColumnFamily cf, std::string_view key, std::string_view value,
           uint64_t expires_at_ms = 0);
  void Delete(ColumnFamily cf, std::string_view key);
  // [begin, end) of user keys; an empty end is +inf. No-op if empty.
  void DeleteRange(ColumnFamily cf, std::string_view begin, std::string_view end);
  // Clears [begin, end) in every data column family.
  void ClearRange(std::string_view begin, std::string_view end);

  void PutRegionState(uint64_t region_id, const raft_serverpb::RegionLocalState& state);
  void PutApplyState(uint64_t region_id, const raft_serverpb::RaftApplyState& state);
  void PutStoreIdent(const raft_serverpb::StoreIdent& ident);

  uint32_t Count() const { return batch_.Count(); }
  size_t ApproximateSize() const { return batch_.ApproximateSize(); }
  bool empty() const { return batch_.Count() == 0; }
  void Clear() { batch_.Clear(); }

 private:
  friend class DataEngine;
  // A family named by its fixed id, for encoding updates.
  class FixedFamily final : public ColumnFamilyHandle {
   public:
    FixedFamily(uint32_t id, std::string name) : id_(id), name_(std::move(name)) {}
    const std::string& name() const override { return name_; }
    uint32_t id() const override { return id_; }

   private:
    uint32_t id_;
    std::string name_;
  };
  UpdateOptions In(ColumnFamily cf, uint64_t expires_at_ms = 0);

  FixedFamily lock_{static_cast<uint32_t>(ColumnFamily::kLock), "lock"};
  FixedFamily write_{static_cast<uint32_t>(ColumnFamily::kWrite), "write"};
  WriteBatch batch_;
};

class DataEngine {
 public:
  // Opens (creating if missing, unless options.read_only) the data engine in `dir`.
  static Status Open(Options options, const std::string& dir, std::unique_ptr<DataEngine>* out);
  ~DataEngine();

  // Applies the batch atomically; with sync, fsyncs before returning.
  Status Write(DataWriteBatch* batch, bool sync);
  // Makes every write so far durable (one fsync of the engine's WAL).
  Status Sync();

  // The value of a user key; NotFound if missing, deleted or expired.
  Status Get(ColumnFamily cf, std::string_view key, std::string* value,
             const Snapshot* snapshot = nullptr);
  // An iterator over user keys in [lower, upper) of `cf` (upper empty =
  // +inf), at `snapshot` (null = now). Keys come back without the prefix.
  std::unique_ptr<Iterator> NewIterator(ColumnFamily cf, std::string_view lower,
                                        std::string_view upper, const Snapshot* snapshot = nullptr);
  const Snapshot* GetSnapshot() { return db_->GetSnapshot(); }
  void ReleaseSnapshot(const Snapshot* s) { db_->ReleaseSnapshot(s); }

  // The store's records. NotFound when absent.
  Status LoadStoreIdent(raft_serverpb::StoreIdent* ident);
  Status LoadRegionStates(std::map<uint64_t, raft_serverpb::RegionLocalState>* states);
  Status LoadApplyState(uint64_t region_id, raft_serverpb::RaftApplyState* state);

  uint64_t NowMs() const { return db_->NowMs(); }
  DbStats Stats() { return CollectDbStats(*db_); }
  Status Close();

 private:
  explicit DataEngine(std::unique_ptr<DB> db) : db_(std::move(db)) {}
  // The engine's handle of a data family (null: default).
  ColumnFamilyHandle* Handle(ColumnFamily cf) const;

  std::unique_ptr<DB> db_;
  ColumnFamilyHandle* lock_ = nullptr;   // owned by db_
  ColumnFamilyHandle* write_ = nullptr;  // owned by db_
};

}  // namespace nokv::raftstore
