// Connection and server commands: PING, ECHO, QUIT, SELECT, HELLO, CLIENT,
// COMMAND, CONFIG GET, INFO, TIME.
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>

#include "db/db_stats.h"
#include "redis/command.h"
#include "redis/dispatcher.h"
#include "redis/glob.h"

namespace nokv::redis {
namespace {

constexpr const char* kRedisVersion = "7.0.15";  // the protocol level we mimic
constexpr const char* kNoKvVersion = "0.1.0";

class PingCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    if (args.size() > 2) return Err(ArityError("ping"));
    if (args.size() == 2) msg_ = args[1], has_msg_ = true;
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    has_msg_ ? AppendBulk(out, msg_) : AppendSimple(out, "PONG");
    return Status::OK();
  }

 private:
  std::string msg_;
  bool has_msg_ = false;
};

class EchoCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    msg_ = args[1];
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendBulk(out, msg_);
    return Status::OK();
  }

 private:
  std::string msg_;
};

class QuitCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    ctx.session->close_after_reply = true;
    AppendSimple(out, "OK");
    return Status::OK();
  }
};

class SelectCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    int64_t id = 0;
    NOKV_RETURN_IF_ERROR(ParseInt64(args[1], &id));
    if (id < INT32_MIN || id > INT32_MAX) {  // Redis' getIntFromObjectOrReply
      return Err("ERR value is out of range, value must between -2147483648 and 2147483647");
    }
    if (id != 0) return Err(kErrDbIndex);
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendSimple(out, "OK");
    return Status::OK();
  }
};

bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

// HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 only.
class HelloCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    if (args.size() >= 2) {
      int64_t ver = 0;
      if (!StringToInt64(args[1], &ver)) {
        return Err("ERR Protocol version is not an integer or out of range");
      }
      // RESP3 is not spoken: clients that ask for it (go-redis, Lettuce) fall
      // back to RESP2 on this error, as they do with a Redis 5.
      if (ver != 2) return Err("NOPROTO unsupported protocol version");
    }
    for (size_t j = 2; j < args.size(); j++) {
      const size_t left = args.size() - j - 1;
      if (EqualsIgnoreCase(args[j], "auth") && left >= 2) {
        // No ACLs: like a Redis without requirepass, the "default" user
        // takes any password and there are no other users.
        if (args[j + 1] != "default") auth_failed_ = true;
        j += 2;
      } else if (EqualsIgnoreCase(args[j], "setname") && left >= 1) {
        name_ = args[++j];
        set_name_ = true;
      } else {
        return Err("ERR Syntax error in HELLO option '" + args[j] + "'");
      }
    }
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    if (auth_failed_) {
      return Err("WRONGPASS invalid username-password pair or user is disabled.");
    }
    if (set_name_) {  // checked after AUTH, as Redis does
      if (!ValidClientName(name_)) {
        return Err("ERR Client names cannot contain spaces, newlines or special characters.");
      }
      ctx.session->name = name_;
    }
    AppendArrayHeader(out, 14);
    AppendBulk(out, "server"), AppendBulk(out, "redis");
    AppendBulk(out, "version"), AppendBulk(out, kRedisVersion);
    AppendBulk(out, "proto"), AppendInteger(out, 2);
    AppendBulk(out, "id"), AppendInteger(out, static_cast<int64_t>(ctx.session->id));
    AppendBulk(out, "mode"), AppendBulk(out, "standalone");
    AppendBulk(out, "role"), AppendBulk(out, "master");
    AppendBulk(out, "modules"), AppendArrayHeader(out, 0);
    return Status::OK();
  }

 private:
  std::string name_;
  bool set_name_ = false;
  bool auth_failed_ = false;
};

std::string ClientInfoLine(const Session& s) {
  return "id=" + std::to_string(s.id) + " addr=" + s.peer + " name=" + s.name +
         " db=0 resp=" + std::to_string(s.protocol) + " cmd=client|info\n";
}

