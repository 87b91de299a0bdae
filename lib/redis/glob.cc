// Port of Redis' stringmatchlen (util.c) with its recursion guard.
#include "redis/glob.h"

#include <utility>

namespace nokv::redis {
namespace {

bool Match(const char* p, int plen, const char* s, int slen, int nesting, bool* skip_longer) {
  // Like Redis: deep '*' nesting on a hostile pattern is cut off.
  if (nesting > 1000) return false;
  while (plen && slen) {
    switch (p[0]) {
      case '*':
        while (plen > 1 && p[1] == '*') {
          p++;
          plen--;
        }
        if (plen == 1) return true;
        while (slen) {
          if (Match(p + 1, plen - 1, s, slen, nesting + 1, skip_longer)) return true;
          if (*skip_longer) return false;
          s++;
          slen--;
        }
        *skip_longer = true;
        return false;
      case '?':
        s++;
        slen--;
        break;
      case '[': {
        p++;
        plen--;
        bool negate = plen > 0 && p[0] == '^';
        if (negate) {
          p++;
          plen--;
        }
        bool match = false;
        while (true) {
          if (plen <= 0) {
            // Unterminated class: treat the '[' run as consumed, like Redis.
            p--;
            plen++;
            break;
          }
          if (p[0] == '\\' && plen >= 2) {
            p++;
            plen--;
            if (p[0] == s[0]) match = true;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            unsigned char start = static_cast<unsigned char>(p[0]);
            unsigned char end = static_cast<unsigned char>(p[2]);
            unsigned char c = static_cast<unsigned char>(s[0]);
            if (start > end) std::swap(start, end);
            p += 2;
            plen -= 2;
            if (c >= start && c <= end) match = true;
          } else if (p[0] == s[0]) {
            match = true;
          }
          p++;
          plen--;
        }
        if (negate) match = !match;
        if (!match) return false;
        s++;
        slen--;
        break;
      }
      case '\\':
        if (plen >= 2) {
          p++;
          plen--;
        }
        [[fallthrough]];
      default:
        if (p[0] != s[0]) return false;
        s++;
        slen--;
        break;
    }
    p++;
    plen--;
    if (slen == 0) {
      while (plen > 0 && *p == '*') {
        p++;
        plen--;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view s) {
  bool skip_longer = false;
  return Match(pattern.data(), static_cast<int>(pattern.size()), s.data(),
               static_cast<int>(s.size()), 0, &skip_longer);
}

std::string_view GlobLiteralPrefix(std::string_view pattern) {
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '*' || c == '?' || c == '[' || c == '\\') break;
    i++;
  }
  return pattern.substr(0, i);
}

}  // namespace nokv::redis
