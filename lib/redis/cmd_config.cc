// CONFIG GET / SET / RESETSTAT / REWRITE / HELP. The parameters are those
// that map to a real setting of the gateway, each read back from that setting
// (CONFIG GET) and, where the gateway can change it at run time, set there
// (CONFIG SET):
//
//   appendfsync   always | everysec | no: fsync every write before its reply,
//                 once a second (the background thread), or never (the OS
//                 writes back; a process crash loses nothing, a machine crash
//                 may). --sync-writes starts with always, otherwise no.
//   appendonly    always yes: every write goes to the write-ahead log, which
//                 cannot be turned off (setting no is refused).
//   hz            background cycles per second (active expiry, everysec
//                 fsync), clamped to 1..500 like Redis.
//   maxclients    connections beyond are refused.
//   timeout       seconds of idleness before a client is closed (0 = never).
//   maxmemory, maxmemory-policy, save: the only values that are true here
//                 (0, noeviction, "": keys live on disk, nothing is evicted,
//                 no RDB snapshots) are accepted; others are refused.
//   port, bind, databases, io-threads, proto-max-bulk-len: read-only here
//                 ("can't set immutable config").
//
// Errors are Redis 7.0's texts: "Unknown option or number of arguments for
// CONFIG SET - 'x'" and "CONFIG SET failed (possibly related to argument 'x')
// - reason". A CONFIG SET with several parameters checks them all before it
// changes any.
#include <algorithm>
#include <cstdlib>
#include <optional>

#include "redis/command.h"
#include "redis/dispatcher.h"
#include "redis/glob.h"

namespace nokv::redis {
namespace {

constexpr std::string_view kImmutable = "can't set immutable config";

// A parameter: its value now, and the check (and, unless dry_run, the
// change) of a new value; the returned string is the reason it is refused.
struct ConfigParam {
  const char* name;
  std::string (*get)(const CommandContext& ctx);
  // std::nullopt: accepted (and applied unless dry_run).
  std::optional<std::string> (*set)(CommandContext& ctx, std::string_view value, bool dry_run);
};

std::optional<std::string> ParseRange(std::string_view value, int64_t lo, int64_t hi,
                                      int64_t* out) {
  if (!StringToInt64(value, out)) return "argument couldn't be parsed into an integer";
  if (*out < lo || *out > hi) {
    return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
           " inclusive";
  }
  return std::nullopt;
}

// Redis' memtoull: a number with an optional b/k/kb/m/mb/g/gb unit.
bool ParseMemory(std::string_view value, uint64_t* bytes) {
  size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') digits++;
  const std::string unit = ToLower(value.substr(digits));
  int64_t n = 0;
  if (digits == 0 || !StringToInt64(value.substr(0, digits), &n)) return false;
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"", 1},        {"b", 1},           {"k", 1000},          {"kb", 1024},
      {"m", 1000000}, {"mb", 1ull << 20}, {"g", 1000000000ull}, {"gb", 1ull << 30}};
  uint64_t mul = 0;
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) mul = factor;
  }
  if (mul == 0) return false;
  *bytes = static_cast<uint64_t>(n) * mul;
  return true;
}

std::optional<std::string> Immutable(CommandContext&, std::string_view, bool) {
  return std::string(kImmutable);
}

// clang-format off
const ConfigParam kParams[] = {
  {"appendonly",
   [](const CommandContext&) -> std::string { return "yes"; },
   [](CommandContext&, std::string_view v, bool) -> std::optional<std::string> {
     if (EqualsIgnoreCase(v, "yes")) return std::nullopt;
     if (EqualsIgnoreCase(v, "no")) return "NoKV always logs writes (write-ahead log); it cannot be turned off";
     return "argument must be 'yes' or 'no'";
   }},
  {"appendfsync",
   [](const CommandContext& ctx) -> std::string { return FsyncPolicyName(ctx.store->fsync_policy()); },
   [](CommandContext& ctx, std::string_view v, bool dry_run) -> std::optional<std::string> {
     for (FsyncPolicy p : {FsyncPolicy::kEverySec, FsyncPolicy::kAlways, FsyncPolicy::kNo}) {
       if (!EqualsIgnoreCase(v, FsyncPolicyName(p))) continue;
       if (!dry_run) ctx.store->set_fsync_policy(p);
       return std::nullopt;
     }
     return "argument(s) must be one of the following: everysec, always, no";
   }},
  {"hz",
   [](const CommandContext& ctx) -> std::string { return std::to_string(ctx.config->hz.load()); },
   [](CommandContext& ctx, std::string_view v, bool dry_run) -> std::optional<std::string> {
     int64_t hz = 0;
     if (auto e = ParseRange(v, 0, INT32_MAX, &hz)) return e;
     if (!dry_run) ctx.config->hz = static_cast<int>(std::clamp<int64_t>(hz, 1, 500));
     return std::nullopt;
   }},
  {"maxclients",
   [](const CommandContext& ctx) -> std::string { return std::to_string(ctx.config->max_clients.load()); },
   [](CommandContext& ctx, std::string_view v, bool dry_run) -> std::optional<std::string> {
     int64_t n = 0;
     if (auto e = ParseRange(v, 1, UINT32_MAX, &n)) return e;
     if (!dry_run) ctx.config->max_clients = static_cast<uint64_t>(n);
     return std::nullopt;
   }},
  {"timeout",
   [](const CommandContext& ctx) -> std::string { return std::to_string(ctx.config->idle_timeout_s.load()); },
   [](CommandContext& ctx, std::string_view v, bool dry_run) -> std::optional<std::string> {
     int64_t n = 0;
     if (auto e = ParseRange(v, 0, INT32_MAX, &n)) return e;
     if (!dry_run) ctx.config->idle_timeout_s = n;
     return std::nullopt;
   }},
  {"maxmemory",
   [](const CommandContext&) -> std::string { return "0"; },
   [](CommandContext&, std::string_view v, bool) -> std::optional<std::string> {
     uint64_t bytes = 0;
     if (!ParseMemory(v, &bytes)) return "argument must be a memory value";
     if (bytes != 0) return "NoKV keeps keys on disk and evicts none; only 0 (no limit) is supported";
     return std::nullopt;
   }},
  {"maxmemory-policy",
   [](const CommandContext&) -> std::string { return "noeviction"; },
   [](CommandContext&, std::string_view v, bool) -> std::optional<std::string> {
     if (EqualsIgnoreCase(v, "noeviction")) return std::nullopt;
     for (const char* p : {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                           "allkeys-lru", "allkeys-lfu", "allkeys-random"}) {
       if (EqualsIgnoreCase(v, p)) return "NoKV evicts no keys; only noeviction is supported";
     }
     return "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
            "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction";
   }},
  {"save",
   [](const CommandContext&) -> std::string { return ""; },
   [](CommandContext&, std::string_view v, bool) -> std::optional<std::string> {
     if (v.empty()) return std::nullopt;
     return "NoKV writes no RDB snapshots (its log and tables are durable); only an empty value is supported";
   }},
  {"databases", [](const CommandContext&) -> std::string { return "1"; }, Immutable},
  {"port",
   [](const CommandContext& ctx) -> std::string { return std::to_string(ctx.dispatcher->server_info().port); },
   Immutable},
  {"bind", [](const CommandContext& ctx) -> std::string { return ctx.dispatcher->server_info().host; }, Immutable},
  {"io-threads",
   [](const CommandContext& ctx) -> std::string { return std::to_string(ctx.dispatcher->server_info().io_threads); },
   Immutable},
  {"proto-max-bulk-len",
   [](const CommandContext& ctx) -> std::string { return std::to_string(ctx.dispatcher->server_info().max_bulk_len); },
   Immutable},
};
// clang-format on

