// LZ4 and Zstandard block codecs.
#include "sst/compression.h"

#include <lz4.h>
#include <zstd.h>

#include <climits>

#include "base/coding.h"

namespace nokv {

namespace {
constexpr int kZstdLevel = 3;
}  // namespace

bool CompressBlock(CompressionType type, std::string_view raw, std::string* out) {
  if (raw.size() > kMaxUncompressedBlockSize) return false;
  out->clear();
  PutVarint32(out, static_cast<uint32_t>(raw.size()));
  const size_t header = out->size();
  switch (type) {
    case CompressionType::kNone:
      return false;
    case CompressionType::kLz4: {
      const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
      if (bound <= 0) return false;
      out->resize(header + static_cast<size_t>(bound));
      const int n = LZ4_compress_default(raw.data(), out->data() + header,
                                         static_cast<int>(raw.size()), bound);
      if (n <= 0) return false;
      out->resize(header + static_cast<size_t>(n));
      return true;
    }
    case CompressionType::kZstd: {
      const size_t bound = ZSTD_compressBound(raw.size());
      out->resize(header + bound);
      const size_t n = ZSTD_compress(out->data() + header, bound, raw.data(), raw.size(), kZstdLevel);
      if (ZSTD_isError(n)) return false;
      out->resize(header + n);
      return true;
    }
  }
  return false;
}

Status UncompressBlock(CompressionType type, std::string_view payload, std::string* out) {
  uint32_t raw_size = 0;
  if (!GetVarint32(&payload, &raw_size)) return Status::Corruption("bad compressed block header");
  if (raw_size > kMaxUncompressedBlockSize) {
    return Status::Corruption("compressed block claims " + std::to_string(raw_size) + " raw bytes");
  }
  switch (type) {
    case CompressionType::kNone:
      break;
    case CompressionType::kLz4: {
      // LZ4 expands at most ~255x; a larger claim is corrupt (and would
      // otherwise drive a large allocation).
      if (payload.size() > static_cast<size_t>(INT_MAX) ||
          raw_size > uint64_t{payload.size()} * 255 + 16) {
        return Status::Corruption("lz4 block claims an impossible raw size");
      }
      out->resize(raw_size);
      const int n = LZ4_decompress_safe(payload.data(), out->data(), static_cast<int>(payload.size()),
                                        static_cast<int>(raw_size));
      if (n < 0 || static_cast<uint32_t>(n) != raw_size) {
        return Status::Corruption("lz4 decompression failed");
      }
      return Status::OK();
    }
    case CompressionType::kZstd: {
      out->resize(raw_size);
      const size_t n = ZSTD_decompress(out->data(), raw_size, payload.data(), payload.size());
      if (ZSTD_isError(n) || n != raw_size) return Status::Corruption("zstd decompression failed");
      return Status::OK();
    }
  }
  return Status::Corruption("unsupported compression type " +
                            std::to_string(static_cast<int>(type)));
}

}  // namespace nokv
