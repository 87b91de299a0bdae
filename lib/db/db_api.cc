// The DB shorthands of nokv/db.h: one-update batches for Put, Delete and
// DeleteRange, and the value-only Get. Each is one call of the virtual
// Write or Get, so an implementation of DB (or a test double) only provides
// those.
#include "nokv/db.h"

namespace nokv {

Status DB::Put(const WriteOptions& options, std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, batch);
}

Status DB::Put(const WriteOptions& options, const UpdateOptions& update, std::string_view key,
               std::string_view value) {
  WriteBatch batch;
  batch.Put(update, key, value);
  return Write(options, batch);
}

Status DB::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(options, batch);
}

Status DB::Delete(const WriteOptions& options, const UpdateOptions& update,
                  std::string_view key) {
  WriteBatch batch;
  batch.Delete(update, key);
  return Write(options, batch);
}

Status DB::DeleteRange(const WriteOptions& options, std::string_view begin,
                       std::string_view end) {
  return DeleteRange(options, nullptr, begin, end);
}

Status DB::DeleteRange(const WriteOptions& options, ColumnFamilyHandle* column_family,
                       std::string_view begin, std::string_view end) {
  if (begin.empty() || end.empty()) return Status::InvalidArgument("empty range bound");
  WriteBatch batch;
  batch.DeleteRange(column_family, begin, end);
  return Write(options, batch);
}

Status DB::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  const ReadOptions* o = &options;
  ReadOptions plain;
  if (options.include_tombstones) {  // a value is all this form returns
    plain = options;
    plain.include_tombstones = false;
    o = &plain;
  }
  ReadResult result;
  NOKV_RETURN_IF_ERROR(Get(*o, key, &result));
  *value = std::move(result.value);
  return Status::OK();
}

}  // namespace nokv
