// DataEngine: the raftstore's adapter over its data engine (see
// engine_adapter.h for the key scheme).
#include "raftstore/engine_adapter.h"

#include <tuple>

#include "nokv/iterator.h"
#include "nokv/options.h"

namespace nokv::raftstore {
namespace {

constexpr char kDataPrefix = 'z';
constexpr char kDataEnd = 'z' + 1;  // '{': just past every data key
constexpr char kLocalPrefix = 0x01;
constexpr char kIdentTag = 'i';
constexpr char kRegionStateTag = 'r';
constexpr char kApplyStateTag = 'a';

std::string DataKey(std::string_view user_key) {
  std::string k;
  k.reserve(user_key.size() + 1);
  k.push_back(kDataPrefix);
  k.append(user_key);
  return k;
}

// The encoded end of a range: +inf for an empty user end.
std::string DataEndKey(std::string_view user_end) {
  return user_end.empty() ? std::string(1, kDataEnd) : DataKey(user_end);
}

std::string LocalKey(char tag, uint64_t region_id) {
  std::string k{kLocalPrefix, tag};
  for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>(region_id >> shift));
  return k;
}

uint64_t LocalKeyRegion(std::string_view key) {
  uint64_t v = 0;
  for (size_t i = 2; i < 10 && i < key.size(); i++) v = (v << 8) | static_cast<uint8_t>(key[i]);
  return v;
}

// Strips the data prefix from an iterator over the engine's data keys.
class DataIterator final : public Iterator {
 public:
  explicit DataIterator(std::unique_ptr<Iterator> it) : it_(std::move(it)) {}
  bool Valid() const override { return it_->Valid(); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view target) override { it_->Seek(DataKey(target)); }
  void SeekForPrev(std::string_view target) override { it_->SeekForPrev(DataKey(target)); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return it_->key().substr(1); }
  std::string_view value() const override { return it_->value(); }
  uint64_t expires_at_ms() const override { return it_->expires_at_ms(); }
  Status status() const override { return it_->status(); }

 private:
  std::unique_ptr<Iterator> it_;
};

}  // namespace

Result<ColumnFamily> CfByName(std::string_view name) {
  if (name.empty() || name == "default") return ColumnFamily::kDefault;
  if (name == "lock") return ColumnFamily::kLock;
  if (name == "write") return ColumnFamily::kWrite;
  return Status::InvalidArgument("unknown column family \"" + std::string(name) +
                                 "\" (default, lock, write)");
}

// ---- DataWriteBatch ----

UpdateOptions DataWriteBatch::In(ColumnFamily cf, uint64_t expires_at_ms) {
  UpdateOptions o;
  if (cf == ColumnFamily::kLock) o.column_family = &lock_;
  if (cf == ColumnFamily::kWrite) o.column_family = &write_;
  o.expires_at_ms = expires_at_ms;
  return o;
}

void DataWriteBatch::Put(ColumnFamily cf, std::string_view key, std::string_view value,
                         uint64_t expires_at_ms) {
  batch_.Put(In(cf, expires_at_ms), DataKey(key), value);
}

void DataWriteBatch::Delete(ColumnFamily cf, std::string_view key) {
  batch_.Delete(In(cf), DataKey(key));
}

void DataWriteBatch::DeleteRange(ColumnFamily cf, std::string_view begin, std::string_view end) {
  if (!end.empty() && begin >= end) return;
  batch_.DeleteRange(In(cf).column_family, DataKey(begin), DataEndKey(end));
}

void DataWriteBatch::ClearRange(std::string_view begin, std::string_view end) {
  for (ColumnFamily cf : kDataCfs) DeleteRange(cf, begin, end);
}

void DataWriteBatch::PutRegionState(uint64_t region_id,
                                    const raft_serverpb::RegionLocalState& state) {
  batch_.Put(LocalKey(kRegionStateTag, region_id), state.SerializeAsString());
}

void DataWriteBatch::PutApplyState(uint64_t region_id, const raft_serverpb::RaftApplyState& state) {
  batch_.Put(LocalKey(kApplyStateTag, region_id), state.SerializeAsString());
}

void DataWriteBatch::PutStoreIdent(const raft_serverpb::StoreIdent& ident) {
  batch_.Put(std::string{kLocalPrefix, kIdentTag}, ident.SerializeAsString());
}

// ---- DataEngine ----