const ConfigParam* FindParam(std::string_view name) {
  for (const ConfigParam& p : kParams) {
    if (EqualsIgnoreCase(name, p.name)) return &p;
  }
  return nullptr;
}

// CONFIG GET pattern [pattern ...]: name/value pairs, each parameter once.
class ConfigGetCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    std::vector<std::string> flat;
    for (const ConfigParam& p : kParams) {
      for (size_t i = 2; i < args().size(); i++) {
        if (GlobMatch(ToLower(arg(i)), p.name)) {
          flat.push_back(p.name);
          flat.push_back(p.get(ctx));
          break;
        }
      }
    }
    AppendBulkArray(out, flat);
    return Status::OK();
  }
};

// CONFIG SET name value [name value ...]: all or nothing.
class ConfigSetCmd : public Commander {
 public:
  Status Parse() override {
    if (args().size() % 2 != 0) return Err(kErrSyntax);  // not name/value pairs
    // As Redis: the first unknown, immutable or repeated name is the error;
    // values are checked (Execute) only when every name is fine.
    std::vector<const ConfigParam*> seen;
    std::optional<std::string> failed;
    for (size_t i = 2; i < args().size(); i += 2) {
      const ConfigParam* p = FindParam(arg(i));
      if (failed) continue;
      if (p == nullptr) {
        failed = "ERR Unknown option or number of arguments for CONFIG SET - '" + arg(i) + "'";
        continue;
      }
      if (p->set == Immutable) {
        failed = Failure(arg(i), kImmutable);
      } else if (std::find(seen.begin(), seen.end(), p) != seen.end()) {
        failed = Failure(arg(i), "duplicate parameter");
      }
      seen.push_back(p);
    }
    if (failed) return Err(*failed);
    params_ = std::move(seen);
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    for (bool dry_run : {true, false}) {
      for (size_t i = 0; i < params_.size(); i++) {
        if (auto reason = params_[i]->set(ctx, arg(3 + 2 * i), dry_run)) {
          return Err(Failure(params_[i]->name, *reason));
        }
      }
    }
    AppendSimple(out, "OK");
    return Status::OK();
  }

 private:
  static std::string Failure(std::string_view name, std::string_view reason) {
    return "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
           std::string(reason);
  }

  std::vector<const ConfigParam*> params_;
};

// CONFIG RESETSTAT: zeroes the INFO stats.
class ConfigResetStatCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    ctx.store->counters()->ResetStats();
    AppendSimple(out, "OK");
    return Status::OK();
  }
};

class ConfigRewriteCmd : public Commander {
 public:
  Status Execute(CommandContext&, std::string*) override {
    return Err("ERR The server is running without a config file");
  }
};

class ConfigHelpCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendBulkArray(
        out, {"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GET <pattern>",
              "SET <directive> <value>", "RESETSTAT", "REWRITE", "HELP"});
    return Status::OK();
  }
};

}  // namespace

const std::vector<CommandSpec>& ConfigSubcommands() {
  constexpr uint32_t kA = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  static const std::vector<CommandSpec> table = {
      {"get", -3, kA, 0, 0, 0, MakeCommander<ConfigGetCmd>},
      {"set", -4, kA, 0, 0, 0, MakeCommander<ConfigSetCmd>},
      {"resetstat", 2, kA, 0, 0, 0, MakeCommander<ConfigResetStatCmd>},
      {"rewrite", 2, kA, 0, 0, 0, MakeCommander<ConfigRewriteCmd>},
      {"help", 2, kCmdLoading | kCmdStale, 0, 0, 0, MakeCommander<ConfigHelpCmd>},
  };
  return table;
}

}  // namespace nokv::redis
