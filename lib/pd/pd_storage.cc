// PdStorage (see pd_storage.h).
#include "pd/pd_storage.h"

#include <fmt/core.h>

#include <charconv>
#include <filesystem>

namespace nokv::pd {

const char kBootstrappedKey[] = "pd/v1/meta/bootstrapped";
const char kIdBoundKey[] = "pd/v1/meta/id_bound";
const char kTsoBoundKey[] = "pd/v1/meta/tso_bound";
namespace {
constexpr char kFormatKey[] = "pd/v1/meta/format";
constexpr char kStorePrefix[] = "pd/v1/store/";
constexpr char kRegionPrefix[] = "pd/v1/region/";
constexpr char kPrefix[] = "pd/";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Status ParseU64(std::string_view key, std::string_view text, uint64_t* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::Corruption(fmt::format("pd state: {} holds \"{}\", not a number", key, text));
  }
  return Status::OK();
}
}  // namespace

std::string StoreKey(uint64_t id) { return fmt::format("{}{:016x}", kStorePrefix, id); }
std::string RegionKey(uint64_t id) { return fmt::format("{}{:016x}", kRegionPrefix, id); }

Result<std::unique_ptr<PdStorage>> PdStorage::Open(const std::string& dir) {
  std::unique_ptr<PdStorage> storage(new PdStorage());
  storage->dir_ = dir;
  if (dir.empty()) return storage;
  // A directory that already held a database must hold PD's format record;
  // if the engine comes up without it, PD state was lost (e.g. a WAL the
  // engine discarded) and starting would hand out old ids and timestamps.
  std::error_code ec;
  const bool existed = std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec);
  Options options;
  options.sync_writes = true;
  Status s = DB::Open(options, dir, &storage->db_);
  if (!s.ok()) return s.WithContext("pd state: open " + dir);
  std::string format;
  s = storage->db_->Get(ReadOptions(), kFormatKey, &format);
  if (s.IsNotFound() && existed) {
    return Status::Corruption("pd state: " + dir +
                              " holds a database without PD's format record: the state was "
                              "lost or this is not a PD workdir; refusing to start (move the "
                              "directory away to start an empty PD)");
  }
  if (s.IsNotFound()) {
    WriteOptions wo;
    wo.sync = true;
    s = storage->db_->Put(wo, kFormatKey, "1");
    if (!s.ok()) return s.WithContext("pd state: write " + dir);
  } else if (!s.ok()) {
    return s.WithContext("pd state: read " + dir);
  } else if (format != "1") {
    return Status::Corruption("pd state: " + dir + ": unknown format \"" + format +
                              "\" (this PD reads format 1)");
  }
  return storage;
}

PdStorage::~PdStorage() { (void)Close(); }

Status PdStorage::Commit(const WriteBatch& batch) {
  if (!db_) return Status::OK();
  WriteOptions wo;
  wo.sync = true;
  return db_->Write(wo, batch);
}

Status PdStorage::Close() {
  if (!db_) return Status::OK();
  Status s = db_->Close();
  db_.reset();
  return s;
}

Status PdStorage::Load(PersistedState* state) {
  *state = PersistedState();
  if (!db_) return Status::OK();
  std::unique_ptr<Iterator> it = db_->NewIterator(ReadOptions());
  for (it->Seek(kPrefix); it->Valid() && StartsWith(it->key(), kPrefix); it->Next()) {
    const std::string_view key = it->key();
    const std::string_view value = it->value();
    if (key == kFormatKey) continue;
    if (key == kBootstrappedKey) {
      state->bootstrapped = value == "1";
    } else if (key == kIdBoundKey) {
      NOKV_RETURN_IF_ERROR(ParseU64(key, value, &state->id_bound));
    } else if (key == kTsoBoundKey) {
      NOKV_RETURN_IF_ERROR(ParseU64(key, value, &state->tso_bound));
    } else if (StartsWith(key, kStorePrefix)) {
      metapb::Store store;
      if (!store.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
          store.id() == 0 || StoreKey(store.id()) != key) {
        return Status::Corruption(fmt::format("pd state: {} is not a valid store record", key));
      }
      state->stores.push_back(std::move(store));
    } else if (StartsWith(key, kRegionPrefix)) {
      pdstatepb::RegionRecord record;
      if (!record.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
          record.region().id() == 0 || RegionKey(record.region().id()) != key) {
        return Status::Corruption(fmt::format("pd state: {} is not a valid region record", key));
      }
      state->regions.push_back(std::move(record));
    } else {
      return Status::Corruption(fmt::format("pd state: unknown key {}", key));
    }
  }
  return it->status();
}

}  // namespace nokv::pd
