// Connection commands: PING, ECHO, QUIT, SELECT, HELLO, CLIENT.
#include <algorithm>

#include "redis/command.h"
#include "redis/dispatcher.h"

namespace nokv::redis {
namespace {

constexpr const char* kRedisVersion = "7.0.15";  // the protocol level we mimic

class PingCmd : public Commander {
 public:
  Status Parse() override {
    if (args().size() > 2) return Err(ArityError("ping"));
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    args().size() == 2 ? AppendBulk(out, arg(1)) : AppendSimple(out, "PONG");
    return Status::OK();
  }
};

class EchoCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendBulk(out, arg(1));
    return Status::OK();
  }
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
  Status Parse() override {
    int64_t id = 0;
    NOKV_RETURN_IF_ERROR(ParseInt64(arg(1), &id));
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

constexpr std::string_view kErrClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 only.
class HelloCmd : public Commander {
 public:
  Status Parse() override {
    if (args().size() >= 2) {
      int64_t ver = 0;
      if (!StringToInt64(arg(1), &ver)) {
        return Err("ERR Protocol version is not an integer or out of range");
      }
      // RESP3 is not spoken: clients that ask for it (go-redis, Lettuce) fall
      // back to RESP2 on this error, as they do with a Redis 5.
      if (ver != 2) return Err("NOPROTO unsupported protocol version");
    }
    for (size_t j = 2; j < args().size(); j++) {
      const size_t left = args().size() - j - 1;
      if (EqualsIgnoreCase(arg(j), "auth") && left >= 2) {
        // No ACLs: like a Redis without requirepass, the "default" user
        // takes any password and there are no other users.
        if (arg(j + 1) != "default") auth_failed_ = true;
        j += 2;
      } else if (EqualsIgnoreCase(arg(j), "setname") && left >= 1) {
        name_ = &arg(++j);
      } else {
        return Err("ERR Syntax error in HELLO option '" + arg(j) + "'");
      }
    }
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    if (auth_failed_) {
      return Err("WRONGPASS invalid username-password pair or user is disabled.");
    }
    if (name_ != nullptr) {  // checked after AUTH, as Redis does
      if (!ValidClientName(*name_)) return Err(kErrClientName);
      ctx.session->name = *name_;
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
  const std::string* name_ = nullptr;  // SETNAME's argument
  bool auth_failed_ = false;
};

// ---- CLIENT subcommands ----

std::string ClientInfoLine(const Session& s) {
  return "id=" + std::to_string(s.id) + " addr=" + s.peer + " name=" + s.name +
         " db=0 resp=" + std::to_string(s.protocol) + " cmd=client|info\n";
}

class ClientIdCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendInteger(out, static_cast<int64_t>(ctx.session->id));
    return Status::OK();
  }
};

class ClientGetNameCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    ctx.session->name.empty() ? AppendNull(out) : AppendBulk(out, ctx.session->name);
    return Status::OK();
  }
};

class ClientSetNameCmd : public Commander {
 public:
  Status Parse() override { return ValidClientName(arg(2)) ? Status::OK() : Err(kErrClientName); }
  Status Execute(CommandContext& ctx, std::string* out) override {
    ctx.session->name = arg(2);
    AppendSimple(out, "OK");
    return Status::OK();
  }
};

class ClientInfoCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendBulk(out, ClientInfoLine(*ctx.session));
    return Status::OK();
  }
};

// CLIENT LIST [TYPE normal|master|replica|slave|pubsub | ID id...]. Only this
// connection is known here; the filters may exclude it.
class ClientListCmd : public Commander {
 public:
  Status Parse() override {
    if (args().size() == 4 && EqualsIgnoreCase(arg(2), "type")) {
      const std::string type = ToLower(arg(3));
      if (type != "normal" && type != "master" && type != "replica" && type != "slave" &&
          type != "pubsub") {
        return Err("ERR Unknown client type '" + arg(3) + "'");
      }
      listed_ = type == "normal";
    } else if (args().size() > 3 && EqualsIgnoreCase(arg(2), "id")) {
      filter_ids_ = true;
      for (size_t j = 3; j < args().size(); j++) {
        int64_t id = 0;
        if (!StringToInt64(arg(j), &id)) return Err("ERR Invalid client ID");
        ids_.push_back(static_cast<uint64_t>(id));
      }
    } else if (args().size() != 2) {
      return Err(kErrSyntax);
    }
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    const Session& s = *ctx.session;
    const bool listed =
        listed_ && (!filter_ids_ || std::find(ids_.begin(), ids_.end(), s.id) != ids_.end());
    AppendBulk(out, listed ? ClientInfoLine(s) : std::string());
    return Status::OK();
  }

 private:
  bool listed_ = true;       // false: CLIENT LIST TYPE other than normal
  bool filter_ids_ = false;  // CLIENT LIST ID ...
  std::vector<uint64_t> ids_;
};

class ClientHelpCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendBulkArray(out, {"CLIENT <subcommand> [<arg> ...]. Subcommands are:", "ID", "GETNAME",
                          "SETNAME <name>", "INFO", "LIST", "HELP"});
    return Status::OK();
  }
};

const std::vector<CommandSpec>& ClientSubcommands() {
  constexpr uint32_t kL = kCmdLoading | kCmdStale;
  static const std::vector<CommandSpec> table = {
      {"id", 2, kL, 0, 0, 0, MakeCommander<ClientIdCmd>},
      {"getname", 2, kL, 0, 0, 0, MakeCommander<ClientGetNameCmd>},
      {"setname", 3, kL, 0, 0, 0, MakeCommander<ClientSetNameCmd>},
      {"info", 2, kL, 0, 0, 0, MakeCommander<ClientInfoCmd>},
      {"list", -2, kCmdAdmin | kL, 0, 0, 0, MakeCommander<ClientListCmd>},
      {"help", 2, kL, 0, 0, 0, MakeCommander<ClientHelpCmd>},
  };
  return table;
}

}  // namespace

const std::vector<CommandSpec>& ConnectionCommandTable() {
  constexpr uint32_t kF = kCmdFast, kL = kCmdLoading | kCmdStale;
  static const std::vector<CommandSpec> table = {
      {"ping", -1, kF, 0, 0, 0, MakeCommander<PingCmd>},
      {"echo", 2, kF, 0, 0, 0, MakeCommander<EchoCmd>},
      {"quit", -1, kF | kL, 0, 0, 0, MakeCommander<QuitCmd>},
      {"select", 2, kF | kL, 0, 0, 0, MakeCommander<SelectCmd>},
      {"hello", -1, kF | kL, 0, 0, 0, MakeCommander<HelloCmd>},
      {"client", -2, 0, 0, 0, 0, nullptr, &ClientSubcommands()},
  };
  return table;
}

}  // namespace nokv::redis
