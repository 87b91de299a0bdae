// The command model of the gateway (Kvrocks style): every command is a small
// Commander with Parse (validate arguments) and Execute (run against the
// store, append the reply), declared in a table per command family
// (cmd_string.cc, cmd_bitmap.cc, cmd_key.cc, cmd_connection.cc,
// cmd_server.cc, cmd_config.cc, cmd_info.cc, cmd_function.cc) with its arity,
// flags and key positions.
//
// The table does the common work before a Commander runs: the dispatcher
// checks the arity, finds the keys at the declared positions (first, last,
// step, like Redis' legacy key specs), refuses keys longer than the layout
// allows, resolves subcommands (CONFIG GET, CLIENT ID, ...) from their own
// table, and hands the Commander its arguments and keys (Bind). So a command
// reads key() and args() and holds only what it parses.
//
// Error statuses carry the exact Redis error text, code included
// ("ERR syntax error", "WRONGTYPE ..."); the dispatcher sends it as "-<text>".
// A Commander appends to the reply only when it succeeds.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "redis/redis_store.h"
#include "redis/resp.h"

namespace nokv::redis {

class Dispatcher;
struct GatewayConfig;

// Per-connection state commands may read or change.
struct Session {
  uint64_t id = 0;
  std::string name;                // CLIENT SETNAME
  std::string peer;                // "ip:port", for CLIENT INFO/LIST
  int protocol = 2;                // only RESP2 is spoken
  bool close_after_reply = false;  // QUIT
};

struct CommandContext {
  RedisStore* store;
  Session* session;
  const Dispatcher* dispatcher;
  GatewayConfig* config;  // CONFIG SET changes it
};

class Commander {
 public:
  virtual ~Commander() = default;
  // Validates the arguments. Arity, key positions and key lengths were
  // already checked by the dispatcher.
  virtual Status Parse() { return Status::OK(); }
  virtual Status Execute(CommandContext& ctx, std::string* out) = 0;

  // Called by the dispatcher before Parse. `args` (args[0] is the command
  // name as sent) outlives Execute; `keys` point into it.
  void Bind(const std::vector<std::string>* args, std::vector<std::string_view> keys) {
    args_ = args;
    keys_ = std::move(keys);
  }

 protected:
  const std::vector<std::string>& args() const { return *args_; }
  const std::string& arg(size_t i) const { return (*args_)[i]; }
  // The keys at the table's key positions, in order; key() is the first.
  const std::vector<std::string_view>& keys() const { return keys_; }
  std::string_view key() const { return keys_.front(); }

 private:
  const std::vector<std::string>* args_ = nullptr;
  std::vector<std::string_view> keys_;
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
  const char* name;  // lower case; a subcommand's own word ("get" of CONFIG GET)
  // Redis convention, counted over the whole command (a subcommand's
  // includes the container's name): N = exactly N words, -N = at least N.
  int arity;
  uint32_t flags;
  // Key positions: first_key, first_key + key_step, ... through last_key
  // (negative: counted from the end, -1 = the last word); 0 = no keys. With
  // key_step > 1 and a negative last_key the words from first_key on must
  // come in whole steps (MSET key value [key value ...]).
  int first_key, last_key, key_step;
  std::unique_ptr<Commander> (*factory)();  // null for a container without a body
  // A container's subcommands (CONFIG, CLIENT, COMMAND, FUNCTION): argv[1]
  // picks one; "unknown subcommand" if none matches.
  const std::vector<CommandSpec>* subcommands = nullptr;
};

template <typename T>
std::unique_ptr<Commander> MakeCommander() {
  return std::make_unique<T>();
}

// The tables of the command families and their COMMAND DOCS group names.
const std::vector<CommandSpec>& StringCommandTable();      // "string"
const std::vector<CommandSpec>& BitmapCommandTable();      // "bitmap"
const std::vector<CommandSpec>& KeyCommandTable();         // "generic"
const std::vector<CommandSpec>& ConnectionCommandTable();  // "connection"
const std::vector<CommandSpec>& ServerCommandTable();      // "server"
const std::vector<CommandSpec>& ScriptingCommandTable();   // "scripting"

// True if `argc` words satisfy `arity` (Redis' convention).
inline bool ArityAllows(int arity, size_t argc) {
  const int n = static_cast<int>(argc);
  return arity >= 0 ? n == arity : n >= -arity;
}
// The indexes of the keys of a command of `argc` words under `spec`'s key
// positions; false if the words do not come in the declared steps.
bool KeyIndexes(const CommandSpec& spec, size_t argc, std::vector<size_t>* indexes);

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

// The longest string value (Redis' default proto-max-bulk-len, 512 MiB).
inline constexpr uint64_t kMaxStringLen = 512ull << 20;

// A Redis error reply (full text, code included).
inline Status Err(std::string_view text) { return Status::InvalidArgument(text); }
// An engine failure as a Redis error reply.
inline Status EngineErr(const Status& s) { return Err("ERR " + s.ToString()); }
std::string ArityError(std::string_view name);
std::string InvalidExpireError(std::string_view cmd);  // "ERR invalid expire time in 'set' command"

// A key's value as a command reads it.
struct StoredValue {
  bool found = false;
  std::string data;            // empty when !found
  uint64_t expires_at_ms = 0;  // 0 = no expiry
};

// Reads `key` for a command; engine errors come back as Redis errors.
// Lookup counts a keyspace hit or miss (Redis' lookupKeyRead: GET, EXISTS,
// TTL, ...); LookupForWrite does not (Redis' lookupKeyWrite: the read of
// INCR, APPEND, EXPIRE, SET NX, ...).
Status Lookup(RedisStore* store, std::string_view key, StoredValue* value);
Status LookupForWrite(RedisStore* store, std::string_view key, StoredValue* value);

// Stores `value` expiring at `at_ms` (0 = never); an expiry already past
// deletes the key. Engine errors as Redis errors.
Status StoreValue(RedisStore* store, std::string_view key, std::string_view value, int64_t at_ms);

// A read-modify-write of one key under its stripe lock (the lock every write
// of the key holds, so no update is lost): reads the key (no hit or miss
// counted), calls `modify`, and if it set *write stores value->data with the
// key's expiry (or value->expires_at_ms if modify changed it).
using Modifier = std::function<Status(StoredValue* value, bool* write)>;
Status ModifyKey(RedisStore* store, std::string_view key, const Modifier& modify);

// Argument helpers.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
Status ParseInt64(std::string_view s, int64_t* v);  // kErrNotInteger on failure
// A long double the way Redis' string2ld reads it (no spaces, no nan).
bool ParseLongDouble(std::string_view s, long double* v);
// Formats a long double like Redis' INCRBYFLOAT (%.17Lf, trailing zeros cut).
std::string FormatLongDouble(long double v);

}  // namespace nokv::redis
