// StoreResolver (see store_resolver.h).
#include "transport/store_resolver.h"

namespace nokv::transport {

Result<std::string> StoreResolver::Resolve(uint64_t store_id) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (auto it = pinned_.find(store_id); it != pinned_.end()) return it->second;
    if (auto it = cache_.find(store_id); it != cache_.end()) return it->second;
  }
  if (!lookup_) return Status::NotFound("store " + std::to_string(store_id) + ": no PD to ask");
  Result<metapb::Store> store = lookup_(store_id);
  if (!store.ok()) return store.status().WithContext("resolve store " + std::to_string(store_id));
  if (store->state() == metapb::STORE_TOMBSTONE) {
    return Status::NotFound("store " + std::to_string(store_id) + " is a tombstone");
  }
  if (store->address().empty()) {
    return Status::NotFound("store " + std::to_string(store_id) + " has no address in PD");
  }
  std::lock_guard<std::mutex> l(mu_);
  cache_[store_id] = store->address();
  return store->address();
}

void StoreResolver::Invalidate(uint64_t store_id) {
  std::lock_guard<std::mutex> l(mu_);
  cache_.erase(store_id);
}

void StoreResolver::Set(uint64_t store_id, std::string address) {
  std::lock_guard<std::mutex> l(mu_);
  pinned_[store_id] = std::move(address);
}

}  // namespace nokv::transport
