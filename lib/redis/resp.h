// RESP2: the incremental request parser (multibulk and inline frames) and the
// reply encoders. No I/O here: the caller feeds bytes and takes commands out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nokv::redis {

struct RespLimits {
  size_t max_bulk_len = 512u << 20;       // longest bulk string argument
  size_t max_multibulk_len = 1u << 20;    // most arguments in one command
  size_t max_inline_len = 64u << 10;      // longest inline line / header line
};

// Parses requests out of a byte stream that arrives in arbitrary pieces.
// State (a half-read multibulk) survives between calls, so a large value split
// over many reads is scanned once.
//
//   RespParser p;  size_t pos = 0;
//   while ((r = p.Next(buf, &pos, &argv)) == RespParser::kCommand) Run(argv);
//   if (r == RespParser::kError) { reply "-ERR " + p.error(); close; }
//   buf.erase(0, pos);  // the parser never looks before pos again
class RespParser {
 public:
  enum Result { kNeedMore, kCommand, kError };

  explicit RespParser(RespLimits limits = {}) : limits_(limits) {}

  // Consumes bytes of `buf` from *pos. kCommand: `argv` holds one complete
  // command (never empty) and *pos is past it. kNeedMore: everything usable
  // was consumed. kError: the stream is malformed; error() says why (the
  // Redis text after "ERR ", e.g. "Protocol error: invalid bulk length") and
  // the parser must not be used again.
  Result Next(std::string_view buf, size_t* pos, std::vector<std::string>* argv);

  const std::string& error() const { return error_; }
  // True while a multibulk frame is half read.
  bool InFrame() const { return multibulk_left_ > 0; }

 private:
  Result ParseInline(std::string_view buf, size_t* pos, std::vector<std::string>* argv);
  Result Fail(std::string msg);

  RespLimits limits_;
  int64_t multibulk_left_ = 0;  // arguments still to read in the current frame
  int64_t bulk_len_ = -1;       // length of the bulk being read, -1 = header next
  std::vector<std::string> pending_;
  std::string error_;
};

// Redis' string2ll: strict base-10 int64 (no spaces, '+', or leading zeros).
bool StringToInt64(std::string_view s, int64_t* out);

// Splits an inline command line like Redis' sdssplitargs: whitespace
// separated, "double quotes" with \n \r \t \b \a \xHH escapes, 'single quotes'.
// Returns false on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

// Reply encoders: each appends one RESP2 value to *out.
void AppendSimple(std::string* out, std::string_view s);          // +s
void AppendError(std::string* out, std::string_view s);           // -s (s has its code: "ERR ...")
void AppendInteger(std::string* out, int64_t v);                  // :v
void AppendBulk(std::string* out, std::string_view s);            // $len s
void AppendNull(std::string* out);                                // $-1
void AppendNullArray(std::string* out);                           // *-1
void AppendArrayHeader(std::string* out, size_t n);               // *n
void AppendBulkArray(std::string* out, const std::vector<std::string>& items);

}  // namespace nokv::redis
