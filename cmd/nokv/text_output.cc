// Text helpers shared by the subcommands.
#include "text_output.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>

#include "base/internal_key.h"
#include "vfs/file_system.h"

namespace nokv::cli {

TextTable::TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render(const std::string& indent) const {
  std::vector<size_t> widths(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    widths[c] = columns_[c].header.size();
    for (const auto& row : rows_) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l = indent;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) l += "  ";
      const size_t pad = widths[c] - cells[c].size();
      if (columns_[c].numeric) {
        l.append(pad, ' ');
        l += cells[c];
      } else {
        l += cells[c];
        if (c + 1 < cells.size()) l.append(pad, ' ');
      }
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l;
    out += '\n';
  };
  std::vector<std::string> headers;
  for (const auto& col : columns_) headers.push_back(col.header);
  line(headers);
  for (const auto& row : rows_) line(row);
  return out;
}

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", v, kUnits[unit]);
}

std::string FormatKey(const KeyReport& key, size_t max_user_key) {
  if (!key.valid) return "<invalid " + key.raw.substr(0, max_user_key) + ">";
  std::string out;
  if (key.cf != "default") out += key.cf + "/";
  if (key.user_key.size() > max_user_key) {
    out += key.user_key.substr(0, max_user_key) + "...";
  } else {
    out += key.user_key;
  }
  out += fmt::format(" @{}", key.sequence);
  if (key.version != kMaxVersion) out += fmt::format(" v{}", key.version);
  return out;
}

std::string SstName(uint64_t number) { return fmt::format("{:06}.sst", number); }

bool LoadWorkdirReport(const std::string& command, const std::string& workdir,
                       WorkdirReport* report) {
  std::shared_ptr<FileSystem> fs = NewPosixFileSystem();
  Status s = InspectWorkdir(fs.get(), workdir, report);
  if (!s.ok()) {
    fmt::print(stderr, "nokv {}: {}\n", command, s.message());
    return false;
  }
  return true;
}

}  // namespace nokv::cli
