// ExportWorkdirToSqlite: schema creation and inserts through the SQLite C API.
#include "tools/sqlite_export.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

namespace nokv {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE levels(level INTEGER PRIMARY KEY, files INTEGER, bytes INTEGER, entries INTEGER);
CREATE TABLE tables(number INTEGER PRIMARY KEY, level INTEGER, bytes INTEGER, entries INTEGER,
                    deletions INTEGER, smallest_seq INTEGER, largest_seq INTEGER,
                    smallest_cf TEXT, smallest_key BLOB, largest_cf TEXT, largest_key BLOB,
                    file_present INTEGER);
CREATE TABLE wal_segments(number INTEGER PRIMARY KEY, bytes INTEGER, records INTEGER,
                          entries INTEGER, pending INTEGER, problem TEXT, newest INTEGER,
                          first_sequence INTEGER, last_sequence INTEGER, tail_dropped INTEGER);
CREATE TABLE vlog_segments(number INTEGER PRIMARY KEY, path TEXT, bytes INTEGER,
                           records INTEGER, value_bytes INTEGER, valid_bytes INTEGER,
                           ok INTEGER, head INTEGER, problem TEXT);
)sql";

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Undoes PrintableKey (version_edit.h): "\xNN" is byte NN, every other
// character stands for itself ('\' itself is always escaped).
std::string UnescapeKey(const std::string& printable) {
  std::string out;
  for (size_t i = 0; i < printable.size(); ++i) {
    if (printable[i] == '\\' && i + 3 < printable.size() && printable[i + 1] == 'x' &&
        HexDigit(printable[i + 2]) >= 0 && HexDigit(printable[i + 3]) >= 0) {
      out.push_back(static_cast<char>(HexDigit(printable[i + 2]) * 16 + HexDigit(printable[i + 3])));
      i += 3;
    } else {
      out.push_back(printable[i]);
    }
  }
  return out;
}

// OK if path is absent, empty, or starts with the SQLite header.
Status CheckReplaceable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::OK();
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + ": exists and is not a file");
  if (st.st_size == 0) return Status::OK();
  static constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with the NUL
  char header[16] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(header, sizeof(header)) || std::memcmp(header, kMagic, sizeof(header)) != 0) {
    return Status::InvalidArgument(path + ": exists and is not an SQLite database; refusing to " +
                                   "overwrite it");
  }
  return Status::OK();
}

class Exporter {
 public:
  explicit Exporter(std::string path) : path_(std::move(path)) {}

  Status Open() {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                   nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) return Error("open");
    return Status::OK();
  }

  Status Exec(const char* sql) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) return Error(sql);
    return Status::OK();
  }

  Status Prepare(const char* sql, StmtPtr* out) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) return Error(sql);
    out->reset(raw);
    return Status::OK();
  }

  // Binds values (int64, text or blob) to the parameters in order and runs
  // the statement once.
  struct Value {
    enum Type { kInt, kText, kBlob, kNull } type;
    int64_t i = 0;
    std::string s;
  };
  static Value Int(uint64_t v) { return Value{Value::kInt, static_cast<int64_t>(v), {}}; }
  static Value Text(std::string v) { return Value{Value::kText, 0, std::move(v)}; }
  static Value Blob(std::string v) { return Value{Value::kBlob, 0, std::move(v)}; }
  static Value Null() { return Value{Value::kNull, 0, {}}; }

  Status Run(sqlite3_stmt* stmt, const std::vector<Value>& values) {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < values.size(); ++i) {
      const int idx = static_cast<int>(i) + 1;
      const Value& v = values[i];
      switch (v.type) {
        case Value::kInt: sqlite3_bind_int64(stmt, idx, v.i); break;
        case Value::kText:
          sqlite3_bind_text(stmt, idx, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT);
          break;
        case Value::kBlob:
          sqlite3_bind_blob(stmt, idx, v.s.data(), static_cast<int>(v.s.size()), SQLITE_TRANSIENT);
          break;
        case Value::kNull: sqlite3_bind_null(stmt, idx); break;
      }
    }
    if (sqlite3_step(stmt) != SQLITE_DONE) return Error("insert");
    return Status::OK();
  }

  Status Close() {
    if (sqlite3_close(db_.release()) != SQLITE_OK) return Status::IOError(path_ + ": close failed");
    return Status::OK();
  }

 private:
  Status Error(std::string_view what) {
    return Status::IOError(path_ + ": sqlite " + std::string(what.substr(0, 40)) + ": " +
                           (db_ ? sqlite3_errmsg(db_.get()) : "cannot open"));
  }

  std::string path_;
  std::unique_ptr<sqlite3, DbCloser> db_;
};

