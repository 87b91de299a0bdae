// Recursive-descent JSON syntax checker with line/column positions (see
// json_syntax.h). It validates only; values are built by Poco afterwards.
#include "config/json_syntax.h"

#include <cctype>
#include <set>
#include <string>

namespace nokv::config {
namespace {

constexpr int kMaxDepth = 200;

class SyntaxChecker {
 public:
  explicit SyntaxChecker(std::string_view text) : text_(text) {}

  std::optional<JsonSyntaxError> Check() {
    SkipSpace();
    if (AtEnd()) return Fail("empty document (expected a JSON value)");
    if (!Value(0)) return error_;
    SkipSpace();
    if (!AtEnd()) return Fail("unexpected text after the end of the JSON value");
    return std::nullopt;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  // Records the error at the current position (first error wins).
  std::optional<JsonSyntaxError> Fail(const std::string& message) {
    if (!error_) error_ = At(pos_, message);
    return error_;
  }
  bool Error(const std::string& message) {
    Fail(message);
    return false;
  }
  JsonSyntaxError At(size_t pos, const std::string& message) const {
    JsonSyntaxError e;
    e.line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < pos && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++e.line;
        line_start = i + 1;
      }
    }
    e.column = static_cast<int>(pos - line_start) + 1;
    e.message = message;
    return e;
  }

  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      ++pos_;
    }
  }

  static std::string Describe(char c) {
    if (c == '\0') return "end of file";
    if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) {
      return "byte " + std::to_string(static_cast<unsigned char>(c));
    }
    return std::string("'") + c + "'";
  }

  bool Value(int depth) {
    if (depth > kMaxDepth) return Error("nesting deeper than " + std::to_string(kMaxDepth));
    switch (Peek()) {
      case '{': return Object(depth);
      case '[': return Array(depth);
      case '"': return String(nullptr);
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default:
        if (Peek() == '-' || (Peek() >= '0' && Peek() <= '9')) return Number();
        if (Peek() == '\'') return Error("strings must use double quotes");
        return Error("unexpected " + Describe(Peek()) + " (expected a value)");
    }
  }

  bool Object(int depth) {
    ++pos_;  // '{'
    std::set<std::string> keys;
    SkipSpace();
    if (Peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (Peek() != '"') {
        return Error(Peek() == '}' ? "trailing comma before '}'"
                                   : "unexpected " + Describe(Peek()) +
                                         " (expected a member name in double quotes)");
      }
      const size_t key_pos = pos_;
      std::string key;
      if (!String(&key)) return false;
      if (!keys.insert(key).second) {
        error_ = At(key_pos, "duplicate key \"" + key + "\" in the same object");
        return false;
      }
      SkipSpace();
      if (Peek() != ':') return Error("unexpected " + Describe(Peek()) + " (expected ':')");
      ++pos_;
      SkipSpace();
      if (!Value(depth + 1)) return false;
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      return Error("unexpected " + Describe(Peek()) + " (expected ',' or '}' after a member)");
    }
  }

  bool Array(int depth) {
    ++pos_;  // '['
    SkipSpace();
    if (Peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (Peek() == ']') return Error("trailing comma before ']'");
      if (!Value(depth + 1)) return false;
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      return Error("unexpected " + Describe(Peek()) + " (expected ',' or ']' after an element)");
    }
  }

  // A string at pos_; its raw contents (escapes kept) go to *out if given.
  bool String(std::string* out) {
    ++pos_;  // '"'
    while (true) {
      if (AtEnd()) return Error("unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Error(c == '\n' ? "unterminated string (newline inside a string)"
                               : "control character inside a string (escape it)");
      }
      if (c == '\\') {
        ++pos_;
        const char e = Peek();
        if (e == 'u') {
          for (int i = 1; i <= 4; ++i) {
            const char h = pos_ + i < text_.size() ? text_[pos_ + i] : '\0';
            if (!std::isxdigit(static_cast<unsigned char>(h))) {
              pos_ += i;
              return Error("\\u must be followed by four hex digits");
            }
          }
          if (out) out->append(text_.substr(pos_ - 1, 6));
          pos_ += 5;
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos || AtEnd()) {
          return Error("invalid escape \\" + std::string(AtEnd() ? "" : std::string(1, e)));
        }
        if (out) out->append(text_.substr(pos_ - 1, 2));
        ++pos_;
        continue;
      }
      if (out) out->push_back(c);
      ++pos_;
    }
  }

  bool Number() {
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
      if (std::isdigit(static_cast<unsigned char>(Peek()))) {
        return Error("numbers may not have leading zeros");
      }
    } else if (std::isdigit(static_cast<unsigned char>(Peek()))) {
      while (std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    } else {
      return Error("a digit must follow '-'");
    }
    if (Peek() == '.') {
      ++pos_;
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) {
        return Error("a digit must follow the decimal point");
      }
      while (std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) {
        return Error("a digit must follow the exponent");
      }
      while (std::isdigit(static_cast<unsigned char>(Peek()))) ++pos_;
    }
    return true;
  }

  bool Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      return Error("invalid literal (expected true, false, null, a number, or a string in "
                   "double quotes)");
    }
    pos_ += word.size();
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::optional<JsonSyntaxError> error_;
};

}  // namespace

std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view text) {
  return SyntaxChecker(text).Check();
}

}  // namespace nokv::config
