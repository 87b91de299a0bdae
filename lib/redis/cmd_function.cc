// Scripting commands for a server without a script engine: FUNCTION (FLUSH,
// LIST, STATS, DELETE, KILL, LOAD, HELP) and FCALL/FCALL_RO. The gateway
// holds no function library and can load none, so the truthful answers are
// those of a Redis with an empty library: FLUSH succeeds, LIST is empty,
// STATS shows no running script and no engine, DELETE finds no library, KILL
// finds no script, FCALL finds no function. LOAD checks the library header
// like Redis and then fails with Redis' own error for an engine it does not
// have ("ERR Engine 'lua' not found"). Redis' test harness sends FUNCTION FLUSH
// before every test file.
#include <algorithm>
#include <cctype>

#include "redis/command.h"
#include "redis/dispatcher.h"

namespace nokv::redis {
namespace {

// FUNCTION FLUSH [ASYNC|SYNC]: there is nothing to delete.
class FunctionFlushCmd : public Commander {
 public:
  Status Parse() override {
    if (args().size() > 3) {
      return Err(
          "ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION "
          "HELP.");
    }
    if (args().size() == 3 && !EqualsIgnoreCase(arg(2), "async") &&
        !EqualsIgnoreCase(arg(2), "sync")) {
      return Err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    }
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendSimple(out, "OK");
    return Status::OK();
  }
};

// FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: no libraries.
class FunctionListCmd : public Commander {
 public:
  Status Parse() override {
    bool with_code = false, pattern = false;
    for (size_t j = 2; j < args().size(); j++) {
      if (!with_code && EqualsIgnoreCase(arg(j), "withcode")) {
        with_code = true;
      } else if (!pattern && EqualsIgnoreCase(arg(j), "libraryname")) {
        if (j + 1 >= args().size()) return Err("ERR library name argument was not given");
        pattern = true;
        j++;
      } else {
        return Err("ERR Unknown argument " + arg(j));
      }
    }
    return Status::OK();
  }
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendArrayHeader(out, 0);
    return Status::OK();
  }
};

// FUNCTION STATS: no running script, no engines.
class FunctionStatsCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendArrayHeader(out, 4);
    AppendBulk(out, "running_script");
    AppendNull(out);
    AppendBulk(out, "engines");
    AppendArrayHeader(out, 0);
    return Status::OK();
  }
};

class FunctionDeleteCmd : public Commander {
 public:
  Status Execute(CommandContext&, std::string*) override { return Err("ERR Library not found"); }
};

class FunctionKillCmd : public Commander {
 public:
  Status Execute(CommandContext&, std::string*) override {
    return Err("NOTBUSY No scripts in execution right now.");
  }
};

// FUNCTION LOAD [REPLACE] code: the header ("#!<engine> name=<library>")
// checked as Redis checks it, then no engine to run it.
class FunctionLoadCmd : public Commander {
 public:
  Status Parse() override {
    size_t j = 2;
    if (args().size() > 3) {
      if (!EqualsIgnoreCase(arg(j), "replace")) return Err("ERR Unknown option given: " + arg(j));
      j++;
    }
    if (j + 1 != args().size()) return Err("ERR Unknown option given: " + arg(j));
    code_ = &arg(j);
    return Status::OK();
  }
  Status Execute(CommandContext&, std::string*) override {
    const std::string& code = *code_;
    if (code.rfind("#!", 0) != 0) return Err("ERR Missing library metadata");
    const size_t eol = code.find('\n');
    if (eol == std::string::npos) return Err("ERR Invalid library metadata");
    // The shebang line in words; the first is "#!<engine>".
    std::vector<std::string> parts;
    for (size_t pos = 0; pos < eol;) {
      const size_t end = std::min(code.find_first_of(" \t\r", pos), eol);
      if (end > pos) parts.emplace_back(code.substr(pos, end - pos));
      pos = end + 1;
    }
    if (parts.empty()) return Err("ERR Invalid library metadata");
    const std::string* name = nullptr;
    for (size_t i = 1; i < parts.size(); i++) {
      if (!EqualsIgnoreCase(std::string_view(parts[i]).substr(0, 5), "name=")) {
        return Err("ERR Invalid metadata value given: " + parts[i]);
      }
      if (name != nullptr) {
        return Err("ERR Invalid metadata value, name argument was given multiple times");
      }
      name = &parts[i];
    }
    if (name == nullptr) return Err("ERR Library name was not given");
    bool valid = name->size() > 5;
    for (size_t i = 5; i < name->size(); i++) {
      valid = valid && (std::isalnum(static_cast<unsigned char>((*name)[i])) || (*name)[i] == '_');
    }
    if (!valid) {
      return Err(
          "ERR Library names can only contain letters, numbers, or underscores(_) and "
          "must be at least one character long");
    }
    return Err("ERR Engine '" + parts[0].substr(2) + "' not found");
  }

 private:
  const std::string* code_ = nullptr;
};

class FunctionHelpCmd : public Commander {
 public:
  Status Execute(CommandContext& ctx, std::string* out) override {
    AppendBulkArray(out,
                    {"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                     "LOAD [REPLACE] <FUNCTION CODE>", "DELETE <LIBRARY NAME>",
                     "LIST [LIBRARYNAME PATTERN] [WITHCODE]", "STATS", "KILL", "FLUSH [ASYNC|SYNC]",
                     "HELP", "(NoKV has no script engine: no library can be loaded.)"});
    return Status::OK();
  }
};

// FCALL / FCALL_RO function numkeys [key ...] [arg ...]: no function exists.
class FcallCmd : public Commander {
 public:
  Status Execute(CommandContext&, std::string*) override { return Err("ERR Function not found"); }
};

const std::vector<CommandSpec>& FunctionSubcommands() {
  constexpr uint32_t kW = kCmdWrite | kCmdNoScript, kN = kCmdNoScript;
  static const std::vector<CommandSpec> table = {
      {"flush", -2, kW, 0, 0, 0, MakeCommander<FunctionFlushCmd>},
      {"list", -2, kN, 0, 0, 0, MakeCommander<FunctionListCmd>},
      {"stats", 2, kN, 0, 0, 0, MakeCommander<FunctionStatsCmd>},
      {"delete", 3, kW, 0, 0, 0, MakeCommander<FunctionDeleteCmd>},
      {"kill", 2, kN, 0, 0, 0, MakeCommander<FunctionKillCmd>},
      {"load", -3, kW, 0, 0, 0, MakeCommander<FunctionLoadCmd>},
      {"help", 2, kCmdLoading | kCmdStale, 0, 0, 0, MakeCommander<FunctionHelpCmd>},
  };
  return table;
}

}  // namespace

const std::vector<CommandSpec>& ScriptingCommandTable() {
  static const std::vector<CommandSpec> table = {
      {"function", -2, 0, 0, 0, 0, nullptr, &FunctionSubcommands()},
      {"fcall", -3, kCmdNoScript | kCmdStale, 0, 0, 0, MakeCommander<FcallCmd>},
      {"fcall_ro", -3, kCmdReadOnly | kCmdNoScript | kCmdStale, 0, 0, 0, MakeCommander<FcallCmd>},
  };
  return table;
}

}  // namespace nokv::redis
