// Server commands: COMMAND (and its subcommands) and TIME. CONFIG is in
// cmd_config.cc, INFO in cmd_info.cc.
#include <sys/time.h>

#include <algorithm>

#include "redis/command.h"
#include "redis/dispatcher.h"
#include "redis/glob.h"

namespace nokv::redis {
namespace {

std::vector<std::string> FlagNames(uint32_t flags) {
  std::vector<std::string> names;
  if (flags & kCmdWrite) names.push_back("write");
  if (flags & kCmdReadOnly) names.push_back("readonly");
  if (flags & kCmdAdmin) names.push_back("admin");
  if (flags & kCmdNoScript) names.push_back("noscript");
  if (flags & kCmdLoading) names.push_back("loading");
  if (flags & kCmdStale) names.push_back("stale");
  if (flags & kCmdFast) names.push_back("fast");
  return names;
}

// ACL categories, in Redis' category order.
std::vector<std::string> AclCategories(const Dispatcher& d, const CommandSpec& c) {
  const std::string_view group = d.GroupOf(c);
  std::vector<std::string> cats;
  if (group == "generic") cats.push_back("@keyspace");
  if (c.flags & kCmdReadOnly) cats.push_back("@read");
  if (c.flags & kCmdWrite) cats.push_back("@write");
  if (group == "string") cats.push_back("@string");
  if (group == "bitmap") cats.push_back("@bitmap");
  if (c.flags & kCmdAdmin) cats.push_back("@admin");
  cats.push_back((c.flags & kCmdFast) ? "@fast" : "@slow");
  if (group == "connection") cats.push_back("@connection");
  if (group == "scripting") cats.push_back("@scripting");
  return cats;
}

void AppendCommandInfo(std::string* out, const Dispatcher& d, const CommandSpec& c) {
  AppendArrayHeader(out, 10);
  AppendBulk(out, d.FullName(c));
  AppendInteger(out, c.arity);
  auto flags = FlagNames(c.flags);
  AppendArrayHeader(out, flags.size());
  for (const auto& f : flags) AppendSimple(out, f);
  AppendInteger(out, c.first_key);
  AppendInteger(out, c.last_key);
  AppendInteger(out, c.key_step);
  auto cats = AclCategories(d, c);
  AppendArrayHeader(out, cats.size());
  for (const auto& cat : cats) AppendSimple(out, cat);
  AppendArrayHeader(out, 0);  // tips
  AppendArrayHeader(out, 0);  // key specs
  const size_t subs = c.subcommands ? c.subcommands->size() : 0;
  AppendArrayHeader(out, subs);
  for (size_t i = 0; i < subs; i++) AppendCommandInfo(out, d, (*c.subcommands)[i]);
}

// COMMAND alone: the info of every command.
class CommandCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    const auto& all = ctx.dispatcher->commands();
    AppendArrayHeader(out, all.size());
    for (const auto* c : all) AppendCommandInfo(out, *ctx.dispatcher, *c);
    return Status::OK();
  }
};

class CommandCountCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendInteger(out, static_cast<int64_t>(ctx.dispatcher->commands().size()));
    return Status::OK();
  }
};

// COMMAND INFO [name...]: every command without names; a null per unknown name.
class CommandInfoCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    if (args().size() == 2) return CommandCmd().Execute(ctx, out);
    AppendArrayHeader(out, args().size() - 2);
    for (size_t i = 2; i < args().size(); i++) {
      const CommandSpec* c = ctx.dispatcher->Find(arg(i));
      c ? AppendCommandInfo(out, *ctx.dispatcher, *c) : AppendNull(out);  // a RESP2 null bulk
    }
    return Status::OK();
  }
};

// COMMAND DOCS [name...]: a flattened map name -> {summary, since, group}.
class CommandDocsCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    const Dispatcher& d = *ctx.dispatcher;
    std::vector<const CommandSpec*> picked;
    if (args().size() == 2) {
      picked = d.commands();
    } else {
      for (size_t i = 2; i < args().size(); i++) {
        if (const CommandSpec* c = d.Find(arg(i))) picked.push_back(c);
      }
    }
    AppendArrayHeader(out, picked.size() * 2);
    for (const auto* c : picked) {
      AppendBulk(out, d.FullName(*c));
      AppendArrayHeader(out, 6);
      AppendBulk(out, "summary"), AppendBulk(out, "NoKV " + d.FullName(*c));
      AppendBulk(out, "since"), AppendBulk(out, "1.0.0");
      AppendBulk(out, "group"), AppendBulk(out, d.GroupOf(*c));
    }
    return Status::OK();
  }
};