Status DataEngine::Open(Options options, const std::string& dir, std::unique_ptr<DataEngine>* out) {
  options.create_if_missing = !options.read_only;
  std::unique_ptr<DB> db;
  NOKV_RETURN_IF_ERROR(DB::Open(options, dir, &db).WithContext("data engine " + dir));
  std::unique_ptr<DataEngine> engine(new DataEngine(std::move(db)));
  // The data families, by the ids DataWriteBatch encodes (see the header).
  for (const auto& [name, cf, handle] :
       {std::tuple{"lock", ColumnFamily::kLock, &engine->lock_},
        std::tuple{"write", ColumnFamily::kWrite, &engine->write_}}) {
    ColumnFamilyHandle* h = engine->db_->GetColumnFamily(name);
    if (h == nullptr && options.read_only) {
      return Status::InvalidArgument("data engine " + dir + ": no column family \"" + name +
                                     "\" (not a store's data engine)");
    }
    if (h == nullptr) {
      NOKV_RETURN_IF_ERROR(engine->db_->CreateColumnFamily(name, &h));
    }
    if (h->id() != static_cast<uint32_t>(cf)) {
      return Status::NotSupported("data engine " + dir + ": column family \"" + name +
                                  "\" has id " + std::to_string(h->id()) + ", expected " +
                                  std::to_string(static_cast<uint32_t>(cf)));
    }
    *handle = h;
  }
  *out = std::move(engine);
  return Status::OK();
}

ColumnFamilyHandle* DataEngine::Handle(ColumnFamily cf) const {
  if (cf == ColumnFamily::kLock) return lock_;
  if (cf == ColumnFamily::kWrite) return write_;
  return nullptr;
}

DataEngine::~DataEngine() {
  if (db_) (void)db_->Close();
}

Status DataEngine::Close() { return db_->Close(); }

Status DataEngine::Write(DataWriteBatch* batch, bool sync) {
  if (batch->empty()) return sync ? Sync() : Status::OK();
  WriteOptions wo;
  wo.sync = sync;
  return db_->Write(wo, batch->batch_);
}

Status DataEngine::Sync() { return db_->FlushWAL(/*sync=*/true); }

Status DataEngine::Get(ColumnFamily cf, std::string_view key, std::string* value,
                       const Snapshot* snapshot) {
  ReadOptions ro;
  ro.column_family = Handle(cf);
  ro.snapshot = snapshot;
  return db_->Get(ro, DataKey(key), value);
}

std::unique_ptr<Iterator> DataEngine::NewIterator(ColumnFamily cf, std::string_view lower,
                                                  std::string_view upper,
                                                  const Snapshot* snapshot) {
  ReadOptions ro;
  ro.column_family = Handle(cf);
  ro.snapshot = snapshot;
  ro.lower_bound = DataKey(lower);
  ro.upper_bound = DataEndKey(upper);
  return std::make_unique<DataIterator>(db_->NewIterator(ro));
}

Status DataEngine::LoadStoreIdent(raft_serverpb::StoreIdent* ident) {
  std::string v;
  NOKV_RETURN_IF_ERROR(db_->Get(ReadOptions(), std::string{kLocalPrefix, kIdentTag}, &v));
  if (!ident->ParseFromString(v)) return Status::Corruption("unparsable store ident");
  return Status::OK();
}

Status DataEngine::LoadRegionStates(std::map<uint64_t, raft_serverpb::RegionLocalState>* states) {
  states->clear();
  ReadOptions ro;
  ro.lower_bound = std::string{kLocalPrefix, kRegionStateTag};
  ro.upper_bound = std::string{kLocalPrefix, static_cast<char>(kRegionStateTag + 1)};
  std::unique_ptr<Iterator> it = db_->NewIterator(ro);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint64_t id = LocalKeyRegion(it->key());
    raft_serverpb::RegionLocalState& st = (*states)[id];
    if (it->key().size() != 10 ||
        !st.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Status::Corruption("unparsable region state of region " + std::to_string(id));
    }
  }
  return it->status();
}

Status DataEngine::LoadApplyState(uint64_t region_id, raft_serverpb::RaftApplyState* state) {
  std::string v;
  NOKV_RETURN_IF_ERROR(db_->Get(ReadOptions(), LocalKey(kApplyStateTag, region_id), &v));
  if (!state->ParseFromString(v)) {
    return Status::Corruption("unparsable apply state of region " + std::to_string(region_id));
  }
  return Status::OK();
}

}  // namespace nokv::raftstore