// CLIENT ID | GETNAME | SETNAME name | INFO | LIST | HELP.
class ClientCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    sub_ = ToLower(args[1]);
    size_t want = 2;
    if (sub_ == "setname") want = 3;
    else if (sub_ == "id" || sub_ == "getname" || sub_ == "info" || sub_ == "help") want = 2;
    else if (sub_ == "list") want = 0;
    else return Err("ERR unknown subcommand '" + args[1] + "'. Try CLIENT HELP.");
    if (want != 0 && args.size() != want) return Err(ArityError("client|" + sub_));
    if (sub_ == "setname") {
      if (!ValidClientName(args[2])) {
        return Err("ERR Client names cannot contain spaces, newlines or special characters.");
      }
      name_ = args[2];
    }
    if (sub_ == "list") return ParseListFilter(args);
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    Session& s = *ctx.session;
    if (sub_ == "id") {
      AppendInteger(out, static_cast<int64_t>(s.id));
    } else if (sub_ == "getname") {
      s.name.empty() ? AppendNull(out) : AppendBulk(out, s.name);
    } else if (sub_ == "setname") {
      s.name = name_;
      AppendSimple(out, "OK");
    } else if (sub_ == "info") {
      AppendBulk(out, ClientInfoLine(s));
    } else if (sub_ == "list") {
      // Only this connection is known here; the filters may exclude it.
      const bool listed = !filter_ids_ || std::find(ids_.begin(), ids_.end(), s.id) != ids_.end();
      AppendBulk(out, listed && !other_type_ ? ClientInfoLine(s) : std::string());
    } else {
      AppendBulkArray(out, {"CLIENT <subcommand> [<arg> ...]. Subcommands are:", "ID",
                            "GETNAME", "SETNAME <name>", "INFO", "LIST", "HELP"});
    }
    return Status::OK();
  }

 private:
  // CLIENT LIST [TYPE normal|master|replica|slave|pubsub | ID id...].
  Status ParseListFilter(const std::vector<std::string>& args) {
    if (args.size() == 4 && EqualsIgnoreCase(args[2], "type")) {
      const std::string type = ToLower(args[3]);
      if (type != "normal" && type != "master" && type != "replica" && type != "slave" &&
          type != "pubsub") {
        return Err("ERR Unknown client type '" + args[3] + "'");
      }
      other_type_ = type != "normal";
    } else if (args.size() > 3 && EqualsIgnoreCase(args[2], "id")) {
      filter_ids_ = true;
      for (size_t j = 3; j < args.size(); j++) {
        int64_t id = 0;
        if (!StringToInt64(args[j], &id)) return Err("ERR Invalid client ID");
        ids_.push_back(static_cast<uint64_t>(id));
      }
    } else if (args.size() != 2) {
      return Err(kErrSyntax);
    }
    return Status::OK();
  }

  std::string sub_, name_;
  bool other_type_ = false;  // CLIENT LIST TYPE other than normal
  bool filter_ids_ = false;  // CLIENT LIST ID ...
  std::vector<uint64_t> ids_;
};

std::vector<std::string> FlagNames(uint32_t flags) {
  std::vector<std::string> names;
  if (flags & kCmdWrite) names.push_back("write");
  if (flags & kCmdReadOnly) names.push_back("readonly");
  if (flags & kCmdAdmin) names.push_back("admin");
  if (flags & kCmdFast) names.push_back("fast");
  return names;
}

// The group COMMAND DOCS reports, as Redis names them.
const char* GroupOf(const CommandSpec& c) {
  auto in = [&](const std::vector<CommandSpec>& table) {
    std::less<const CommandSpec*> less;  // a total order across arrays
    return !less(&c, table.data()) && less(&c, table.data() + table.size());
  };
  if (in(StringCommandTable())) return "string";
  if (in(KeyCommandTable())) return "generic";
  for (const char* name : {"ping", "echo", "quit", "select", "hello", "client"}) {
    if (std::string_view(c.name) == name) return "connection";
  }
  return "server";
}

