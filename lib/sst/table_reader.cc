// TableReader: open-time validation, cached block access and fsck support.
#include "sst/table_reader.h"

#include <algorithm>

#include "sst/bloom_filter.h"
#include "sst/table_iterator.h"

namespace nokv {

Status TableReader::Corrupt(uint64_t offset, std::string_view what) const {
  return Status::Corruption(file_->path() + ": block at offset " + std::to_string(offset) + ": " +
                            std::string(what));
}

Result<std::unique_ptr<TableReader>> TableReader::Open(const TableOptions& options,
                                                       std::unique_ptr<RandomAccessFile> file,
                                                       uint64_t file_number, BlockCache* cache) {
  const std::string& path = file->path();
  const uint64_t size = file->Size();
  if (size < kFooterSize) {
    return Status::Corruption(path + ": file of " + std::to_string(size) +
                              " bytes is too small to be an SST (footer is " +
                              std::to_string(kFooterSize) + " bytes)");
  }
  const uint64_t footer_offset = size - kFooterSize;
  char scratch[kFooterSize];
  std::string_view footer_bytes;
  NOKV_RETURN_IF_ERROR(file->Read(footer_offset, kFooterSize, scratch, &footer_bytes));

  std::unique_ptr<TableReader> table(new TableReader(std::move(file), file_number, cache));
  // A file that answered from its own memory is mapped: its data blocks are
  // read in place (GetDataBlock) and bypass the block cache.
  table->mapped_ = footer_bytes.data() != scratch;
  Footer& footer = table->footer_;
  NOKV_RETURN_IF_ERROR(footer.DecodeFrom(footer_bytes, path, footer_offset));

  // Every block must end before the footer; ReadBlock only checks the file size.
  for (const BlockHandle* h : {&footer.index, &footer.filter, &footer.properties}) {
    if (h->offset > footer_offset || h->size > footer_offset - h->offset ||
        kBlockTrailerSize > footer_offset - h->offset - h->size) {
      if (h == &footer.filter && h->size == 0) continue;
      return table->Corrupt(h->offset, "meta block overlaps the footer");
    }
  }

  std::string contents;
  NOKV_RETURN_IF_ERROR(ReadBlock(*table->file_, footer.index, true, &contents));
  table->index_block_ = std::make_unique<const Block>(std::move(contents));
  if (!table->index_block_->status().ok()) {
    return table->Corrupt(footer.index.offset,
                          "index block: " + table->index_block_->status().message());
  }

  if (footer.filter.size > 0) {
    NOKV_RETURN_IF_ERROR(ReadBlock(*table->file_, footer.filter, true, &table->filter_));
  }

  contents.clear();
  NOKV_RETURN_IF_ERROR(ReadBlock(*table->file_, footer.properties, true, &contents));
  Status s = table->properties_.DecodeFrom(contents);
  if (!s.ok()) return table->Corrupt(footer.properties.offset, s.message());

  table->data_end_ = std::min(footer.index.offset, footer.properties.offset);
  if (footer.filter.size > 0) table->data_end_ = std::min(table->data_end_, footer.filter.offset);

  // Validate the index once so the read path can trust it: every entry must
  // decode and name a block inside the data region.
  BlockIterator it(table->index_block_.get());
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    std::string_view v = it.value();
    BlockHandle h;
    if (!h.DecodeFrom(&v) || h.offset > table->data_end_ ||
        h.size > table->data_end_ - h.offset ||
        kBlockTrailerSize > table->data_end_ - h.offset - h.size) {
      return table->Corrupt(footer.index.offset, "index block: bad data block handle");
    }
  }
  if (!it.status().ok()) {
    return table->Corrupt(footer.index.offset, "index block: " + it.status().message());
  }
  return Result<std::unique_ptr<TableReader>>(std::move(table));
}

bool TableReader::MayContain(std::string_view user_part) const {
  return filter_.empty() || BloomMayContain(filter_, user_part);
}

std::unique_ptr<InternalIterator> TableReader::NewIterator(bool verify_checksums,
                                                           bool fill_cache) const {
  return NewTableIterator(this, verify_checksums, fill_cache);
}

