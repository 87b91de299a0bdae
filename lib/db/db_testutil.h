// Shorthands for DB tests over the public API: update and read options for a
// column family and MVCC version, and integer properties.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

#include "nokv/db.h"

namespace nokv::testutil {

// Where an update goes: family (null = default), version, absolute expiry.
inline UpdateOptions In(ColumnFamilyHandle* cf, std::optional<uint64_t> version = std::nullopt,
                        uint64_t expires_at_ms = 0) {
  UpdateOptions o;
  o.column_family = cf;
  o.version = version;
  o.expires_at_ms = expires_at_ms;
  return o;
}

// A put that expires ttl_ms after it is applied.
inline UpdateOptions Ttl(uint64_t ttl_ms) {
  UpdateOptions o;
  o.ttl_ms = ttl_ms;
  return o;
}

// A read of family cf at version (unset = newest).
inline ReadOptions At(ColumnFamilyHandle* cf, std::optional<uint64_t> version = std::nullopt) {
  ReadOptions o;
  o.column_family = cf;
  o.version = version;
  return o;
}

// The same, also returning tombstones and expired entries (flagged).
inline ReadOptions EntryAt(ColumnFamilyHandle* cf, std::optional<uint64_t> version = std::nullopt) {
  ReadOptions o = At(cf, version);
  o.include_tombstones = true;
  return o;
}

// An integer property; fails the test if the DB does not know it.
inline uint64_t Prop(DB* db, const std::string& name) {
  uint64_t v = 0;
  EXPECT_TRUE(db->GetIntProperty(name, &v)) << name;
  return v;
}

// A family created on db (fails the test on error).
inline ColumnFamilyHandle* CreateFamily(DB* db, const std::string& name) {
  ColumnFamilyHandle* h = nullptr;
  Status s = db->CreateColumnFamily(name, &h);
  EXPECT_TRUE(s.ok()) << name << ": " << s.ToString();
  return h;
}

}  // namespace nokv::testutil
