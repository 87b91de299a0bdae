// Tests of ExportWorkdirToSqlite: export a real workdir, then query the
// result with SQLite, including the example queries from nokv(1).
#include "tools/sqlite_export.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>

#include "nokv/db.h"
#include "testutil/test_util.h"

namespace nokv {
namespace {

class SqliteExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = NewPosixFileSystem();
    Options o;
    o.memtable_size = 64 << 10;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, dir_.path(), &db).ok());
    for (int i = 0; i < 2000; ++i) {
      char key[16];
      std::snprintf(key, sizeof(key), "key%05d", i);
      ASSERT_TRUE(db->Put(WriteOptions(), key, std::string(100, 'v')).ok());
    }
    ASSERT_TRUE(db->Put(WriteOptions(), kBinaryKey, "bin").ok());
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->Put(WriteOptions(), "pending", "w").ok());
    ASSERT_TRUE(db->Close().ok());
    ASSERT_TRUE(InspectWorkdir(fs_.get(), dir_.path(), &report_).ok());
    out_ = out_dir_.File("layout.db");
  }

  // Runs sql and returns the rows, columns joined by '|'.
  std::vector<std::string> Query(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(out_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    std::vector<std::string> rows;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        if (c > 0) row += "|";
        const void* p = sqlite3_column_blob(stmt, c);
        row.append(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt, c)));
      }
      rows.push_back(row);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return rows;
  }

  const std::string kBinaryKey = std::string("\x00\\x\xff", 4);
  std::shared_ptr<FileSystem> fs_;
  testutil::TempDir dir_, out_dir_;
  WorkdirReport report_;
  std::string out_;
};

