// SubcommandApp: the git-style front end shared by `nokv` and `nokv-config`.
// A tool declares its subcommands as a table (name, description, flag setup,
// run); RunSubcommandApp registers them on a CLI11 app, names a misspelled
// subcommand itself (CLI11 would only say "A subcommand is required"),
// parses, and runs the chosen one. Header-only: each tool's main.cc is the
// only file of that tool that includes CLI11.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace nokv::cmdline {

inline constexpr int kSubcommandExitOk = 0;
inline constexpr int kSubcommandExitUsage = 2;

template <typename Options>
struct Subcommand {
  const char* name;
  const char* description;
  std::function<void(CLI::App*, Options*)> setup;
  std::function<int(const Options&)> run;
};

// The first argument that is not an option is the subcommand (global options
// take no values). Returns false, with a message on stderr naming the known
// subcommands, if it is not one of `table`.
template <typename Options>
bool CheckSubcommandName(const std::string& program, const std::vector<Subcommand<Options>>& table,
                         int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.empty() || arg[0] == '-') continue;
    std::string names;
    for (const Subcommand<Options>& sub : table) {
      if (arg == sub.name) return true;
      names += std::string(names.empty() ? "" : ", ") + sub.name;
    }
    std::cerr << program << ": unknown command \"" << arg << "\" (commands: " << names << ")\n"
              << "Run with --help for more information.\n";
    return false;
  }
  return true;
}

// Registers `table` on `app` (which owns the global flags), parses argv and
// runs the parsed subcommand with `*options`. `after_parse` runs between
// parsing and the subcommand (e.g. to apply a global --verbose). With
// `help_without_arguments`, a bare invocation prints the help. Returns the
// process exit code: the subcommand's, 0 for --help/--version, 2 for a bad
// command line.
template <typename Options>
int RunSubcommandApp(CLI::App& app, const std::vector<Subcommand<Options>>& table,
                     Options* options, int argc, char** argv,
                     const std::function<void()>& after_parse = {},
                     bool help_without_arguments = false) {
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, const Subcommand<Options>*>> registered;
  for (const Subcommand<Options>& sub : table) {
    CLI::App* cmd = app.add_subcommand(sub.name, sub.description);
    sub.setup(cmd, options);
    registered.emplace_back(cmd, &sub);
  }
  if (help_without_arguments && argc < 2) {
    std::cerr << app.help();
    return kSubcommandExitUsage;
  }
  if (!CheckSubcommandName(app.get_name(), table, argc, argv)) return kSubcommandExitUsage;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kSubcommandExitOk : kSubcommandExitUsage;
  }
  if (after_parse) after_parse();
  for (const auto& [cmd, sub] : registered) {
    if (cmd->parsed()) return sub->run(*options);
  }
  return kSubcommandExitUsage;  // unreachable: require_subcommand(1)
}

}  // namespace nokv::cmdline
