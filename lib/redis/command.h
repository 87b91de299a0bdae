// The command model of the gateway (Kvrocks style): every command is a small
// Commander with Parse (validate arguments) and Execute (run against the
// store, append the reply), declared with its arity and flags in a table per
// command family (cmd_string.cc, cmd_key.cc, cmd_server.cc).
//
// Error statuses carry the exact Redis error text, code included
// ("ERR syntax error", "WRONGTYPE ..."); the dispatcher sends it as "-<text>".
// A Commander appends to the reply only when it succeeds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "redis/redis_store.h"
#include "redis/resp.h"

namespace nokv::redis {

class Dispatcher;

// Per-connection state commands may read or change.
struct Session {
  uint64_t id = 0;
  std::string name;          // CLIENT SETNAME
  std::string peer;          // "ip:port", for CLIENT INFO/LIST
  int protocol = 2;          // only RESP2 is spoken
  bool close_after_reply = false;  // QUIT
};

struct CommandContext {
  RedisStore* store;
  Session* session;
  const Dispatcher* dispatcher;
};

class Commander {
 public:
  virtual ~Commander() = default;
  // args[0] is the command name as sent. Arity was already checked.
  virtual Status Parse(const std::vector<std::string>& args) { return Status::OK(); }
  virtual Status Execute(CommandContext& ctx, std::string* out) = 0;
};

// Command flags, as COMMAND INFO reports them.
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,
  kCmdReadOnly = 1u << 1,
  kCmdFast = 1u << 2,
  kCmdAdmin = 1u << 3,
  kCmdLoading = 1u << 4,
  kCmdStale = 1u << 5,
  kCmdNoScript = 1u << 6,
};

struct CommandSpec {
  const char* name;  // lower case
  int arity;         // Redis convention: N = exactly N words, -N = at least N
  uint32_t flags;
  int first_key, last_key, key_step;  // key positions (0 = no keys)
  std::unique_ptr<Commander> (*factory)();
};

template <typename T>
std::unique_ptr<Commander> MakeCommander() {
  return std::make_unique<T>();
}

// The tables of the command families.
const std::vector<CommandSpec>& StringCommandTable();
const std::vector<CommandSpec>& KeyCommandTable();
const std::vector<CommandSpec>& ServerCommandTable();

// ---- Redis error texts (Redis 7.0) ----
inline constexpr std::string_view kErrSyntax = "ERR syntax error";
inline constexpr std::string_view kErrNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kErrNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kErrOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kErrWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrDbIndex = "ERR DB index is out of range";
inline constexpr std::string_view kErrTooBig =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

// A Redis error reply (full text, code included).
inline Status Err(std::string_view text) { return Status::InvalidArgument(text); }
// An engine failure as a Redis error reply.
inline Status EngineErr(const Status& s) { return Err("ERR " + s.ToString()); }
std::string ArityError(std::string_view name);
std::string InvalidExpireError(std::string_view cmd);  // "ERR invalid expire time in 'set' command"

// Reads `key` for a command; *found says whether it exists and engine errors
// come back as Redis errors. Lookup counts a keyspace hit or miss (Redis'
// lookupKeyRead: GET, EXISTS, TTL, ...); LookupForWrite does not (Redis'
// lookupKeyWrite: the read of INCR, APPEND, EXPIRE, SET NX, ...).
Status Lookup(RedisStore* store, std::string_view key, std::string* value, bool* found,
              uint64_t* expires_at = nullptr);
Status LookupForWrite(RedisStore* store, std::string_view key, std::string* value, bool* found,
                      uint64_t* expires_at = nullptr);

// Argument helpers.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
Status ParseInt64(std::string_view s, int64_t* v);  // kErrNotInteger on failure
// A long double the way Redis' string2ld reads it (no spaces, no nan).
bool ParseLongDouble(std::string_view s, long double* v);
// Formats a long double like Redis' INCRBYFLOAT (%.17Lf, trailing zeros cut).
std::string FormatLongDouble(long double v);

}  // namespace nokv::redis
