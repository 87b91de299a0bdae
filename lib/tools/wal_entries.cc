// DecodeWalRecordEntries: WAL record -> internal entries, as recovery builds
// them (db_write.cc, DBImpl::InsertIntoMemTable).
#include "tools/wal_entries.h"

#include <string>

#include "base/internal_key.h"
#include "lsm/range_tombstones.h"
#include "db/write_batch_internal.h"

namespace nokv {

Status DecodeWalRecordEntries(std::string_view payload, const WalEntryFn& fn,
                              WalRecordFacts* facts) {
  *facts = WalRecordFacts();
  std::string_view rep;
  WriteBatch batch;
  NOKV_RETURN_IF_ERROR(
      WriteBatchInternal::DecodeWalRecord(payload, &facts->first_sequence, &rep, &batch));
  uint64_t seq = facts->first_sequence;
  std::string ikey, value;
  return WriteBatchInternal::ForEach(rep, [&](const BatchOp& op) -> Status {
    ++facts->ops;
    ikey.clear();
    value.clear();
    if (op.kind == BatchOp::Kind::kDeleteRange) {
      ++facts->range_deletes;
      RangeTombstone t;
      t.cf = op.cf;
      t.begin.assign(op.key.data(), op.key.size());
      t.end.assign(op.value.data(), op.value.size());
      t.version = op.version;
      t.sequence = seq++;
      RangeTombstoneSet::EncodeKey(t, &ikey);
      AppendValueRecord(&value, ValueRecord{kMetaRangeDelete, 0, op.value});
    } else {
      ++(op.kind == BatchOp::Kind::kDelete ? facts->deletes : facts->puts);
      AppendInternalKey(&ikey, op.cf, op.key, op.version, seq++);
      ValueRecord record;
      record.meta = op.kind == BatchOp::Kind::kDelete ? kMetaDelete : 0;
      if (op.value_is_pointer) record.meta |= kMetaValuePointer;
      record.expires_at = op.expires_at;
      record.value = op.value;
      AppendValueRecord(&value, record);
    }
    return fn ? fn(ikey, value) : Status::OK();
  });
}

}  // namespace nokv
