// TableBuilder implementation.
#include "sst/table_builder.h"

#include <algorithm>
#include <cassert>

#include "base/internal_key.h"
#include "sst/bloom_filter.h"
#include "sst/compression.h"

namespace nokv {

namespace {
// Index entries are looked up by binary search; a restart at every entry
// makes that exact and lets keys be read in place.
constexpr int kIndexRestartInterval = 1;
}  // namespace

TableBuilder::TableBuilder(const TableOptions& options, WritableFile* file)
    : options_(options),
      file_(file),
      data_block_(options.restart_interval),
      index_block_(kIndexRestartInterval) {
  props_.compression = static_cast<uint8_t>(options.compression);
}

void TableBuilder::Add(std::string_view ikey, std::string_view value) {
  if (closed_ || !status_.ok()) return;
  if (ikey.size() < kTrailerSize + 1) {
    assert(false && "TableBuilder::Add: not an internal key");
    status_ = Status::InvalidArgument("TableBuilder::Add: key shorter than an internal key");
    return;
  }
  if (props_.num_entries > 0 && CompareInternalKeys(props_.largest_key, ikey) >= 0) {
    assert(false && "TableBuilder::Add: keys out of order");
    status_ = Status::InvalidArgument("TableBuilder::Add: keys out of order");
    return;
  }

  const uint64_t seq = InternalKeySequence(ikey);
  const uint64_t version = InternalKeyVersion(ikey);
  if (props_.num_entries == 0) {
    props_.smallest_key.assign(ikey);
    props_.smallest_seq = seq;
    props_.largest_seq = seq;
  }
  props_.smallest_seq = std::min(props_.smallest_seq, seq);
  props_.largest_seq = std::max(props_.largest_seq, seq);
  props_.max_version = std::max(props_.max_version, version);
  props_.largest_key.assign(ikey);
  ++props_.num_entries;
  props_.raw_key_bytes += ikey.size();
  props_.raw_value_bytes += value.size();
  if (!value.empty()) {
    const auto meta = static_cast<uint8_t>(value[0]);
    if ((meta & kMetaDelete) != 0) ++props_.num_deletions;
    if ((meta & kMetaRangeDelete) != 0) ++props_.num_range_deletions;
  }

  if (options_.bloom_bits_per_key > 0) {
    const std::string_view user_part = UserPart(ikey);
    if (filter_hashes_.empty() || user_part != last_user_part_) {
      filter_hashes_.push_back(BloomHash(user_part));
      last_user_part_.assign(user_part);
    }
  }

  data_block_.Add(ikey, value);
  if (data_block_.CurrentSizeEstimate() >= options_.block_size) FlushDataBlock();
}

void TableBuilder::FlushDataBlock() {
  if (data_block_.empty() || !status_.ok()) return;
  BlockHandle handle;
  WriteBlock(data_block_.Finish(), options_.compression, &handle);
  if (!status_.ok()) return;
  props_.data_bytes += handle.size + kBlockTrailerSize;
  ++props_.num_data_blocks;
  handle_buf_.clear();
  handle.EncodeTo(&handle_buf_);
  index_block_.Add(data_block_.last_key(), handle_buf_);
  data_block_.Reset();
}

void TableBuilder::WriteBlock(std::string_view raw, CompressionType type, BlockHandle* handle) {
  std::string_view payload = raw;
  if (type != CompressionType::kNone) {
    if (CompressBlock(type, raw, &compressed_) &&
        compressed_.size() <= raw.size() - raw.size() / 8) {
      payload = compressed_;
    } else {
      type = CompressionType::kNone;
    }
  }
  handle->offset = offset_;
  handle->size = payload.size();
  char trailer[kBlockTrailerSize];
  EncodeBlockTrailer(payload, static_cast<uint8_t>(type), trailer);
  WriteRaw(payload);
  WriteRaw(std::string_view(trailer, kBlockTrailerSize));
}

void TableBuilder::WriteRaw(std::string_view data) {
  if (!status_.ok()) return;
  status_ = file_->Append(data);
  if (status_.ok()) offset_ += data.size();
}

Status TableBuilder::Finish() {
  if (closed_) return status_.ok() ? Status::InvalidArgument("TableBuilder already closed") : status_;
  FlushDataBlock();
  closed_ = true;
  if (!status_.ok()) return status_;

  Footer footer;
  if (options_.bloom_bits_per_key > 0) {
    const std::string filter =
        BuildBloomFilterFromHashes(filter_hashes_, options_.bloom_bits_per_key);
    WriteBlock(filter, CompressionType::kNone, &footer.filter);
    props_.filter_bytes = footer.filter.size + kBlockTrailerSize;
  }
  WriteBlock(index_block_.Finish(), CompressionType::kNone, &footer.index);
  props_.index_bytes = footer.index.size + kBlockTrailerSize;

  std::string props;
  props_.EncodeTo(&props);
  WriteBlock(props, CompressionType::kNone, &footer.properties);

  std::string tail;
  footer.EncodeTo(&tail);
  WriteRaw(tail);
  return status_;
}

void TableBuilder::Abandon() { closed_ = true; }

}  // namespace nokv