Status Fill(Exporter& db, const WorkdirReport& r, int64_t exported_at) {
  using E = Exporter;
  NOKV_RETURN_IF_ERROR(db.Exec(kSchema));
  NOKV_RETURN_IF_ERROR(db.Exec("BEGIN"));
  StmtPtr stmt;
  NOKV_RETURN_IF_ERROR(db.Prepare("INSERT INTO meta VALUES (?, ?)", &stmt));
  const std::pair<const char*, std::string> meta[] = {
      {"schema_version", std::to_string(kSqliteSchemaVersion)},
      {"workdir", r.dir},
      {"manifest", r.manifest_name},
      {"log_number", std::to_string(r.log_number)},
      {"next_file_number", std::to_string(r.next_file_number)},
      {"last_sequence", std::to_string(r.last_sequence)},
      {"vlog_head", std::to_string(r.vlog_head)},
      {"exported_at", std::to_string(exported_at)},
  };
  for (const auto& [k, v] : meta) NOKV_RETURN_IF_ERROR(db.Run(stmt.get(), {E::Text(k), E::Text(v)}));

  NOKV_RETURN_IF_ERROR(db.Prepare("INSERT INTO levels VALUES (?, ?, ?, ?)", &stmt));
  for (const auto& l : r.levels) {
    NOKV_RETURN_IF_ERROR(db.Run(stmt.get(), {E::Int(static_cast<uint64_t>(l.level)),
                                             E::Int(static_cast<uint64_t>(l.files)),
                                             E::Int(l.bytes), E::Int(l.entries)}));
  }

  NOKV_RETURN_IF_ERROR(
      db.Prepare("INSERT INTO tables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &stmt));
  auto cf = [](const KeyReport& k) { return k.valid ? E::Text(k.cf) : E::Null(); };
  auto key = [](const KeyReport& k) { return E::Blob(UnescapeKey(k.valid ? k.user_key : k.raw)); };
  for (const auto& f : r.files) {
    NOKV_RETURN_IF_ERROR(db.Run(
        stmt.get(), {E::Int(f.number), E::Int(static_cast<uint64_t>(f.level)), E::Int(f.size),
                     E::Int(f.num_entries), E::Int(f.num_deletions), E::Int(f.smallest_seq),
                     E::Int(f.largest_seq), cf(f.smallest), key(f.smallest), cf(f.largest),
                     key(f.largest), E::Int(f.present ? 1 : 0)}));
  }

  NOKV_RETURN_IF_ERROR(
      db.Prepare("INSERT INTO wal_segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &stmt));
  auto flag = [](bool b) { return E::Int(b ? 1 : 0); };
  auto problem = [](const std::string& p) { return p.empty() ? E::Null() : E::Text(p); };
  for (const auto& w : r.wal_segments) {
    NOKV_RETURN_IF_ERROR(db.Run(stmt.get(), {E::Int(w.number), E::Int(w.bytes), E::Int(w.records),
                                             E::Int(w.entries), flag(w.pending), problem(w.problem),
                                             flag(w.newest), E::Int(w.first_sequence),
                                             E::Int(w.last_sequence), flag(w.tail_dropped)}));
  }

  NOKV_RETURN_IF_ERROR(
      db.Prepare("INSERT INTO vlog_segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &stmt));
  for (const auto& v : r.vlog_segments) {
    NOKV_RETURN_IF_ERROR(db.Run(stmt.get(), {E::Int(v.number), E::Text(v.path), E::Int(v.bytes),
                                             E::Int(v.records), E::Int(v.value_bytes),
                                             E::Int(v.valid_bytes), flag(v.ok()), flag(v.newest),
                                             problem(v.problem)}));
  }
  stmt.reset();
  return db.Exec("COMMIT");
}

}  // namespace

Status ExportWorkdirToSqlite(const WorkdirReport& report, const std::string& path,
                             int64_t exported_at) {
  NOKV_RETURN_IF_ERROR(CheckReplaceable(path));
  // Start from an empty database: remove the old one and any journal.
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    const std::string p = path + suffix;
    if (std::remove(p.c_str()) != 0 && errno != ENOENT) {
      return Status::IOError(p + ": cannot remove: " + std::strerror(errno));
    }
  }
  Exporter db(path);
  NOKV_RETURN_IF_ERROR(db.Open());
  NOKV_RETURN_IF_ERROR(Fill(db, report, exported_at));
  return db.Close();
}

}  // namespace nokv