// COMMAND LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p]: names, subcommands
// ("config|get") included, as Redis lists them.
class CommandListCmd : public Commander {
 public:
  Status Parse() override {
    if (args().size() == 2) return Status::OK();
    if (args().size() != 5 || !EqualsIgnoreCase(arg(2), "filterby")) return Err(kErrSyntax);
    filter_ = ToLower(arg(3));
    if (filter_ != "module" && filter_ != "aclcat" && filter_ != "pattern") return Err(kErrSyntax);
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    const Dispatcher& d = *ctx.dispatcher;
    std::vector<std::string> names;
    auto consider = [&](const CommandSpec& c) {
      const std::string name = d.FullName(c);
      if (filter_.empty() || (filter_ == "pattern" && GlobMatch(ToLower(arg(4)), name))) {
        names.push_back(name);
      } else if (filter_ == "aclcat") {  // no modules here, so MODULE lists nothing
        const auto cats = AclCategories(d, c);
        if (std::find(cats.begin(), cats.end(), "@" + ToLower(arg(4))) != cats.end()) {
          names.push_back(name);
        }
      }
    };
    for (const auto* c : d.commands()) {
      consider(*c);
      if (c->subcommands) {
        for (const auto& sub : *c->subcommands) consider(sub);
      }
    }
    AppendBulkArray(out, names);
    return Status::OK();
  }

 private:
  std::string filter_;  // FILTERBY type, lower case
};

// COMMAND GETKEYS cmd arg...: the arguments at the key positions of cmd.
class CommandGetKeysCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    const std::vector<std::string> argv(args().begin() + 2, args().end());
    std::string error;
    const CommandSpec* c = ctx.dispatcher->Resolve(argv, &error);
    if (c == nullptr) return Err("ERR Invalid command specified");
    if (c->first_key <= 0) return Err("ERR The command has no key arguments");
    std::vector<size_t> indexes;
    if (!ArityAllows(c->arity, argv.size()) || !KeyIndexes(*c, argv.size(), &indexes)) {
      return Err("ERR Invalid number of arguments specified for command");
    }
    std::vector<std::string> keys;
    for (size_t i : indexes) keys.push_back(argv[i]);
    AppendBulkArray(out, keys);
    return Status::OK();
  }
};

class CommandHelpCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendBulkArray(out, {"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                          "(no subcommand)", "COUNT", "LIST", "INFO [<command-name> ...]",
                          "DOCS [<command-name> ...]", "GETKEYS <full-command>", "HELP"});
    return Status::OK();
  }
};

const std::vector<CommandSpec>& CommandSubcommands() {
  constexpr uint32_t kL = kCmdLoading | kCmdStale;
  static const std::vector<CommandSpec> table = {
      {"count", 2, kL, 0, 0, 0, MakeCommander<CommandCountCmd>},
      {"info", -2, kL, 0, 0, 0, MakeCommander<CommandInfoCmd>},
      {"docs", -2, kL, 0, 0, 0, MakeCommander<CommandDocsCmd>},
      {"list", -2, kL, 0, 0, 0, MakeCommander<CommandListCmd>},
      {"getkeys", -4, kL, 0, 0, 0, MakeCommander<CommandGetKeysCmd>},
      {"help", 2, kL, 0, 0, 0, MakeCommander<CommandHelpCmd>},
  };
  return table;
}

class TimeCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    timeval tv;
    gettimeofday(&tv, nullptr);
    AppendBulkArray(out, {std::to_string(tv.tv_sec), std::to_string(tv.tv_usec)});
    return Status::OK();
  }
};

}  // namespace

const std::vector<CommandSpec>& ConfigSubcommands();  // cmd_config.cc
std::unique_ptr<Commander> MakeInfoCommander();       // cmd_info.cc

const std::vector<CommandSpec>& ServerCommandTable() {
  constexpr uint32_t kF = kCmdFast, kL = kCmdLoading | kCmdStale;
  static const std::vector<CommandSpec> table = {
      {"command", -1, kL, 0, 0, 0, MakeCommander<CommandCmd>, &CommandSubcommands()},
      {"config", -2, 0, 0, 0, 0, nullptr, &ConfigSubcommands()},
      {"info", -1, kL, 0, 0, 0, MakeInfoCommander},
      {"time", 1, kF | kL, 0, 0, 0, MakeCommander<TimeCmd>},
  };
  return table;
}

}  // namespace nokv::redis
