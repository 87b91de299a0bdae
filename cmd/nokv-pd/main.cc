// nokv-pd: the placement driver server; the same command as `nokv pd`
// (flags in pd_flags.h, logic in pd_command.cc and lib/pd).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "pd_flags.h"

#ifndef NOKV_VERSION
#define NOKV_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("nokv-pd");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);
  CLI::App app("nokv-pd: the NoKV placement driver (timestamps, ids, routing, scheduling)",
               "nokv-pd");
  app.set_version_flag("--version", "nokv-pd " NOKV_VERSION);
  nokv::pdcmd::PdCommandOptions options;
  nokv::pdcmd::AddPdFlags(&app, &options);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log scheduling decisions (info level) to stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (verbose) spdlog::set_level(spdlog::level::info);
  return nokv::pdcmd::RunPd(options, "nokv-pd");
}