// ACL categories, in Redis' category order.
std::vector<std::string> AclCategories(const CommandSpec& c) {
  const std::string_view group = GroupOf(c);
  std::vector<std::string> cats;
  if (group == "generic") cats.push_back("@keyspace");
  if (c.flags & kCmdReadOnly) cats.push_back("@read");
  if (c.flags & kCmdWrite) cats.push_back("@write");
  if (group == "string") cats.push_back("@string");
  if (c.flags & kCmdAdmin) cats.push_back("@admin");
  cats.push_back((c.flags & kCmdFast) ? "@fast" : "@slow");
  if (group == "connection") cats.push_back("@connection");
  return cats;
}

void AppendCommandInfo(std::string* out, const CommandSpec& c) {
  AppendArrayHeader(out, 10);
  AppendBulk(out, c.name);
  AppendInteger(out, c.arity);
  auto flags = FlagNames(c.flags);
  AppendArrayHeader(out, flags.size());
  for (const auto& f : flags) AppendSimple(out, f);
  AppendInteger(out, c.first_key);
  AppendInteger(out, c.last_key);
  AppendInteger(out, c.key_step);
  auto cats = AclCategories(c);
  AppendArrayHeader(out, cats.size());
  for (const auto& cat : cats) AppendSimple(out, cat);
  for (int i = 0; i < 3; i++) AppendArrayHeader(out, 0);  // tips, key specs, subcommands
}

// COMMAND GETKEYS: the arguments of `argv` at the key positions of its command.
Status GetKeys(const Dispatcher& d, const std::vector<std::string>& argv, std::string* out) {
  const CommandSpec* c = d.Find(argv[0]);
  if (c == nullptr) return Err("ERR Invalid command specified");
  if (c->first_key <= 0) return Err("ERR The command has no key arguments");
  const int argc = static_cast<int>(argv.size());
  if ((c->arity > 0 && c->arity != argc) || argc < -c->arity) {
    return Err("ERR Invalid number of arguments specified for command");
  }
  const int last = c->last_key < 0 ? argc + c->last_key : c->last_key;
  std::vector<std::string> keys;
  for (int i = c->first_key; i <= last && i < argc; i += std::max(1, c->key_step)) {
    keys.push_back(argv[static_cast<size_t>(i)]);
  }
  AppendBulkArray(out, keys);
  return Status::OK();
}

// COMMAND [COUNT | INFO name... | DOCS [name...] | LIST | GETKEYS cmd arg...].
class CommandCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    if (args.size() > 1) sub_ = ToLower(args[1]);
    if (sub_ == "count" && args.size() != 2) return Err(ArityError("command|count"));
    if (sub_ == "getkeys" && args.size() < 4) return Err(ArityError("command|getkeys"));
    if (!sub_.empty() && sub_ != "count" && sub_ != "info" && sub_ != "docs" && sub_ != "list" &&
        sub_ != "getkeys") {
      return Err("ERR unknown subcommand '" + args[1] + "'. Try COMMAND HELP.");
    }
    names_.assign(args.begin() + std::min<size_t>(2, args.size()), args.end());
    if (sub_ == "list" && !names_.empty()) {  // FILTERBY MODULE m | ACLCAT c | PATTERN p
      if (names_.size() != 3 || !EqualsIgnoreCase(names_[0], "filterby")) return Err(kErrSyntax);
      filter_ = ToLower(names_[1]);
      if (filter_ != "module" && filter_ != "aclcat" && filter_ != "pattern") return Err(kErrSyntax);
    }
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    const auto& all = ctx.dispatcher->commands();
    if (sub_ == "count") {
      AppendInteger(out, static_cast<int64_t>(all.size()));
    } else if (sub_ == "getkeys") {
      return GetKeys(*ctx.dispatcher, names_, out);
    } else if (sub_.empty() || (sub_ == "info" && names_.empty())) {
      AppendArrayHeader(out, all.size());
      for (const auto* c : all) AppendCommandInfo(out, *c);
    } else if (sub_ == "info") {
      AppendArrayHeader(out, names_.size());
      for (const auto& n : names_) {
        const CommandSpec* c = ctx.dispatcher->Find(n);
        c ? AppendCommandInfo(out, *c) : AppendNull(out);  // Redis: a RESP2 null bulk
      }
    } else if (sub_ == "list") {
      std::vector<std::string> names;
      for (const auto* c : all) {
        if (filter_.empty() || (filter_ == "pattern" && GlobMatch(ToLower(names_[2]), c->name))) {
          names.push_back(c->name);
        } else if (filter_ == "aclcat") {  // no modules here, so MODULE lists nothing
          const auto cats = AclCategories(*c);
          if (std::find(cats.begin(), cats.end(), "@" + ToLower(names_[2])) != cats.end()) {
            names.push_back(c->name);
          }
        }
      }
      AppendBulkArray(out, names);
    } else {  // docs: a flattened map name -> {summary, since, group}
      std::vector<const CommandSpec*> picked;
      if (names_.empty()) {
        picked = all;
      } else {
        for (const auto& n : names_) {
          if (const CommandSpec* c = ctx.dispatcher->Find(n)) picked.push_back(c);
        }
      }
      AppendArrayHeader(out, picked.size() * 2);
      for (const auto* c : picked) {
        AppendBulk(out, c->name);
        AppendArrayHeader(out, 6);
        AppendBulk(out, "summary"), AppendBulk(out, std::string("NoKV ") + c->name);
        AppendBulk(out, "since"), AppendBulk(out, "1.0.0");
        AppendBulk(out, "group"), AppendBulk(out, GroupOf(*c));
      }
    }
    return Status::OK();
  }

 private:
  std::string sub_;
  std::vector<std::string> names_;
  std::string filter_;  // COMMAND LIST FILTERBY type, lower case
};

