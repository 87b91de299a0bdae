// Key text encoding of the cluster tools (see key_text.h).
#include "config/key_text.h"

#include <string>

namespace nokv::config {
namespace {

constexpr std::string_view kHexPrefix = "hex:";

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return Status::InvalidArgument("odd number of hex digits in \"" + std::string(hex) + "\"");
  }
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexDigit(hex[i]);
    const int lo = HexDigit(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("not a hex digit at offset " +
                                     std::to_string(hi < 0 ? i : i + 1) + " of \"" +
                                     std::string(hex) + "\"");
    }
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

Result<std::string> DecodeKeyText(std::string_view text) {
  if (text.empty() || text == "-") return std::string();
  if (text.substr(0, kHexPrefix.size()) == kHexPrefix) {
    Result<std::string> bytes = HexDecode(text.substr(kHexPrefix.size()));
    if (!bytes.ok()) {
      return Status::InvalidArgument("invalid hex key \"" + std::string(text) +
                                     "\": " + bytes.status().message());
    }
    return bytes;
  }
  return std::string(text);
}

std::string EncodeKeyText(std::string_view key) {
  if (key.empty()) return std::string();
  bool plain = key != "-" && key.substr(0, kHexPrefix.size()) != kHexPrefix;
  for (size_t i = 0; plain && i < key.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    plain = c >= 33 && c <= 126;
  }
  if (plain) return std::string(key);
  return std::string(kHexPrefix) + HexEncode(key);
}

}  // namespace nokv::config