TEST_F(SqliteExportTest, ExportsTheDocumentedSchema) {
  ASSERT_TRUE(ExportWorkdirToSqlite(report_, out_, 1234).ok());
  EXPECT_EQ(Query("SELECT value FROM meta WHERE key = 'exported_at'"),
            std::vector<std::string>{"1234"});
  EXPECT_EQ(Query("SELECT value FROM meta WHERE key = 'manifest'"),
            std::vector<std::string>{report_.manifest_name});
  EXPECT_EQ(Query("SELECT value FROM meta WHERE key = 'last_sequence'"),
            std::vector<std::string>{std::to_string(report_.last_sequence)});
  EXPECT_EQ(Query("SELECT count(*) FROM levels"), std::vector<std::string>{"7"});
  EXPECT_EQ(Query("SELECT count(*) FROM tables"),
            std::vector<std::string>{std::to_string(report_.files.size())});
  EXPECT_EQ(Query("SELECT sum(entries) FROM tables"),
            std::vector<std::string>{std::to_string(report_.sst_entries)});
  EXPECT_EQ(Query("SELECT count(*) FROM tables WHERE file_present = 1"),
            std::vector<std::string>{std::to_string(report_.files.size())});
  // Keys are raw bytes: the binary key sorts first and round-trips exactly.
  EXPECT_EQ(Query("SELECT smallest_cf, smallest_key FROM tables ORDER BY smallest_key LIMIT 1"),
            std::vector<std::string>{"default|" + kBinaryKey});
  EXPECT_EQ(Query("SELECT count(*) FROM wal_segments WHERE pending = 1 AND problem IS NULL"),
            std::vector<std::string>{std::to_string(report_.wal_pending_segments)});
  EXPECT_EQ(Query("SELECT sum(entries) FROM wal_segments WHERE pending = 1"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(Query("SELECT count(*) FROM vlog_segments"), std::vector<std::string>{"0"});
  EXPECT_EQ(Query("SELECT value FROM meta WHERE key = 'schema_version'"),
            std::vector<std::string>{"2"});
  EXPECT_EQ(Query("SELECT value FROM meta WHERE key = 'vlog_head'"),
            std::vector<std::string>{"0"});
  // The newest WAL segment holds the one pending put.
  EXPECT_EQ(Query("SELECT entries, last_sequence - first_sequence, tail_dropped FROM "
                  "wal_segments WHERE newest = 1"),
            std::vector<std::string>{"1|0|0"});

  // The two examples from nokv(1).
  auto largest = Query(
      "SELECT level, number, bytes FROM tables t WHERE bytes = "
      "(SELECT max(bytes) FROM tables WHERE level = t.level) ORDER BY level");
  EXPECT_FALSE(largest.empty());
  auto per_level = Query("SELECT level, sum(bytes) FROM tables GROUP BY level ORDER BY level");
  ASSERT_FALSE(per_level.empty());
  EXPECT_EQ(Query("SELECT sum(bytes) FROM tables"),
            std::vector<std::string>{std::to_string(report_.sst_bytes)});
}

TEST_F(SqliteExportTest, ReplacesAnOldExportButNotOtherFiles) {
  ASSERT_TRUE(ExportWorkdirToSqlite(report_, out_, 1).ok());
  ASSERT_TRUE(ExportWorkdirToSqlite(report_, out_, 2).ok());
  EXPECT_EQ(Query("SELECT value FROM meta WHERE key = 'exported_at'"),
            std::vector<std::string>{"2"});

  const std::string other = out_dir_.File("notes.txt");
  auto f = fs_->NewWritableFile(other);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("precious notes, not a database").ok());
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_TRUE(ExportWorkdirToSqlite(report_, other, 3).IsInvalidArgument());
  std::string still;
  ASSERT_TRUE(fs_->ReadFileToString(other, &still).ok());
  EXPECT_EQ(still, "precious notes, not a database");
}

// A workdir with a value log: one row per segment, the head flagged, a
// damaged segment flagged with its problem; the vlog example from nokv(1).
TEST_F(SqliteExportTest, ExportsValueLogSegments) {
  testutil::TempDir vdir;
  {
    Options o;
    o.value_threshold = 100;
    o.value_log_segment_size = 1 << 20;
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, vdir.path(), &db).ok());
    for (int i = 0; i < 1200; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), "k" + std::to_string(i), std::string(2000, 'v')).ok());
    }
    ASSERT_TRUE(db->Close().ok());
  }
  WorkdirReport report;
  ASSERT_TRUE(InspectWorkdir(fs_.get(), vdir.path(), &report).ok());
  ASSERT_GE(report.vlog_segments.size(), 3u);
  ASSERT_TRUE(ExportWorkdirToSqlite(report, out_, 1).ok());
  EXPECT_EQ(Query("SELECT count(*), sum(records), sum(bytes) FROM vlog_segments"),
            std::vector<std::string>{std::to_string(report.vlog_segments.size()) + "|1200|" +
                                     std::to_string(report.vlog_bytes)});
  EXPECT_EQ(Query("SELECT number FROM vlog_segments WHERE head = 1"),
            std::vector<std::string>{std::to_string(report.vlog_head)});
  EXPECT_EQ(Query("SELECT value FROM meta WHERE key = 'vlog_head'"),
            std::vector<std::string>{std::to_string(report.vlog_head)});
  EXPECT_EQ(Query("SELECT count(*) FROM vlog_segments WHERE ok = 1 AND problem IS NULL AND "
                  "valid_bytes = bytes AND path LIKE 'vlog/%.vlog'"),
            std::vector<std::string>{std::to_string(report.vlog_segments.size())});

  // Cut the first segment mid-record: it is flagged, the others are not.
  const auto& first = report.vlog_segments.front();
  ASSERT_TRUE(fs_->Truncate(JoinPath(vdir.path(), first.path), first.bytes - 7).ok());
  ASSERT_TRUE(InspectWorkdir(fs_.get(), vdir.path(), &report).ok());
  ASSERT_TRUE(ExportWorkdirToSqlite(report, out_, 2).ok());
  // The example from nokv(1): damaged segments and the head.
  auto rows = Query(
      "SELECT path, bytes, records, ok, head FROM vlog_segments WHERE ok = 0 OR head = 1 "
      "ORDER BY number");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].substr(0, first.path.size()), first.path);
  EXPECT_TRUE(rows[0].ends_with("|0|0")) << rows[0];
  EXPECT_TRUE(rows[1].ends_with("|1|1")) << rows[1];
  EXPECT_EQ(Query("SELECT problem LIKE '%torn tail%' FROM vlog_segments WHERE ok = 0"),
            std::vector<std::string>{"1"});
}

}  // namespace
}  // namespace nokv
