// RESP2 parsing and reply encoding; mirrors Redis 7's processMultibulkBuffer /
// processInlineBuffer, including their error texts.
#include "redis/resp.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace nokv::redis {

bool StringToInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (neg) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

RespParser::Result RespParser::Fail(std::string msg) {
  error_ = std::move(msg);
  return kError;
}

RespParser::Result RespParser::Next(std::string_view buf, size_t* pos,
                                    std::vector<std::string>* argv) {
  if (!error_.empty()) return kError;
  while (true) {
    if (multibulk_left_ == 0) {
      // Between frames: skip nothing, look at the first byte.
      if (*pos >= buf.size()) return kNeedMore;
      if (buf[*pos] != '*') {
        Result r = ParseInline(buf, pos, argv);
        if (r == kCommand && argv->empty()) continue;  // blank line
        return r;
      }
      // "*<count>\r\n"
      size_t cr = buf.find('\r', *pos);
      if (cr == std::string_view::npos) {
        if (buf.size() - *pos > limits_.max_inline_len) {
          return Fail("Protocol error: too big mbulk count string");
        }
        return kNeedMore;
      }
      if (cr + 1 >= buf.size()) return kNeedMore;  // wait for the \n
      int64_t count = 0;
      bool ok = StringToInt64(buf.substr(*pos + 1, cr - *pos - 1), &count);
      if (!ok || count > static_cast<int64_t>(limits_.max_multibulk_len)) {
        return Fail("Protocol error: invalid multibulk length");
      }
      *pos = cr + 2;
      if (count <= 0) continue;  // "*0" and "*-1" carry no command
      multibulk_left_ = count;
      bulk_len_ = -1;
      pending_.clear();
      pending_.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
    }
    while (multibulk_left_ > 0) {
      if (bulk_len_ < 0) {
        // "$<len>\r\n"
        size_t cr = buf.find('\r', *pos);
        if (cr == std::string_view::npos) {
          if (buf.size() - *pos > limits_.max_inline_len) {
            return Fail("Protocol error: too big bulk count string");
          }
          return kNeedMore;
        }
        if (cr + 1 >= buf.size()) return kNeedMore;
        if (buf[*pos] != '$') {
          return Fail(std::string("Protocol error: expected '$', got '") + buf[*pos] + "'");
        }
        int64_t len = 0;
        bool ok = StringToInt64(buf.substr(*pos + 1, cr - *pos - 1), &len);
        if (!ok || len < 0 || static_cast<uint64_t>(len) > limits_.max_bulk_len) {
          return Fail("Protocol error: invalid bulk length");
        }
        bulk_len_ = len;
        *pos = cr + 2;
      }
      // The bulk payload and its trailing CRLF (Redis skips the two bytes
      // without looking at them; so do we).
      size_t need = static_cast<size_t>(bulk_len_) + 2;
      if (buf.size() - *pos < need) return kNeedMore;
      pending_.emplace_back(buf.substr(*pos, static_cast<size_t>(bulk_len_)));
      *pos += need;
      bulk_len_ = -1;
      multibulk_left_--;
    }
    argv->swap(pending_);
    pending_.clear();
    return kCommand;
  }
}

RespParser::Result RespParser::ParseInline(std::string_view buf, size_t* pos,
                                           std::vector<std::string>* argv) {
  size_t nl = buf.find('\n', *pos);
  if (nl == std::string_view::npos) {
    if (buf.size() - *pos > limits_.max_inline_len) {
      return Fail("Protocol error: too big inline request");
    }
    return kNeedMore;
  }
  std::string_view line = buf.substr(*pos, nl - *pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // Redis splits the line as a C string: nothing after a NUL byte counts.
  line = line.substr(0, line.find('\0'));
  argv->clear();
  if (!SplitInlineArgs(line, argv)) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  *pos = nl + 1;
  return kCommand;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'; }
}  // namespace

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsSpace(line[i])) i++;
    if (i >= n) return true;
    std::string cur;
    bool inq = false, insq = false, done = false;
    while (!done) {
      if (inq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          cur.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          i++;
          char c = line[i];
          switch (c) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'a': c = '\a'; break;
            default: break;
          }
          cur.push_back(c);
        } else if (line[i] == '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else if (insq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          i++;
          cur.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          cur.push_back(line[i]);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        switch (line[i]) {
          case ' ': case '\n': case '\r': case '\t': case '\v': case '\f':
            done = true;
            break;
          case '"': inq = true; break;
          case '\'': insq = true; break;
          default: cur.push_back(line[i]); break;
        }
      }
      if (i < n) i++;
    }
    out->push_back(std::move(cur));
  }
}

namespace {
void AppendPrefixed(std::string* out, char type, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->push_back(type);
  out->append(buf, end);
  out->append("\r\n", 2);
}
}  // namespace

void AppendSimple(std::string* out, std::string_view s) {
  out->push_back('+');
  out->append(s);
  out->append("\r\n", 2);
}

void AppendError(std::string* out, std::string_view s) {
  out->push_back('-');
  // An error line cannot carry CR/LF; Redis replaces them with spaces.
  for (char c : s) out->push_back(c == '\r' || c == '\n' ? ' ' : c);
  out->append("\r\n", 2);
}

void AppendInteger(std::string* out, int64_t v) { AppendPrefixed(out, ':', v); }

void AppendBulk(std::string* out, std::string_view s) {
  AppendPrefixed(out, '$', static_cast<int64_t>(s.size()));
  out->append(s);
  out->append("\r\n", 2);
}

void AppendNull(std::string* out) { out->append("$-1\r\n", 5); }
void AppendNullArray(std::string* out) { out->append("*-1\r\n", 5); }
void AppendArrayHeader(std::string* out, size_t n) {
  AppendPrefixed(out, '*', static_cast<int64_t>(n));
}

void AppendBulkArray(std::string* out, const std::vector<std::string>& items) {
  AppendArrayHeader(out, items.size());
  for (const auto& s : items) AppendBulk(out, s);
}

}  // namespace nokv::redis
