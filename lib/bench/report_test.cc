// Tests for result rendering and summaries: medians and spreads over
// repeats, ratios by medians, the synced-write ratios, JSON/CSV shape, the
// SVG chart and the child-to-parent encoding.
#include "bench/report.h"

#include <gtest/gtest.h>

#include <sstream>

namespace nokv::bench {
namespace {

BenchResult Sample(const std::string& engine, const std::string& workload, double ops_per_sec,
                   int repeat = 0) {
  BenchResult r;
  r.engine = engine;
  r.workload = workload;
  r.repeat = repeat;
  r.records = 1000;
  r.ops = 2000;
  r.threads = 2;
  r.seconds = 2000 / ops_per_sec;
  r.ops_per_sec = ops_per_sec;
  r.avg_us = 10.5;
  r.p50_us = 9;
  r.p95_us = 20;
  r.p99_us = 40;
  r.p999_us = 80;
  r.peak_rss_bytes = 50 << 20;
  r.disk_bytes = 3 << 20;
  r.write_amp = engine == "leveldb" ? -1 : 2.5;
  r.space_amp = 1.1;
  r.settings = "memtable=64MiB, \"quoted\"";
  r.op_mix = {{"read", 1000, 5, 4, 9}, {"update", 1000, 16, 14, 60}};
  return r;
}

std::vector<BenchResult> Samples() {
  return {Sample("nokv", "a", 80000), Sample("rocksdb", "a", 100000),
          Sample("leveldb", "a", 50000), Sample("nokv", "c", 200000),
          Sample("rocksdb", "c", 100000)};
}

// Three repeats of each cell: nokv 80k/90k/700k (one outlier), rocksdb
// 100k/110k/90k, leveldb 50k/40k/60k on workload a.
std::vector<BenchResult> Repeats() {
  std::vector<BenchResult> out;
  const double nokv[] = {80000, 90000, 700000};
  const double rocks[] = {100000, 110000, 90000};
  const double level[] = {50000, 40000, 60000};
  for (int rep = 0; rep < 3; ++rep) {
    out.push_back(Sample("nokv", "a", nokv[rep], rep));
    out.push_back(Sample("rocksdb", "a", rocks[rep], rep));
    out.push_back(Sample("leveldb", "a", level[rep], rep));
  }
  return out;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; pos += what.size()) ++n;
  return n;
}

TEST(ReportTest, CellsTakeTheMedianAndSpreadOfTheirRepeats) {
  const std::vector<BenchResult> results = Repeats();
  const std::vector<Cell> cells = SummarizeCells(results);
  ASSERT_EQ(cells.size(), 3u);
  const Cell* nokv = FindCell(cells, "nokv", "a");
  ASSERT_NE(nokv, nullptr);
  EXPECT_EQ(nokv->runs.size(), 3u);
  EXPECT_DOUBLE_EQ(nokv->median, 90000);  // not the mean (290000)
  EXPECT_DOUBLE_EQ(nokv->min, 80000);
  EXPECT_DOUBLE_EQ(nokv->max, 700000);
  ASSERT_NE(nokv->median_run, nullptr);
  EXPECT_EQ(nokv->median_run->repeat, 1);
  EXPECT_DOUBLE_EQ(FindCell(cells, "rocksdb", "a")->median, 100000);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median({}), 0);
  // A failed repeat is left out of the median and counted.
  std::vector<BenchResult> with_failure = results;
  with_failure[0].error = "boom";  // nokv's 80k
  const std::vector<Cell> c2 = SummarizeCells(with_failure);
  const Cell* n2 = FindCell(c2, "nokv", "a");
  EXPECT_EQ(n2->failed, 1);
  EXPECT_FALSE(n2->ok());
  EXPECT_DOUBLE_EQ(n2->median, (90000.0 + 700000.0) / 2);
  EXPECT_DOUBLE_EQ(n2->min, 90000);
}