// CONFIG GET pattern...: a few read-only values clients (redis-benchmark)
// probe; CONFIG RESETSTAT zeroes the INFO stats; CONFIG SET is accepted and
// ignored.
class ConfigCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    sub_ = ToLower(args[1]);
    if (sub_ != "get" && sub_ != "set" && sub_ != "resetstat") {
      return Err("ERR unknown subcommand '" + args[1] + "'. Try CONFIG HELP.");
    }
    if (sub_ == "get" && args.size() < 3) return Err(ArityError("config|get"));
    if (sub_ == "resetstat" && args.size() != 2) return Err(ArityError("config|resetstat"));
    if (sub_ == "set" && args.size() < 4) return Err(ArityError("config|set"));
    if (sub_ == "set" && args.size() % 2 != 0) return Err(kErrSyntax);  // not name/value pairs
    patterns_.assign(args.begin() + 2, args.end());
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    if (sub_ == "resetstat") ctx.store->counters()->ResetStats();
    if (sub_ != "get") {
      AppendSimple(out, "OK");
      return Status::OK();
    }
    const ServerInfo& info = ctx.dispatcher->server_info();
    const std::vector<std::pair<std::string, std::string>> values = {
        {"appendonly", info.sync_writes ? "yes" : "no"},
        {"appendfsync", info.sync_writes ? "always" : "no"},
        {"save", ""},
        {"databases", "1"},
        {"maxclients", std::to_string(info.max_clients)},
        {"maxmemory", "0"},
        {"maxmemory-policy", "noeviction"},
        {"port", std::to_string(info.port)},
        {"bind", info.host},
        {"proto-max-bulk-len", std::to_string(512u << 20)},
    };
    std::vector<std::string> flat;
    for (const auto& [k, v] : values) {
      for (const auto& p : patterns_) {
        if (GlobMatch(ToLower(p), k)) {
          flat.push_back(k);
          flat.push_back(v);
          break;
        }
      }
    }
    AppendBulkArray(out, flat);
    return Status::OK();
  }

 private:
  std::string sub_;
  std::vector<std::string> patterns_;
};

class TimeCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    timeval tv;
    gettimeofday(&tv, nullptr);
    AppendBulkArray(out, {std::to_string(tv.tv_sec), std::to_string(tv.tv_usec)});
    return Status::OK();
  }
};

std::string HumanBytes(uint64_t n) {
  char buf[32];
  if (n < 1024) std::snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
  else if (n < (1ull << 20)) std::snprintf(buf, sizeof(buf), "%.2fK", n / 1024.0);
  else if (n < (1ull << 30)) std::snprintf(buf, sizeof(buf), "%.2fM", n / 1048576.0);
  else std::snprintf(buf, sizeof(buf), "%.2fG", n / 1073741824.0);
  return buf;
}

