// Text helpers shared by the subcommands: an aligned table, key and byte
// formatting, and loading a workdir report with the CLI's error reporting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/workdir_report.h"

namespace nokv::cli {

// Columns padded to their widest cell, separated by two spaces. Columns
// marked numeric are right-aligned.
class TextTable {
 public:
  struct Column {
    std::string header;
    bool numeric = false;
  };
  explicit TextTable(std::vector<Column> columns);

  void AddRow(std::vector<std::string> cells);
  // Renders header + rows, each line prefixed by indent.
  std::string Render(const std::string& indent = "  ") const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// "1.5 MiB" style (exact byte counts stay in the JSON output).
std::string HumanBytes(uint64_t bytes);
// A key for a table cell: "[cf/]user_key @seq[ vVERSION]", the user key cut
// to max_user_key characters with "...".
std::string FormatKey(const KeyReport& key, size_t max_user_key = 32);
// "000012.sst" etc.
std::string SstName(uint64_t number);

// Runs InspectWorkdir on the POSIX file system. On failure prints one line
// "nokv <command>: <reason>" to stderr and returns false.
bool LoadWorkdirReport(const std::string& command, const std::string& workdir,
                       WorkdirReport* report);

}  // namespace nokv::cli