TEST(ReportTest, RatioUsesMediansAndTheTableStatesTheSpread) {
  const std::vector<BenchResult> results = Repeats();
  std::string peer;
  EXPECT_DOUBLE_EQ(NoKvRatio(results, "a", &peer), 0.9);  // 90k / 100k, outlier ignored
  EXPECT_EQ(peer, "rocksdb");
  const std::string ratios = FormatRatios(results);
  EXPECT_NE(ratios.find("0.90x (rocksdb)"), std::string::npos) << ratios;
  EXPECT_NE(ratios.find("90000"), std::string::npos) << ratios;
  const std::string table = FormatTable(results);
  EXPECT_NE(table.find("median of 3 repeats"), std::string::npos) << table;
  EXPECT_NE(table.find("80.0k..700.0k"), std::string::npos) << table;
  EXPECT_NE(table.find("90.0k..110.0k"), std::string::npos) << table;
  EXPECT_EQ(Count(table, "\nnokv "), 1u) << "one row per cell, not per repeat\n" << table;
}

TEST(ReportTest, MissingAndWrongValuesAreListedAndFailTheCell) {
  std::vector<BenchResult> results = Repeats();
  results[3].not_found = 2;  // nokv repeat 1
  results[6].wrong = 5;      // nokv repeat 2
  EXPECT_FALSE(results[3].ok());
  const std::vector<Cell> cells = SummarizeCells(results);
  const Cell* nokv = FindCell(cells, "nokv", "a");
  EXPECT_EQ(nokv->not_found, 2u);
  EXPECT_EQ(nokv->wrong, 5u);
  EXPECT_FALSE(nokv->ok());
  EXPECT_TRUE(FindCell(cells, "rocksdb", "a")->ok());
  const std::string table = FormatTable(results);
  EXPECT_NE(table.find("wrong"), std::string::npos);
  // The nokv row carries nf 2 and wrong 5 after the five latency columns.
  const size_t row = table.find("\nnokv ");
  ASSERT_NE(row, std::string::npos);
  const std::string line = table.substr(row + 1, table.find('\n', row + 1) - row - 1);
  EXPECT_NE(line.find("    2     5 "), std::string::npos) << line;
  const std::string json = FormatJson(BenchConfig(), results);
  EXPECT_NE(json.find("\"not_found\": 2, \"wrong\": 5"), std::string::npos);
}

TEST(ReportTest, SyncRatiosComeFromMedians) {
  std::vector<BenchResult> results;
  const double raw[] = {1000, 900, 1100};
  const double one[] = {500, 450, 400};
  const double sixteen[] = {4000, 5000, 4500};
  for (int rep = 0; rep < 3; ++rep) {
    results.push_back(Sample(kRawSyncEngine, kRawSyncWorkload, raw[rep], rep));
    results.push_back(Sample("nokv", "sync-1w", one[rep], rep));
    results.push_back(Sample("rocksdb", "sync-1w", one[rep] * 2, rep));
  }
  for (int rep = 0; rep < 3; ++rep) {
    results.push_back(Sample("nokv", "sync-16w", sixteen[rep], rep));
    results.push_back(Sample("rocksdb", "sync-16w", sixteen[rep], rep));
  }
  const std::vector<SyncFigures> sync = SummarizeSync(results);
  ASSERT_EQ(sync.size(), 2u);
  EXPECT_EQ(sync[0].engine, "nokv");
  EXPECT_DOUBLE_EQ(sync[0].raw, 1000);
  EXPECT_DOUBLE_EQ(sync[0].one_writer, 450);
  EXPECT_DOUBLE_EQ(sync[0].sixteen_writers, 4500);
  EXPECT_DOUBLE_EQ(sync[0].ratio_16w_1w, 10);
  EXPECT_DOUBLE_EQ(sync[0].ratio_1w_raw, 0.45);
  EXPECT_DOUBLE_EQ(sync[1].ratio_1w_raw, 0.9);
  const std::string text = FormatSyncRatios(results);
  EXPECT_NE(text.find("10.00x"), std::string::npos) << text;
  EXPECT_NE(text.find("0.45x"), std::string::npos) << text;
  // The probe is not an engine in the ratio table or the chart.
  EXPECT_EQ(FormatRatios(results).find(kRawSyncEngine), std::string::npos);
  EXPECT_EQ(FormatSvg(results).find(kRawSyncEngine), std::string::npos);
  EXPECT_EQ(FormatSyncRatios(Samples()), "");
  const std::string json = FormatJson(BenchConfig(), results);
  EXPECT_NE(json.find("\"ratio_16w_1w\": 10.000, \"ratio_1w_raw\": 0.450"), std::string::npos)
      << json;
}

