// Redis-style glob matching for KEYS and SCAN MATCH: * ? [abc] [^a-z] \x.
#pragma once

#include <string_view>

namespace nokv::redis {

// True if `s` matches `pattern` (Redis' stringmatchlen, case-sensitive).
bool GlobMatch(std::string_view pattern, std::string_view s);

// The literal prefix every match of `pattern` starts with ("user:*" -> "user:"),
// used to bound key scans.
std::string_view GlobLiteralPrefix(std::string_view pattern);

}  // namespace nokv::redis
