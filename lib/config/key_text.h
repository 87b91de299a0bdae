// How binary keys are written in the topology file, the bootstrap file and
// every JSON/text output of the cluster tools: one scheme, decoded by the
// loader itself (never by each consumer).
//
//   ""  or "-"      unbounded (an empty key: -inf as a start, +inf as an end)
//   "hex:<hex>"     the bytes given by an even number of hex digits
//   anything else   the string's bytes, verbatim
//
// A key whose bytes are literally "-" or begin with "hex:" must therefore be
// written in hex ("hex:2d").
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace nokv::config {

// Decodes a key as written in the topology file. InvalidArgument (naming the
// offending text) for a "hex:" prefix followed by anything but an even number
// of hex digits.
Result<std::string> DecodeKeyText(std::string_view text);

// The canonical text of `key`: "" for the empty key; the bytes verbatim when
// they are all printable ASCII other than space (33-126), do not equal "-"
// and do not start with "hex:"; otherwise "hex:<lowercase hex>". The result
// never contains a space, so it is safe in whitespace-separated output, and
// DecodeKeyText(EncodeKeyText(k)) == k for every k.
std::string EncodeKeyText(std::string_view key);

// Lowercase hex of every byte ("" for "").
std::string HexEncode(std::string_view bytes);
// The bytes of an even-length hex string; InvalidArgument otherwise.
Result<std::string> HexDecode(std::string_view hex);

}  // namespace nokv::config
