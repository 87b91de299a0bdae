// ColumnFamilyHandle: names one column family of an open DB — a keyspace of
// its own (keys of two families never meet), created by name with
// DB::CreateColumnFamily, recorded in the manifest, and addressed through
// ReadOptions/UpdateOptions. Every key of the engine carries its family's
// one-byte id, so a DB holds at most 254 families over its lifetime (ids of
// dropped families are not reused).
#pragma once

#include <cstdint>
#include <string>

namespace nokv {

class ColumnFamilyHandle {
 public:
  virtual ~ColumnFamilyHandle() = default;
  // The name it was created with ("default" for the default family).
  virtual const std::string& name() const = 0;
  // The id stored in every key of the family (0 for the default family).
  virtual uint32_t id() const = 0;
};

// The name of the family every DB has.
inline constexpr const char* kDefaultColumnFamilyName = "default";

}  // namespace nokv
