// Block handles, footer codec and verified block reads.
#include "sst/table_format.h"

#include <memory>

#include "base/coding.h"
#include "base/crc32c.h"
#include "sst/compression.h"
#include "sst/table_options.h"

namespace nokv {

namespace {

constexpr size_t kFooterCrcOffset = 52;

Status BlockError(const RandomAccessFile& file, uint64_t offset, std::string_view what) {
  return Status::Corruption(file.path() + ": block at offset " + std::to_string(offset) + ": " +
                            std::string(what));
}

// Blocks are read into a per-thread buffer of this size (larger ones into a
// buffer of their own): a mapped file returns a view into the mapping and
// leaves the scratch untouched, so a read then allocates and zero-fills
// nothing it does not keep (a block cache miss was paying for both).
constexpr size_t kReusableScratchBytes = 64 << 10;

char* ReusableScratch() {
  thread_local std::unique_ptr<char[]> scratch =
      std::make_unique_for_overwrite<char[]>(kReusableScratchBytes);
  return scratch.get();
}

}  // namespace

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

bool BlockHandle::DecodeFrom(std::string_view* input) {
  return GetVarint64(input, &offset) && GetVarint64(input, &size);
}

void Footer::EncodeTo(std::string* dst) const {
  const size_t base = dst->size();
  dst->resize(base + kFooterSize);
  char* p = dst->data() + base;
  EncodeFixed64(p + 0, index.offset);
  EncodeFixed64(p + 8, index.size);
  EncodeFixed64(p + 16, filter.offset);
  EncodeFixed64(p + 24, filter.size);
  EncodeFixed64(p + 32, properties.offset);
  EncodeFixed64(p + 40, properties.size);
  EncodeFixed32(p + 48, version);
  EncodeFixed32(p + kFooterCrcOffset, crc32c::Mask(crc32c::Value(p, kFooterCrcOffset)));
  EncodeFixed64(p + 56, kTableMagicNumber);
}

Status Footer::DecodeFrom(std::string_view input, const std::string& path, uint64_t file_offset) {
  const std::string where = path + ": footer at offset " + std::to_string(file_offset) + ": ";
  if (input.size() != kFooterSize) return Status::Corruption(where + "truncated");
  const char* p = input.data();
  if (DecodeFixed64(p + 56) != kTableMagicNumber) {
    return Status::Corruption(where + "bad magic number (not an SST file)");
  }
  const uint32_t stored = crc32c::Unmask(DecodeFixed32(p + kFooterCrcOffset));
  if (stored != crc32c::Value(p, kFooterCrcOffset)) {
    return Status::Corruption(where + "checksum mismatch");
  }
  version = DecodeFixed32(p + 48);
  if (version != kTableFormatVersion) {
    return Status::Corruption(where + "unsupported format version " + std::to_string(version));
  }
  index = {DecodeFixed64(p + 0), DecodeFixed64(p + 8)};
  filter = {DecodeFixed64(p + 16), DecodeFixed64(p + 24)};
  properties = {DecodeFixed64(p + 32), DecodeFixed64(p + 40)};
  return Status::OK();
}

void EncodeBlockTrailer(std::string_view payload, uint8_t type, char* trailer) {
  trailer[0] = static_cast<char>(type);
  uint32_t crc = crc32c::Value(payload);
  crc = crc32c::Extend(crc, trailer, 1);
  EncodeFixed32(trailer + 1, crc32c::Mask(crc));
}

Status ReadBlockBorrowed(const RandomAccessFile& file, const BlockHandle& handle,
                         bool verify_checksum, std::string* contents, std::string_view* block,
                         bool* borrowed) {
  *borrowed = false;
  const uint64_t file_size = file.Size();
  // Overflow-safe: offset + size + trailer <= file_size.
  if (handle.offset > file_size || handle.size > file_size - handle.offset ||
      kBlockTrailerSize > file_size - handle.offset - handle.size) {
    return BlockError(file, handle.offset,
                      "size " + std::to_string(handle.size) + " extends past end of file (size " +
                          std::to_string(file_size) + ")");
  }
  if (handle.size > kMaxUncompressedBlockSize) {
    return BlockError(file, handle.offset, "implausible size " + std::to_string(handle.size));
  }
  const size_t n = static_cast<size_t>(handle.size);
  const size_t len = n + kBlockTrailerSize;
  std::string own;  // the scratch of a block too large for the reusable one
  char* scratch = nullptr;
  if (len <= kReusableScratchBytes) {
    scratch = ReusableScratch();
  } else {
    own.resize(len);
    scratch = own.data();
  }
  std::string_view got;
  NOKV_RETURN_IF_ERROR(file.Read(handle.offset, len, scratch, &got));
  if (got.size() != len) return BlockError(file, handle.offset, "truncated read");
  const char* data = got.data();  // may differ from scratch for mmap-backed files
  const auto type = static_cast<uint8_t>(data[n]);
  if (verify_checksum) {
    const uint32_t stored = crc32c::Unmask(DecodeFixed32(data + n + 1));
    const uint32_t actual = crc32c::Value(data, n + 1);
    if (stored != actual) return BlockError(file, handle.offset, "checksum mismatch");
  }
  switch (static_cast<CompressionType>(type)) {
    case CompressionType::kNone:
      if (data != scratch) {  // the file's own memory: nothing to copy
        *block = std::string_view(data, n);
        *borrowed = true;
        return Status::OK();
      }
      if (!own.empty() && data == own.data()) {
        own.resize(n);
        *contents = std::move(own);
      } else {
        contents->assign(data, n);
      }
      *block = *contents;
      return Status::OK();
    case CompressionType::kLz4:
    case CompressionType::kZstd: {
      Status s = UncompressBlock(static_cast<CompressionType>(type), std::string_view(data, n),
                                 contents);
      if (!s.ok()) return BlockError(file, handle.offset, s.message());
      *block = *contents;
      return Status::OK();
    }
  }
  return BlockError(file, handle.offset, "unknown compression type " + std::to_string(type));
}

Status ReadBlock(const RandomAccessFile& file, const BlockHandle& handle, bool verify_checksum,
                 std::string* contents) {
  std::string_view block;
  bool borrowed = false;
  NOKV_RETURN_IF_ERROR(
      ReadBlockBorrowed(file, handle, verify_checksum, contents, &block, &borrowed));
  if (borrowed) contents->assign(block.data(), block.size());
  return Status::OK();
}

}  // namespace nokv