TEST(ReportTest, JsonCarriesEveryRepeatAndTheCellMedians) {
  const std::string json = FormatJson(BenchConfig(), Repeats());
  ASSERT_EQ(json.front(), '{');
  EXPECT_EQ(json.substr(json.size() - 2), "}\n");
  EXPECT_EQ(Count(json, "\n  {\"engine\": \"nokv\", \"workload\": \"a\", \"repeat\": "), 3u);
  EXPECT_NE(json.find("\"repeat\": 2, "), std::string::npos);
  EXPECT_NE(json.find("\"median_ops_per_sec\": 90000.000, \"min_ops_per_sec\": 80000.000, "
                      "\"max_ops_per_sec\": 700000.000"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"ratio_to_fastest_peer\": 0.900"), std::string::npos);
}

TEST(ReportTest, JsonHasTheRequiredFields) {
  const std::string json = FormatJson(BenchConfig(), Samples());
  for (const char* key : {"engine", "workload", "repeat", "ops", "ops_per_sec", "avg_us",
                          "p50_us", "p95_us", "p99_us", "p999_us", "peak_rss_bytes", "disk_bytes",
                          "write_amp", "space_amp", "op_mix", "not_found", "wrong",
                          "bytes_written", "results", "cells", "median_ops_per_sec"}) {
    EXPECT_NE(json.find(std::string("\"") + key + "\": "), std::string::npos) << key;
  }
  EXPECT_NE(json.find("\"write_amp\": null"), std::string::npos);  // leveldb: not reported
  EXPECT_NE(json.find("\\\"quoted\\\""), std::string::npos);        // escaped
  EXPECT_NE(json.find("\"ratio_to_fastest_peer\": 0.800"), std::string::npos);
  // Balanced braces and brackets outside strings.
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    ASSERT_GE(depth, 0);
  }
  EXPECT_EQ(depth, 0);
  const std::string empty = FormatJson(BenchConfig(), {});
  EXPECT_NE(empty.find("\"results\": [],\n\"cells\": [],\n\"sync\": []}"), std::string::npos)
      << empty;
}

TEST(ReportTest, CsvHasAHeaderAndOneRowPerResultWithEqualColumns) {
  const std::string csv = FormatCsv(Samples());
  std::istringstream in(csv);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0].rfind("engine,workload,repeat,ok,", 0), 0u);
  EXPECT_NE(lines[0].find(",median_ops_per_sec,min_ops_per_sec,max_ops_per_sec,"),
            std::string::npos);
  auto columns = [](const std::string& l) {
    int n = 1;
    bool quoted = false;
    for (char c : l) {
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) ++n;
    }
    return n;
  };
  for (const std::string& l : lines) EXPECT_EQ(columns(l), columns(lines[0])) << l;
  EXPECT_EQ(lines[1].rfind("nokv,a,0,1,1000,2000,2,", 0), 0u);
  // Every repeat is a row, each with its cell's median, min and max.
  const std::string rep = FormatCsv(Repeats());
  EXPECT_EQ(Count(rep, "\nnokv,a,"), 3u);
  EXPECT_NE(rep.find("nokv,a,2,1,1000,2000,2,0.003,700000.000,90000.000,80000.000,700000.000,"),
            std::string::npos)
      << rep;
}

TEST(ReportTest, RatioAgainstTheFastestPeer) {
  std::string peer;
  EXPECT_DOUBLE_EQ(NoKvRatio(Samples(), "a", &peer), 0.8);
  EXPECT_EQ(peer, "rocksdb");
  EXPECT_DOUBLE_EQ(NoKvRatio(Samples(), "c", &peer), 2.0);
  EXPECT_EQ(NoKvRatio(Samples(), "zz", &peer), 0.0);
  const std::string ratios = FormatRatios(Samples());
  EXPECT_NE(ratios.find("0.80x (rocksdb)"), std::string::npos) << ratios;
  EXPECT_NE(ratios.find("2.00x (rocksdb)"), std::string::npos) << ratios;
}