Status TableReader::GetDataBlock(const BlockHandle& handle, bool verify_checksums,
                                 bool fill_cache, std::shared_ptr<const Block>* block) const {
  if (mapped_) {
    // A block stored raw in a mapped file is used in place: the page cache
    // already holds it, so it is neither copied nor cached (as LevelDB does
    // with mapped tables). The index was validated at open, so the trailer's
    // type byte lies inside the file.
    std::string_view type;
    char scratch[1];
    NOKV_RETURN_IF_ERROR(file_->Read(handle.offset + handle.size, 1, scratch, &type));
    if (type.size() == 1 && static_cast<uint8_t>(type[0]) ==
                                static_cast<uint8_t>(CompressionType::kNone)) {
      std::string contents;
      std::string_view bytes;
      bool borrowed = false;
      NOKV_RETURN_IF_ERROR(
          ReadBlockBorrowed(*file_, handle, verify_checksums, &contents, &bytes, &borrowed));
      auto parsed = borrowed ? std::make_shared<const Block>(Block::Borrow{}, bytes)
                             : std::make_shared<const Block>(std::move(contents));
      if (!parsed->status().ok()) return Corrupt(handle.offset, parsed->status().message());
      *block = std::move(parsed);
      return Status::OK();
    }
  }
  if (cache_ != nullptr) {
    *block = cache_->Lookup(file_number_, handle.offset);
    if (*block != nullptr) return Status::OK();
  }
  std::string contents;
  NOKV_RETURN_IF_ERROR(ReadBlock(*file_, handle, verify_checksums, &contents));
  auto parsed = std::make_shared<const Block>(std::move(contents));
  if (!parsed->status().ok()) return Corrupt(handle.offset, parsed->status().message());
  if (cache_ != nullptr && fill_cache) {
    cache_->Insert(file_number_, handle.offset, parsed, parsed->size() + sizeof(Block));
  }
  *block = std::move(parsed);
  return Status::OK();
}

Status TableReader::VerifyChecksums(uint64_t* blocks_checked) const {
  uint64_t checked = 0;
  if (blocks_checked != nullptr) *blocks_checked = 0;
  std::string contents;
  BlockIterator index(index_block_.get());
  for (index.SeekToFirst(); index.Valid(); index.Next()) {
    std::string_view v = index.value();
    BlockHandle handle;
    if (!handle.DecodeFrom(&v)) return Corrupt(footer_.index.offset, "bad data block handle");
    NOKV_RETURN_IF_ERROR(ReadBlock(*file_, handle, true, &contents));
    Block block(std::move(contents));
    if (!block.status().ok()) return Corrupt(handle.offset, block.status().message());
    BlockIterator entries(&block);
    std::string_view last_key;
    for (entries.SeekToFirst(); entries.Valid(); entries.Next()) last_key = entries.key();
    if (!entries.status().ok()) return Corrupt(handle.offset, entries.status().message());
    if (last_key != index.key()) {
      return Corrupt(handle.offset, "last key does not match the index entry");
    }
    ++checked;
    if (blocks_checked != nullptr) *blocks_checked = checked;
  }
  if (!index.status().ok()) return Corrupt(footer_.index.offset, index.status().message());
  for (const BlockHandle* h : {&footer_.filter, &footer_.index, &footer_.properties}) {
    if (h == &footer_.filter && h->size == 0) continue;
    NOKV_RETURN_IF_ERROR(ReadBlock(*file_, *h, true, &contents));
    ++checked;
    if (blocks_checked != nullptr) *blocks_checked = checked;
  }
  return Status::OK();
}

uint64_t TableReader::ApproximateOffsetOf(std::string_view ikey) const {
  BlockIterator it(index_block_.get());
  it.Seek(ikey);
  if (it.Valid()) {
    std::string_view v = it.value();
    BlockHandle handle;
    if (handle.DecodeFrom(&v)) return handle.offset;
  }
  return data_end_;
}

}  // namespace nokv