uint64_t RssBytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, rss = 0;
  if (!(f >> size >> rss)) return 0;
  return rss * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// INFO [section ...]: server, clients, memory, persistence, stats,
// replication, cpu, cluster, keyspace (Redis' default set, in its order), nokv.
class InfoCmd : public Commander {
 public:
  Status Parse(const std::vector<std::string>& args) override {
    for (size_t i = 1; i < args.size(); i++) sections_.push_back(ToLower(args[i]));
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    auto want = [&](std::string_view name) {
      if (sections_.empty()) return true;
      for (const auto& s : sections_) {
        if (s == name || s == "all" || s == "everything" || s == "default") return true;
      }
      return false;
    };
    const Dispatcher& d = *ctx.dispatcher;
    const ServerInfo& info = d.server_info();
    const RedisCounters& c = d.counters();
    const DbStats st = CollectDbStats(*d.db());
    std::string text;
    auto line = [&](std::string_view k, const std::string& v) {
      text.append(k).append(":").append(v).append("\r\n");
    };
    auto num = [](uint64_t v) { return std::to_string(v); };
    auto section = [&](std::string_view title) {
      if (!text.empty()) text += "\r\n";
      text.append("# ").append(title).append("\r\n");
    };
    const uint64_t now = ctx.store->NowMs();
    if (want("server")) {
      section("Server");
      line("redis_version", kRedisVersion);
      line("nokv_version", kNoKvVersion);
      line("redis_mode", "standalone");
      line("os", "Linux");
      line("arch_bits", "64");
      line("multiplexing_api", "epoll");
      line("process_id", num(static_cast<uint64_t>(getpid())));
      line("tcp_port", std::to_string(info.port));
      uint64_t up = info.start_time_ms && now > info.start_time_ms ? (now - info.start_time_ms) / 1000 : 0;
      line("uptime_in_seconds", num(up));
      line("uptime_in_days", num(up / 86400));
      line("io_threads_active", std::to_string(info.io_threads));
      line("executor_threads", std::to_string(info.executor_threads));
    }
    if (want("clients")) {
      section("Clients");
      line("connected_clients", num(c.connected_clients.load()));
      line("maxclients", num(info.max_clients));
      line("blocked_clients", "0");
    }
    if (want("memory")) {
      section("Memory");
      uint64_t used = st.memtable_bytes + st.block_cache_usage;
      line("used_memory", num(used));
      line("used_memory_human", HumanBytes(used));
      uint64_t rss = RssBytes();
      line("used_memory_rss", num(rss));
      line("used_memory_rss_human", HumanBytes(rss));
      line("maxmemory", "0");
      line("maxmemory_policy", "noeviction");
    }
    if (want("persistence")) {
      section("Persistence");
      line("loading", "0");
      line("aof_enabled", info.sync_writes ? "1" : "0");
      line("rdb_bgsave_in_progress", "0");
    }
    if (want("stats")) {
      section("Stats");
      line("total_connections_received", num(c.total_connections.load()));
      line("total_commands_processed", num(c.total_commands.load()));
      line("total_net_input_bytes", num(c.net_input_bytes.load()));
      line("total_net_output_bytes", num(c.net_output_bytes.load()));
      line("rejected_connections", num(c.rejected_connections.load()));
      line("expired_keys", num(c.expired_keys.load()));
      line("evicted_keys", "0");
      line("keyspace_hits", num(c.keyspace_hits.load()));
      line("keyspace_misses", num(c.keyspace_misses.load()));
      line("total_error_replies", num(c.error_replies.load()));
      line("protocol_errors", num(c.protocol_errors.load()));
    }
    if (want("replication")) {
      section("Replication");
      line("role", "master");
      line("connected_slaves", "0");
    }
    if (want("cpu")) {
      section("CPU");
      rusage self{}, children{};
      getrusage(RUSAGE_SELF, &self);
      getrusage(RUSAGE_CHILDREN, &children);
      auto secs = [](const timeval& tv) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
                      static_cast<long>(tv.tv_usec));
        return std::string(buf);
      };
      line("used_cpu_sys", secs(self.ru_stime));
      line("used_cpu_user", secs(self.ru_utime));
      line("used_cpu_sys_children", secs(children.ru_stime));
      line("used_cpu_user_children", secs(children.ru_utime));
    }
    if (want("cluster")) {
      section("Cluster");
      line("cluster_enabled", "0");
    }
    if (want("keyspace")) {
      section("Keyspace");
      uint64_t keys = 0, expires = 0, avg = 0;
      Status s = ctx.store->CountKeys(&keys, &expires, &avg);
      if (!s.ok()) return EngineErr(s);
      if (keys > 0) {
        line("db0", "keys=" + num(keys) + ",expires=" + num(expires) + ",avg_ttl=" + num(avg));
      }
    }
    if (want("nokv")) {
      section("NoKV");
      line("sync_writes", info.sync_writes ? "1" : "0");
      line("last_sequence", num(st.last_sequence));
      line("memtable_bytes", num(st.memtable_bytes));
      line("memtable_entries", num(st.memtable_entries));
      line("immutable_memtables", std::to_string(st.immutable_memtables));
      line("wal_number", num(st.wal_number));
      line("wal_bytes", num(st.wal_bytes));
      uint64_t files = 0, bytes = 0;
      for (const auto& l : st.levels) {
        files += static_cast<uint64_t>(l.files);
        bytes += l.bytes;
        if (l.files > 0) {
          char score[32];
          std::snprintf(score, sizeof(score), "%.2f", l.score);
          line("level" + std::to_string(l.level),
               "files=" + std::to_string(l.files) + ",bytes=" + num(l.bytes) +
                   ",entries=" + num(l.entries) + ",score=" + score);
        }
      }
      line("sst_files", num(files));
      line("sst_bytes", num(bytes));
      line("flushes", num(st.flushes));
      line("compactions", num(st.compactions));
      line("compaction_bytes_read", num(st.compaction_bytes_read));
      line("compaction_bytes_written", num(st.compaction_bytes_written));
      line("user_bytes_written", num(st.user_bytes_written));
      line("writes", num(st.writes));
      line("write_groups", num(st.write_groups));
      line("wal_syncs", num(st.wal_syncs));
      line("stall_micros", num(st.stall_micros));
      line("block_cache_hits", num(st.block_cache_hits));
      line("block_cache_misses", num(st.block_cache_misses));
      line("block_cache_usage", num(st.block_cache_usage));
      line("background_error", st.background_error.empty() ? "none" : st.background_error);
    }
    AppendBulk(out, text);
    return Status::OK();
  }

 private:
  std::vector<std::string> sections_;
};

}  // namespace

const std::vector<CommandSpec>& ServerCommandTable() {
  constexpr uint32_t kF = kCmdFast, kA = kCmdAdmin, kL = kCmdLoading | kCmdStale;
  static const std::vector<CommandSpec> table = {
      {"ping", -1, kF, 0, 0, 0, MakeCommander<PingCmd>},
      {"echo", 2, kF, 0, 0, 0, MakeCommander<EchoCmd>},
      {"quit", -1, kF | kL, 0, 0, 0, MakeCommander<QuitCmd>},
      {"select", 2, kF | kL, 0, 0, 0, MakeCommander<SelectCmd>},
      {"hello", -1, kF | kL, 0, 0, 0, MakeCommander<HelloCmd>},
      {"client", -2, kL, 0, 0, 0, MakeCommander<ClientCmd>},
      {"command", -1, kL, 0, 0, 0, MakeCommander<CommandCmd>},
      {"config", -2, kA | kL, 0, 0, 0, MakeCommander<ConfigCmd>},
      {"info", -1, kL, 0, 0, 0, MakeCommander<InfoCmd>},
      {"time", 1, kF | kL, 0, 0, 0, MakeCommander<TimeCmd>},
  };
  return table;
}

}  // namespace nokv::redis
