// Tests for result rendering: JSON/CSV shape, the SVG chart, the ratio and
// the child-to-parent encoding.
#include "bench/report.h"

#include <gtest/gtest.h>

#include <sstream>

namespace nokv::bench {
namespace {

BenchResult Sample(const std::string& engine, const std::string& workload, double ops_per_sec) {
  BenchResult r;
  r.engine = engine;
  r.workload = workload;
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

TEST(ReportTest, JsonIsAnArrayOfObjectsWithTheRequiredFields) {
  const std::string json = FormatJson(Samples());
  ASSERT_EQ(json.front(), '[');
  EXPECT_EQ(json.substr(json.size() - 2), "]\n");
  size_t objects = 0;
  for (size_t pos = 0; (pos = json.find("\n  {\"engine\"", pos)) != std::string::npos; ++pos) {
    ++objects;
  }
  EXPECT_EQ(objects, 5u);
  for (const char* key : {"engine", "workload", "ops", "ops_per_sec", "avg_us", "p50_us",
                          "p95_us", "p99_us", "p999_us", "peak_rss_bytes", "disk_bytes",
                          "write_amp", "space_amp", "op_mix"}) {
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
  EXPECT_EQ(FormatJson({}), "[]\n");
}

TEST(ReportTest, CsvHasAHeaderAndOneRowPerResultWithEqualColumns) {
  const std::string csv = FormatCsv(Samples());
  std::istringstream in(csv);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0].rfind("engine,workload,ok,", 0), 0u);
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
  EXPECT_EQ(lines[1].rfind("nokv,a,1,1000,2000,2,", 0), 0u);
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
  EXPECT_NE(table.find("leveldb  a          FAILED: open: IO error"), std::string::npos) << table;
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
  BenchResult back;
  ASSERT_TRUE(ParseResult(SerializeResult(r), &back));
  EXPECT_EQ(back.engine, "rocksdb");
  EXPECT_EQ(back.workload, "e");
  EXPECT_EQ(back.error, "multi line");
  EXPECT_DOUBLE_EQ(back.ops_per_sec, r.ops_per_sec);
  EXPECT_EQ(back.disk_bytes, r.disk_bytes);
  EXPECT_DOUBLE_EQ(back.write_amp, 2.5);
  ASSERT_EQ(back.op_mix.size(), 2u);
  EXPECT_EQ(back.op_mix[1].op, "update");
  EXPECT_EQ(back.op_mix[1].count, 1000u);
  EXPECT_DOUBLE_EQ(back.op_mix[1].p99_us, 60);
  EXPECT_FALSE(ParseResult("", &back));
}

}  // namespace
}  // namespace nokv::bench