// Every nokv* engine gets its own ratio column and is never its own peer.
TEST(ReportTest, EachNoKvEngineIsComparedWithPeersOnly) {
  std::vector<BenchResult> results = Samples();
  BenchResult art = results.front();
  art.engine = "nokv-art";
  art.workload = "a";
  art.ops_per_sec = 250000;  // faster than every peer and than nokv
  results.push_back(art);
  std::string peer;
  EXPECT_DOUBLE_EQ(NoKvRatio(results, "a", &peer), 0.8);  // nokv-art is not a peer
  EXPECT_EQ(peer, "rocksdb");
  EXPECT_DOUBLE_EQ(NoKvRatio(results, "a", &peer, "nokv-art"), 2.5);
  EXPECT_TRUE(IsNoKvEngine("nokv-art"));
  EXPECT_FALSE(IsNoKvEngine("leveldb"));
  const std::string ratios = FormatRatios(results);
  EXPECT_NE(ratios.find("nokv-art / fastest peer"), std::string::npos) << ratios;
  EXPECT_NE(ratios.find("2.50x (rocksdb)"), std::string::npos) << ratios;
}

TEST(ReportTest, TableAndSvg) {
  std::vector<BenchResult> results = Samples();
  results[2].error = "open: IO error";
  const std::string table = FormatTable(results);
  EXPECT_NE(table.find("leveldb   a          FAILED: open: IO error"), std::string::npos) << table;
  EXPECT_NE(table.find("read 50.0% update 50.0%"), std::string::npos);
  const std::string svg = FormatSvg(results);
  EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  size_t bars = 0;
  for (size_t pos = 0; (pos = svg.find("<title>", pos)) != std::string::npos; ++pos) ++bars;
  EXPECT_EQ(bars, 4u);  // the failed run has no bar
}

TEST(ReportTest, SvgPathSitsBesideTheResults) {
  BenchConfig c;
  c.workdir = "/tmp/w";
  EXPECT_EQ(SvgPathFor(c), "/tmp/w/bench.svg");
  c.csv_path = "out/r.csv";
  EXPECT_EQ(SvgPathFor(c), "out/r.svg");
  c.json_path = "out/results.json";
  EXPECT_EQ(SvgPathFor(c), "out/results.svg");
}

TEST(ReportTest, SerializeRoundTrip) {
  BenchResult r = Sample("rocksdb", "e", 12345.678);
  r.error = "multi\nline";
  r.repeat = 2;
  r.not_found = 3;
  r.wrong = 4;
  r.checked = 99;
  r.bytes_written = 123456;
  r.bytes_written_sources = "wal 1.0M + flush 2.0M";
  BenchResult back;
  ASSERT_TRUE(ParseResult(SerializeResult(r), &back));
  EXPECT_EQ(back.engine, "rocksdb");
  EXPECT_EQ(back.workload, "e");
  EXPECT_EQ(back.error, "multi line");
  EXPECT_DOUBLE_EQ(back.ops_per_sec, r.ops_per_sec);
  EXPECT_EQ(back.disk_bytes, r.disk_bytes);
  EXPECT_DOUBLE_EQ(back.write_amp, 2.5);
  EXPECT_EQ(back.repeat, 2);
  EXPECT_EQ(back.not_found, 3u);
  EXPECT_EQ(back.wrong, 4u);
  EXPECT_EQ(back.checked, 99u);
  EXPECT_DOUBLE_EQ(back.bytes_written, 123456);
  EXPECT_EQ(back.bytes_written_sources, "wal 1.0M + flush 2.0M");
  ASSERT_EQ(back.op_mix.size(), 2u);
  EXPECT_EQ(back.op_mix[1].op, "update");
  EXPECT_EQ(back.op_mix[1].count, 1000u);
  EXPECT_DOUBLE_EQ(back.op_mix[1].p99_us, 60);
  EXPECT_FALSE(ParseResult("", &back));
}

}  // namespace
}  // namespace nokv::bench
