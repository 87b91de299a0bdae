// TableReader: an open SST file. Open reads and verifies the footer, index,
// filter and properties once; afterwards all methods are const and safe to
// call from many threads at once. Point lookups go bloom filter → in-memory
// index block → one data block (through the BlockCache when one is given).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/iterator.h"
#include "base/status.h"
#include "sst/block.h"
#include "sst/block_cache.h"
#include "sst/table_format.h"
#include "sst/table_options.h"
#include "sst/table_properties.h"
#include "vfs/file_system.h"

namespace nokv {

class TableReader {
 public:
  // Opens the table in file. file_number names the table in cache keys (it
  // must be unique among tables sharing the cache). cache may be null. A file
  // too small to hold a footer, a bad magic number, an unknown format
  // version, or a damaged index/filter/properties block yields Corruption
  // naming the file path.
  static Result<std::unique_ptr<TableReader>> Open(const TableOptions& options,
                                                   std::unique_ptr<RandomAccessFile> file,
                                                   uint64_t file_number, BlockCache* cache);

  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  // False only if no key with this user part (cf byte + user key, i.e.
  // UserPart(ikey)) is in the table. True when the table has no filter.
  bool MayContain(std::string_view user_part) const;

  // Returns an iterator over all entries. Data blocks are read on demand,
  // checked when verify_checksums is set, and inserted into the cache when
  // fill_cache is set. The TableReader must outlive the iterator. Read errors
  // end the iteration with status() naming the path and block offset.
  std::unique_ptr<InternalIterator> NewIterator(bool verify_checksums = true,
                                                bool fill_cache = true) const;

  const TableProperties& properties() const { return properties_; }
  uint64_t file_number() const { return file_number_; }
  uint64_t file_size() const { return file_->Size(); }
  const std::string& path() const { return file_->path(); }

  // Reads every block (data, filter, index, properties), verifying checksums
  // and data-block structure, bypassing the cache. *blocks_checked (if not
  // null) receives the number of blocks read successfully.
  Status VerifyChecksums(uint64_t* blocks_checked) const;

  // Approximate file offset where ikey's data would be: the offset of the
  // first data block whose last key is >= ikey, or the end of the data blocks
  // if ikey is past every key. ikey must be a valid internal key.
  uint64_t ApproximateOffsetOf(std::string_view ikey) const;

  // Returns the data block at handle (from the cache or the file; from a
  // mapped file, a Block borrowing the mapping, never cached, valid while
  // this reader lives). Used by the table iterator.
  Status GetDataBlock(const BlockHandle& handle, bool verify_checksums, bool fill_cache,
                      std::shared_ptr<const Block>* block) const;

  const Block& index_block() const { return *index_block_; }

 private:
  TableReader(std::unique_ptr<RandomAccessFile> file, uint64_t file_number, BlockCache* cache)
      : file_(std::move(file)), file_number_(file_number), cache_(cache) {}

  Status Corrupt(uint64_t offset, std::string_view what) const;

  // All fields are set by Open and immutable afterwards.
  std::unique_ptr<RandomAccessFile> file_;
  const uint64_t file_number_;
  BlockCache* const cache_;  // not owned; may be null
  bool mapped_ = false;      // the file serves reads from its mapping
  Footer footer_;
  std::unique_ptr<const Block> index_block_;
  std::string filter_;  // empty: no filter
  TableProperties properties_;
  uint64_t data_end_ = 0;  // offset of the first non-data block
};

}  // namespace nokv
