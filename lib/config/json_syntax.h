// A JSON syntax check that says where a document is broken. Poco's parser
// reports only what it expected ("unexpected byte ','"), not where, and keeps
// the last of duplicate object keys silently; the topology loader runs this
// first so an operator reads "line 12, column 5: ..." instead.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nokv::config {

struct JsonSyntaxError {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in bytes
  std::string message;
};

// The first syntax error of `text` (RFC 8259, plus: a key repeated within one
// object is an error), or nullopt when `text` is one well-formed JSON value.
std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view text);

}  // namespace nokv::config
